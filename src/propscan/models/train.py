"""The one training entry point (``propscan train``): PTC train -> a model, every setting chosen on a tune split of train.

>>> metrics = train("default", "../shared/data/ptc-semeval2020", "runs/model", smoke=True)  # doctest: +SKIP

The protocol (:mod:`propscan.models.protocol`): the model is fitted on the fit split of train; the
epoch and every decoding and calibration setting are chosen on the tune split; dev is not read
here at all (``benchmarks/eval_dev.py`` reports it and logs each look). With ``refit=True`` a second
model is then trained on all of train for the chosen number of epochs and takes over the settings
chosen on the tune split. Full training on 2 CPU cores takes about 30 minutes per model;
``smoke=True`` uses a handful of articles and finishes in well under two minutes.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.errors import InputError
from propscan.io.ptc import read_ptc
from propscan.models.loading import read_config, read_metrics, write_metrics
from propscan.models.protocol import TUNE_FRACTION, TUNE_SEED, split_train_ids

SMOKE_TRAIN_ARTICLES = 4
SMOKE_TUNE_ARTICLES = 3


def _split(data_dir: str | os.PathLike[str], smoke: bool) -> tuple[list[Any], list[Any], list[Any], dict[str, Any]]:
    docs, gold = read_ptc(data_dir, "train")
    fit_ids, tune_ids = split_train_ids([d.id for d in docs])
    fit = [d for d in docs if d.id in set(fit_ids)]
    tune = [d for d in docs if d.id in set(tune_ids)]
    if smoke:
        fit = [d for d in fit if gold.get(d.id)][:SMOKE_TRAIN_ARTICLES]
        tune = [d for d in tune if gold.get(d.id)][:SMOKE_TUNE_ARTICLES]
    return docs, fit, tune, gold


def _use_training_threads() -> Any:
    """Run torch on :func:`propscan.defaults.training_threads` threads; returns torch."""
    import torch

    torch.set_num_threads(defaults.training_threads())
    return torch


def train_transformer(
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = defaults.SEED,
    smoke: bool = False,
    epochs: int | None = None,
    refit: bool = False,
    progress: bool = True,
    **params: Any,
) -> dict[str, Any]:
    """Train a :class:`~propscan.models.transformer.tagger.TransformerTagger` under the protocol and save it.

    Parameters
    ----------
    data_dir : path
        A PTC-layout corpus folder (``train-articles``, ``train-labels-task-flc-tc``); only train is read.
    output_dir : path
        Where the model is written (``config.json``, safetensors weights, ``metrics.json``).
    seed : int, default=13
        Seeds torch and numpy (the run is reproducible on the same machine and thread count).
    smoke : bool, default=False
        Train on a few articles for one short epoch (a plumbing check, not a useful model).
    epochs : int or None
        Override the number of epochs (the best of them on the tune split is kept).
    refit : bool, default=False
        After tuning, train again on all of train for the chosen epochs and keep the tuned settings.
    **params
        Other :class:`TransformerTagger` hyper-parameters.

    Returns
    -------
    dict
        Tune-split metrics (SI P/R/F1 at the F1-optimal cut, hit rates at the display cut, TC
        micro-F1 and per-technique table, calibration, timings) and the split itself.
    """
    from propscan.models.transformer.tagger import TransformerTagger

    torch = _use_training_threads()
    t0 = time.time()
    docs, fit_docs, tune_docs, gold = _split(data_dir, smoke)
    if smoke:
        params.setdefault("max_train_windows", 12)
        params.setdefault("batch_size", 4)
        epochs = epochs or 1
    if epochs is not None:
        params["epochs"] = epochs
    model = TransformerTagger(seed=seed, progress=progress, **params)
    model.fit(fit_docs, gold, dev_documents=tune_docs, dev_gold={d.id: gold.get(d.id, []) for d in tune_docs})
    metrics = dict(model.dev_metrics_)
    metrics.update(
        protocol={"tune_fraction": TUNE_FRACTION, "tune_seed": TUNE_SEED, "fit_articles": len(fit_docs), "tune_articles": len(tune_docs),
                  "tune_ids": [d.id for d in tune_docs], "refit_on_all_train": refit},
        smoke=smoke,
        seed=seed,
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        machine=platform.machine(),
    )
    out = Path(output_dir)
    if refit:  # keep the tune-split model too: it is the one whose tune figures can be reproduced
        model.save_pretrained(Path(f"{out}-tunesplit"), extra={"tune_metrics": _summary(metrics), "protocol": {**metrics["protocol"], "tune_ids": None, "refit_on_all_train": False}})
        all_docs = docs if not smoke else fit_docs + tune_docs
        final = TransformerTagger(seed=seed, progress=progress, **{**params, "epochs": int(metrics["best_epoch"])})
        final.fit(all_docs, gold)
        final.use_calibration(model.calibration_)
        metrics["refit"] = {"articles": len(all_docs), "epochs": int(metrics["best_epoch"]), "history": final.dev_metrics_.get("history")}
        model = final
    metrics["wall_seconds"] = round(time.time() - t0, 1)
    metrics = json.loads(json.dumps(metrics, default=float))  # plain JSON types only
    model.save_pretrained(out, extra={"tune_metrics": _summary(metrics), "protocol": {k: v for k, v in metrics["protocol"].items() if k != "tune_ids"}})
    write_metrics(out, metrics)
    return metrics


def _summary(m: dict[str, Any]) -> dict[str, Any]:
    si, tc = m.get("si", {}), m.get("tc", {})
    shown = m.get("cuts", {}).get("at_display_threshold", {})
    return {
        "si_precision": si.get("precision"),
        "si_recall": si.get("recall"),
        "si_f1": si.get("f1"),
        "tc_micro_f1": tc.get("f1"),
        "hit_any": shown.get("hit_any"),
        "hit_same": shown.get("hit_same"),
        "flag_precision_same": shown.get("flag_precision_same"),
        "best_epoch": m.get("best_epoch"),
    }


def _tune_split_protocol(model_dir: str | os.PathLike[str], refusal: str) -> dict[str, Any]:
    """The saved protocol of a model that never saw the tune split; else :class:`InputError` ``"<dir>: <refusal>."``."""
    protocol = read_config(model_dir, verify=False).get("protocol") or {}
    if protocol.get("refit_on_all_train") or protocol.get("span_reader_refit_on_all_train") or not protocol:
        raise InputError(f"{model_dir}: {refusal}.")
    return dict(protocol)


def retune(
    model_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str] | None = None,
    lexical: bool = True,
    stride: int | None = None,
    span_reader: tuple[str | os.PathLike[str] | Sequence[str | os.PathLike[str]], float] | None = None,
    reader_cap: float | None = None,
    candidate_reader: tuple[str | os.PathLike[str], float] | None = None,
) -> dict[str, Any]:
    """Re-run only the tuning (decoding thresholds, calibration, cuts) of a protocol model on its tune split.

    Works for a tagger, a seed ensemble and a fast (member) model. The weights are unchanged (same
    files, same sha256): in place, only ``config.json`` and ``metrics.json`` are rewritten. A model
    refitted on all of train has seen the tune split, so it cannot be retuned (retrain instead).
    ``lexical=False`` drops the word-level lexical tagger first (the ablation arm of the protocol; a
    tagger only), ``stride`` sets the inference stride before tuning. ``span_reader`` = ``(file(s), w)``
    adds span readers trained on the fit split (``benchmarks/tc_span_reader.py``; several files:
    seeds whose log-probabilities are averaged) to an ensemble, mixed into TC with weight ``w``, after
    the int8 round trip they are stored in, reading at most ``reader_cap`` decoded candidates per
    1,000 tokens (``None``: all); ``candidate_reader`` = ``(file, w)`` adds a reader that names the spans
    the model decodes, in ``reader_``'s place for them (one of its seeds, or one trained on decoded
    candidates too, ``tc_span_reader.py --candidates``). The model is then saved whole.

    >>> retune("runs/model", "../shared/data/ptc-semeval2020")  # doctest: +SKIP
    """
    from propscan.models.loading import load_model, update_config
    from propscan.models.transformer.tagger import TransformerTagger

    src = Path(model_dir)
    protocol = _tune_split_protocol(src, "this model was trained on the tune split too (or before the protocol); retrain it instead")
    model = load_model(src)
    if not isinstance(model, TransformerTagger):
        raise InputError(f"{src}: only transformer models are tuned on the tune split.")
    _use_training_threads()  # after loading, which caps the threads for inference
    if not lexical:
        model.drop_lexical()
    if stride is not None:
        model.set_stride(int(stride))
    if span_reader is not None:
        model.reader_ = _load_span_reader(model, *span_reader, cap=reader_cap)
    if candidate_reader is not None:
        model.candidate_reader_ = _load_span_reader(model, *candidate_reader, cap=reader_cap)
    _, _, tune_docs, gold = _split(data_dir, smoke=False)
    old = read_metrics(src)
    t0 = time.time()
    metrics = {**old, **json.loads(json.dumps(model.tune(tune_docs, {d.id: gold.get(d.id, []) for d in tune_docs}), default=float))}
    metrics["retune_seconds"] = round(time.time() - t0, 1)
    protocol = {**protocol, "tune_articles": len(tune_docs)}
    metrics["protocol"] = protocol
    out = Path(output_dir) if output_dir else src
    extra = {"tune_metrics": _summary(metrics), "protocol": protocol}
    if out.resolve() == src.resolve() and lexical and span_reader is None and candidate_reader is None:  # the weight files stay byte for byte
        update_config(src, {"calibration": model.calibration_, "params": {**read_config(src, verify=False).get("params", {}),
                                                                          "stride": model.stride}, **extra})
    else:
        model.save_pretrained(out, extra=extra)
    write_metrics(out, metrics)
    return metrics


def _load_span_reader(
    model: Any, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], weight: float, *, cap: float | None = None
) -> Any:
    """Span readers from their training files (one per seed, each at its own length), through the int8 round trip, for an ensemble ``model``."""
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.ensemble import TaggerEnsemble
    from propscan.models.transformer.span_reader import SpanReader, read_reader_file

    if not isinstance(model, TaggerEnsemble):
        raise InputError("a span reader is added to an ensemble (propscan train --model ensemble) only.")
    files = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    read = [read_reader_file(f) for f in files]
    return SpanReader.from_states([round_trip(state) for state, _ in read], n_features=len(FEATURE_NAMES), n_labels=len(model.labels_),
                                  weight=float(weight), cap=cap, max_tokens=[m for _, m in read])


def refit_span_reader(
    model_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]], output_dir: str | os.PathLike[str], *,
    candidate: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Replace an ensemble's span readers by the same readers refitted on all of train; save it to ``output_dir``.

    Every setting stays as the tune split chose it with the fit-split readers (mix weight, cap,
    calibration, display threshold); only the readers' weights change, one file per seed in the
    model's order (each at the length its seed reads), through the same int8 round trip. The config's ``protocol`` records it
    (``span_reader_refit_on_all_train``), so the model can no longer be re-tuned, and its
    ``tune_metrics`` stay those of the fit-split readers. ``candidate``: the candidate reader's refitted
    file too (without it, a candidate reader keeps its weights). Returns the saved config.

    >>> refit_span_reader("runs/ens-readers", ["runs/span-reader-all/reader_e4.safetensors"], "runs/v3.3")  # doctest: +SKIP
    """
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader, read_reader_file

    src = Path(model_dir)
    protocol = _tune_split_protocol(src, "readers are refitted into a model tuned on the tune split (its readers not refitted yet)")
    model = load_model(src)
    old = getattr(model, "reader_", None)
    if old is None:
        raise InputError(f"{src}: this model has no span reader to refit.")
    if len(paths) != old.seeds:
        raise InputError(f"{src} has {old.seeds} reader seed(s); got {len(paths)} refitted file(s).")
    read = [read_reader_file(f) for f in paths]
    if [m for _, m in read] != old.max_tokens:
        raise InputError(f"{src}: its readers read {old.max_tokens} tokens; the refitted files read {[m for _, m in read]}.")
    model.reader_ = SpanReader.from_states([round_trip(state) for state, _ in read], n_features=len(FEATURE_NAMES), n_labels=len(model.labels_),
                                           weight=old.weight, cap=old.cap, r=old.r, alpha=old.alpha, max_tokens=old.max_tokens)
    cand = getattr(model, "candidate_reader_", None)
    if candidate is not None:
        if cand is None:
            raise InputError(f"{src}: this model has no candidate reader to refit.")
        state, length = read_reader_file(candidate)
        if [length] != cand.max_tokens:
            raise InputError(f"{src}: its candidate reader reads {cand.max_tokens[0]} tokens; the refitted file reads {length}.")
        model.candidate_reader_ = SpanReader.from_states([round_trip(state)], n_features=len(FEATURE_NAMES), n_labels=len(model.labels_),
                                                         weight=cand.weight, cap=cand.cap, r=cand.r, alpha=cand.alpha, max_tokens=[length])
    cfg = read_config(src, verify=False)
    protocol = {**protocol, "span_reader_refit_on_all_train": True, **({"candidate_reader_refit_on_all_train": True} if candidate else {})}
    model.save_pretrained(output_dir, extra={"tune_metrics": cfg.get("tune_metrics"), "protocol": protocol})
    metrics = read_metrics(src)
    write_metrics(output_dir, {**metrics, "protocol": protocol})
    return read_config(output_dir, verify=False)


