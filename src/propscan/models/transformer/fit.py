"""Training loop of :class:`~propscan.models.transformer.tagger.TransformerTagger`.

Frozen embeddings + lower layers run once over every training window (cached, fp16); the upper
layers and the heads are trained jointly (SI token loss + TC span loss on the gold spans that fit
in each window + auxiliary sentence loss) with AdamW and linear warm-up/decay. The epoch with the
best held-out ``SI F1 + TC micro-F1`` is kept, then the weights are rounded to fp16 as they will be
shipped. Thresholds and calibration are chosen afterwards (:mod:`propscan.models.transformer.tune`).

>>> figures = train_tagger(model, documents, gold, tune_documents, tune_gold)  # doctest: +SKIP
>>> figures["best_epoch"]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from propscan.document import Document, Span
from propscan.eval.scorer import merge_overlapping
from propscan.models.features import ArticleIndex, features_for_spans
from propscan.models.transformer.tune import quick_eval
from propscan.models.transformer.windows import TokenizedDoc, Window, batch_inputs, make_windows, sentence_ids

#: a gold span in token coordinates: (first token, end token, label id, span features)
TokenSpan = tuple[int, int, int, np.ndarray]
#: windows whose frozen-layer output is computed in one batch
CACHE_BATCH = 32


@dataclass
class TrainingSet:
    """Training windows and, per window, its inputs (cached frozen-layer output) and targets."""

    windows: list[Window]
    cache: Any  # (n_windows, window, hidden) fp16 output of the frozen layers
    masks: Any  # (n_windows, window) attention masks
    lengths: Any  # tokens per window, [CLS] and [SEP] included
    si_targets: Any  # (n_windows, window) O/B/I tags; -100 where no loss is taken
    spans: list[list[TokenSpan]]  # gold spans inside the window, in window coordinates
    sentences: list[tuple[Any, Any]]  # (sentence index of each token, does the sentence hold propaganda)
    tc_class_weights: Any
    si_class_weights: Any


def train_tagger(
    model: Any,
    documents: Sequence[Document],
    gold: Mapping[str, Sequence[Span]],
    dev_documents: Sequence[Document] | None,
    dev_gold: Mapping[str, Sequence[Span]] | None,
) -> dict[str, Any]:
    """Train ``model`` (already built) in place, keeping its best epoch on the dev pair; returns the training figures."""
    import torch

    t_start = time.time()
    torch.manual_seed(model.seed)
    rng = np.random.default_rng(model.seed)
    data = _training_set(model, documents, gold, rng)
    opt, sched, steps_per_epoch = _optimiser(model, len(data.windows))
    history: list[dict[str, Any]] = []
    best_score, best_state, best_epoch = -1.0, None, model.epochs
    for epoch in range(1, model.epochs + 1):
        run_si, run_tc = _train_epoch(model, data, opt, sched, rng, epoch=epoch, steps=steps_per_epoch)
        rec: dict[str, Any] = {"epoch": epoch, "loss_si": round(run_si, 4), "loss_tc": round(run_tc, 4), "elapsed_s": round(time.time() - t_start, 1)}
        if dev_documents:
            ev = quick_eval(model, dev_documents, dev_gold or {})
            rec.update(ev)
            score = ev["si_f1"] + ev["tc_f1"]
            if score > best_score:
                best_score, best_epoch = score, epoch
                best_state = _snapshot(model)
        history.append(rec)
        if model.progress:
            print(f"[train] {rec}", flush=True)
    n_windows = len(data.windows)
    del data  # the frozen-layer cache is the largest object of a run: free it before tuning
    if best_state is not None:
        model.load_trained_state(*best_state)
    _round_to_fp16(model)
    model.encoder_.eval()
    model.heads_.eval()
    return {"history": history, "best_epoch": best_epoch, "train_windows": n_windows, "fit_seconds": round(time.time() - t_start, 1)}


# ---------------------------------------------------------------- the training set


def _training_set(model: Any, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], rng: np.random.Generator) -> TrainingSet:
    """Windows of the training articles (at most ``model.max_train_windows``, drawn with ``rng``) and their targets."""
    import torch

    toks = model._tokenize(documents)
    tags, spans = _targets(model.labels_, documents, gold, toks)
    wins = make_windows(toks, size=model.content_size, stride=model.stride)
    if model.max_train_windows and len(wins) > model.max_train_windows:
        keep = np.sort(rng.choice(len(wins), model.max_train_windows, replace=False))
        wins = [wins[i] for i in keep]
    if not wins:
        raise ValueError("No training text: the documents hold no tokens.")
    win_spans, win_sent = [], []
    sids = [sentence_ids(d.text, t) for d, t in zip(documents, toks)]
    for w in wins:
        win_spans.append([(a - w.start, b - w.start, y, f) for a, b, y, f in spans[w.doc] if a >= w.start and b <= w.end])
        local = sids[w.doc][w.start : w.end] - sids[w.doc][w.start]
        has = np.zeros(int(local.max()) + 1, dtype=np.float32)
        np.maximum.at(has, local, (tags[w.doc][w.start : w.end] > 0).astype(np.float32))
        win_sent.append((torch.from_numpy(local), torch.from_numpy(has)))
    tc_w, si_w = _class_weights(spans, len(model.labels_))
    cache, masks = (_adapter_inputs if model.encoder_.has_adapters else _freeze_and_cache)(model, toks, wins)
    si_tgt = torch.full((len(wins), model.window), -100, dtype=torch.long)
    for r, w in enumerate(wins):
        si_tgt[r, 1 : w.end - w.start + 1] = torch.from_numpy(tags[w.doc][w.start : w.end])
    return TrainingSet(
        windows=wins, cache=cache, masks=masks, lengths=masks.sum(1), si_targets=si_tgt,
        spans=win_spans, sentences=win_sent, tc_class_weights=tc_w, si_class_weights=si_w,
    )  # fmt: skip


def _targets(
    labels: Sequence[str], documents: Sequence[Document], gold: Mapping[str, Sequence[Span]], toks: Sequence[TokenizedDoc]
) -> tuple[list[np.ndarray], list[list[TokenSpan]]]:
    """Per document: token tags (0=O, 1=B, 2=I) and gold spans as (tok_a, tok_b, label, features)."""
    lab = {n: i for i, n in enumerate(labels)}
    tags, spans = [], []
    for doc, tok in zip(documents, toks):
        g = [s for s in gold.get(doc.id, []) if s.technique in lab]
        t = np.zeros(len(tok), dtype=np.int64)
        for s, e in merge_overlapping([(x.start, x.end) for x in g]):
            if len(tok) == 0:
                break
            a, b = tok.token_range(s, e)
            t[a:b] = 2
            t[a] = 1
        tags.append(t)
        feats = features_for_spans(doc.text, [(x.start, x.end) for x in g], ArticleIndex(doc.text))
        spans.append([(*tok.token_range(x.start, x.end), lab[str(x.technique)], f) for x, f in zip(g, feats)] if len(tok) else [])
    return tags, spans


def _class_weights(spans: Sequence[Sequence[TokenSpan]], n_labels: int) -> tuple[Any, Any]:
    """TC: inverse square root of each technique's frequency (mean 1 over the spans); SI: begin tags count double."""
    import torch

    counts = np.bincount([y for sp in spans for _, _, y, _ in sp], minlength=n_labels).astype(np.float64)
    inv = 1.0 / np.sqrt(np.maximum(counts, 1.0))
    return torch.tensor(inv / (inv * counts).sum() * counts.sum(), dtype=torch.float32), torch.tensor([1.0, 2.0, 1.0])


