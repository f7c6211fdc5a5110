"""The article score's reference point: the median technique density of PTC train articles.

    python benchmarks/calibrate_article_score.py                       # gold spans
    python benchmarks/calibrate_article_score.py --model default --write   # as the model sees them

Density = sum of span confidences (gold spans count 1) per 1,000 words, articles shorter than 150
words counted as 150. With ``--write`` the model's median goes into its ``config.json`` as
``article_reference_density`` (the article score then maps that median to 0.5).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from propscan.analysis.scores import count_words, density
from propscan.io.ptc import read_ptc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ptc-semeval2020")
    ap.add_argument("--model", default=None, help="a model name/dir; omit for the gold spans")
    ap.add_argument("--write", action="store_true", help="record the median in the model's config.json")
    ap.add_argument("--out", default="benchmarks/results/article_score.json")
    args = ap.parse_args()
    docs, gold = read_ptc(args.data, "train")
    if args.model is None:
        spans = [gold[d.id] for d in docs]
    else:
        from propscan.models.loading import load_model

        spans = load_model(args.model).predict(docs)
    dens = [density(s, count_words(d.text)) for d, s in zip(docs, spans)]
    key = args.model or "gold"
    res = {"articles": len(docs), "median_density": round(statistics.median(dens), 4), "mean_density": round(statistics.mean(dens), 4)}
    out = Path(args.out)
    allres = json.loads(out.read_text()) if out.is_file() else {}
    if "median_density" in allres:  # older single-entry format
        allres = {"gold": allres}
    allres[key] = res
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(allres, indent=2) + "\n")
    print(json.dumps({key: res}, indent=2))
    if args.write and args.model:
        from propscan.models.loading import resolve_model_dir, update_config

        cfg_path = update_config(resolve_model_dir(args.model), {"article_reference_density": res["median_density"]})
        print(f"wrote article_reference_density={res['median_density']} to {cfg_path}")


if __name__ == "__main__":
    main()
