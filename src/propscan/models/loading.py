"""Loading and saving models: the one place that reads model files.

A model directory holds ``config.json`` (``model_type``, version, hyper-parameters and the sha256
of every weight file) beside safetensors weights. :func:`load_model` checks every listed hash
before any weights are read and picks the class from ``model_type``.

>>> model = load_model("baseline")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Any

from propscan.errors import ModelLoadError

WEIGHTS_DIR = Path(__file__).parent / "weights"

#: model_type -> "module:Class" (imported lazily so that ``propscan --help`` stays fast)
REGISTRY: dict[str, str] = {
    "baseline": "propscan.models.baseline:BaselineModel",
    "transformer": "propscan.models.transformer.tagger:TransformerTagger",
}


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_config(directory: str | os.PathLike[str], config: dict[str, Any]) -> None:
    from propscan.version import __version__

    cfg = {"propscan_version": __version__, **config}
    Path(directory, "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_config(directory: str | os.PathLike[str], *, expect_type: str | None = None, verify: bool = True) -> dict[str, Any]:
    """Read ``config.json`` and verify the sha256 of every file it lists (tampering is refused)."""
    d = Path(directory)
    path = d / "config.json"
    if not path.is_file():
        raise ModelLoadError(f"{d}: not a propscan model directory (no config.json).")
    try:
        cfg: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: unreadable model config ({exc}).") from exc
    if expect_type and cfg.get("model_type") != expect_type:
        raise ModelLoadError(f"{d}: model_type is {cfg.get('model_type')!r}, expected {expect_type!r}.")
    if verify:
        for name, digest in cfg.get("files", {}).items():
            f = d / name
            if not f.is_file():
                raise ModelLoadError(f"{f}: weight file missing; reinstall propscan or retrain the model.")
            actual = file_sha256(f)
            if actual != digest:
                raise ModelLoadError(
                    f"{f}: sha256 {actual[:12]}… does not match the recorded {digest[:12]}…; the file was modified or corrupted — refusing to load it."
                )
    return cfg


def resolve_model_dir(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """``None``/"default" → the embedded default model (transformer when shipped, else baseline);
    a bare name → ``weights/<name>``; anything else → a directory path."""
    if name_or_path is None or str(name_or_path) == "default":
        env = os.environ.get("PROPSCAN_MODEL")
        if env:
            return resolve_model_dir(env)
        default = WEIGHTS_DIR / "default"
        return default if (default / "config.json").is_file() else WEIGHTS_DIR / "baseline"
    p = Path(name_or_path)
    if not p.exists() and (WEIGHTS_DIR / str(name_or_path) / "config.json").is_file():
        return WEIGHTS_DIR / str(name_or_path)
    if not p.is_dir():
        known = sorted(x.name for x in WEIGHTS_DIR.iterdir() if (x / "config.json").is_file()) if WEIGHTS_DIR.is_dir() else []
        raise ModelLoadError(f"model {str(name_or_path)!r} not found; give a model directory or one of: {', '.join(known)}.")
    return p


def load_model(name_or_path: str | os.PathLike[str] | None = None) -> Any:
    """Load a model by name (``default``, ``baseline``) or directory, verifying its weights."""
    d = resolve_model_dir(name_or_path)
    cfg = read_config(d, verify=False)
    target = REGISTRY.get(str(cfg.get("model_type")))
    if target is None:
        raise ModelLoadError(f"{d}: unknown model_type {cfg.get('model_type')!r}; known: {', '.join(REGISTRY)}.")
    module, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls.from_pretrained(d)