def _swap_given_span_readers(
    model_dir: str | os.PathLike[str], path: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, missing: str,
    readers: Callable[[Any, dict[str, Any], int], tuple[list[dict[str, Any]], list[int], float]], protocol: dict[str, Any],
) -> dict[str, Any]:
    """Save ``model_dir`` to ``output_dir`` with the given-span readers ``readers(old, state, length)`` makes from the old
    readers and the reader file ``path`` (its states, their lengths, the mix weight); the readers that name decoded
    candidates are kept as they were (so flags do not change), and so are every setting, the tune figures and the
    article score's reference density. ``protocol`` is the saved config's. Returns the saved config."""
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader, read_reader_file

    src = Path(model_dir)
    cfg = read_config(src, verify=False)
    model = load_model(src)
    old = getattr(model, "reader_", None)
    if old is None:
        raise InputError(f"{src}: {missing}")
    if getattr(model, "candidate_reader_", None) is None:  # the readers named the decoded spans too: keep them doing so, as they were
        model.candidate_reader_ = old
    state, length = read_reader_file(path)
    states, lengths, weight = readers(old, round_trip(state), length)  # the new state through int8 once, as it will be stored
    # only saved: no seed needs building (each seed must hold the tensors the others do, checked here)
    model.reader_ = SpanReader([], states, old.specials, old.pad_id, weight=weight, cap=old.cap, r=old.r, alpha=old.alpha,
                               max_tokens=lengths, n_features=len(FEATURE_NAMES), n_labels=len(model.labels_))
    held: dict[str, Any] = {k: cfg[k] for k in ("tune_metrics", "article_reference_density") if k in cfg}  # flags, so the article score, are unchanged
    model.save_pretrained(output_dir, extra={**held, "protocol": protocol})
    write_metrics(output_dir, {**read_metrics(src), "protocol": protocol})
    return read_config(output_dir, verify=False)


