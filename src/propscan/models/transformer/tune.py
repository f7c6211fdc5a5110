"""Choosing the settings of a trained :class:`~propscan.models.transformer.tagger.TransformerTagger` on held-out articles.

Tuning (:func:`tune_on_heldout`) runs on the tune split of train (:mod:`propscan.models.protocol`),
never on dev: SI decoding thresholds and the share of the word-level lexical tagger, TC temperature,
a two-weight Repetition boost from the article-wide repetition features, per-class bias,
post-temperature, runner-up threshold, Platt scaling of span scores, a final Platt map of the span
score, and the two confidence cuts (the F1-optimal one for SemEval files, the recommended display
threshold); ECE is reported before/after (and for the final map, cross-fitted over two halves of
the tune split). :func:`quick_eval` is the cheaper figure training picks its epoch by.

>>> calibration, figures = tune_on_heldout(model, tune_documents, tune_gold)  # doctest: +SKIP
>>> model.use_calibration(calibration)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from propscan.document import Document, Span
from propscan.eval.scorer import merge_overlapping, score_si, score_tc
from propscan.models.calibration import apply_platt, ece, fit_platt, fit_temperature, softmax, tc_calibrated
from propscan.models.features import FEATURE_NAMES
from propscan.models.transformer.decode import decode_spans, mix_inside

#: confidence cuts tried for the SemEval (F1-optimal) and the display operating points
CUT_GRID = tuple(round(x, 3) for x in np.arange(0.0, 0.801, 0.025))


def tune_on_heldout(model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Choose thresholds and fit calibration on held-out articles (the tune split): ``(calibration, figures)``.

    Starts from the model's calibration and leaves the model as it is (``model.tune`` applies the
    result). Never pass dev here: dev is the held-out report (:mod:`propscan.models.protocol`).
    """
    raws = model.raw_predict(documents)
    calibration = dict(model.calibration_)
    # 1. SI decoding: hysteresis thresholds, sentence gate, share of the lexical tagger
    si_table, best, si_sc = _tune_si_decoding(model, documents, gold, raws)
    decoding = {k: v for k, v in best.items() if k != "lexical_weight"}
    lexical_weight, floor = best["lexical_weight"], decoding["threshold"]  # floor: the low hysteresis threshold
    calibration["si_lexical_weight"] = lexical_weight
    calibration.update(si_core_threshold=decoding["core_threshold"], si_split_threshold=decoding["split_threshold"])
    calibration["sentence_threshold"] = decoding["sentence_threshold"]
    calibration["si_threshold"] = floor
    # 2. TC: temperature, Repetition boost (article-wide repetition features), per-class bias, post-temperature
    logits, y, feats = _tc_logits_on_gold(model, documents, gold, raws)
    tc_figures = _tune_tc(model.labels_, logits, y, feats, calibration)
    all_probs = tc_calibrated(logits, feats, calibration, model.labels_)
    tc_sc = score_tc(_tc_pred(model.labels_, documents, gold, all_probs.argmax(1)), _gold_by_doc(documents, gold))
    tc_plain = score_tc(_tc_pred(model.labels_, documents, gold, logits.argmax(1)), _gold_by_doc(documents, gold))
    # 3. runner-up threshold: F1 of (offsets, technique) pairs on the gold spans
    calibration["second_threshold"] = _tune_second(model.labels_, documents, gold, all_probs)
    # 4. candidates: the same runs down to the low floor (no confident-core requirement); a
    # confidence cut replaces the core threshold, so readers can see less sure flags too
    calibration["si_floor_core_threshold"] = floor
    outcomes = _candidate_outcomes(model, documents, gold, raws, calibration, {**decoding, "core_threshold": floor})
    # 5. span scores: Platt on the SI score, then a final map of the product onto "span and technique correct"
    score_figures = _fit_span_scores(*outcomes, calibration)
    # 6. the two operating points on the confidence axis, chosen here (never on dev)
    cuts = _tune_cuts(model, documents, gold, raws, calibration)
    calibration["display_threshold"] = cuts["display_threshold"]
    figures = {
        "cuts": cuts,
        "si": {"precision": si_sc.precision, "recall": si_sc.recall, "f1": si_sc.f1, "predicted_spans": si_sc.p_den, **best},
        "si_grid": [{**k, "f1": round(f, 4), "spans": sc.p_den} for f, k, sc in sorted(si_table, key=lambda r: -r[0])[:10]],
        "si_lexical_off": _best_without_lexical(si_table),
        "tc": tc_sc.to_dict(),
        "tc_f1_uncalibrated": tc_plain.f1,
        "calibration": {
            "tc_temperature": tc_figures["tc_temperature"],
            "tc_rep_boost": calibration["tc_rep_boost"],
            "tc_post_temperature": calibration["tc_post_temperature"],
            "tc_bias": dict(zip(model.labels_, calibration["tc_bias"])),
            "ece_tc_before": tc_figures["ece_tc_before"],
            "ece_tc_after": tc_figures["ece_tc_after"],
            **score_figures,
        },
    }
    return calibration, figures


