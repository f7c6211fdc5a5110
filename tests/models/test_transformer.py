"""Tests of the transformer model: integrity checks, offline loading, offsets, classify, smoke training."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from propscan.document import Document  # noqa: E402
from propscan.errors import ModelLoadError, NotFittedError  # noqa: E402
from propscan.models.encoder import default_encoder_dir, load_encoder  # noqa: E402
from propscan.models.transformer.tagger import HEADS_FILE, LAYERS_FILE, TransformerTagger  # noqa: E402
from propscan.techniques import NAMES  # noqa: E402

DATA = Path(os.environ.get("PROPSCAN_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ptc-semeval2020"))
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "src" / "propscan" / "models" / "weights" / "default"

# Our own text (not from any corpus): CRLF, accents, curly quotes and an emoji exercise the offsets.
TEXT = (
    "Crisis at the Harbour Café\r\n\r\n"
    "The so-called “experts” have betrayed every honest worker in this town, again and again! 🚢 "
    "Will the council finally stop these shameless crooks?\r\n"
    "Résumés of the officials, said Mayor Ødegaard, prove nothing at all: build the bridge, build it now."
)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained (random heads) model saved to disk: fast, exercises every code path."""
    model = TransformerTagger(progress=False)
    model._build()
    d = tmp_path_factory.mktemp("tf_model")
    model.save_pretrained(d)
    return d


def _open(d: Path, threshold: float = 0.0) -> TransformerTagger:
    model = TransformerTagger.from_pretrained(d)
    # 0.0: every token "inside", decoding always yields spans
    model.use_calibration({**model.calibration_, "si_threshold": threshold, "si_core_threshold": threshold})
    return model


def test_unfitted_model_refuses_to_predict() -> None:
    with pytest.raises(NotFittedError):
        TransformerTagger().predict([Document("Some text.")])


