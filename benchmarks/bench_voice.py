"""Benchmark quote detection and speaker attribution against hand labels.

Gold: ``src/propscan/data/quotes_gold.jsonl`` (article id, offsets, kind, speaker; no text),
91 quotes in 7 train articles. The rules and ``voice.py`` were tuned on it, so its figures are
optimistic. ``src/propscan/data/quotes_heldout.jsonl`` is a held-out set (73 quotes in 5 other
train articles) labelled with the same rules after tuning; pass it with ``--gold``.
Every quotation in each labelled article was labelled, so detection precision is measured
over all predictions in those articles (not a lower bound).

Labelling rules: direct quotes include their marks and run over paragraphs as one quote;
reported speech covers the reported clause (without "that"); a partial quote inside a
reported clause is not labelled separately; speech inside relative clauses ("what it said
was") and scare quotes/terms not governed by a speech verb are not labelled; the speaker is
the innermost one ("According to X, Y said Z" -> Y); unnamed speakers are null, an unnamed
official of a named organisation is the organisation.

Matching: a prediction matches a gold quote when it covers >= 50 % of the gold span's
characters. Speaker names match case-insensitively, ignoring a leading "the" and "'s", and
accepting surname-only vs full name and organisation-name prefixes ("US embassy" ~ "US
embassy in Beijing"); a null gold speaker matches only a null prediction.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_voice.py [--data ../shared/data/ptc-semeval2020]
    PYTHONPATH=src .venv/bin/python benchmarks/bench_voice.py \
        --gold src/propscan/data/quotes_heldout.jsonl --out benchmarks/results/voice_heldout.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from propscan.corpus_io import atomic_write  # noqa: E402
from propscan.document import Document  # noqa: E402
from propscan.voice import Quote, find_quotes  # noqa: E402

GOLD = ROOT / "src" / "propscan" / "data" / "quotes_gold.jsonl"
HELDOUT = ROOT / "src" / "propscan" / "data" / "quotes_heldout.jsonl"
OUT = ROOT / "benchmarks" / "results" / "voice.json"


def norm_name(name: str | None) -> list[str]:
    if not name:
        return []
    s = name.lower().replace("\u2019", "'").replace(".", "").strip()
    if s.startswith("the "):
        s = s[4:]
    s = s.replace("'s", "")
    return s.split()


def same_speaker(pred: str | None, gold: str | None) -> bool:
    """Case-insensitive; surname-only matches a full name; organisation prefixes match."""
    if gold is None or pred is None:
        return gold is None and pred is None
    p, g = norm_name(pred), norm_name(gold)
    if not p or not g:
        return False
    if p == g:
        return True
    short, long_ = (p, g) if len(p) <= len(g) else (g, p)
    if len(short) == 1 and short[0] in (long_[-1], long_[0]):
        return True
    return len(short) >= 2 and long_[: len(short)] == short


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def evaluate(gold: dict[str, list[dict]], preds: dict[str, list[Quote]]) -> dict:
    n_gold = sum(len(v) for v in gold.values())
    n_pred = sum(len(v) for v in preds.values())
    matched_gold = 0
    correct_pred = 0
    attr_with_speaker = 0
    attr_correct_pred = 0
    attr_correct_gold = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # gold, detected, speaker ok
    errors = []
    for aid, golds in gold.items():
        ps = preds.get(aid, [])
        for g in golds:
            gl = g["end"] - g["start"]
            best, best_ov = None, 0
            for p in ps:
                ov = overlap(p.start, p.end, g["start"], g["end"])
                if ov > best_ov:
                    best, best_ov = p, ov
            k = by_kind[g["kind"]]
            k[0] += 1
            if best is not None and best_ov * 2 >= gl:
                matched_gold += 1
                k[1] += 1
                ok = same_speaker(best.speaker, g["speaker"])
                if ok:
                    attr_correct_gold += 1
                    k[2] += 1
                else:
                    errors.append(
                        {
                            "article_id": aid,
                            "start": g["start"],
                            "gold": g["speaker"],
                            "pred": best.speaker,
                            "cue": best.cue,
                        }
                    )
            else:
                errors.append({"article_id": aid, "start": g["start"], "gold": g["speaker"], "pred": "<missed>"})
        for p in ps:
            hits = [g for g in golds if overlap(p.start, p.end, g["start"], g["end"]) * 2 >= g["end"] - g["start"]]
            if hits:
                correct_pred += 1
                if p.speaker is not None:
                    attr_with_speaker += 1
                    if any(same_speaker(p.speaker, g["speaker"]) for g in hits):
                        attr_correct_pred += 1
            else:
                errors.append(
                    {"article_id": aid, "start": p.start, "gold": "<none>", "pred": p.speaker, "kind": p.kind}
                )

    def div(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "articles": len(gold),
        "gold_quotes": n_gold,
        "predicted_quotes": n_pred,
        "detection_precision": div(correct_pred, n_pred),
        "detection_recall": div(matched_gold, n_gold),
        "attribution_precision": div(attr_correct_pred, attr_with_speaker),
        "attribution_recall": div(attr_correct_gold, n_gold),
        "by_kind": {k: {"gold": v[0], "detected": v[1], "speaker_correct": v[2]} for k, v in sorted(by_kind.items())},
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", default=os.environ.get("PROPSCAN_DATA", str(ROOT.parent / "shared" / "data" / "ptc-semeval2020"))
    )
    ap.add_argument(
        "--gold",
        default=str(GOLD),
        help=f"gold quotes JSONL (default: the tuned set; held-out set: {HELDOUT.relative_to(ROOT)})",
    )
    ap.add_argument("--out", default=str(OUT), help="where to write the JSON results")
    ap.add_argument("--errors", action="store_true", help="print every miss / wrong speaker / false positive")
    args = ap.parse_args(argv)
    gold: dict[str, list[dict]] = defaultdict(list)
    if not Path(args.gold).is_file():
        print(f"error: gold file {args.gold} not found; pass --gold pointing at a quotes JSONL file", file=sys.stderr)
        return 2
    with open(args.gold, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                gold[row["article_id"]].append(row)
    art_dir = Path(args.data) / "train-articles"
    if not art_dir.is_dir():
        print(f"error: {art_dir} not found; pass --data pointing at ptc-semeval2020", file=sys.stderr)
        return 2
    preds: dict[str, list[Quote]] = {}
    words = 0
    t0 = time.perf_counter()
    missing = [aid for aid in gold if not (art_dir / f"article{aid}.txt").is_file()]
    if missing:
        print(f"error: article{missing[0]}.txt from {args.gold} not found in {art_dir}", file=sys.stderr)
        return 2
    for aid in gold:
        text = (art_dir / f"article{aid}.txt").read_text(encoding="utf-8")
        words += len(text.split())
        preds[aid] = find_quotes(Document(text, id=aid))
    elapsed = time.perf_counter() - t0
    # speed over the whole train split
    all_texts = [p.read_text(encoding="utf-8") for p in sorted(art_dir.glob("article*.txt"))]
    t1 = time.perf_counter()
    total_words = 0
    for i, text in enumerate(all_texts):
        total_words += len(text.split())
        find_quotes(Document(text, id=str(i)))
    ms_per_1k = (time.perf_counter() - t1) * 1000 / max(1, total_words / 1000)
    res = evaluate(gold, preds)
    res["ms_per_1000_words"] = round(ms_per_1k, 2)
    res["speed_corpus"] = f"{len(all_texts)} train articles, {total_words} words"
    res["labelled_eval_seconds"] = round(elapsed, 4)
    print(
        f"voice benchmark: {res['gold_quotes']} gold quotes in {res['articles']} articles, {res['predicted_quotes']} predicted"
    )
    print(f"{'metric':28s} value")
    for key in (
        "detection_precision",
        "detection_recall",
        "attribution_precision",
        "attribution_recall",
        "ms_per_1000_words",
    ):
        print(f"{key:28s} {res[key]}")
    print(f"{'kind':10s} {'gold':>5s} {'found':>6s} {'speaker ok':>10s}")
    for k, v in res["by_kind"].items():
        print(f"{k:10s} {v['gold']:5d} {v['detected']:6d} {v['speaker_correct']:10d}")
    if args.errors:
        for e in res["errors"]:
            print(e)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out) as fh:
        json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