def add_span_reader_seed(
    model_dir: str | os.PathLike[str], path: str | os.PathLike[str], output_dir: str | os.PathLike[str],
) -> dict[str, Any]:
    """Add one reader seed, trained on all of train, to the given-span readers of a model whose readers were refitted there.

    The seed's log-probabilities join the mean of the others (at the length it was trained to read);
    every setting stays (mix weight, calibration, display threshold, the article score's reference
    density), and the readers that name decoded candidates are untouched, so flags do not change. Choose the seed by grouped CV inside
    the tune split with its fit-split twin first (``benchmarks/tc_reader_cv.py --third-reader``).
    The config's ``protocol`` counts it (``span_reader_seeds_added_on_all_train``). Returns the saved config.

    >>> add_span_reader_seed("runs/v3.6.0", "runs/span-reader-all-t64/reader_e4.safetensors", "runs/v3.7.0")  # doctest: +SKIP
    """
    src = Path(model_dir)
    protocol = dict(read_config(src, verify=False).get("protocol") or {})
    if not protocol.get("span_reader_refit_on_all_train"):
        raise InputError(f"{src}: add a seed to a model whose readers were refitted on all train; otherwise attach it on the tune split.")
    protocol["span_reader_seeds_added_on_all_train"] = int(protocol.get("span_reader_seeds_added_on_all_train", 0)) + 1
    return _swap_given_span_readers(src, path, output_dir, missing="this model has no span reader to add a seed to.", protocol=protocol,
                                    readers=lambda old, added, length: ([*old.states, added], [*old.max_tokens, length], old.weight))


