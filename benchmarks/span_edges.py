"""Share of ragged span edges: spans starting or ending inside a word, holding an unmatched double
quote, or dangling punctuation (``propscan.models.edges.is_ragged``).

    python benchmarks/span_edges.py --model default                 # the model's candidate spans on dev
    python benchmarks/span_edges.py --spans before.jsonl --label v1 # spans produced elsewhere (JSONL: id, start, end)

Also measures the PTC gold spans of the same articles, for reference. Writes
``benchmarks/results/span_edges.json`` (one entry per label). No setting is chosen from this.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from propscan.io.ptc import read_ptc
from propscan.models.edges import is_ragged


def share(texts: dict[str, str], spans: list[tuple[str, int, int]]) -> dict:
    ragged = [(a, s, e) for a, s, e in spans if is_ragged(texts[a], s, e)]
    examples = [texts[a][s:e][:60] for a, s, e in ragged[:8]]
    return {"spans": len(spans), "ragged": len(ragged), "share": round(len(ragged) / max(1, len(spans)), 4), "examples": examples}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--spans", default=None, help="JSONL of id/start/end to measure instead of running a model")
    ap.add_argument("--label", default=None)
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results/span_edges.json")
    args = ap.parse_args()
    docs, gold = read_ptc(args.data, "dev")
    texts = {d.id: d.text for d in docs}
    if args.spans:
        rows = [json.loads(line) for line in Path(args.spans).read_text().splitlines() if line.strip()]
        spans = sorted({(str(r["id"]), int(r["start"]), int(r["end"])) for r in rows})
    else:
        from propscan.models.loading import load_model

        pred = load_model(args.model or "default").predict(docs)
        spans = sorted({(d.id, s.start, s.end) for d, ps in zip(docs, pred) for s in ps})
    label = args.label or (args.model or "default")
    out = Path(args.out)
    res = json.loads(out.read_text()) if out.is_file() else {}
    res[label] = share(texts, spans)
    res["gold"] = share(texts, sorted({(a, s.start, s.end) for a, v in gold.items() for s in v}))
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({label: res[label], "gold": {k: v for k, v in res["gold"].items() if k != "examples"}}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
