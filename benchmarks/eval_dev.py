"""Dev-set evaluation of a model with the project's (official-equal) scorers — the held-out report.

    python benchmarks/eval_dev.py --model default --note "what changed since the last look"
    python benchmarks/eval_dev.py --model default --split tune    # the tune-split figures (not a dev look)

Dev is never used to choose anything (see ``propscan.models.protocol``). Every evaluation is a
*look* and is appended to ``benchmarks/results/dev-log.jsonl`` (date, model, weights hash, what
changed, figures) so the number of looks stays visible. ``--record`` also writes the figures into
the model's ``config.json`` (``dev_metrics``; weight files untouched). ``--check`` re-runs the
recorded figures (CI) and fails when they no longer reproduce; a check is a reproduction of a
logged look, not a new one, so it is not logged.

Writes SemEval prediction files (SI with the model's F1-optimal decoding, chosen on the tune
split) and ``benchmarks/results/dev_<model>.json``: SI P/R/F1, TC micro-F1, per-technique tables, and
the reader's figures at the recommended display threshold — hit-any (share of gold spans touched
by any flag), hit-same (touched by a flag of the same technique) and flag precision.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import sys
import time
from pathlib import Path

from propscan.eval.scorer import hit_rates, score_flc, score_si, score_tc
from propscan.io.ptc import read_labels, read_ptc, write_labels
from propscan.models.loading import file_sha256, load_model, read_config, resolve_model_dir, update_config
from propscan.models.protocol import split_train_ids

DEV_LOG = Path("benchmarks/results/dev-log.jsonl")


def split_articles(data: Path, split: str) -> tuple[list, dict, dict]:
    """``(documents, SI gold, TC gold in the official file's order)`` of ``dev`` or of the protocol's ``tune`` split."""
    if split == "dev":
        docs, gold = read_ptc(data, "dev")
        tc_gold = read_labels(data / "dev-task-flc-tc.labels", "tc", documents={d.id: d for d in docs})
        return docs, gold, tc_gold
    train, gold = read_ptc(data, "train")
    tune_ids = set(split_train_ids([d.id for d in train])[1])
    tc_all = read_labels(data / "train-task-flc-tc.labels", "tc", documents={d.id: d for d in train})
    docs = [d for d in train if d.id in tune_ids]
    gold = {d.id: list(gold.get(d.id, [])) for d in docs}
    return docs, gold, {a: s for a, s in tc_all.items() if a in tune_ids}


def evaluate(model_name: str, data: Path, out_dir: Path, split: str = "dev") -> dict:
    docs, gold, tc_gold = split_articles(data, split)
    model = load_model(model_name)
    t0 = time.perf_counter()
    candidates = model.predict(docs)
    t_si = time.perf_counter() - t0
    semeval_spans = model.predict(docs, semeval=True) if "semeval" in inspect.signature(model.predict).parameters else candidates
    display_cut = float(getattr(model, "display_threshold", 0.0) or 0.0)
    pred = {d.id: list(spans) for d, spans in zip(docs, semeval_spans)}
    shown = {d.id: [s for s in spans if s.score >= display_cut] for d, spans in zip(docs, candidates)}
    floor = {d.id: list(spans) for d, spans in zip(docs, candidates)}
    by_id = {d.id: d for d in docs}
    ids = list(tc_gold)
    t0 = time.perf_counter()
    labelled = model.classify([by_id[a] for a in ids], [tc_gold[a] for a in ids])
    t_tc = time.perf_counter() - t0
    tc_pred = dict(zip(ids, labelled))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(str(model_name)).name
    write_labels(out_dir / f"{split}-si-{stem}.txt", pred, "si")
    write_labels(out_dir / f"{split}-tc-{stem}.txt", tc_pred, "tc")
    si = score_si(pred, gold)
    tc = score_tc(tc_pred, tc_gold)
    flc = score_flc(pred, gold)
    return {
        "model": model.info,
        "split": split,
        "articles": len(docs),
        "si": si.to_dict(),
        "tc": tc.to_dict(),
        "display_threshold": display_cut,
        "reader_at_display_threshold": hit_rates(shown, gold).to_dict(),
        "reader_at_semeval_threshold": hit_rates(pred, gold).to_dict(),
        "reader_at_floor": hit_rates(floor, gold).to_dict(),
        "flc_per_technique": {k: v.to_dict() for k, v in flc.per_technique.items()},
        "seconds": {"predict": round(t_si, 2), "classify": round(t_tc, 2)},
    }


def summary(res: dict) -> dict:
    """The figures that go into the dev log and the model config."""
    reader = res["reader_at_display_threshold"]
    return {
        "si_precision": round(res["si"]["precision"], 4),
        "si_recall": round(res["si"]["recall"], 4),
        "si_f1": round(res["si"]["f1"], 4),
        "tc_micro_f1": round(res["tc"]["f1"], 4),
        "hit_any": round(reader["hit_any"], 4),
        "hit_same": round(reader["hit_same"], 4),
        "flag_precision_same": round(reader["flag_precision_same"], 4),
        "display_threshold": res["display_threshold"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--data", default=os.environ.get("PROPSCAN_DATA", "../shared/data/ptc-semeval2020"))
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--note", default="", help="what changed since the last dev look (written to the dev log)")
    ap.add_argument("--record", action="store_true", help="write the dev figures into the model's config.json")
    ap.add_argument("--check", action="store_true", help="fail if below the figures recorded in the model config (not logged)")
    ap.add_argument("--split", choices=("dev", "tune"), default="dev",
                    help="tune: the protocol's tune split of train (what settings were chosen on; not a dev look, not logged)")
    args = ap.parse_args()
    if args.split == "tune" and (args.record or args.check):
        ap.error("--record and --check are for dev figures")
    data = Path(args.data)
    if not data.is_dir():
        print(f"error: {data}: PTC data not found", file=sys.stderr)
        return 2
    model_dir = resolve_model_dir(args.model)
    protocol = read_config(model_dir, verify=False).get("protocol") or {}
    if args.split == "tune" and protocol.get("span_reader_refit_on_all_train"):
        print("warning: this model's span readers were refitted on all of train, tune split included: its TC figures on the tune "
              "split are in-sample; the tune figures it was selected by are in its config.json (tune_metrics)", file=sys.stderr)
    res = evaluate(args.model, data, Path(args.out), args.split)
    name = Path(str(model_dir)).name
    Path(args.out, f"{args.split}_{name}.json").write_text(json.dumps(res, indent=2) + "\n")
    figs = summary(res)
    print(f"{name}: {args.split} SI P={figs['si_precision']:.4f} R={figs['si_recall']:.4f} F1={figs['si_f1']:.4f}  "
          f"TC micro-F1={figs['tc_micro_f1']:.4f}  at display cut {figs['display_threshold']}: hit-any={figs['hit_any']:.3f} "
          f"hit-same={figs['hit_same']:.3f} flag precision={figs['flag_precision_same']:.3f}")
    for t, r in res["tc"]["per_technique"].items():
        print(f"  TC {t:40s} F1={r['f1']:.3f}  (gold {r['r_den']})")
    if args.check:
        recorded = read_config(model_dir, verify=False).get("dev_metrics", {})
        fails = []
        for key in ("si_f1", "tc_micro_f1"):
            want = recorded.get(key)
            if want is not None and figs[key] < want - 0.005:
                fails.append(f"{key} {figs[key]:.4f} < recorded {want:.4f}")
        if fails:
            print("error: model does not reproduce its recorded dev figures: " + "; ".join(fails), file=sys.stderr)
            return 1
        return 0
    if args.split == "tune":
        return 0  # the tune split is where settings were chosen: reproducing it is not a dev look
    cfg_path = Path(model_dir) / "config.json"
    entry = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": name,
        "weights_sha256": res["model"].get("weights_sha256"),
        "config_sha256": file_sha256(cfg_path) if cfg_path.is_file() else None,
        "change": args.note,
        **figs,
    }
    DEV_LOG.parent.mkdir(parents=True, exist_ok=True)
    with DEV_LOG.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    if args.record:
        update_config(model_dir, {"dev_metrics": figs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