# ---------------------------------------------------------------- held-out predictions in scorer form


def _gold_by_doc(documents: Sequence[Document], gold: Mapping[str, Sequence[Span]]) -> dict[str, list[Span]]:
    # span-free articles stay in (the official single-file gold omits them, which hides false positives there)
    return {d.id: list(gold.get(d.id, [])) for d in documents}


def _si_pred(documents: Sequence[Document], found: Sequence[Sequence[tuple[int, int, float]]], gold_ids: set[str]) -> dict[str, list[Span]]:
    return {d.id: [Span(s, e) for s, e, _ in f] for d, f in zip(documents, found) if d.id in gold_ids}


def _tc_pred(labels: Sequence[str], documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], label_ids: np.ndarray) -> dict[str, list[Span]]:
    """The gold spans, named by ``label_ids`` (one per gold span, in gold order)."""
    out, i = {}, 0
    for d in documents:
        g = list(gold.get(d.id, []))
        out[d.id] = [Span(s.start, s.end, labels[int(label_ids[i + j])]) for j, s in enumerate(g)]
        i += len(g)
    return out


def _tc_logits_on_gold(
    model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], raws: Sequence[Mapping[str, Any]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw TC logits, label ids (-1: unknown) and span features of every gold span, in gold order."""
    lab = {n: i for i, n in enumerate(model.labels_)}
    logits, ys, feats = [], [], []  # type: list[np.ndarray], list[int], list[np.ndarray]
    for d, r in zip(documents, raws):
        g = list(gold.get(d.id, []))
        if not g:
            continue
        lg, ft = model.tc_scores(d.text, r["tok"], r["states"], [(s.start, s.end) for s in g])
        logits.append(lg)
        feats.append(ft)
        ys.extend(lab.get(str(s.technique), -1) for s in g)
    if not logits:
        return np.zeros((0, len(model.labels_))), np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURE_NAMES)))
    return np.concatenate(logits), np.asarray(ys), np.concatenate(feats)


def quick_eval(model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]]) -> dict[str, float]:
    """Dev SI F1 (best of a few plain thresholds) and TC micro-F1 with uncalibrated logits (epoch selection)."""
    raws = model.raw_predict(documents)
    sig = _gold_by_doc(documents, gold)
    best = (0.0, 0.5)
    for thr in (0.2, 0.3, 0.4, 0.5):
        found = [decode_spans(d.text, r["tok"], r["si_probs"], threshold=thr, split_threshold=None) for d, r in zip(documents, raws)]
        f1 = score_si(_si_pred(documents, found, set(sig)), sig).f1
        best = max(best, (f1, thr))
    tc_logits, tc_gold, _ = _tc_logits_on_gold(model, documents, gold, raws)
    pred = _tc_pred(model.labels_, documents, gold, tc_logits.argmax(1))
    tc = score_tc(pred, sig).f1 if len(tc_gold) else 0.0
    return {"si_f1": round(best[0], 4), "si_threshold": best[1], "tc_f1": round(tc, 4)}


# ---------------------------------------------------------------- the tuning steps


def si_decoding_grid(lexical: bool) -> list[dict[str, float]]:
    """The SI decoding settings the tuning step tries (``lexical_weight`` > 0 only with a lexical tagger)."""
    return [{"lexical_weight": lw, "threshold": lo, "core_threshold": hi, "split_threshold": split, "sentence_threshold": ts}
            for lw in ((0.0, 0.3, 0.4, 0.5) if lexical else (0.0,)) for ts in (0.0, 0.3) for lo in (0.2, 0.25, 0.3)
            for hi in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6) for split in (0.4, 0.5, 1.01)]


def _tune_si_decoding(
    model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], raws: Sequence[Mapping[str, Any]],
    *, admit: Callable[[Sequence[Sequence[tuple[int, int, float]]]], bool] | None = None,
) -> tuple[list[Any], dict[str, Any], Any]:
    """Grid over the decoding settings: ``(table of (f1, setting, score), chosen setting, its score)``.

    ``admit``: only settings whose decoded spans (per document) it accepts are scored and chosen among.
    """
    sig = _gold_by_doc(documents, gold)
    si_table = []
    mixed: dict[float, list[np.ndarray]] = {}
    for setting in si_decoding_grid(getattr(model, "lexical_", None) is not None):
        dk = {k: v for k, v in setting.items() if k != "lexical_weight"}
        lw = setting["lexical_weight"]
        probs = mixed.setdefault(lw, [mix_inside(r["si_probs"], r.get("lex_probs"), lw) for r in raws])
        found = [decode_spans(d.text, r["tok"], p, sentence_probs=r["sent_probs"], **dk) for d, r, p in zip(documents, raws, probs)]
        if admit is not None and not admit(found):
            continue
        sc = score_si(_si_pred(documents, found, set(sig)), sig)
        si_table.append((sc.f1, {**dk, "lexical_weight": lw}, sc))
    # parsimony: among settings within 0.005 F1 of the best, take the one predicting the fewest spans
    # (the SI metric rewards fragmenting spans; a reader wants few, whole passages)
    top_f1 = max(r[0] for r in si_table)
    _, best, si_sc = min((r for r in si_table if r[0] >= top_f1 - 0.005), key=lambda r: (r[2].p_den, -r[0]))
    return si_table, best, si_sc


def _best_without_lexical(si_table: Sequence[Any]) -> dict[str, Any]:
    """Best hysteresis SI F1 with the lexical share at 0 (what the lexical mix is worth here)."""
    rows = [r for r in si_table if r[1]["lexical_weight"] == 0.0]
    if not rows:
        return {}
    f1, k, sc = max(rows, key=lambda r: r[0])
    return {"precision": sc.precision, "recall": sc.recall, "f1": f1, **k}


def _tune_tc(
    labels: Sequence[str], logits: np.ndarray, y: np.ndarray, feats: np.ndarray, cal: dict[str, Any], *, fit_bias: bool = False
) -> dict[str, float]:
    """Fit the TC calibration into ``cal`` on the gold spans of known technique; returns the temperature and ECE before/after.

    The technique is the TC head's own argmax: temperatures only calibrate the confidence. ``fit_bias=True``
    also fits a Repetition boost and per-class logit biases for accuracy on these spans; that recipe is kept
    for the comparison in ``benchmarks/tc_stacker.py``, where, refitted per fold of the tune split, it
    scored 1.1 points *below* the plain argmax for the v3 ensemble (0.663 vs 0.674), so no model fits it.
    """
    ok = y >= 0
    lg, yy, ff = logits[ok], y[ok], feats[ok]
    T = fit_temperature(lg, yy)
    p_raw = softmax(lg)
    ece_tc_before = ece(p_raw.max(1), p_raw.argmax(1) == yy)
    cal.update(tc_temperature=T, tc_bias=[0.0] * len(labels), tc_rep_boost=[0.0, 0.0], tc_post_temperature=1.0)
    if fit_bias and "Repetition" in labels:
        best_boost = (int((tc_calibrated(lg, ff, cal, labels).argmax(1) == yy).sum()), 0.0, 0.0)
        for wa in np.arange(0.0, 3.01, 0.25):
            for wb in np.arange(0.0, 2.01, 0.25):
                n_ok = int((tc_calibrated(lg, ff, {**cal, "tc_rep_boost": [wa, wb]}, labels).argmax(1) == yy).sum())
                if n_ok >= best_boost[0] + 3:  # a boost must win at least 3 spans
                    best_boost = (n_ok, float(wa), float(wb))
        cal["tc_rep_boost"] = [best_boost[1], best_boost[2]]
    z = np.log(np.clip(tc_calibrated(lg, ff, cal, labels), 1e-12, 1.0))  # log-probs before the bias
    if fit_bias:
        cal["tc_bias"] = [float(x) for x in _tune_bias(z, yy, len(labels))]
    z_biased = np.log(np.clip(tc_calibrated(lg, ff, cal, labels), 1e-12, 1.0))
    # post-temperature: the one scalar that best calibrates the biased probabilities (10-bin ECE; argmax unchanged)
    grid_t2 = np.exp(np.linspace(np.log(0.5), np.log(3.0), 41))
    cal["tc_post_temperature"] = float(min(grid_t2, key=lambda t2: ece(softmax(z_biased / t2).max(1), z_biased.argmax(1) == yy)))
    p_cal = tc_calibrated(lg, ff, cal, labels)
    return {"tc_temperature": T, "ece_tc_before": ece_tc_before, "ece_tc_after": ece(p_cal.max(1), p_cal.argmax(1) == yy)}


def _tune_bias(log_probs: np.ndarray, y: np.ndarray, n_labels: int, *, min_gain: int = 2, rounds: int = 2) -> np.ndarray:
    """Per-class additive logit bias by coordinate ascent on accuracy; a change must win >= min_gain spans."""
    bias = np.zeros(n_labels)
    grid = np.arange(-1.5, 1.51, 0.25)
    base = int((np.argmax(log_probs + bias, 1) == y).sum())
    for _ in range(rounds):
        for c in range(n_labels):
            best_v, best_n = bias[c], base
            for v in grid:
                b = bias.copy()
                b[c] = v
                n = int((np.argmax(log_probs + b, 1) == y).sum())
                if n >= best_n + min_gain or (n > best_n and abs(v) < abs(best_v)):
                    best_v, best_n = v, n
            bias[c], base = best_v, best_n
    return bias


def _tune_second(labels: Sequence[str], documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], probs: np.ndarray) -> float:
    """Smallest runner-up probability for a second technique on the same offsets (1.0 = never)."""
    rows, i = [], 0
    for d in documents:
        g = list(gold.get(d.id, []))
        by_off: dict[tuple[int, int], set[str]] = {}
        first: dict[tuple[int, int], int] = {}
        for j, s in enumerate(g):
            by_off.setdefault((s.start, s.end), set()).add(str(s.technique))
            first.setdefault((s.start, s.end), i + j)
        for off, labs in by_off.items():
            rows.append((labs, probs[first[off]]))
        i += len(g)
    best_t, best_f = 1.0, -1.0
    for t in (1.0, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25):
        tp = npred = ngold = 0
        for labs, p in rows:
            order = np.argsort(-p)
            pred = {labels[order[0]]} | ({labels[order[1]]} if p[order[1]] >= t else set())
            tp += len(pred & labs)
            npred += len(pred)
            ngold += len(labs)
        prec, rec = tp / max(1, npred), tp / max(1, ngold)
        f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f > best_f + 1e-9:
            best_t, best_f = t, f
    return best_t


def _candidate_outcomes(
    model: Any,
    documents: Sequence[Document],
    gold: Mapping[str, Sequence[Span]],
    raws: Sequence[Mapping[str, Any]],
    cal: Mapping[str, Any],
    decoding: Mapping[str, Any],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate span decoded with ``decoding``, and how it fares against the gold spans.

    Per candidate: its raw SI score, whether it covers gold propaganda (at least half of it lies in
    gold spans), whether its calibrated technique is one an overlapping gold span has, the top raw
    and calibrated TC probabilities, and the index of its article.
    """
    lw = float(cal["si_lexical_weight"])
    found = [
        decode_spans(d.text, r["tok"], mix_inside(r["si_probs"], r.get("lex_probs"), lw), sentence_probs=r["sent_probs"], **decoding)
        for d, r in zip(documents, raws)
    ]
    raw_scores, span_ok, tech_ok, tc_top, art = [], [], [], [], []
    lab = model.labels_
    for n_doc, (d, r, f) in enumerate(zip(documents, raws, found)):
        if not f:
            continue
        g = list(gold.get(d.id, []))
        merged = merge_overlapping([(s.start, s.end) for s in g])
        lg_f, ft_f = model.tc_scores(d.text, r["tok"], r["states"], [(s, e) for s, e, _ in f], priority=np.asarray([sc for _, _, sc in f]))
        p_cal_f = tc_calibrated(lg_f, ft_f, cal, lab)
        for (s, e, span_score), row, p_cal_row in zip(f, lg_f, p_cal_f):
            cover = sum(max(0, min(e, b) - max(s, a)) for a, b in merged) / (e - s)
            raw_scores.append(span_score)
            span_ok.append(cover >= 0.5)
            p_raw_row = softmax(row[None])[0]
            tech = lab[int(p_cal_row.argmax())]
            tech_ok.append(any(str(x.technique) == tech and min(e, x.end) - max(s, x.start) >= 0.5 * (e - s) for x in g))
            tc_top.append((p_raw_row.max(), p_cal_row.max()))
            art.append(n_doc)
    top = np.asarray(tc_top) if tc_top else np.zeros((0, 2))
    return np.asarray(raw_scores), np.asarray(span_ok), np.asarray(tech_ok), top, np.asarray(art)


def _fit_span_scores(
    raw_scores: np.ndarray, span_ok: np.ndarray, tech_ok: np.ndarray, top: np.ndarray, art: np.ndarray, cal: dict[str, Any]
) -> dict[str, Any]:
    """Fit ``si_platt`` and ``score_platt`` into ``cal`` from the candidates' outcomes; returns the ECE figures."""
    a, b = fit_platt(raw_scores, span_ok)
    cal["si_platt"] = [a, b]
    final_before = raw_scores * top[:, 0] if len(top) else raw_scores
    product = apply_platt(raw_scores, a, b) * top[:, 1] if len(top) else raw_scores
    # the product of two calibrated factors is not calibrated for predicted spans (TC was
    # calibrated on gold spans): a final Platt map of the span score onto "span and technique correct"
    cal["score_platt"] = list(fit_platt(product, tech_ok))
    final_after = apply_platt(product, *cal["score_platt"])
    # honest ECE of that last map: fitted on half of the articles, measured on the other half
    half = art % 2 == 0
    crossfit = np.zeros_like(product)
    for part in (half, ~half):
        if part.any() and (~part).any():
            crossfit[part] = apply_platt(product[part], *fit_platt(product[~part], tech_ok[~part]))
    return {
        "ece_si_span_before": ece(raw_scores, span_ok),
        "ece_si_span_after": ece(apply_platt(raw_scores, a, b), span_ok),
        "ece_span_score_before": ece(final_before, tech_ok),
        "ece_span_score_product": ece(product, tech_ok),
        "ece_span_score_after": ece(final_after, tech_ok),
        "ece_span_score_crossfit": ece(crossfit, tech_ok),
        "n_pred_spans": int(len(raw_scores)),
    }


def _tune_cuts(
    model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], raws: Sequence[Any], cal: Mapping[str, Any]
) -> dict[str, Any]:
    """Choose the two confidence cuts on held-out articles, from the spans exactly as shipped (with ``cal``).

    The SemEval files use the F1-optimal hysteresis decoding instead (a confidence cut over the
    candidates scored lower on held-out articles; ``si_at_f1_cut`` records by how much). ``display_threshold``
    maximises the F1 of flag precision (same technique) and hit-same recall: the reader's view,
    where a flag counts when it names the technique an annotator marked there.
    """
    from propscan.eval.scorer import hit_rates

    flags = {d.id: model.spans_from_raw(d, r, calibration=cal) for d, r in zip(documents, raws)}
    gl = _gold_by_doc(documents, gold)
    table = []
    for t in CUT_GRID:
        shown = {k: [s for s in v if s.score >= t] for k, v in flags.items()}
        si = score_si({k: v for k, v in shown.items() if k in gl}, gl)
        h = hit_rates(shown, gl)
        pr, rc = h.flag_precision_same, h.hit_same
        table.append({"threshold": t, "si_precision": si.precision, "si_recall": si.recall, "si_f1": si.f1,
                      "hit_any": h.hit_any, "hit_same": rc, "flag_precision_same": pr, "flag_precision_any": h.flag_precision_any,
                      "reader_f1": 2 * pr * rc / (pr + rc) if pr + rc else 0.0, "flags": h.flags})  # fmt: skip
    si_best = max(table, key=lambda r: (round(r["si_f1"], 4), r["threshold"]))
    reader_best = max(table, key=lambda r: (round(r["reader_f1"], 4), r["threshold"]))
    return {
        "display_threshold": reader_best["threshold"],
        "si_at_f1_cut": {"precision": si_best["si_precision"], "recall": si_best["si_recall"], "f1": si_best["si_f1"], "threshold": si_best["threshold"]},
        "at_display_threshold": reader_best,
        "at_floor": table[0],
        "table": table,
    }
