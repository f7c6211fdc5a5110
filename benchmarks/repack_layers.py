"""Re-store a saved seed ensemble's layers as 4-bit deltas from the base encoder, every setting held.

    PYTHONPATH=src .venv/bin/python benchmarks/repack_layers.py --model runs/ens-two-cap125 --output runs/ens-two-cap125-d4
    PYTHONPATH=src .venv/bin/python benchmarks/repack_layers.py --fast src/propscan/models/weights/fast \
        --ensemble runs/ens-two-cap125-d4 --output runs/fast-d4

An ensemble saved before v3.6 keeps each member's fine-tuned layers as int8 whole weights. This loads it,
passes those weights through the 4-bit delta round trip (:func:`propscan.models.quantize.delta_round_trip`)
and saves it with the current ``save_pretrained``: the calibration, display threshold, readers, cap, tune
metrics and article reference density are copied unchanged (nothing is re-tuned; README, v3.6.0 rule), and
the recorded dev figures are dropped (a new model needs its own look). ``--fast`` re-pins a member model
(the fast model) to a repacked ensemble with its own calibration kept. Prints the sha256 of every file
before and after, so the unchanged ones can be seen to be byte-identical.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from propscan.models.loading import file_sha256, read_config, read_model
from propscan.models.transformer.ensemble import TaggerEnsemble
from propscan.models.transformer.member import EnsembleMember

GENERATED = {"propscan_version", "model_type", "name", "version", "encoder", "encoder_name", "encoder_sha256", "hidden_size",
             "labels", "features", "params", "calibration", "members", "weights_format", "layers_storage", "span_reader",
             "candidate_reader", "source", "files", "dev_metrics"}


def _held(cfg: dict) -> dict:
    """The recorded keys ``save_pretrained`` does not write itself (tune metrics, protocol, reference density)."""
    return {k: v for k, v in cfg.items() if k not in GENERATED}


def repack_ensemble(model: Path, output: Path) -> dict:
    """Load ``model`` (int8 layers), save it to ``output`` with delta layers; ``{file: [sha before, sha after]}``."""
    cfg = read_config(model)
    ens = TaggerEnsemble.from_pretrained(model)
    ens.members_ = TaggerEnsemble.from_members(ens.members_, quantize=True).members_  # the 4-bit delta round trip
    ens.save_pretrained(output, extra=_held(cfg))
    if (model / "metrics.json").exists():
        shutil.copy2(model / "metrics.json", output / "metrics.json")
    after = read_config(output)["files"]
    return {name: [cfg["files"].get(name), sha] for name, sha in after.items()}


def repin_fast(fast: Path, ensemble: Path, output: Path) -> dict:
    """The member model ``fast`` re-pinned to ``ensemble`` (its own calibration and stride kept)."""
    cfg = read_config(fast, verify=False)
    saved = read_model(ensemble, expect_type=TaggerEnsemble.model_type)
    member = EnsembleMember._from_saved(saved, int(cfg["source"]["member"]), cfg["calibration"], stride=cfg["params"]["stride"])
    member.save_pretrained(output, extra=_held(cfg))
    if (fast / "metrics.json").exists():
        shutil.copy2(fast / "metrics.json", output / "metrics.json")
    return {"source": read_config(output, verify=False)["source"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="a saved ensemble with int8 layers")
    ap.add_argument("--fast", type=Path, help="a member model to re-pin (with --ensemble)")
    ap.add_argument("--ensemble", type=Path, help="the repacked ensemble the member model reads")
    ap.add_argument("--output", type=Path, required=True)
    args = ap.parse_args()
    if args.output.exists():
        raise SystemExit(f"{args.output} exists; choose a new folder")
    if args.model is not None:
        report = repack_ensemble(args.model, args.output)
    elif args.fast is not None and args.ensemble is not None:
        report = repin_fast(args.fast, args.ensemble, args.output)
    else:
        raise SystemExit("give --model, or --fast with --ensemble")
    sizes = {p.name: p.stat().st_size for p in sorted(args.output.glob("*.safetensors"))}
    print(json.dumps({"files": report, "bytes": sizes, "total_bytes": sum(sizes.values()),
                      "sha_config": file_sha256(args.output / "config.json")}, indent=1))


if __name__ == "__main__":
    main()