def _freeze_and_cache(model: Any, toks: Sequence[TokenizedDoc], wins: Sequence[Window]) -> tuple[Any, Any]:
    """Freeze the layers below ``train_from_layer`` and run them once over every window: ``(cache, masks)``."""
    import torch

    enc, k = model.encoder_, int(model.train_from_layer)
    for p in enc.parameters():
        p.requires_grad_(False)
    for layer in enc.encoder.layer[k:]:
        for p in layer.parameters():
            p.requires_grad_(True)
    cls_id, sep_id, pad_id = model.special_ids_
    cache = torch.zeros((len(wins), model.window, enc.hidden_size), dtype=torch.float16)
    masks = torch.zeros((len(wins), model.window), dtype=torch.long)
    enc.eval()
    with torch.inference_mode():
        for i in _progress(range(0, len(wins), CACHE_BATCH), model.progress, desc="caching frozen layers", unit="batch"):
            ids, mask = batch_inputs(toks, wins[i : i + CACHE_BATCH], cls_id, sep_id, pad_id)
            h = enc(ids, mask, end_layer=k) if k > 0 else enc.embeddings(ids)
            cache[i : i + CACHE_BATCH, : ids.shape[1]] = h.to(torch.float16)
            masks[i : i + CACHE_BATCH, : ids.shape[1]] = mask
    return cache, masks