def test_tampered_weights_file_is_refused(saved_model: Path, tmp_path: Path) -> None:
    d = tmp_path / "m"
    shutil.copytree(saved_model, d)
    data = bytearray((d / HEADS_FILE).read_bytes())
    data[-3] ^= 0xFF
    (d / HEADS_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256"):
        TransformerTagger.from_pretrained(d)


def test_missing_weights_file_is_refused(saved_model: Path, tmp_path: Path) -> None:
    d = tmp_path / "m"
    shutil.copytree(saved_model, d)
    (d / LAYERS_FILE).unlink()
    with pytest.raises(ModelLoadError):
        TransformerTagger.from_pretrained(d)


def test_base_encoder_hash_mismatch_is_refused(tmp_path: Path) -> None:
    src = default_encoder_dir()
    fake = tmp_path / "all-MiniLM-L6-v2"
    fake.mkdir()
    for f in src.iterdir():
        if f.is_file() and f.name != "model.safetensors":
            (fake / f.name).symlink_to(f)
    data = bytearray((src / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0x01
    (fake / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256"):
        load_encoder(str(fake))


def test_hub_id_refused_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="network"):
        load_encoder("someone/some-encoder")


def test_loads_and_predicts_with_network_disabled(saved_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = _open(saved_model)
    spans = model.predict([Document(TEXT, id="x")])[0]
    assert spans
    assert model.info["encoder"] == "all-MiniLM-L6-v2"
    assert len(model.info["weights_sha256"]) == 64


def test_predict_offsets_index_the_original_text(saved_model: Path) -> None:
    model = _open(saved_model)
    doc = Document(TEXT, id="x")
    spans = model.predict([doc, Document("   \n", id="blank")])
    assert spans[1] == []
    assert spans[0]
    for sp in spans[0]:
        assert 0 <= sp.start < sp.end <= len(TEXT)
        assert sp.doc is doc and sp.text == TEXT[sp.start : sp.end]
        assert sp.text[0] not in " \t\r\n.,:;" and sp.text[-1] not in " \t\r\n.,:;"
        # never half a word
        assert not (sp.start > 0 and TEXT[sp.start - 1].isalnum() and TEXT[sp.start].isalnum())
        assert not (sp.end < len(TEXT) and TEXT[sp.end].isalnum() and TEXT[sp.end - 1].isalnum())
        assert sp.technique in NAMES
        assert 0.0 <= sp.score <= 1.0


def test_long_document_uses_several_windows(saved_model: Path) -> None:
    model = _open(saved_model)
    long_text = " ".join(f"Sentence {i} says the rivals are liars and cowards." for i in range(120))
    doc = Document(long_text, id="long")
    raw = model.raw_predict([doc])[0]
    assert len(raw["tok"]) > 2 * model.content_size
    spans = model.predict([doc])[0]
    assert max(sp.end for sp in spans) > len(long_text) * 0.9  # the end of the text is covered


def test_classify_keeps_order_and_offsets(saved_model: Path) -> None:
    model = _open(saved_model, threshold=0.5)
    doc = Document(TEXT, id="x")
    given = [doc.span(170, 185), doc.span(30, 52), doc.span(30, 52), doc.span(100, 120)]
    out = model.classify([doc], [given])[0]
    assert [(s.start, s.end) for s in out] == [(s.start, s.end) for s in given]
    assert all(s.technique in NAMES and 0.0 < s.score <= 1.0 for s in out)
    assert all(s.doc is doc for s in out)
    with pytest.raises(ValueError):
        model.classify([doc], [])


def test_save_load_roundtrip_predicts_identically(saved_model: Path, tmp_path: Path) -> None:
    a = _open(saved_model)
    a.save_pretrained(tmp_path / "again")
    b = _open(tmp_path / "again")
    doc = Document(TEXT, id="x")
    assert [s.to_dict() for s in a.predict([doc])[0]] == [s.to_dict() for s in b.predict([doc])[0]]


@pytest.mark.skipif(not (DEFAULT_DIR / "config.json").is_file(), reason="default model not shipped yet")
def test_shipped_default_model_loads_and_finds_spans() -> None:
    from propscan.models import load_model

    model = load_model("default")
    assert model.info["name"] == "propscan-minilm-ensemble" and model.info["members"] == 2
    total = sum(f.stat().st_size for f in DEFAULT_DIR.iterdir() if f.suffix == ".safetensors")
    assert total <= 20 * 1024 * 1024  # the default's weight budget (README, speed and size table)
    assert model.config_["layers_storage"] == "int4-delta"  # v3.6.0: the members' layers as 4-bit deltas from the base
    # the project's rule: every shipped model artifact together (default, fast, accurate, baseline; cards and configs) <= 20 MB
    shipped = sum(f.stat().st_size for f in DEFAULT_DIR.parent.rglob("*") if f.is_file())
    assert shipped <= 20_000_000
    text = (
        "Our Glorious Nation\n\nThe treacherous globalist elites want to destroy everything we love. "
        "These corrupt clowns are nothing but traitors, and every real patriot knows it."
    )
    spans = model.predict([Document(text, id="t")])[0]
    assert spans and all(s.technique in NAMES for s in spans)


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="PTC corpus not available")
def test_smoke_training_follows_the_protocol_saves_reloads_and_predicts_identically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from propscan.models import train as train_mod
    from propscan.models.protocol import split_train_ids

    read = train_mod.read_ptc
    splits_read: list[str] = []

    def spy(data_dir, split, *a, **kw):  # type: ignore[no-untyped-def]
        splits_read.append(split)
        return read(data_dir, split, *a, **kw)

    monkeypatch.setattr(train_mod, "read_ptc", spy)
    metrics = train_mod.train_transformer(DATA, tmp_path / "smoke", smoke=True, progress=False, refit=True)
    assert splits_read == ["train"]  # dev is never read while training or tuning
    proto = metrics["protocol"]
    fit_ids, tune_ids = split_train_ids([p.stem.removeprefix("article") for p in (DATA / "train-articles").glob("article*.txt")])
    assert set(proto["tune_ids"]) <= set(tune_ids) and not set(proto["tune_ids"]) & set(fit_ids)
    assert proto["refit_on_all_train"] and metrics["refit"]["articles"] == proto["fit_articles"] + proto["tune_articles"]
    assert 0.0 <= metrics["si"]["f1"] <= 1.0 and "per_technique" in metrics["tc"]
    cuts = metrics["cuts"]
    model = TransformerTagger.from_pretrained(tmp_path / "smoke")
    assert model.display_threshold == cuts["display_threshold"]
    tuned = TransformerTagger.from_pretrained(tmp_path / "smoke-tunesplit")  # the model the tune figures belong to
    assert tuned.calibration_ == model.calibration_
    again = TransformerTagger.from_pretrained(tmp_path / "smoke")
    doc = Document(TEXT, id="x")
    first = [s.to_dict() for s in model.predict([doc])[0]]
    assert first == [s.to_dict() for s in again.predict([doc])[0]]
    # training fitted the lexical tagger and tuned its share on the tune split
    assert model.lexical_ is not None and "si_lexical_weight" in model.calibration_
    assert "lexical_weight" in metrics["si"] and "core_threshold" in metrics["si"]


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason="PTC corpus not available")
def test_retune_runs_on_the_tune_split_without_touching_the_weights(tmp_path: Path) -> None:
    from propscan.errors import InputError
    from propscan.models.train import retune
    from propscan.models.train import train_transformer as train

    train(DATA, tmp_path / "m", smoke=True, progress=False, refit=True)
    with pytest.raises(InputError, match="retrain"):
        retune(tmp_path / "m", DATA)  # refitted on all of train: it has seen the tune split
    metrics = retune(tmp_path / "m-tunesplit", DATA, output_dir=tmp_path / "rt")
    cfg = TransformerTagger.from_pretrained(tmp_path / "rt").config_
    old = TransformerTagger.from_pretrained(tmp_path / "m-tunesplit").config_
    assert cfg["files"][LAYERS_FILE] == old["files"][LAYERS_FILE] and cfg["files"][HEADS_FILE] == old["files"][HEADS_FILE]
    assert cfg["tune_metrics"]["si_f1"] == pytest.approx(metrics["si"]["f1"])
    assert metrics["protocol"]["tune_articles"] == 74


def test_decoding_needs_a_confident_core_and_never_cuts_words() -> None:
    import numpy as np

    from propscan.models.transformer.decode import decode_spans
    from propscan.models.transformer.windows import tokenize_docs

    text = "Quiet words here, then outrageous lies everywhere."
    tok = tokenize_docs(load_encoder()[1], [text])[0]
    n = len(tok)
    probs = np.tile([0.9, 0.05, 0.05], (n, 1))
    lo = [i for i in range(n) if text[tok.starts[i] : tok.ends[i]].lower() in ("quiet", "words")]
    hi = [i for i in range(n) if tok.starts[i] >= text.index("outrageous") and tok.ends[i] <= text.index(" everywhere")]
    probs[lo] = [0.7, 0.1, 0.2]  # weak evidence only: inside-prob 0.3
    probs[hi] = [0.1, 0.2, 0.7]
    probs[hi[0]] = [0.1, 0.8, 0.1]
    spans = decode_spans(text, tok, probs, threshold=0.25, core_threshold=0.5, split_threshold=0.5)
    assert [text[s:e] for s, e, _ in spans] == ["outrageous lies"]
    both = decode_spans(text, tok, probs, threshold=0.25, core_threshold=0.25)
    assert [text[s:e] for s, e, _ in both] == ["Quiet words", "outrageous lies"]


def test_repetition_features_count_over_the_article_text() -> None:
    from propscan.models.features import FEATURE_NAMES, features_for_spans

    text = "Drain the swamp, they said. Later, again: drain the swamp! Nobody asked."
    first, second = text.index("Drain"), text.index("drain")
    f = features_for_spans(text, [(first, first + 15), (second, second + 15), (text.index("Nobody"), len(text) - 1)])
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    assert f[0, col["rep_multi"]] == 1 and f[0, col["rep_earlier"]] == 0 and f[0, col["rep_later"]] == 1
    assert f[1, col["rep_multi"]] == 1 and f[1, col["rep_earlier"]] == 1
    assert f[2, col["rep_multi"]] == 0


def test_predicted_spans_carry_the_models_cue_words() -> None:
    from propscan import Document
    from propscan.models.loading import load_model

    model = load_model("default")
    doc = Document(
        "Critics called the plan a cynical, heartless attack on hard-working families. "
        "The council's decision is a disaster, a shameful disaster, and voters will remember this disaster.",
        id="cue",
    )
    spans = model.predict([doc])[0]
    assert spans, "the default model should flag this text"
    for sp in spans:
        if sp.cue is not None:
            assert sp.cue.startswith("strongest cue words: ")
            for word in sp.cue.removeprefix("strongest cue words: ").split(", "):
                assert word.strip("'") in sp.text
    assert any(sp.cue for sp in spans if sp.technique != "Repetition")


def test_lexical_part_is_saved_hash_checked_and_mixed_in(saved_model: Path, tmp_path: Path) -> None:
    from propscan.models.lexical import LexicalTagger
    from propscan.models.transformer.tagger import LEXICAL_FILE

    doc = Document(TEXT, id="x")
    gold = {"x": [doc.span(TEXT.index("shameless"), TEXT.index("shameless") + len("shameless crooks"), "Name_Calling,Labeling")]}
    model = _open(saved_model, threshold=0.5)
    model.lexical_ = LexicalTagger(C=1.0, bits=12).fit([doc], gold)
    model.save_pretrained(tmp_path / "lex")
    again = _open(tmp_path / "lex", threshold=0.5)
    assert again.lexical_ is not None and again.config_["files"][LEXICAL_FILE]
    raw = again.raw_predict([doc])[0]
    assert raw["lex_probs"].shape == (len(raw["tok"]),)
    # with all weight on the lexical tagger, the span is where it (not the random heads) says
    again.use_calibration({**again.calibration_, "si_lexical_weight": 1.0, "si_split_threshold": 1.01})
    spans = again.predict([doc])[0]
    assert {sp.text for sp in spans} == {"shameless crooks"}
    data = bytearray((tmp_path / "lex" / LEXICAL_FILE).read_bytes())
    data[-2] ^= 0xFF
    (tmp_path / "lex" / LEXICAL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match="sha256"):
        TransformerTagger.from_pretrained(tmp_path / "lex")
