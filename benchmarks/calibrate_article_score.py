"""Measure the gold technique-span density of PTC train (the article score's reference point).

    python benchmarks/calibrate_article_score.py --data ../shared/data/ptc-semeval2020
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from propscan.corpus_io import read_ptc
from propscan.scores import MIN_WORDS, count_words


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument("--out", default="benchmarks/results/article_score.json")
    args = ap.parse_args()
    docs, gold = read_ptc(args.data, "train")
    dens = [1000 * len(gold[d.id]) / max(count_words(d.text), MIN_WORDS) for d in docs]
    res = {"articles": len(docs), "median_density": statistics.median(dens), "mean_density": statistics.mean(dens)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