def replace_span_readers(
    model_dir: str | os.PathLike[str], path: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, weight: float,
    refit_on_all_train: bool, note: str,
) -> dict[str, Any]:
    """Replace the given-span readers of a model by one reader (``path``), mixed with the head at ``weight``.

    The readers that name decoded candidates are kept as they were (stored in their own file when they were
    a seed of the replaced ones), so flags do not change; every other setting stays. Choose the reader and
    its weight on the tune split first (``benchmarks/tc_reader_cv.py --alone``). The config's ``protocol``
    says whether it was refitted on all train and what it is (``note``). Returns the saved config.

    >>> replace_span_readers("runs/v3.7.0", "runs/span-reader-all-t64-kdaug/reader_e4.safetensors", "runs/v3.8.0",
    ...                      weight=0.75, refit_on_all_train=True, note="...")  # doctest: +SKIP
    """
    cfg = read_config(model_dir, verify=False)
    protocol = {k: v for k, v in (cfg.get("protocol") or {}).items() if k != "span_reader_seeds_added_on_all_train"}
    protocol.update({"span_reader_refit_on_all_train": bool(refit_on_all_train), "given_span_reader": note})
    return _swap_given_span_readers(model_dir, path, output_dir, missing="this model has no span readers to replace.", protocol=protocol,
                                    readers=lambda old, state, length: ([state], [length], float(weight)))


