"""Reading and writing model files: the one place that opens them and checks their sha256.

A model directory holds ``config.json`` (``model_type``, version, hyper-parameters and the sha256
of every weight file) beside safetensors weights and, after training, ``metrics.json``. Models
never open files themselves: they hand their tensors to :func:`write_model` and get them back
from :func:`read_model`, which checks every listed hash before any weights are read. The base
encoder's weights go through the same :func:`verify_sha256` and :func:`read_safetensors`.

>>> model = load_model("baseline")  # doctest: +SKIP
>>> saved = read_model(resolve_model_dir("baseline"), expect_type="baseline")  # doctest: +SKIP
>>> saved.arrays("weights.safetensors")["si_bias"]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.errors import ModelLoadError

WEIGHTS_DIR = Path(__file__).parent / "weights"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
#: weight files are readable by every user whatever the umask: they are shipped and shared like code
WEIGHTS_MODE = 0o644

#: model_type -> "module:Class" (imported lazily so that ``propscan --help`` stays fast)
REGISTRY: dict[str, str] = {
    "baseline": "propscan.models.baseline:BaselineModel",
    "transformer": "propscan.models.transformer.tagger:TransformerTagger",
    "transformer-ensemble": "propscan.models.transformer.ensemble:TaggerEnsemble",
    "transformer-member": "propscan.models.transformer.member:EnsembleMember",
    "transformer-accurate": "propscan.models.transformer.accurate:AccurateEnsemble",
}


# ---------------------------------------------------------------- hashes and safetensors


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    >>> len(file_sha256(__file__))
    64
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_sha256(path: Path, expected: str, *, what: str, remedy: str) -> None:
    """Refuse (:class:`ModelLoadError`) a file whose sha256 is not ``expected``.

    ``what`` names the file for the message (``"{model dir}/heads.safetensors"``, ``"Encoder x: ..."``),
    ``remedy`` tells the user what to do about it.

    >>> verify_sha256(Path(__file__), "0" * 64, what="this file", remedy="restore it.")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    propscan.errors.ModelLoadError: ...this file: sha256 ... does not match the recorded 000000000000…; restore it.
    """
    actual = file_sha256(path)
    if actual != expected:
        raise ModelLoadError(f"{what}: sha256 {actual[:12]}… does not match the recorded {expected[:12]}…; {remedy}")


def read_safetensors(path: Path, *, torch: bool = False, what: str | None = None) -> dict[str, Any]:
    """The tensors of a safetensors file: torch tensors with ``torch=True``, else numpy arrays.

    An unreadable file is a :class:`ModelLoadError` naming ``what`` (default: the path).
    """
    try:
        if torch:
            from safetensors.torch import load_file

            return dict(load_file(str(path)))
        from safetensors.numpy import load_file as load_numpy

        return dict(load_numpy(str(path)))
    except Exception as exc:
        raise ModelLoadError(f"{what or path}: cannot read the weights ({type(exc).__name__}); retrain or reinstall the model.") from exc


# ---------------------------------------------------------------- reading a model directory


def read_config(directory: str | os.PathLike[str], *, expect_type: str | None = None, verify: bool = True) -> dict[str, Any]:
    """Read ``config.json`` and (``verify=True``) check the sha256 of every file it lists.

    >>> read_config(resolve_model_dir("baseline"), verify=False)["model_type"]
    'baseline'
    """
    d = Path(directory)
    path = d / CONFIG_FILE
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
            verify_sha256(f, digest, what=str(f), remedy="the file was modified or corrupted — refusing to load it.")
    return cfg


@dataclass(frozen=True)
class SavedModel:
    """A model directory whose config was read and whose listed files passed their sha256 check."""

    directory: Path
    config: dict[str, Any]

    def has(self, name: str) -> bool:
        """Whether the config lists weight file ``name``."""
        return name in self.config.get("files", {})

    def tensors(self, name: str) -> dict[str, Any]:
        """Torch tensors of weight file ``name``."""
        return read_safetensors(self.directory / name, torch=True, what=f"{self.directory}: {name}")

    def arrays(self, name: str) -> dict[str, Any]:
        """Numpy arrays of weight file ``name``."""
        return read_safetensors(self.directory / name, what=f"{self.directory}: {name}")


def read_model(directory: str | os.PathLike[str], *, expect_type: str) -> SavedModel:
    """Open a saved model of type ``expect_type``: its config, every listed file hash-checked.

    >>> read_model(resolve_model_dir("baseline"), expect_type="baseline").has("weights.safetensors")
    True
    """
    d = Path(directory)
    return SavedModel(d, read_config(d, expect_type=expect_type, verify=True))


def pin_source(saved: SavedModel, directory: str | os.PathLike[str], **extra: Any) -> dict[str, Any]:
    """The ``source`` entry of a model saved to ``directory`` that reads its weights from ``saved``: the path
    from ``directory`` to it and the sha256 of each of its files (checked by :func:`read_source`)."""
    rel = os.path.relpath(saved.directory.resolve(), Path(directory).resolve())
    return {"directory": rel, **extra, "files": dict(saved.config["files"])}


def repin_source(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Pin a saved model to the current weights of the model it reads (its ``source.files``); returns its new config.

    For a change to the source in files this model's outputs do not depend on (e.g. the default's given-span
    readers, which the accurate model replaces by its own): check its outputs are unchanged first. The
    model's own files and settings are kept as they are.

    >>> repin_source(resolve_model_dir("accurate"))  # doctest: +SKIP
    """
    config = read_config(directory)
    src = config.get("source") or {}
    if "directory" not in src:
        raise ModelLoadError(f"{directory}: its config names no model it reads (source.directory).")
    current = read_config(Path(directory) / src["directory"])["files"]
    config["source"] = {**src, "files": dict(current)}
    _write_json(Path(directory) / CONFIG_FILE, config, indent=2)
    return config


