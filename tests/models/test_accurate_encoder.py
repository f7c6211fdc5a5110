"""The accurate model's encoder path: a transformers (MPNet) encoder with LoRA adapters (propscan.models.adapters).

A tiny random MPNet and a tiny tokenizer are built in the test (no real weights, no corpus), so
this runs wherever torch, transformers and peft are installed; otherwise it is skipped.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("peft")
tokenizers = pytest.importorskip("tokenizers")

from propscan.document import Document  # noqa: E402
from propscan.errors import ModelLoadError  # noqa: E402
from propscan.models.encoder import load_encoder, special_ids  # noqa: E402
from propscan.models.loading import read_safetensors  # noqa: E402
from propscan.models.transformer.tagger import HEADS_FILE, LAYERS_FILE, TransformerTagger  # noqa: E402
from propscan.techniques import NAMES  # noqa: E402

# our own words (not from any corpus)
WORDS = (
    "the council will stop these shameless crooks every honest worker in this town was betrayed again "
    "and so called experts said nothing at all build bridge now mayor harbour crisis we must act"
).split()
SPECIAL = ["<s>", "<pad>", "</s>", "<unk>", "[CLS]", "[SEP]", "[PAD]"]
TEXTS = [
    "Crisis at the harbour. The so called experts betrayed every honest worker in this town, again and again! "
    "We must act now: stop these shameless crooks.",
    "The mayor said nothing at all. Build the bridge, build it now! The council will stop these crooks.",
]


def _tiny_mpnet(directory: Path, seed: int = 0) -> Path:
    """A 2-layer MPNet (hidden 32) with random weights and a WordPiece tokenizer in HF layout."""
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    directory.mkdir(parents=True, exist_ok=True)
    vocab = {t: i for i, t in enumerate(SPECIAL + sorted(set(WORDS)) + list(".,:!"))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.save(str(directory / "tokenizer.json"))
    config = transformers.MPNetConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=80, pad_token_id=1, bos_token_id=0, eos_token_id=2,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = transformers.MPNetModel(config)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(directory / "model.safetensors"))
    (directory / "config.json").write_text(json.dumps(config.to_dict()), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_mpnet(tmp_path_factory.mktemp("enc") / "tiny-mpnet")


def _docs() -> tuple[list[Document], dict[str, list]]:
    docs = [Document(t, id=f"a{i}") for i, t in enumerate(TEXTS)]
    gold = {
        "a0": [docs[0].span(22, 64, NAMES[0]), docs[0].span(100, 134, NAMES[1])],
        "a1": [docs[1].span(31, 61, NAMES[2])],
    }
    return docs, gold


def _tagger(base: Path, **kw: object) -> TransformerTagger:
    params = dict(encoder=str(base), window=24, stride=16, epochs=1, batch_size=2, tc_hidden=16, si_hidden=8, lexical_c=None, progress=False, lr_encoder=1e-2)
    params.update(kw)
    return TransformerTagger(**params)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trained(base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[TransformerTagger, Path]:
    docs, gold = _docs()
    model = _tagger(base).fit(docs, gold)
    out = tmp_path_factory.mktemp("model") / "m"
    model.save_pretrained(out)
    return model, out


def test_mpnet_special_tokens_come_from_the_post_processor(base: Path) -> None:
    _, tok, _ = load_encoder(str(base))
    assert special_ids(tok) == (0, 2, 1)  # <s>, </s>, <pad> although [CLS]/[SEP]/[PAD] are in the vocabulary


def test_adapters_are_the_only_trainable_encoder_tensors_and_start_as_a_no_op(base: Path) -> None:
    plain, _, _ = load_encoder(str(base))
    enc, _, _ = load_encoder(str(base), lora={"r": 4})
    trainable = [n for n, p in enc.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert {n.split(".")[-4] for n in trainable} == {"q", "k", "v", "o"}
    assert all("lora_" not in n for n, _ in plain.named_parameters())
    assert enc.lora["r"] == 4 and set(enc.adapter_state()) == {n.replace("inner.", "", 1) for n in trainable}
    ids = torch.tensor([[0, 10, 11, 12, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 0]])
    with torch.inference_mode():
        assert torch.allclose(plain(ids, mask), enc(ids, mask), atol=1e-6)


def test_training_moves_only_adapters_and_heads(base: Path, trained: tuple[TransformerTagger, Path]) -> None:
    model, _ = trained
    fresh, _, _ = load_encoder(str(base))
    base_state = fresh.inner.state_dict()
    for name, t in model.encoder_.inner.state_dict().items():
        if "lora_" in name:
            continue
        key = name.replace(".base_layer", "")
        assert torch.equal(t, base_state[key]), name
    assert any(float(t.abs().sum()) > 0 for n, t in model.encoder_.adapter_state().items() if "lora_B" in n)


def test_save_writes_only_adapters_and_heads_and_round_trips(trained: tuple[TransformerTagger, Path], base: Path) -> None:
    model, out = trained
    assert sorted(p.name for p in out.iterdir()) == sorted(["config.json", LAYERS_FILE, HEADS_FILE])
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["lora"]["r"] == 8 and cfg["encoder_sha256"]
    saved = read_safetensors(out / LAYERS_FILE, torch=True)
    assert saved and all("lora_" in k for k in saved)
    assert set(saved) == set(model.encoder_.adapter_state())
    base_bytes = (base / "model.safetensors").stat().st_size
    assert (out / LAYERS_FILE).stat().st_size < base_bytes
    docs, gold = _docs()
    again = TransformerTagger.from_pretrained(out)
    for a, b in zip(model.raw_predict(docs), again.raw_predict(docs)):
        assert torch.allclose(a["states"], b["states"], atol=1e-6)
        assert abs(a["si_probs"] - b["si_probs"]).max() < 1e-6
    spans = [gold[d.id] for d in docs]
    assert [[s.technique for s in x] for x in model.classify(docs, spans)] == [[s.technique for s in x] for x in again.classify(docs, spans)]


def test_a_model_on_another_base_is_refused(trained: tuple[TransformerTagger, Path], tmp_path: Path) -> None:
    _, out = trained
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    other = _tiny_mpnet(tmp_path / "tiny-mpnet", seed=1)  # same shapes, other weights
    model_dir = tmp_path / "m"
    shutil.copytree(out, model_dir)
    cfg["encoder"] = str(other)
    (model_dir / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="sha256"):
        TransformerTagger.from_pretrained(model_dir)


def test_adapters_that_do_not_fit_are_refused(trained: tuple[TransformerTagger, Path], base: Path) -> None:
    model, _ = trained
    enc, _, _ = load_encoder(str(base), lora={"r": 2})
    with pytest.raises(ModelLoadError, match="do not fit"):
        enc.load_adapter_state(model.encoder_.adapter_state())


def test_an_accurate_model_mixes_a_tagger_on_another_tokenizer_and_reloads_it(trained: tuple[TransformerTagger, Path], tmp_path: Path) -> None:
    """accurate v2: its own tagger's SI probabilities are carried onto the ensemble's tokens by character offsets and
    mixed by ``si_share``; its TC head's log-probabilities by ``tc_share``; saved as one int8 file and reloaded."""
    import numpy as np
    from test_accurate import _own_reader, _saved_ensemble

    from propscan.models.loading import load_model, read_config
    from propscan.models.transformer.accurate import TAGGER_FILE, AccurateEnsemble, PairedStates
    from propscan.models.transformer.span_reader import READER_FILE

    ens = _saved_ensemble(tmp_path)
    docs, gold = _docs()
    acc = AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_)))
    plain = acc.raw_predict(docs)
    tagger = TransformerTagger.from_pretrained(trained[1])
    acc.with_tagger(tagger, si_share=0.0, tc_share=0.0)
    for a, b in zip(plain, acc.raw_predict(docs)):  # shares 0: the ensemble's figures exactly, no second pass
        assert not isinstance(b["states"], PairedStates)
        np.testing.assert_array_equal(a["si_probs"], b["si_probs"])

    acc.with_tagger(tagger, si_share=0.25, tc_share=0.5)
    mixed = acc.raw_predict(docs)
    own = tagger.raw_predict(docs)
    for d, p, m, o in zip(docs, plain, mixed, own):
        st = m["states"]
        assert isinstance(st, PairedStates) and len(st.other_tok) != len(st.tok)  # another tokenizer
        # each ensemble token takes the tagger's probabilities of the tagger token holding its first character
        i = int(np.searchsorted(st.tok.starts, d.text.index("crooks")))
        j = int(np.searchsorted(o["tok"].starts, d.text.index("crooks")))
        np.testing.assert_allclose(m["si_probs"][i], 0.75 * p["si_probs"][i] + 0.25 * o["si_probs"][j], atol=1e-6)
        np.testing.assert_allclose(m["si_probs"], 0.75 * p["si_probs"] + 0.25 * st.carried(o["si_probs"]), atol=1e-6)
        spans = [(s.start, s.end) for s in gold[d.id]]
        ranges = [m["tok"].token_range(s, e) for s, e in spans]
        feats = acc.tc_scores(d.text, m["tok"], p["states"], spans)[1]
        head = acc._tc_logits(st, ranges, feats)
        lsm = torch.log_softmax
        want = 0.5 * lsm(torch.from_numpy(acc._tc_logits(st.mini, ranges, feats)), -1) + 0.5 * lsm(
            torch.from_numpy(tagger._tc_logits(o["states"], [o["tok"].token_range(s, e) for s, e in spans], feats)), -1)
        np.testing.assert_allclose(head, want.numpy(), atol=1e-5)

    acc.save_pretrained(tmp_path / "accurate")
    assert sorted(p.name for p in (tmp_path / "accurate").iterdir()) == ["config.json", READER_FILE, TAGGER_FILE]
    cfg = read_config(tmp_path / "accurate")
    assert (cfg["tagger"]["si_share"], cfg["tagger"]["tc_share"]) == (0.25, 0.5) and cfg["tagger"]["lora"]["r"] == 8
    again = load_model(tmp_path / "accurate")
    assert isinstance(again, AccurateEnsemble) and again.info["tagger_encoder"] == tagger.encoder
    spans = [gold[d.id] for d in docs]
    for a, b in zip(mixed, again.raw_predict(docs)):
        np.testing.assert_allclose(a["si_probs"], b["si_probs"], atol=1e-5)
    assert [[s.technique for s in x] for x in again.classify(docs, spans)] == [[s.technique for s in x] for x in acc.classify(docs, spans)]