def train_ensemble(
    member_dirs: list[str | os.PathLike[str]],
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    smoke: bool = False,
) -> dict[str, Any]:
    """Join tune-split taggers (trained with other seeds or epochs) into a seed ensemble, tune it on the tune split, save it.

    Every member must have been fitted on the fit split only, so that the tune split stays unseen;
    the ensemble's weights go through the int8 round trip *before* tuning, so the settings fit the
    stored weights, and it is tuned at :data:`propscan.defaults.INFERENCE_STRIDE`. Returns the tune-split figures (as :func:`train_transformer` does).

    >>> train_ensemble(["runs/a", "runs/b"], "../shared/data/ptc-semeval2020", "runs/ensemble")  # doctest: +SKIP
    """
    from propscan.models.transformer.ensemble import TaggerEnsemble
    from propscan.models.transformer.tagger import TransformerTagger

    protocols = []
    for d in member_dirs:
        protocol = _tune_split_protocol(d, "an ensemble member must be a tune-split model (trained on the fit split only)")
        protocols.append({k: protocol.get(k) for k in ("tune_fraction", "tune_seed", "fit_articles")})
    if any(p != protocols[0] for p in protocols):
        raise InputError("ensemble members were trained on different fit/tune splits.")
    ens = TaggerEnsemble.from_members([TransformerTagger.from_pretrained(d) for d in member_dirs])
    ens.set_stride(defaults.INFERENCE_STRIDE)
    _use_training_threads()
    _, fit_docs, tune_docs, gold = _split(data_dir, smoke)
    t0 = time.time()
    metrics = json.loads(json.dumps(ens.tune(tune_docs, {d.id: gold.get(d.id, []) for d in tune_docs}), default=float))
    metrics["tune_seconds"] = round(time.time() - t0, 1)
    metrics["members"] = [str(d) for d in member_dirs]
    protocol = {**protocols[0], "tune_articles": len(tune_docs), "refit_on_all_train": False}
    metrics["protocol"] = protocol
    ens.save_pretrained(output_dir, extra={"tune_metrics": _summary(metrics), "protocol": protocol})
    write_metrics(output_dir, metrics)
    return metrics


