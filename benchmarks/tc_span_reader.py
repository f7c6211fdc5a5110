"""Train the span reader (:mod:`propscan.models.transformer.span_reader`) on the fit split; score it on the tune split.

    nice -n 10 .venv/bin/python benchmarks/tc_span_reader.py --epochs 4 --out runs/span-reader > /tmp/reader.log 2>&1 &
    .venv/bin/python benchmarks/tc_span_reader.py --epochs 4 --all-train --out runs/span-reader-all   # refit, chosen settings
    .venv/bin/python benchmarks/tc_span_reader.py --epochs 3 --candidates runs/ens-reader --out runs/span-reader-cand  # + decoded spans
    .venv/bin/python benchmarks/tc_span_reader.py --out runs/span-reader-all --also runs/span-reader-all-s29 \
        --refit runs/ens-readers --output runs/v3.3          # their weights into the tuned model
    .venv/bin/python benchmarks/tc_span_reader.py --out runs/span-reader --attach runs/ens-ab --stride 112 \
        --epoch 4 --weight 0.25 --output runs/ens-reader   # the chosen reader into the ensemble, re-tuned
    .venv/bin/python benchmarks/tc_span_reader.py --encoder all-mpnet-base-v2 --max-tokens 64 --epochs 4 --lr 5e-4 \
        --out runs/span-reader-mpnet-t64                   # an experiment: the reader on MPNet (propscan[accurate])
    .venv/bin/python benchmarks/tc_span_reader.py --encoder all-mpnet-base-v2 --max-tokens 64 --teach 3 --out runs/span-reader-mpnet-t64
    .venv/bin/python benchmarks/tc_span_reader.py --epochs 4 --max-tokens 64 --out runs/span-reader-t64-kd \
        --teacher runs/span-reader-mpnet-t64/teacher_e3.npz  # a MiniLM reader distilled from it
    .venv/bin/python benchmarks/tc_span_reader.py --encoder all-mpnet-base-v2 --max-tokens 64 --teach 3 --augment 2 \
        --out runs/span-reader-mpnet-t64                   # the teacher on a transfer set (spans moved by up to two words)
    .venv/bin/python benchmarks/tc_span_reader.py --epochs 4 --max-tokens 64 --augment 2 --out runs/span-reader-t64-kdaug \
        --teacher runs/span-reader-mpnet-t64/teacher_e3.npz --teacher runs/span-reader-mpnet-t64/teacher_e3_aug2.npz

Reads only PTC **train** (:func:`propscan.models.protocol.split_train_ids`): every gold span of the
297 fit-split articles is a training example; after each epoch the reader classifies every gold
span of the 74 tune-split articles, in the row order of ``benchmarks/tc_stacker.py``'s extraction,
and the epoch's raw logits go to ``<out>/tune_logits_e<k>.npz`` with its trainable state
(``<out>/reader_e<k>.safetensors``). ``--fit-articles`` / ``--tune-articles`` cut a slice to time a
run first. Dev is never read. Which epoch and which mix with the ensemble's TC head ship is decided
by ``benchmarks/tc_reader_cv.py`` (article-grouped CV inside the tune split).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020")


AUGMENTED = -100  # the label of a transfer-set span (--augment): no gold technique, the teacher's logits only
WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def augmented_spans(doc: Any, spans: list[Any], k: int) -> list[tuple[int, int]]:
    """``k`` variants of each gold span of ``doc`` for distillation: its start and end moved by up to two words each.

    Deterministic per article (seeded by a hash of its id); variants equal to a gold span, empty, or repeated are
    dropped. Every variant starts and ends on a word boundary.
    """
    words = [(m.start(), m.end()) for m in WORD.finditer(doc.text)]
    if not words:
        return []
    starts = np.asarray([a for a, _ in words])
    ends = np.asarray([b for _, b in words])
    rng = np.random.default_rng(zlib.crc32(doc.id.encode()))
    seen = {(x.start, x.end) for x in spans}
    out = []
    for x in spans:
        i = int(np.clip(np.searchsorted(starts, x.start, side="left"), 0, len(words) - 1))  # first word at or after the start
        j = int(np.clip(np.searchsorted(ends, x.end, side="left"), 0, len(words) - 1))  # the word that ends the span
        for _ in range(k):
            a = int(np.clip(i + rng.integers(-2, 3), 0, len(words) - 1))
            b = int(np.clip(j + rng.integers(-2, 3), 0, len(words) - 1))
            if b < a:
                continue
            span = (int(starts[a]), int(ends[b]))
            if span not in seen:
                seen.add(span)
                out.append(span)
    return out


def examples(docs: list[Any], gold: dict[str, list[Any]], tokenizer: Any, specials: tuple[int, int, int, int], labels: list[str],
             max_tokens: int | None = None, *, augment: int = 0, gold_rows: bool = True) -> dict[str, Any]:
    """Reader inputs for every gold span of ``docs`` (``gold_rows``) and ``augment`` transfer-set variants of each (label
    :data:`AUGMENTED`)."""
    from propscan.models.features import ArticleIndex, features_for_spans
    from propscan.models.transformer.span_reader import MAX_TOKENS, span_input
    from propscan.models.transformer.windows import tokenize_docs

    lab = {n: i for i, n in enumerate(labels)}
    toks = tokenize_docs(tokenizer, [d.text for d in docs])
    out: dict[str, list[Any]] = {"inputs": [], "feats": [], "y": [], "art": [], "start": [], "end": []}
    for d, t in zip(docs, toks):
        g = list(gold.get(d.id, []))
        if not g:
            continue
        bounds = [(x.start, x.end) for x in g] if gold_rows else []
        ys = [lab.get(str(x.technique), -1) for x in g] if gold_rows else []
        extra = augmented_spans(d, g, augment) if augment else []
        bounds, ys = bounds + extra, ys + [AUGMENTED] * len(extra)
        if not bounds:
            continue
        out["feats"].append(features_for_spans(d.text, bounds, ArticleIndex(d.text)))
        out["inputs"] += [span_input(t, s, e, specials, max_tokens or MAX_TOKENS) for s, e in bounds]
        out["y"] += ys
        out["art"] += [d.id] * len(bounds)
        out["start"] += [a for a, _ in bounds]
        out["end"] += [b for _, b in bounds]
    out["feats"] = np.concatenate(out["feats"]).astype(np.float32)
    for k in ("y", "start", "end", "art"):
        out[k] = np.asarray(out[k])
    return out


def candidate_examples(model_dir: str, docs: list[Any], gold: dict[str, list[Any]], specials: tuple[int, int, int, int],
                       labels: list[str]) -> dict[str, Any]:
    """Training examples on the spans a model *decodes* (``--candidates``): every candidate of ``docs`` at least
    half inside a gold span, labelled with the technique of the gold span it overlaps most."""
    from tc_on_candidates import candidates_inside_gold

    from propscan.models.features import ArticleIndex, features_for_spans
    from propscan.models.loading import load_model
    from propscan.models.transformer.span_reader import span_input

    model = load_model(model_dir)
    lab = {n: i for i, n in enumerate(labels)}
    out: dict[str, list[Any]] = {"inputs": [], "feats": [], "y": [], "art": [], "start": [], "end": []}
    for d in docs:
        raw = model.raw_predict([d])[0]
        g = list(gold.get(d.id, []))
        keep, _ = candidates_inside_gold(model, d, raw, g)
        if not keep:
            continue
        tok = raw["tok"]
        ys = []
        for s, e in keep:
            best = max(g, key=lambda x: min(e, x.end) - max(s, x.start))
            ys.append(lab.get(str(best.technique), -1))
        out["feats"].append(features_for_spans(d.text, keep, ArticleIndex(d.text)))
        out["inputs"] += [span_input(tok, s, e, specials) for s, e in keep]
        out["y"] += ys
        out["art"] += [d.id] * len(keep)
        out["start"] += [s for s, _ in keep]
        out["end"] += [e for _, e in keep]
    out["feats"] = np.concatenate(out["feats"]).astype(np.float32)
    for k in ("y", "start", "end", "art"):
        out[k] = np.asarray(out[k])
    return out


def predict(net: Any, ex: dict[str, Any], pad_id: int, batch: int = 64) -> np.ndarray:
    import torch

    from propscan.models.transformer.span_reader import collate

    net.eval()
    order = np.argsort([len(x.ids) for x in ex["inputs"]])
    out = np.zeros((len(order), net.head[-1].out_features), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            ids, types, mask, spans = collate([ex["inputs"][j] for j in idx], pad_id)
            out[idx] = net(ids, types, mask, spans, torch.from_numpy(ex["feats"][idx])).numpy()
    return out


def build_reader(args: Any, encoder: Any, n_features: int, n_labels: int) -> Any:
    """The span reader network to train (or to load a trained state into): MiniLM's, or ``--encoder``'s."""
    from propscan.models.transformer.span_reader import AUTO_LORA_TARGETS, AutoSpanReaderNet, SpanReaderNet, add_lora

    if args.encoder:
        add_lora(encoder.inner, targets=AUTO_LORA_TARGETS)
        return AutoSpanReaderNet(encoder.inner, n_features, n_labels)
    add_lora(encoder)
    encoder.embeddings.token_type_embeddings.weight.requires_grad_(True)
    return SpanReaderNet(encoder, n_features, n_labels)


def teach(args: Any, encoder: Any, docs: list[Any], gold: dict[str, list[Any]], tokenizer: Any, specials: tuple[int, int, int, int],
          labels: list[str], pad_id: int) -> None:
    """``--teach``: a trained reader's logits on every gold span of all train articles, for distillation."""
    from safetensors.torch import load_file

    from propscan.models.features import FEATURE_NAMES
    from propscan.models.transformer.span_reader import load_trainable

    net = build_reader(args, encoder, len(FEATURE_NAMES), len(labels))
    load_trainable(net, load_file(str(Path(args.out) / f"reader_e{args.teach}.safetensors")))
    ex = examples(docs, gold, tokenizer, specials, labels, args.max_tokens, augment=args.augment, gold_rows=not args.augment)
    t0 = time.time()
    lg = predict(net, ex, pad_id)
    out = Path(args.out) / (f"teacher_e{args.teach}_aug{args.augment}.npz" if args.augment else f"teacher_e{args.teach}.npz")
    np.savez(out, logits=lg, y=ex["y"], art=ex["art"], start=ex["start"], end=ex["end"])
    print(json.dumps({"teacher": str(out), "spans": int(len(lg)), "predict_s": round(time.time() - t0, 1)}), flush=True)


