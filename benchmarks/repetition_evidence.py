"""Is there Repetition evidence the span features miss? Looser repeat tests over the fit split's gold spans.

    PYTHONPATH=src python benchmarks/repetition_evidence.py

The features (``propscan.models.features``) count a span's content-word sequence (lower case, stop words
dropped) over the whole article. This counts, over the fit split's gold spans (tune and dev are not read),
how many Repetition and other spans repeat exactly, how many more would repeat once words are stemmed (a crude
suffix stripper), and, among the rest, how many share a repeated content-word bigram with the article. A looser
test pays only if it finds many Repetition spans the exact one misses and few other spans.
Writes ``benchmarks/results/repetition_evidence.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from pathlib import Path

import numpy as np

from propscan.io.ptc import read_ptc
from propscan.models.features import ArticleIndex
from propscan.models.protocol import split_train_ids

SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    """``word`` without its first matching suffix, when at least four letters are left.

    >>> stem("attacks"), stem("warnings"), stem("is")
    ('attack', 'warn', 'is')
    """
    for suf in SUFFIXES:
        if len(word) > len(suf) + 3 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def count(seq: list[str], key: list[str]) -> int:
    k = len(key)
    return sum(1 for i in range(len(seq) - k + 1) if seq[i : i + k] == key) if k else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results/repetition_evidence.json")
    args = ap.parse_args()
    docs, gold = read_ptc(args.data, "train")
    fit, _ = split_train_ids([d.id for d in docs])
    keep = set(fit)
    rows: dict[str, Counter[str]] = {"Repetition": Counter(), "other": Counter()}
    for d in docs:
        if d.id not in keep:
            continue
        idx = ArticleIndex(d.text)
        stems = [stem(w) for w in idx.seq]
        bigrams = Counter(zip(idx.seq, idx.seq[1:]))
        for g in gold.get(d.id, []):
            side = rows["Repetition" if g.technique == "Repetition" else "other"]
            a, b = idx.content_slice(g.start, g.end)
            side["spans"] += 1
            if len(idx.occurrences(a, b)) >= 2:
                side["exact repeat"] += 1
            elif count(stems, stems[a:b]) >= 2:
                side["repeat once stemmed"] += 1
            else:
                pairs = list(zip(idx.seq[a:b], idx.seq[a + 1 : b]))
                shared = float(np.mean([bigrams[p] >= 2 for p in pairs])) if pairs else 0.0
                side["no repeat"] += 1
                side["no repeat, a repeated bigram"] += int(shared > 0)
                side["no repeat, half its bigrams repeated"] += int(shared >= 0.5)
    out = {k: dict(v) for k, v in rows.items()}
    print(json.dumps(out, indent=2))
    Path(args.out).write_text(json.dumps({"split": "fit (297 articles)", "gold_spans": out}, indent=2) + "\n")


if __name__ == "__main__":
    main()
