"""Tests of the seed ensemble and of its weight storage: int8, 4-bit deltas (untrained members: fast, every code path)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from propscan.document import Document  # noqa: E402
from propscan.errors import ModelLoadError  # noqa: E402
from propscan.models.loading import (  # noqa: E402
    load_model,  # noqa: E402
    read_config,
    write_model,
)
from propscan.models.quantize import SCALE_SUFFIX, SCALE_SUFFIX_4, dequantize, quantize_int4, quantize_int8  # noqa: E402
from propscan.models.transformer.ensemble import TaggerEnsemble  # noqa: E402
from propscan.models.transformer.tagger import HEADS_FILE, LAYERS_FILE, TransformerTagger  # noqa: E402

DATA = Path(os.environ.get("PROPSCAN_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ptc-semeval2020"))

# Our own text, not from any corpus.
TEXT = (
    "The council's reckless plan will ruin this town. Everyone already knows it; only the usual cowards deny it. "
    "Either we stop the plan today or we lose the harbour forever."
)


def _member(seed: int, **params: object) -> TransformerTagger:
    m = TransformerTagger(progress=False, seed=seed, **params)  # type: ignore[arg-type]
    m._build()
    return m


@pytest.fixture(scope="module")
def ensemble() -> TaggerEnsemble:
    return TaggerEnsemble.from_members([_member(1), _member(2)])


def test_int8_round_trip_is_within_half_a_step_per_row() -> None:
    g = torch.Generator().manual_seed(0)
    w = torch.randn(96, 128, generator=g) * torch.linspace(0.01, 3.0, 96).unsqueeze(1)
    bias = torch.randn(96, generator=g)
    packed = quantize_int8({"w": w, "b": bias})
    assert packed["w"].dtype == torch.int8 and packed["b"].dtype == torch.float16
    assert set(packed) == {"w", "w" + SCALE_SUFFIX, "b"}
    back = dequantize(packed)
    step = w.reshape(96, 2, 64).abs().amax(2, keepdim=True) / 127.0  # one scale per 64 weights of a row
    err = (back["w"] - w).abs().reshape(96, 2, 64)
    assert torch.all(err <= step * 0.51 + 1e-6)
    odd = quantize_int8({"v": torch.randn(8, 600, generator=g)})  # 600 is no multiple of 64: one scale per row
    assert odd["v" + SCALE_SUFFIX].shape == (8, 1) and dequantize(odd)["v"].shape == (8, 600)
    assert torch.allclose(back["b"], bias, atol=2e-3)


def test_int4_round_trip_packs_two_weights_a_byte_within_half_a_step() -> None:
    g = torch.Generator().manual_seed(1)
    w = torch.randn(32, 128, generator=g) * torch.linspace(0.001, 0.1, 32).unsqueeze(1)
    packed = quantize_int4({"w": w, "b": torch.randn(32, generator=g)})
    assert packed["w"].dtype == torch.uint8 and packed["w"].shape == (32, 64)  # two 4-bit levels per byte
    assert set(packed) == {"w", "w" + SCALE_SUFFIX_4, "b"}
    back = dequantize(packed)["w"]
    step = w.reshape(32, 2, 64).abs().amax(2, keepdim=True) / 7.0
    err = (back - w).abs().reshape(32, 2, 64)
    assert torch.all(err <= step * 0.51 + 1e-7)
    assert torch.equal(dequantize(quantize_int4({"w": back}))["w"], back)  # a restored matrix packs to itself
    # every level -7..7 survives the nibble packing, in its column
    levels = torch.arange(-7, 8, dtype=torch.float32).repeat(64, 10)[:, :128]
    assert torch.equal(dequantize(quantize_int4({"l": levels}))["l"], levels)


def _nudged(seed: int) -> TransformerTagger:
    """A member whose trained layers differ from the base encoder by about 3 % (as fine-tuning leaves them)."""
    m = _member(seed)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in m.trained_state().values():
            t.add_(0.03 * t.abs().mean() * torch.randn(t.shape, generator=g))
    return m


def test_layers_are_stored_as_4bit_deltas_from_the_base_and_reload_as_tuned(tmp_path: Path) -> None:
    members = [_nudged(3), _nudged(4)]
    before = {k: v.clone() for k, v in members[0].trained_state().items()}
    ens = TaggerEnsemble.from_members(members)  # the round trip: what is tuned is what is stored
    tuned = members[0].trained_state()
    name = "encoder.layer.2.intermediate.dense.weight"
    delta_err = (tuned[name] - before[name]).norm() / before[name].norm()
    int8_err = (dequantize(quantize_int8({"x": before[name]}))["x"] - before[name]).norm() / before[name].norm()
    assert 0 < delta_err < int8_err  # 4 bits of a small difference beat 8 bits of the whole weight
    ens.save_pretrained(tmp_path / "ens")
    cfg = read_config(tmp_path / "ens")
    assert cfg["layers_storage"] == "int4-delta"
    loaded = load_model(tmp_path / "ens")
    for k, v in loaded.members_[0].trained_state().items():
        torch.testing.assert_close(v, tuned[k], atol=1e-6, rtol=0)
    int8_bytes = sum(t.numel() * t.element_size() for t in quantize_int8(ens.trained_state()).values())
    assert (tmp_path / "ens" / LAYERS_FILE).stat().st_size < 0.6 * int8_bytes


def test_ensembles_saved_with_int8_layers_still_load_and_unknown_storage_is_refused(ensemble: TaggerEnsemble, tmp_path: Path) -> None:
    ensemble.save_pretrained(tmp_path / "new")
    cfg = {k: v for k, v in read_config(tmp_path / "new").items() if k not in ("files", "layers_storage", "propscan_version")}
    heads = {f"m{i}.{k}": v for i, m in enumerate(ensemble.members_) for k, v in m.heads_.state_dict().items()}
    write_model(tmp_path / "old", cfg, tensors={LAYERS_FILE: quantize_int8(ensemble.trained_state()), HEADS_FILE: quantize_int8(heads)})
    old = load_model(tmp_path / "old")  # a model saved before v3.6: int8 whole weights
    expected = dequantize(quantize_int8(ensemble.members_[1].trained_state()))
    for k, v in old.members_[1].trained_state().items():
        torch.testing.assert_close(v, expected[k], atol=1e-6, rtol=0)
    write_model(tmp_path / "odd", {**cfg, "layers_storage": "int2-magic"}, tensors={LAYERS_FILE: quantize_int8(ensemble.trained_state()),
                                                                                     HEADS_FILE: quantize_int8(heads)})
    with pytest.raises(ModelLoadError, match="unknown layers_storage"):
        load_model(tmp_path / "odd")


def test_ensemble_averages_its_members(ensemble: TaggerEnsemble) -> None:
    doc = Document(TEXT)
    raw = ensemble.raw_predict([doc])[0]
    members = [m.raw_predict([doc])[0] for m in ensemble.members_]
    assert raw["states"].shape[-1] == sum(m.encoder_.hidden_size for m in ensemble.members_)
    np.testing.assert_allclose(raw["si_probs"], np.mean([r["si_probs"] for r in members], axis=0), atol=1e-6)
    assert not np.allclose(members[0]["si_probs"], members[1]["si_probs"])  # the members really differ
    spans = [(0, 24), (50, 80)]
    logits, _ = ensemble.tc_scores(doc.text, raw["tok"], raw["states"], spans)
    each = [m.tc_scores(doc.text, r["tok"], r["states"], spans)[0] for m, r in zip(ensemble.members_, members)]
    np.testing.assert_allclose(logits, np.mean(each, axis=0), atol=1e-5)


def test_saved_ensemble_reloads_through_load_model_and_predicts_identically(ensemble: TaggerEnsemble, tmp_path: Path) -> None:
    ensemble.use_calibration({**ensemble.calibration_, "si_threshold": 0.0, "si_core_threshold": 0.0})
    ensemble.save_pretrained(tmp_path / "ens")
    loaded = load_model(tmp_path / "ens")
    assert isinstance(loaded, TaggerEnsemble) and len(loaded.members_) == 2
    assert loaded.info["members"] == 2 and loaded.info["model_type"] == "transformer-ensemble"
    assert all(m.fast_encoder_ is None for m in loaded.members_)  # torch unless PROPSCAN_BACKEND asks otherwise
    doc = Document(TEXT)
    a, b = ensemble.raw_predict([doc])[0], loaded.raw_predict([doc])[0]
    np.testing.assert_allclose(a["si_probs"], b["si_probs"], atol=1e-5)
    assert [(s.start, s.end, s.technique) for s in ensemble.predict([doc])[0]] == [(s.start, s.end, s.technique) for s in loaded.predict([doc])[0]]


def test_tampered_ensemble_weights_are_refused(ensemble: TaggerEnsemble, tmp_path: Path) -> None:
    ensemble.save_pretrained(tmp_path / "ens")
    f = tmp_path / "ens" / LAYERS_FILE
    data = bytearray(f.read_bytes())
    data[-1] ^= 0x01
    f.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="modified or corrupted"):
        load_model(tmp_path / "ens")


def test_members_must_share_windows_and_one_member_is_not_an_ensemble() -> None:
    with pytest.raises(ValueError, match="window"):
        TaggerEnsemble.from_members([_member(1), _member(2, window=128)])
    with pytest.raises(ValueError, match="at least two"):
        TaggerEnsemble.from_members([_member(1)])


def test_training_an_ensemble_refuses_members_that_saw_the_tune_split(tmp_path: Path) -> None:
    from propscan.errors import InputError
    from propscan.models.train import train

    for i, refit in enumerate((False, True)):
        _member(i).save_pretrained(tmp_path / f"m{i}", extra={"protocol": {"tune_fraction": 0.2, "tune_seed": "s", "refit_on_all_train": refit}})
    with pytest.raises(InputError, match="tune-split model"):
        train("ensemble", tmp_path, tmp_path / "out", members=[str(tmp_path / "m0"), str(tmp_path / "m1")])
    with pytest.raises(InputError, match="two or more"):
        train("ensemble", tmp_path, tmp_path / "out", members=[str(tmp_path / "m0")])
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="PTC corpus not available")
def test_smoke_ensemble_is_tuned_on_the_tune_split_saved_and_served(tmp_path: Path) -> None:
    from propscan.models.train import train

    for seed in (1, 2):
        train("default", DATA, tmp_path / f"s{seed}", seed=seed, smoke=True, progress=False)
    metrics = train("ensemble", DATA, tmp_path / "ens", smoke=True, members=[str(tmp_path / "s1"), str(tmp_path / "s2")])
    assert 0.0 <= metrics["si"]["f1"] <= 1.0 and "per_technique" in metrics["tc"]
    assert not metrics["protocol"]["refit_on_all_train"]
    model = load_model(tmp_path / "ens")
    assert isinstance(model, TaggerEnsemble) and model.display_threshold == metrics["cuts"]["display_threshold"]
    assert model.lexical_ is not None and model.config_["tune_metrics"]["si_f1"] == metrics["si"]["f1"]
    spans = model.predict([Document(TEXT, id="x")])[0]
    assert all(TEXT[s.start : s.end] == s.text for s in spans)


def test_ensemble_members_run_on_onnx_runtime_when_asked(ensemble: TaggerEnsemble) -> None:
    pytest.importorskip("onnxruntime")
    doc = Document(TEXT)
    before = ensemble.raw_predict([doc])[0]["si_probs"]
    assert ensemble.use_fast_encoder("onnx") is True and all(m.fast_encoder_ is not None for m in ensemble.members_)
    after = ensemble.raw_predict([doc])[0]["si_probs"]
    assert ensemble.use_fast_encoder("torch") is False
    np.testing.assert_allclose(before, after, atol=1e-4)


def test_the_inference_stride_is_saved_and_reaches_every_member(tmp_path: Path) -> None:
    ens = TaggerEnsemble.from_members([_member(5), _member(6)])
    ens.set_stride(112)
    assert [m.stride for m in ens.members_] == [112, 112]
    with pytest.raises(ValueError, match="stride must be in"):
        ens.set_stride(0)
    ens.save_pretrained(tmp_path / "ens")
    loaded = load_model(tmp_path / "ens")
    assert loaded.stride == 112 and [m.stride for m in loaded.members_] == [112, 112]
    doc = Document(TEXT * 40)  # long enough for several windows: the stride changes what is encoded
    wide = TaggerEnsemble.from_members([_member(5), _member(6)], quantize=True)
    a = loaded.raw_predict([doc])[0]["si_probs"]
    b = wide.raw_predict([doc])[0]["si_probs"]  # the same weights read every 224 tokens
    assert a.shape == b.shape and not np.allclose(a, b, atol=1e-4)
    wide.set_stride(112)
    np.testing.assert_allclose(wide.raw_predict([doc])[0]["si_probs"], a, atol=1e-5)  # the stride was the only difference