def teacher_rows(paths: list[str], ex: dict[str, Any]) -> np.ndarray:
    """The teachers' logits for the rows of ``ex``, matched by (article, start, end, gold label) over ``paths``
    (the gold spans' file and, with ``--augment``, the transfer set's)."""
    zs = [np.load(p) for p in paths]
    logits = np.concatenate([np.asarray(z["logits"], dtype=np.float32) for z in zs])
    keys = [k for z in zs for k in zip(z["art"].tolist(), z["start"].tolist(), z["end"].tolist(), z["y"].tolist())]
    where: dict[tuple[str, int, int, int], int] = {}
    for i, key in enumerate(keys):
        where.setdefault(key, i)
    rows = []
    for key in zip(ex["art"].tolist(), ex["start"].tolist(), ex["end"].tolist(), ex["y"].tolist()):
        if key not in where:
            raise SystemExit(f"{', '.join(paths)}: no teacher row for span {key}; run --teach (--augment K) on the same data")
        rows.append(where[key])
    return logits[rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default="runs/span-reader")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--fit-articles", type=int, default=0)
    ap.add_argument("--tune-articles", type=int, default=0)
    ap.add_argument("--all-train", action="store_true", help="refit on all 371 train articles (fit + tune split) with settings "
                    "already chosen; the tune figures it prints are then in-sample")
    ap.add_argument("--max-steps", type=int, default=0, help="stop an epoch after this many steps (timing)")
    ap.add_argument("--attach", metavar="ENSEMBLE", help="instead of training: add <out>/reader_e<--epoch>.safetensors to this ensemble, "
                    "mixed with weight --weight, re-tune it on the tune split and save it to --output")
    ap.add_argument("--candidates", metavar="MODEL", help="also train on the candidates MODEL (fit-split taggers) decodes in "
                    "the training articles, at least half inside a gold span, labelled by the gold span they overlap most")
    ap.add_argument("--refit", metavar="MODEL", help="instead of training: replace MODEL's readers by <out> (and --also) "
                    "reader_e<--epoch> refitted on all train (--all-train), every setting kept; save to --output")
    ap.add_argument("--epoch", type=int, default=4)
    ap.add_argument("--weight", type=float, default=0.25)
    ap.add_argument("--output", default="runs/ens-reader")
    ap.add_argument("--stride", type=int, default=None, help="with --attach: the inference stride to tune at (default: the ensemble's own)")
    ap.add_argument("--also", action="append", default=[], metavar="RUN", help="with --attach: another reader run (seed) whose "
                    "reader_e<--epoch> joins the first; their log-probabilities are averaged")
    ap.add_argument("--cap", type=float, default=None, help="with --attach: read at most this many decoded candidates per 1,000 tokens")
    ap.add_argument("--candidate-reader", metavar="RUN", help="with --attach: RUN's reader_e<--epoch> (one trained with --candidates, or "
                    "--out itself) names the candidates the model decodes, mixed with weight --candidate-weight; given spans keep the first reader (with --refit: "
                    "the candidate reader's refitted run)")
    ap.add_argument("--candidate-weight", type=float, default=0.5)
    ap.add_argument("--class-weight", choices=["none", "sqrt"], default="none", help="weight the loss per technique: sqrt = "
                    "(most frequent count / count) ** 0.5 over the training spans, normalised to mean 1 over them (rare techniques count more)")
    ap.add_argument("--max-tokens", type=int, default=None, help="train and score a reader on this many tokens per span input "
                    "(default 96); the length is saved with its tensors, and propscan reads each seed at its own length")
    ap.add_argument("--base-member", type=int, default=None, metavar="I", help="an experiment: start from member I's fine-tuned "
                    "layers (the shipped default's taggers, fit split only) instead of the base encoder's")
    ap.add_argument("--encoder", default=None, help="an experiment: read spans with this encoder instead of the default's MiniLM "
                    "(e.g. all-mpnet-base-v2, from its PyPI parts; needs propscan[accurate]); LoRA r 16 on every linear layer")
    ap.add_argument("--teach", type=int, metavar="EPOCH", default=None, help="instead of training: with <out>'s reader_e<EPOCH> (a "
                    "teacher, e.g. an --encoder run) write its logits on every gold span of all 371 train articles to "
                    "<out>/teacher_e<EPOCH>.npz (in-sample on the articles it learned from)")
    ap.add_argument("--teacher", metavar="NPZ", action="append", default=[], help="train against a teacher too (knowledge distillation): "
                    "loss = (1 - kd) CE(gold) + kd T^2 KL(teacher_T || reader_T), teacher logits from --teach; give it twice "
                    "(the gold spans' file and the --augment file) to train on a transfer set too")
    ap.add_argument("--augment", type=int, default=0, metavar="K", help="with --teach: write the teacher's logits on K variants of each "
                    "gold span of all train (start and end moved by up to two words) to <out>/teacher_e<EPOCH>_aug<K>.npz; with "
                    "--teacher: train on those variants of the training spans too, against the teacher only (T^2 KL)")
    ap.add_argument("--kd", type=float, default=0.5, help="with --teacher: the distillation share of the loss")
    ap.add_argument("--kd-temperature", type=float, default=2.0, help="with --teacher: T")
    ap.add_argument("--add-seed", metavar="MODEL", help="instead of training: add <out>/reader_e<--epoch> (trained with --all-train) as one "
                    "more seed of MODEL's given-span readers (a model whose readers were refitted on all train); save to --output")
    args = ap.parse_args()
    if args.encoder and (args.attach or args.refit or args.candidates or args.add_seed):
        raise SystemExit("--encoder is an experiment for training and --teach; propscan's models hold readers on the default encoder only")
    if args.max_tokens and (args.attach or args.refit or args.candidates or args.add_seed):
        raise SystemExit("--max-tokens is for training: each reader file carries the length it was trained on")
    if args.add_seed:
        from propscan.models.train import add_span_reader_seed

        cfg = add_span_reader_seed(args.add_seed, Path(args.out) / f"reader_e{args.epoch}.safetensors", args.output)
        print(json.dumps({"span_reader": cfg.get("span_reader"), "protocol": cfg.get("protocol")}))
        return
    if args.refit:
        from propscan.models.train import refit_span_reader

        cand = Path(args.candidate_reader) / f"reader_e{args.epoch}.safetensors" if args.candidate_reader else None
        cfg = refit_span_reader(args.refit, [Path(run) / f"reader_e{args.epoch}.safetensors" for run in [args.out, *args.also]], args.output,
                                candidate=cand)
        print(json.dumps({"span_reader": cfg.get("span_reader"), "protocol": cfg.get("protocol")}))
        return
    if args.attach:
        from propscan.models.train import retune

        files = [Path(run) / f"reader_e{args.epoch}.safetensors" for run in [args.out, *args.also]]
        cand = None if not args.candidate_reader else (Path(args.candidate_reader) / f"reader_e{args.epoch}.safetensors", args.candidate_weight)
        m = retune(args.attach, args.data, output_dir=args.output, stride=args.stride, span_reader=(files, args.weight), reader_cap=args.cap,
                   candidate_reader=cand)
        print(json.dumps({k: m[k] for k in ("si", "tc") if k in m}, default=str)[:2000])
        return

    import torch
    from safetensors.torch import save_file

    from propscan.io.ptc import read_ptc
    from propscan.models.encoder import load_encoder, special_ids
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.protocol import split_train_ids
    from propscan.models.transformer.span_reader import (
        CLOSE_MARK,
        MAX_TOKENS,
        OPEN_MARK,
        collate,
        trainable_state,
    )

    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    rng = np.random.default_rng(args.seed)
    labels = json.loads(Path("src/propscan/models/weights/default/config.json").read_text())["labels"]
    encoder, tokenizer, _ = load_encoder(args.encoder) if args.encoder else load_encoder()
    if args.encoder and args.base_member is not None:
        raise SystemExit("--base-member starts from a member's MiniLM layers; it does not combine with --encoder")
    if args.base_member is not None:
        from propscan.models.loading import load_model

        tuned = load_model("src/propscan/models/weights/default").members_[args.base_member].trained_state()
        own = encoder.state_dict()
        if not set(tuned) <= set(own):
            raise SystemExit("the member's layers do not fit the base encoder")
        encoder.load_state_dict({**own, **{k: torch.as_tensor(v) for k, v in tuned.items()}})
        print(f"base: member {args.base_member}'s {len(tuned)} fine-tuned tensors", flush=True)
    cls_id, sep_id, pad_id = special_ids(tokenizer)
    vocab = tokenizer.get_vocab()
    specials = (cls_id, sep_id, vocab[OPEN_MARK], vocab[CLOSE_MARK])
    docs, gold = read_ptc(args.data, "train")
    fit_ids, tune_ids = split_train_ids([d.id for d in docs])
    fit_docs = docs if args.all_train else [d for d in docs if d.id in set(fit_ids)]
    tune_docs = [d for d in docs if d.id in set(tune_ids)]
    if args.fit_articles:
        fit_docs = [fit_docs[i] for i in sorted(rng.choice(len(fit_docs), args.fit_articles, replace=False))]
    if args.tune_articles:
        tune_docs = tune_docs[: args.tune_articles]
    if args.teach is not None:
        teach(args, encoder, docs, gold, tokenizer, specials, labels, pad_id)
        return
    if args.augment and not args.teacher:
        raise SystemExit("--augment trains on the teacher's logits: give --teacher (the gold file and the --augment file)")
    tr = examples(fit_docs, gold, tokenizer, specials, labels, args.max_tokens, augment=args.augment)
    soft = None
    if args.teacher:
        soft = teacher_rows(args.teacher, tr)
        print(f"teacher {args.teacher}: kd {args.kd}, T {args.kd_temperature}", flush=True)
    if args.candidates:
        extra = candidate_examples(args.candidates, fit_docs, gold, specials, labels)
        print(f"candidate spans {len(extra['y'])}", flush=True)
        tr = {k: (tr[k] + extra[k]) if isinstance(tr[k], list) else np.concatenate([tr[k], extra[k]]) for k in tr}
    te = examples(tune_docs, gold, tokenizer, specials, labels, args.max_tokens)
    keep = np.flatnonzero((tr["y"] >= 0) | (tr["y"] == AUGMENTED))
    print(f"transfer-set spans {int((tr['y'] == AUGMENTED).sum())}", flush=True)
    print(f"fit spans {len(keep)}  tune spans {len(te['y'])}  mean tokens {np.mean([len(x.ids) for x in tr['inputs']]):.1f}", flush=True)

    class_w = None
    if args.class_weight == "sqrt":
        counts = np.bincount(tr["y"][keep], minlength=len(labels)).astype(np.float64)
        cw = np.sqrt(counts.max() / np.maximum(counts, 1.0))
        cw /= float((cw[tr["y"][keep]]).mean())
        class_w = torch.tensor(cw, dtype=torch.float32)
        print("class weights", np.round(cw, 2).tolist(), flush=True)
    net = build_reader(args, encoder, len(FEATURE_NAMES), len(labels))
    params = [p for p in net.parameters() if p.requires_grad]
    print(f"trainable parameters {sum(p.numel() for p in params)}", flush=True)
    steps_per_epoch = math.ceil(len(keep) / args.batch) if not args.max_steps else args.max_steps
    total = steps_per_epoch * args.epochs
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = []
    for epoch in range(1, args.epochs + 1):
        net.train()
        t0 = time.time()
        # length-bucketed batches: shuffle, then sort within chunks of 50 batches
        perm = rng.permutation(keep)
        chunks = [perm[i : i + 50 * args.batch] for i in range(0, len(perm), 50 * args.batch)]
        batches = []
        for c in chunks:
            c = c[np.argsort([len(tr["inputs"][j].ids) for j in c])]
            batches += [c[i : i + args.batch] for i in range(0, len(c), args.batch)]
        batches = [batches[i] for i in rng.permutation(len(batches))][:steps_per_epoch]
        tot, n_tok = 0.0, 0
        for step, idx in enumerate(batches, 1):
            ids, types, mask, spans = collate([tr["inputs"][j] for j in idx], pad_id)
            logits = net(ids, types, mask, spans, torch.from_numpy(tr["feats"][idx]))
            y = torch.from_numpy(tr["y"][idx]).long()
            if soft is None:
                loss = torch.nn.functional.cross_entropy(logits, y, weight=class_w)
            else:  # per row: gold (1 - kd) CE + kd T^2 KL; a transfer-set row T^2 KL alone
                t = args.kd_temperature
                target = torch.log_softmax(torch.from_numpy(soft[idx]) / t, -1)
                kl = torch.nn.functional.kl_div(torch.log_softmax(logits / t, -1), target, log_target=True, reduction="none").sum(-1)
                ce = torch.nn.functional.cross_entropy(logits, y, weight=class_w, ignore_index=AUGMENTED, reduction="none")
                is_gold = (y != AUGMENTED).float()
                loss = (is_gold * ((1 - args.kd) * ce + args.kd * t * t * kl) + (1 - is_gold) * t * t * kl).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            tot += float(loss.detach())
            n_tok += int(mask.sum())
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{len(batches)} loss {tot / step:.4f} {n_tok / (time.time() - t0):.0f} tok/s", flush=True)
        train_s = time.time() - t0
        t1 = time.time()
        lg = predict(net, te, pad_id)
        pred_s = time.time() - t1
        ok = te["y"] >= 0
        acc = float((lg.argmax(1)[ok] == te["y"][ok]).mean())
        np.savez(out / f"tune_logits_e{epoch}.npz", logits=lg, y=te["y"], art=te["art"], start=te["start"], end=te["end"])
        save_file({k: v.contiguous() for k, v in trainable_state(net).items()}, str(out / f"reader_e{epoch}.safetensors"),
                  metadata={"max_tokens": str(args.max_tokens or MAX_TOKENS), "encoder": args.encoder or "default"})
        row = {"epoch": epoch, "loss": round(tot / len(batches), 4), "tune_accuracy": round(acc, 4), "train_s": round(train_s, 1),
               "train_tok_per_s": round(n_tok / train_s), "predict_s": round(pred_s, 1), "tune_spans": int(len(te["y"]))}
        log.append(row)
        print(json.dumps(row), flush=True)
        (out / "log.json").write_text(json.dumps({"args": vars(args), "epochs": log}, indent=2) + "\n")


if __name__ == "__main__":

    main()