def _adapter_inputs(model: Any, toks: Sequence[TokenizedDoc], wins: Sequence[Window]) -> tuple[Any, Any]:
    """For a LoRA encoder: ``(token ids, masks)`` of every window (nothing can be cached: adapters sit in every layer).

    The base stays frozen (only tensors named ``lora_`` train, as :func:`~propscan.models.adapters.add_lora` set them).
    """
    import torch

    cls_id, sep_id, pad_id = model.special_ids_
    ids_all = torch.full((len(wins), model.window), pad_id, dtype=torch.long)
    masks = torch.zeros((len(wins), model.window), dtype=torch.long)
    for i in range(0, len(wins), CACHE_BATCH):
        ids, mask = batch_inputs(toks, wins[i : i + CACHE_BATCH], cls_id, sep_id, pad_id)
        ids_all[i : i + CACHE_BATCH, : ids.shape[1]] = ids
        masks[i : i + CACHE_BATCH, : ids.shape[1]] = mask
    return ids_all, masks


# ---------------------------------------------------------------- optimisation


def _optimiser(model: Any, n_windows: int) -> tuple[Any, Any, int]:
    """AdamW (no weight decay on biases and LayerNorms) with linear warm-up and decay: ``(opt, scheduler, steps per epoch)``."""
    import torch

    enc = model.encoder_
    no_decay = lambda n: n.endswith("bias") or "LayerNorm" in n  # noqa: E731
    groups = [
        {"params": [p for n, p in enc.named_parameters() if p.requires_grad and not no_decay(n)], "lr": model.lr_encoder, "weight_decay": model.weight_decay},
        {"params": [p for n, p in enc.named_parameters() if p.requires_grad and no_decay(n)], "lr": model.lr_encoder, "weight_decay": 0.0},
        {"params": list(model.heads_.parameters()), "lr": model.lr_heads, "weight_decay": model.weight_decay},
    ]
    opt = torch.optim.AdamW(groups)
    steps_per_epoch = math.ceil(n_windows / model.batch_size)
    total = steps_per_epoch * model.epochs
    warm = max(1, int(total * model.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    return opt, sched, steps_per_epoch


def _train_epoch(model: Any, data: TrainingSet, opt: Any, sched: Any, rng: np.random.Generator, *, epoch: int, steps: int) -> tuple[float, float]:
    """One pass over the windows in a random order; returns the running SI and TC losses."""
    import torch

    enc, heads = model.encoder_, model.heads_
    clipped = [p for p in enc.parameters() if p.requires_grad] + list(heads.parameters())
    enc.train()
    heads.train()
    perm = rng.permutation(len(data.windows))
    bar = _progress(range(steps), model.progress, desc=f"epoch {epoch}/{model.epochs}", unit="step")
    run_si = run_tc = 0.0
    for step in bar:
        loss, loss_si, loss_tc = _batch_loss(model, data, perm[step * model.batch_size : (step + 1) * model.batch_size])
        if loss_tc is not None:
            run_tc = 0.95 * run_tc + 0.05 * loss_tc if step else loss_tc
        run_si = 0.95 * run_si + 0.05 * loss_si if step else loss_si
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(clipped, 1.0)
        opt.step()
        sched.step()
        if model.progress and hasattr(bar, "set_postfix"):
            bar.set_postfix(si=f"{run_si:.3f}", tc=f"{run_tc:.3f}")
    return run_si, run_tc


def _batch_loss(model: Any, data: TrainingSet, idx: np.ndarray) -> tuple[Any, float, float | None]:
    """Loss of the windows ``idx``: SI tags + weighted sentence and TC losses; also the SI and TC parts as floats.

    The heads' dropout draws from torch's generator in the order SI, sentence, TC: a run is
    reproducible only while that order holds.
    """
    import torch
    import torch.nn.functional as F

    from propscan.models.transformer.net import pool_spans

    heads = model.heads_
    idx_t = torch.from_numpy(idx)
    n = int(data.lengths[idx_t].max())
    mask = data.masks[idx_t, :n]
    if model.encoder_.has_adapters:  # LoRA: the whole (frozen) encoder runs on the token ids, gradients reach the adapters
        states = model.encoder_(data.cache[idx_t, :n], mask)
    else:
        # (train_from_layer == 0 does not train: MiniBert starts from ids, not hidden_in, at layer 0)
        states = model.encoder_(None, mask, start_layer=int(model.train_from_layer), hidden_in=data.cache[idx_t, :n].float())
    logits = heads.si_logits(states)
    loss_si = F.cross_entropy(logits.reshape(-1, 3), data.si_targets[idx_t, :n].reshape(-1), weight=data.si_class_weights, ignore_index=-100)
    pooled, feats, ys = [], [], []  # type: list[Any], list[Any], list[int]
    for r, wi in enumerate(idx):
        sp = data.spans[wi]
        if not sp:
            continue
        m = int(data.lengths[wi]) - 2
        pooled.append(pool_spans(states[r, 1 : m + 1], [(a, b) for a, b, _, _ in sp]))
        feats.append(torch.from_numpy(np.stack([f for _, _, _, f in sp])))
        ys.extend(y for _, _, y, _ in sp)
    loss = loss_si
    if model.sentence_weight > 0:
        s_logits, s_y = [], []
        for r, wi in enumerate(idx):
            m = int(data.lengths[wi]) - 2
            s_logits.append(heads.sentence_logits(states[r, 1 : m + 1], data.sentences[wi][0]))
            s_y.append(data.sentences[wi][1])
        loss = loss + model.sentence_weight * F.binary_cross_entropy_with_logits(torch.cat(s_logits), torch.cat(s_y))
    loss_tc = None
    if ys:
        tc_logits = heads.tc_logits(torch.cat(pooled), torch.cat(feats))
        tc = F.cross_entropy(tc_logits, torch.tensor(ys), weight=data.tc_class_weights, label_smoothing=0.05)
        loss = loss + model.tc_weight * tc
        loss_tc = float(tc.detach())
    return loss, float(loss_si.detach()), loss_tc


# ---------------------------------------------------------------- weights


def _snapshot(model: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copies of the trained layers and the heads (the best epoch so far)."""
    layers = {k: v.detach().clone() for k, v in model.trained_state().items()}
    return layers, {k: v.detach().clone() for k, v in model.heads_.state_dict().items()}


def _round_to_fp16(model: Any) -> None:
    """Round the trained weights to fp16 in place: they are shipped in fp16, so tuning sees exactly what will be loaded."""
    import torch

    with torch.no_grad():
        for t in [*model.trained_state().values(), *model.heads_.state_dict().values()]:
            t.copy_(t.half().float())


def _progress(it: Any, enabled: bool, **kw: Any) -> Any:
    if not enabled:
        return it
    from tqdm.auto import tqdm

    return tqdm(it, **kw)