def read_source(
    directory: str | os.PathLike[str], config: Mapping[str, Any], *, expect_type: str, remedy: str, files: tuple[str, ...] | None = None
) -> SavedModel:
    """Open the model a saved model reads its weights from (its config's ``source``, :func:`pin_source`), every
    file hash-checked, and refuse it unless ``files`` (default: all) are the ones pinned; ``remedy`` says what to run."""
    src = config.get("source") or {}
    if "directory" not in src or "files" not in src:
        raise ModelLoadError(f"{directory}: its config must name the model it reads (source.directory, source.files).")
    source_dir = (Path(directory) / src["directory"]).resolve()
    if not (source_dir / CONFIG_FILE).is_file():
        raise ModelLoadError(f"{directory}: the model it reads ({source_dir}) is not there (not a propscan model directory); {remedy}")
    saved = read_model(source_dir, expect_type=expect_type)
    keys = files if files is not None else tuple(sorted(set(src["files"]) | set(saved.config.get("files", {}))))
    if {k: saved.config.get("files", {}).get(k) for k in keys} != {k: src["files"].get(k) for k in keys}:
        raise ModelLoadError(f"{directory}: the model it reads ({source_dir}) holds other weights than this model was tuned for; {remedy}")
    return saved


def read_metrics(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``metrics.json`` of a model directory (``{}`` when there is none)."""
    path = Path(directory) / METRICS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


# ---------------------------------------------------------------- writing a model directory


def write_model(
    directory: str | os.PathLike[str],
    config: Mapping[str, Any],
    *,
    tensors: Mapping[str, Mapping[str, Any]] | None = None,
    arrays: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Write the weight files, then ``config.json`` with the sha256 of each (``files``, last key).

    ``tensors`` maps a file name to torch tensors, ``arrays`` to numpy arrays (written in that
    order). Every file is written to a temporary name and moved into place, and the config comes
    last: an interrupted save leaves a directory whose hashes do not match, which loading refuses,
    never a model that mixes old and new weights.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    names = []
    for name, values in (tensors or {}).items():
        from safetensors.torch import save

        _write_bytes(d / name, save(dict(values), metadata={"format": "pt"}))
        names.append(name)
    for name, values in (arrays or {}).items():
        from safetensors.numpy import save as save_numpy

        _write_bytes(d / name, save_numpy(dict(values)))
        names.append(name)
    _write_json(d / CONFIG_FILE, _with_version({**config, "files": {name: file_sha256(d / name) for name in names}}), indent=2)


def write_metrics(directory: str | os.PathLike[str], metrics: Mapping[str, Any]) -> None:
    """Write ``metrics.json`` beside a model (non-JSON numbers become floats)."""
    path = Path(directory) / METRICS_FILE
    _write_json(path, metrics, indent=2, default=float)
    os.chmod(path, WEIGHTS_MODE)


def update_config(directory: str | os.PathLike[str], updates: Mapping[str, Any]) -> Path:
    """Set top-level keys of a model's ``config.json`` (figures and settings recorded after training),
    leaving the weight files and their hashes as they are; written atomically. Returns the path.

    >>> update_config("runs/model", {"article_reference_density": 8.2})  # doctest: +SKIP
    """
    path = Path(directory) / CONFIG_FILE
    config = read_config(directory, verify=False)
    _write_json(path, {**config, **updates}, indent=2)
    return path


def _with_version(config: Mapping[str, Any]) -> dict[str, Any]:
    from propscan.version import __version__

    return {"propscan_version": __version__, **config}


def _write_bytes(path: Path, data: bytes) -> None:
    from propscan.io.files import atomic_write

    with atomic_write(path, "wb") as fh:
        fh.write(data)
    os.chmod(path, WEIGHTS_MODE)


def _write_json(path: Path, value: Mapping[str, Any], **dump: Any) -> None:
    from propscan.io.files import atomic_write

    with atomic_write(path) as fh:
        fh.write(json.dumps(value, **dump) + "\n")


# ---------------------------------------------------------------- finding and loading a model


def resolve_model_dir(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """``None``/"default" → the embedded default model (transformer when shipped, else baseline);
    "fast" → the embedded fast model (else the default); a bare name → ``weights/<name>``; anything
    else → a directory path.

    >>> resolve_model_dir("baseline").name
    'baseline'
    """
    if name_or_path is None:
        name_or_path = defaults.MODEL
    if str(name_or_path) == "default":
        env = os.environ.get("PROPSCAN_MODEL")
        if env:
            return resolve_model_dir(env)
        default = WEIGHTS_DIR / "default"
        return default if (default / CONFIG_FILE).is_file() else WEIGHTS_DIR / "baseline"
    if str(name_or_path) == "fast" and not (WEIGHTS_DIR / "fast" / CONFIG_FILE).is_file():
        return resolve_model_dir("default")  # no fast model installed: the default serves batch too
    p = Path(name_or_path)
    if not p.exists() and (WEIGHTS_DIR / str(name_or_path) / CONFIG_FILE).is_file():
        return WEIGHTS_DIR / str(name_or_path)
    if not p.is_dir():
        known = sorted(x.name for x in WEIGHTS_DIR.iterdir() if (x / CONFIG_FILE).is_file()) if WEIGHTS_DIR.is_dir() else []
        raise ModelLoadError(f"model {str(name_or_path)!r} not found; give a model directory or one of: {', '.join(known)}.")
    return p


def load_model(name_or_path: str | os.PathLike[str] | None = None) -> Any:
    """Load a model by name (``default``, ``baseline``) or directory, verifying its weights.

    >>> load_model("baseline").model_type  # doctest: +SKIP
    'baseline'
    """
    d = resolve_model_dir(name_or_path)
    cfg = read_config(d, verify=False)
    target = REGISTRY.get(str(cfg.get("model_type")))
    if target is None:
        raise ModelLoadError(f"{d}: unknown model_type {cfg.get('model_type')!r}; known: {', '.join(REGISTRY)}.")
    module, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls.from_pretrained(d)
