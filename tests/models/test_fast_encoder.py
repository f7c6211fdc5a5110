"""The ONNX Runtime encoder backend (propscan.models.fast_encoder): same states as torch, cached once,
never fatal, and chosen by PROPSCAN_BACKEND for models loaded for inference.

A tiny random MiniBert keeps most tests fast; one test loads the shipped default model. Every test
exports into tmp_path (PROPSCAN_CACHE_DIR), never the user's cache. Skipped without onnxruntime/onnx.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from propscan.document import Document  # noqa: E402
from propscan.errors import ModelLoadError  # noqa: E402
from propscan.models import fast_encoder as fe  # noqa: E402
from propscan.models.loading import load_model  # noqa: E402
from propscan.models.minibert import BertShape, MiniBert  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")  # the legacy exporter's deprecation and tracer warnings

TOLERANCE = 1e-4
SPECIAL = (0, 2, 1)  # cls, sep, pad
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "src" / "propscan" / "models" / "weights" / "default"
# our own text, not from any corpus
TEXT = (
    "The so-called experts have betrayed every honest worker in this town, again and again! "
    "Will the council finally stop these shameless crooks? Build the bridge, build it now."
)


def _tiny(seed: int = 0) -> Any:
    torch.manual_seed(seed)
    shape = BertShape(vocab_size=40, max_positions=64, type_vocab_size=2, hidden=32, heads=2, intermediate=64,
                      layers=2, eps=1e-12, hidden_dropout=0.1, attention_dropout=0.1)  # fmt: skip
    return MiniBert(shape).eval()


def _batch(real: list[int], length: int, seed: int) -> tuple[Any, Any]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.full((len(real), length), SPECIAL[2], dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, n in enumerate(real):
        ids[r, 1 : n - 1] = torch.randint(5, 40, (n - 2,), generator=g)
        ids[r, 0], ids[r, n - 1] = SPECIAL[0], SPECIAL[1]
        mask[r, :n] = 1
    return ids, mask


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROPSCAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PROPSCAN_BACKEND", raising=False)
    return tmp_path / "cache"


def _onnx_files(cache: Path) -> list[Path]:
    return sorted((cache / "onnx").glob("*.onnx")) if (cache / "onnx").is_dir() else []


def test_onnx_runtime_matches_torch_on_padded_batches_of_other_shapes(cache: Path) -> None:
    enc = _tiny()
    fast = fe.build_fast_encoder(enc, special=SPECIAL)
    assert fast is not None and fast.path.parent == cache / "onnx" and _onnx_files(cache) == [fast.path]
    for real, length in [([20, 9, 4], 20), ([33], 33), ([16] * 4, 16), ([50, 3], 50), ([7, 7, 6, 5, 3], 9)]:
        ids, mask = _batch(real, length, seed=length)
        with torch.inference_mode():
            ref = enc(ids, mask)
            out = fast(ids, mask)
        assert out.dtype == torch.float32 and out.shape == ref.shape == (len(real), length, 32)
        m = mask.bool()
        assert float((out - ref).abs()[m].max()) <= TOLERANCE, (real, length)


def test_the_cached_file_is_reused_without_exporting_again(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enc = _tiny()
    first = fe.build_fast_encoder(enc, special=SPECIAL)
    assert first is not None
    stamp = first.path.stat().st_mtime_ns

    def no_export(*_: Any, **__: Any) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(fe, "export_onnx", no_export)
    second = fe.build_fast_encoder(enc, special=SPECIAL)
    assert second is not None and second.path == first.path and first.path.stat().st_mtime_ns == stamp
    # other weights: another key, another file (here: the export is refused, so torch stays)
    assert fe.cache_key(_tiny(seed=1)) != fe.cache_key(enc)


def test_a_corrupted_cache_file_is_exported_again(cache: Path) -> None:
    enc = _tiny()
    path = fe.build_fast_encoder(enc, special=SPECIAL).path  # type: ignore[union-attr]
    path.write_bytes(b"not an onnx graph")
    fast = fe.build_fast_encoder(enc, special=SPECIAL)
    assert fast is not None and fast.path == path and path.stat().st_size > 1000
    ids, mask = _batch([11, 6], 11, seed=3)
    with torch.inference_mode():
        assert float((fast(ids, mask) - enc(ids, mask)).abs()[mask.bool()].max()) <= TOLERANCE


def test_a_corrupted_cache_file_falls_back_to_torch_when_export_fails(
    cache: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    enc = _tiny()
    path = fe.build_fast_encoder(enc, special=SPECIAL).path  # type: ignore[union-attr]
    path.write_bytes(b"\x08\x07garbage")

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(fe, "export_onnx", broken)
    with caplog.at_level(logging.WARNING, logger="propscan"):
        assert fe.build_fast_encoder(enc, special=SPECIAL) is None
    assert any("running it with torch" in r.getMessage() for r in caplog.records)


def test_a_graph_that_disagrees_with_torch_is_not_used(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    enc, other = _tiny(), _tiny(seed=5)
    real_export = fe.export_onnx
    monkeypatch.setattr(fe, "export_onnx", lambda e, path, special=None: real_export(other, path, special))
    assert fe.build_fast_encoder(enc, special=SPECIAL) is None
    assert _onnx_files(cache) == []  # not kept in the cache


def test_an_unwritable_cache_exports_into_a_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("PROPSCAN_CACHE_DIR", str(blocker))
    fast = fe.build_fast_encoder(_tiny(), special=SPECIAL)
    assert fast is not None and fast.path.is_file() and not fast.path.is_relative_to(tmp_path)
    ids, mask = _batch([9, 4], 9, seed=4)
    assert fast(ids, mask).shape == (2, 9, 32)


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    enc = _tiny()
    monkeypatch.setenv("PROPSCAN_BACKEND", "torch")
    assert not fe.wants_onnx(enc) and fe.fast_encoder_for(enc) is None
    monkeypatch.setenv("PROPSCAN_BACKEND", "auto")
    assert fe.wants_onnx(enc)
    assert not fe.wants_onnx(torch.nn.Embedding(4, 2))  # not BERT-family: torch under auto
    assert fe.wants_onnx(torch.nn.Embedding(4, 2), "onnx")
    monkeypatch.setenv("PROPSCAN_BACKEND", "tensorrt")
    with pytest.raises(ModelLoadError, match="PROPSCAN_BACKEND"):
        fe.wants_onnx(enc)
    monkeypatch.setattr(fe, "_ort_available", lambda: False)
    assert not fe.wants_onnx(enc, "auto")
    with pytest.raises(ModelLoadError, match="onnxruntime"):
        fe.wants_onnx(enc, "onnx")


@pytest.fixture(scope="module")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (DEFAULT_DIR / "config.json").is_file():
        pytest.skip("the default model is not installed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROPSCAN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("PROPSCAN_BACKEND", "auto")
        yield load_model(DEFAULT_DIR)


def _attached(model: Any) -> list[bool]:
    """Per encoder of ``model`` (each member of an ensemble), whether ONNX Runtime runs it."""
    return [m.fast_encoder_ is not None for m in getattr(model, "members_", [model])]


def test_the_default_model_runs_on_onnx_runtime_with_the_same_probabilities(default_model: Any) -> None:
    model = default_model
    assert all(_attached(model))
    assert model.use_fast_encoder() is True and model.use_fast_encoder("auto") is True  # idempotent
    docs = [Document(TEXT), Document(TEXT[:60])]  # two lengths: a padded window
    fast = model.raw_predict(docs)
    assert model.use_fast_encoder("torch") is False and not any(_attached(model))
    slow = model.raw_predict(docs)
    for f, s in zip(fast, slow):
        assert f["si_probs"].shape == s["si_probs"].shape
        assert abs(f["si_probs"] - s["si_probs"]).max() <= TOLERANCE
        assert abs(f["sent_probs"] - s["sent_probs"]).max() <= TOLERANCE
    assert model.use_fast_encoder() is True  # attached again (from the cache)


def test_new_weights_drop_the_onnx_encoder(default_model: Any) -> None:
    member = getattr(default_model, "members_", [default_model])[0]
    member.use_fast_encoder()
    assert member.fast_encoder_ is not None
    member.load_trained_state(member.trained_state(), member.heads_.state_dict())
    assert member.fast_encoder_ is None


@pytest.mark.parametrize("backend", ["torch", None])
def test_torch_runs_when_loading_by_default_or_when_asked(cache: Path, monkeypatch: pytest.MonkeyPatch, backend: str | None) -> None:
    if not (DEFAULT_DIR / "config.json").is_file():
        pytest.skip("the default model is not installed")
    if backend:
        monkeypatch.setenv("PROPSCAN_BACKEND", backend)
    model = load_model(DEFAULT_DIR)
    assert not any(_attached(model)) and _onnx_files(cache) == []