def test_a_semeval_scope_tagger_changes_only_the_semeval_spans(trained: tuple[TransformerTagger, Path], tmp_path: Path) -> None:
    """accurate v2.0.0: with scope "semeval" the flags (analysis) are the ensemble's exactly and never run the tagger;
    ``predict(semeval=True)`` decodes the mixed SI probabilities by the decoding settings saved with it."""
    import numpy as np
    from test_accurate import _own_reader, _saved_ensemble

    from propscan.models.loading import load_model, read_config
    from propscan.models.transformer.accurate import AccurateEnsemble, PairedStates

    ens = _saved_ensemble(tmp_path)
    docs, _ = _docs()
    acc = AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_)))
    flags = acc.predict(docs)
    semeval_before = acc.predict(docs, semeval=True)
    tagger = TransformerTagger.from_pretrained(trained[1])
    with pytest.raises(ValueError, match="tc_share"):
        acc.with_tagger(tagger, si_share=0.5, tc_share=0.5, scope="semeval")
    decoding = {"si_threshold": 0.01, "si_core_threshold": 0.02, "sentence_threshold": 0.0}  # low: the tiny models' probabilities are flat
    acc.with_tagger(tagger, si_share=0.5, tc_share=0.0, scope="semeval", semeval_decoding=decoding)

    calls = []
    real = tagger._doc_states
    tagger._doc_states = lambda *a, **k: calls.append(1) or real(*a, **k)  # type: ignore[method-assign]
    assert all(not isinstance(r["states"], PairedStates) for r in acc.raw_predict(docs))
    assert acc.predict(docs) == flags and not calls  # the analysis: the ensemble's flags, no tagger pass
    raws = acc.raw_predict(docs)
    mixed = acc.semeval_raws(docs, raws)
    assert len(calls) == 1
    own = tagger.raw_predict(docs)
    for d, r, m, o in zip(docs, raws, mixed, own):
        i = int(np.searchsorted(r["tok"].starts, d.text.index("crooks")))
        j = int(np.searchsorted(o["tok"].starts, d.text.index("crooks")))
        np.testing.assert_allclose(m["si_probs"][i], 0.5 * r["si_probs"][i] + 0.5 * o["si_probs"][j], atol=1e-5)
    cal = {**acc.calibration_, **decoding}
    want = [acc.spans_from_raw(d, m, calibration=cal, semeval=True) for d, m in zip(docs, mixed)]
    got = acc.predict(docs, semeval=True)
    assert got == want and got != semeval_before and any(got)

    acc.save_pretrained(tmp_path / "accurate")
    cfg = read_config(tmp_path / "accurate")
    assert cfg["tagger"]["scope"] == "semeval" and cfg["tagger"]["semeval_decoding"] == decoding
    again = load_model(tmp_path / "accurate")
    assert isinstance(again, AccurateEnsemble) and again.scope == "semeval" and again.info["tagger_encoder"] == tagger.encoder
    assert again.predict(docs) == flags
    assert again.tagger_ is None  # loading and analysing leave its encoder unbuilt; the SemEval output builds it
    assert [[(s.start, s.end) for s in x] for x in again.predict(docs, semeval=True)] == [[(s.start, s.end) for s in x] for x in got]
    assert again.tagger_ is not None and again.own_tagger() is again.tagger_


def test_a_tagger_left_for_its_first_use_is_built_once_across_threads(trained: tuple[TransformerTagger, Path], tmp_path: Path) -> None:
    """Threads asking for the SemEval output at once (a server's workers) build the tagger's encoder once and share it."""
    import threading
    import time

    from test_accurate import _own_reader, _saved_ensemble

    from propscan.models.loading import load_model
    from propscan.models.transformer.accurate import AccurateEnsemble

    ens = _saved_ensemble(tmp_path)
    acc = AccurateEnsemble.from_ensemble(tmp_path / "default", _own_reader(len(ens.labels_)))
    acc.with_tagger(TransformerTagger.from_pretrained(trained[1]), si_share=0.5, tc_share=0.0, scope="semeval")
    acc.save_pretrained(tmp_path / "accurate")
    again = load_model(tmp_path / "accurate")
    assert isinstance(again, AccurateEnsemble) and again._pending_tagger is not None
    build, mix = again._pending_tagger
    builds = []

    def slow_build() -> TransformerTagger:
        builds.append(1)
        time.sleep(0.2)  # long enough for every thread to be waiting
        return build()

    again._pending_tagger = (slow_build, mix)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(again.own_tagger())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len(got) == 4 and all(g is again.tagger_ is not None for g in got)