def train_member(
    ensemble_dir: str | os.PathLike[str],
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    index: int = 0,
    stride: int | None = None,
    smoke: bool = False,
) -> dict[str, Any]:
    """Serve member ``index`` of a tune-split ensemble alone (the fast model): tune it on the tune split, save it.

    The saved model holds only its config; it reads the member's weights from ``ensemble_dir`` (exactly
    as stored there, int8 round trip included) and refuses to load if they change. ``stride`` sets the
    inference stride before tuning (default: :data:`propscan.defaults.INFERENCE_STRIDE`).

    >>> train_member("runs/ensemble", "../shared/data/ptc-semeval2020", "runs/fast")  # doctest: +SKIP
    """
    from propscan.models.transformer.member import EnsembleMember

    protocol = _tune_split_protocol(ensemble_dir, "the ensemble must be a tune-split model (its members trained on the fit split only)")
    member = EnsembleMember.from_ensemble(ensemble_dir, index)
    member.set_stride(int(stride or defaults.INFERENCE_STRIDE))
    _use_training_threads()
    _, _, tune_docs, gold = _split(data_dir, smoke)
    t0 = time.time()
    metrics = json.loads(json.dumps(member.tune(tune_docs, {d.id: gold.get(d.id, []) for d in tune_docs}), default=float))
    metrics["tune_seconds"] = round(time.time() - t0, 1)
    metrics["source"] = {"ensemble": str(ensemble_dir), "member": index}
    metrics["protocol"] = {**protocol, "tune_articles": len(tune_docs)}
    member.save_pretrained(output_dir, extra={"tune_metrics": _summary(metrics), "protocol": metrics["protocol"]})
    write_metrics(output_dir, metrics)
    return metrics


def train_baseline(data_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str], *, seed: int = defaults.SEED, smoke: bool = False) -> dict[str, Any]:
    """The baseline under the same protocol: threshold chosen on the tune split, then refitted on all of train."""
    from propscan.eval.scorer import hit_rates, score_si, score_tc
    from propscan.models.baseline import BaselineModel

    docs, fit, tune, gold = _split(data_dir, smoke)
    if smoke:
        docs = fit + tune
    tune_gold = {d.id: list(gold.get(d.id, [])) for d in tune}
    tuned = BaselineModel(seed=seed).fit(fit, gold, dev_documents=tune, dev_gold=tune_gold)
    pred = {d.id: s for d, s in zip(tune, tuned.predict(tune))}
    tc = tuned.classify(tune, [tune_gold[d.id] for d in tune])
    si = score_si(pred, tune_gold)
    hits = hit_rates(pred, tune_gold)
    model = BaselineModel(threshold=tuned.threshold, seed=seed).fit(docs, gold)
    model.save_pretrained(output_dir)
    metrics = {
        "model": "baseline",
        "tune_si": si.to_dict(),
        "tune_tc_micro_f1": score_tc({d.id: s for d, s in zip(tune, tc)}, tune_gold).f1,
        "tune_hits": hits.to_dict(),
        "threshold": model.threshold,
        "protocol": {"fit_articles": len(fit), "tune_articles": len(tune), "refit_on_all_train": True},
        "output": str(output_dir),
    }
    write_metrics(output_dir, metrics)
    return metrics


def train(
    model: str,
    data_dir: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    seed: int = defaults.SEED,
    smoke: bool = False,
    encoder: str | None = None,
    refit: bool = False,
    progress: bool = True,
    epochs: int | None = None,
    members: list[str] | None = None,
) -> dict[str, Any]:
    """Train ``model`` ("default"/"transformer", "baseline", "ensemble" or "fast") on PTC train, save to ``output_dir``.

    The transformer trains under the tune-split protocol (``epochs``: the most it may take; the best
    on the tune split is kept); "ensemble" joins the tune-split taggers in ``members`` and tunes
    them together (:func:`train_ensemble`); "fast" tunes the first member of the ensemble in
    ``members`` to serve alone (:func:`train_member`). ``progress=False`` hides the progress bars.
    """
    if not Path(data_dir).is_dir():
        raise InputError(f"{data_dir}: no such corpus folder; pass --data ../shared/data/ptc-semeval2020.")
    if model == "baseline":
        return train_baseline(data_dir, output_dir, seed=seed, smoke=smoke)
    if model == "ensemble":
        if not members or len(members) < 2:
            raise InputError("--model ensemble needs --members with two or more tune-split model folders.")
        return train_ensemble(list(members), data_dir, output_dir, smoke=smoke)
    if model == "fast":
        if not members or len(members) != 1:
            raise InputError("--model fast needs --members with one tune-split ensemble folder (its first member is served).")
        return train_member(members[0], data_dir, output_dir, smoke=smoke)
    if model in ("default", "transformer"):
        kwargs: dict[str, Any] = {"seed": seed, "smoke": smoke, "refit": refit, "progress": progress, "epochs": epochs}
        if encoder:
            kwargs["encoder"] = encoder
        return dict(train_transformer(data_dir, output_dir, **kwargs))
    raise InputError(f"unknown model {model!r}; choose default, transformer, ensemble, fast or baseline.")
