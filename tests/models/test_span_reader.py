"""Tests of the span reader's input building, LoRA wrapping and merge (no trained weights needed)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from propscan.models.transformer.span_reader import (  # noqa: E402
    LoRALinear,
    SpanReaderNet,
    add_lora,
    collate,
    load_trainable,
    merge_lora,
    span_input,
    trainable_state,
)
from propscan.models.transformer.windows import TokenizedDoc  # noqa: E402

SPECIALS = (101, 102, 900, 901)


def _doc(n: int) -> TokenizedDoc:
    """``n`` one-character tokens 'a', 'b', ... separated by spaces: token i covers chars [2i, 2i+1)."""
    starts = np.arange(n, dtype=np.int64) * 2
    return TokenizedDoc(np.arange(1000, 1000 + n, dtype=np.int64), starts, starts + 1)


def test_span_is_marked_and_centred() -> None:
    tok = _doc(200)
    x = span_input(tok, 2 * 100, 2 * 103 - 1, SPECIALS, max_tokens=20)  # tokens 100..102
    assert len(x.ids) == 20 and x.ids[0] == 101 and x.ids[-1] == 102
    a, b = x.span
    assert list(x.ids[a:b]) == [1100, 1101, 1102]
    assert x.ids[a - 1] == 900 and x.ids[b] == 901
    assert (x.types[a - 1 : b + 1] == 1).all() and x.types[: a - 1].sum() == 0 and x.types[b + 1 :].sum() == 0
    left, right = a - 2, len(x.ids) - b - 2  # context tokens either side
    assert abs(left - right) <= 1 and x.ids[1] == 1100 - left


def test_context_left_unused_at_the_start_goes_right() -> None:
    x = span_input(_doc(200), 0, 1, SPECIALS, max_tokens=20)
    assert x.span == (2, 3) and len(x.ids) == 20 and x.ids[-2] == 1000 + 15


def test_long_span_keeps_head_and_tail_and_short_doc_stays_short() -> None:
    x = span_input(_doc(100), 0, 2 * 60, SPECIALS, max_tokens=20)
    a, b = x.span
    assert b - a == 16 and x.ids[a] == 1000 and x.ids[b - 1] == 1059
    y = span_input(_doc(3), 2, 3, SPECIALS, max_tokens=20)
    assert list(y.ids) == [101, 1000, 900, 1001, 901, 1002, 102]


def test_lora_starts_as_the_base_and_merges_exactly() -> None:
    torch.manual_seed(0)
    base = torch.nn.Linear(8, 5)
    lora = LoRALinear(base, r=2, alpha=4)
    x = torch.randn(3, 8)
    assert torch.allclose(lora(x), base(x))
    with torch.no_grad():
        lora.lora_B.normal_()
    lora.eval()
    assert not torch.allclose(lora(x), base(x))
    expected = lora(x)
    merged = lora.merged()
    assert isinstance(merged, torch.nn.Linear) and merged is base  # folded in place: no second copy of the weight
    assert torch.allclose(merged(x), expected, atol=1e-5)


class _Tiny(torch.nn.Module):
    """A stand-in encoder with MiniBert's attribute layout (embeddings, encoder.layer, attn_bias)."""

    def __init__(self) -> None:
        super().__init__()
        from propscan.models.minibert import BertShape, MiniBert

        shape = BertShape.from_config(
            {"vocab_size": 1200, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 64}
        )
        self.bert = MiniBert(shape)


def test_reader_net_trains_only_its_parts_and_round_trips() -> None:
    torch.manual_seed(0)
    enc = _Tiny().bert
    add_lora(enc, r=2, alpha=4)
    enc.embeddings.token_type_embeddings.weight.requires_grad_(True)
    net = SpanReaderNet(enc, n_features=3, n_labels=4, hidden=8)
    state = trainable_state(net)
    assert all("lora_" in k or k.startswith("head.") or "token_type" in k for k in state)
    inputs = [span_input(_doc(30), 10, 15, (101, 102, 900, 901), max_tokens=16), span_input(_doc(5), 0, 1, (101, 102, 900, 901), max_tokens=16)]
    ids, types, mask, spans = collate(inputs, 0)
    assert ids.shape == (2, 16) and int(mask[1].sum()) == len(inputs[1].ids)
    feats = torch.zeros(2, 3)
    net.eval()
    before = net(ids, types, mask, spans, feats)
    with torch.no_grad():
        for p in net.parameters():
            if p.requires_grad:
                p.add_(0.1)
    changed = net(ids, types, mask, spans, feats)
    assert not torch.allclose(before, changed)
    load_trainable(net, state)
    assert torch.allclose(net(ids, types, mask, spans, feats), before)
    merge_lora(enc)
    assert not any(isinstance(m, LoRALinear) for m in enc.modules())
    assert torch.allclose(net(ids, types, mask, spans, feats), before, atol=1e-5)
    with pytest.raises(ValueError):
        load_trainable(net, {"head.1.weight": state["head.1.weight"]})


def _reader_state(seed: int, n_labels: int) -> dict[str, torch.Tensor]:
    """A random trainable state for a reader on the installed base encoder (adapters non-zero)."""
    from propscan.models.encoder import load_encoder
    from propscan.models.features import FEATURE_NAMES

    torch.manual_seed(seed)
    enc, _, _ = load_encoder()
    add_lora(enc)
    enc.embeddings.token_type_embeddings.weight.requires_grad_(True)
    net = SpanReaderNet(enc, len(FEATURE_NAMES), n_labels)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    return trainable_state(net)


def _untrained_ensemble():  # noqa: ANN202
    """Two untrained taggers (seeds 1, 2) on the installed base encoder, joined into an ensemble."""
    from propscan.models.transformer.ensemble import TaggerEnsemble
    from propscan.models.transformer.tagger import TransformerTagger

    members = []
    for seed in (1, 2):
        m = TransformerTagger(progress=False, seed=seed)
        m._build()
        members.append(m)
    return TaggerEnsemble.from_members(members)


def test_an_ensemble_saves_and_reloads_its_reader_and_its_fast_member_ignores_it(tmp_path) -> None:  # noqa: ANN001
    from propscan.document import Document
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.member import EnsembleMember
    from propscan.models.transformer.span_reader import READER_FILE, SpanReader

    ens = _untrained_ensemble()
    ens.use_calibration({**ens.calibration_, "si_threshold": 0.0, "si_core_threshold": 0.0})
    ens.save_pretrained(tmp_path / "plain")
    EnsembleMember.from_ensemble(tmp_path / "plain", 0).save_pretrained(tmp_path / "fast")
    state = round_trip(_reader_state(3, len(ens.labels_)))
    ens.reader_ = SpanReader.from_states([state], n_features=21, n_labels=len(ens.labels_), weight=0.25, cap=1.0)
    text = "The mayor's shameful scheme will bankrupt every family here. All decent people already oppose it."
    doc = Document(text)
    tok = ens._tokenize([doc])[0]
    states = ens._doc_states([tok])[0]
    spans = [(12, 27), (60, 79)]
    mixed, feats = ens.tc_scores(text, tok, states, spans)
    head = torch.log_softmax(torch.from_numpy(ens._tc_logits(states, [tok.token_range(s, e) for s, e in spans], feats)), -1).numpy()
    assert not np.allclose(mixed, head, atol=1e-4)  # the reader moves the TC scores
    # the cap (1 per 1,000 tokens: one span here) reads the span with the higher SI score only
    only_second, _ = ens.tc_scores(text, tok, states, spans, priority=np.array([0.3, 0.8]))
    np.testing.assert_allclose(only_second[0], head[0], atol=1e-6)  # a span it does not read keeps the head's
    np.testing.assert_allclose(only_second[1], mixed[1], atol=1e-6)

    ens.save_pretrained(tmp_path / "plain")  # the same folder, now with a reader
    assert (tmp_path / "plain" / READER_FILE).is_file()
    again = load_model(tmp_path / "plain")
    assert again.reader_ is not None and again.reader_.weight == 0.25 and again.reader_.cap == 1.0
    np.testing.assert_allclose(again.tc_scores(text, tok, again._doc_states([tok])[0], spans)[0], mixed, atol=1e-4)

    # two seeds: stored in one file, reloaded apart, their log-probabilities averaged into the mix
    second = round_trip(_reader_state(4, len(ens.labels_)))
    ens.reader_ = SpanReader.from_states([state, second], n_features=21, n_labels=len(ens.labels_), weight=0.5)
    feats_only = ens.tc_scores(text, tok, states, spans)[1]
    per_seed = [SpanReader.from_states([s], n_features=21, n_labels=len(ens.labels_), weight=1.0).log_probs(tok, spans, feats_only)
                for s in (state, second)]
    np.testing.assert_allclose(ens.tc_scores(text, tok, states, spans)[0], 0.5 * head + 0.25 * (per_seed[0] + per_seed[1]), atol=1e-4)
    ens.save_pretrained(tmp_path / "two")
    both = load_model(tmp_path / "two")
    assert len(both.reader_.nets) == 2 and both.reader_.cap is None
    np.testing.assert_allclose(both.tc_scores(text, tok, both._doc_states([tok])[0], spans)[0],
                               ens.tc_scores(text, tok, states, spans)[0], atol=1e-4)
    fast = load_model(tmp_path / "fast")  # its member's files did not change: it still loads, without the reader
    assert fast.reader_ is None


def test_reader_seeds_share_one_file_and_split_back_apart() -> None:
    from propscan.models.transformer.span_reader import SpanReader, split_states

    a = {"head.1.weight": np.ones((2, 2)), "encoder.x.lora_A": np.zeros(3)}
    b = {"head.1.weight": np.full((2, 2), 2.0), "encoder.x.lora_A": np.ones(3)}
    reader = SpanReader([], [a, b], (0, 0, 0, 0), 0, weight=0.5)
    stored = reader.stored()
    assert set(stored) == {"head.1.weight", "encoder.x.lora_A", "r1.head.1.weight", "r1.encoder.x.lora_A"}
    back = split_states(stored, 2)
    assert [sorted(s) for s in back] == [sorted(a), sorted(b)]
    np.testing.assert_array_equal(back[1]["head.1.weight"], b["head.1.weight"])
    with pytest.raises(ValueError):
        split_states(stored, 1)  # a second seed's tensors the config does not announce


@pytest.mark.parametrize(("cap", "n_tokens", "expected"), [(None, 5000, 5), (2.0, 1000, 2), (2.0, 1600, 4), (2.0, 10, 1), (50.0, 1000, 5)])
def test_the_cap_reads_the_best_scored_candidates_per_1000_tokens(cap, n_tokens, expected) -> None:  # noqa: ANN001
    from propscan.models.transformer.span_reader import SpanReader

    priority = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    keep = SpanReader([], [], (0, 0, 0, 0), 0, weight=0.5, cap=cap).rows_to_read(priority, n_tokens)
    assert keep.sum() == expected
    assert priority[keep].min() >= priority[~keep].max(initial=0.0)  # the best-scored ones


def test_refitted_readers_replace_the_weights_keep_every_setting_and_end_retuning(tmp_path) -> None:  # noqa: ANN001
    from safetensors.torch import save_file

    from propscan.errors import InputError
    from propscan.models.loading import load_model, read_config, write_metrics
    from propscan.models.quantize import round_trip
    from propscan.models.train import refit_span_reader, retune
    from propscan.models.transformer.span_reader import SpanReader

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    ens.reader_ = SpanReader.from_states([round_trip(_reader_state(3, n))], n_features=21, n_labels=n, weight=0.5, cap=40.0)
    protocol = {"tune_fraction": 0.2, "tune_seed": "s", "refit_on_all_train": False}
    ens.save_pretrained(tmp_path / "tuned", extra={"tune_metrics": {"tc_f1": 0.5}, "protocol": protocol})
    write_metrics(tmp_path / "tuned", {"tc": {"f1": 0.5}})
    refitted = _reader_state(5, n)
    save_file({k: v.contiguous() for k, v in refitted.items()}, str(tmp_path / "reader_e4.safetensors"))
    with pytest.raises(InputError):
        refit_span_reader(tmp_path / "tuned", [tmp_path / "reader_e4.safetensors"] * 2, tmp_path / "out")  # one seed, two files

    cfg = refit_span_reader(tmp_path / "tuned", [tmp_path / "reader_e4.safetensors"], tmp_path / "out")
    old = read_config(tmp_path / "tuned")
    assert cfg["protocol"]["span_reader_refit_on_all_train"] and cfg["tune_metrics"] == {"tc_f1": 0.5}
    assert cfg["calibration"] == old["calibration"] and cfg["span_reader"] == old["span_reader"]
    assert cfg["files"]["span_reader.safetensors"] != old["files"]["span_reader.safetensors"]
    assert cfg["files"]["encoder_layers.safetensors"] == old["files"]["encoder_layers.safetensors"]  # the taggers are untouched
    model = load_model(tmp_path / "out")
    for k, v in round_trip(refitted).items():
        torch.testing.assert_close(torch.as_tensor(model.reader_.states[0][k]).float(), torch.as_tensor(v).float())
    with pytest.raises(InputError):
        retune(tmp_path / "out", tmp_path, span_reader=None)  # it has read the tune split: no more tuning on it


def test_a_candidate_reader_names_decoded_spans_given_spans_keep_the_reader_and_both_reload(tmp_path) -> None:  # noqa: ANN001
    from propscan.document import Document
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import CANDIDATE_READER_FILE, SpanReader

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    ens.reader_ = SpanReader.from_states([round_trip(_reader_state(3, n))], n_features=21, n_labels=n, weight=0.25)
    ens.candidate_reader_ = SpanReader.from_states([round_trip(_reader_state(6, n))], n_features=21, n_labels=n, weight=0.75)
    text = "Their reckless plan is a disaster for ordinary workers. Only fools would still trust these clowns."
    tok = ens._tokenize([Document(text)])[0]
    states = ens._doc_states([tok])[0]
    spans = [(6, 19), (84, 97)]
    given, feats = ens.tc_scores(text, tok, states, spans)
    decoded, _ = ens.tc_scores(text, tok, states, spans, priority=np.array([0.6, 0.4]))
    head = torch.log_softmax(torch.from_numpy(ens._tc_logits(states, [tok.token_range(s, e) for s, e in spans], feats)), -1).numpy()
    np.testing.assert_allclose(given, 0.75 * head + 0.25 * ens.reader_.log_probs(tok, spans, feats), atol=1e-5)
    np.testing.assert_allclose(decoded, 0.25 * head + 0.75 * ens.candidate_reader_.log_probs(tok, spans, feats), atol=1e-5)
    assert not np.allclose(given, decoded, atol=1e-3)

    ens.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / CANDIDATE_READER_FILE).is_file()
    again = load_model(tmp_path / "m")
    assert again.candidate_reader_.weight == 0.75 and again.reader_.weight == 0.25
    st = again._doc_states([tok])[0]
    np.testing.assert_allclose(again.tc_scores(text, tok, st, spans, priority=np.array([0.6, 0.4]))[0], decoded, atol=1e-4)
    np.testing.assert_allclose(again.tc_scores(text, tok, st, spans)[0], given, atol=1e-4)

    # refitting replaces the candidate reader's weights too when given one, and keeps its weight
    from safetensors.torch import save_file

    from propscan.models.loading import write_metrics
    from propscan.models.train import refit_span_reader

    ens.save_pretrained(tmp_path / "tuned", extra={"tune_metrics": {"tc_f1": 0.5}, "protocol": {"tune_fraction": 0.2, "refit_on_all_train": False}})
    write_metrics(tmp_path / "tuned", {"tc": {"f1": 0.5}})
    for name, seed in (("g.safetensors", 7), ("c.safetensors", 8)):
        save_file({k: v.contiguous() for k, v in _reader_state(seed, n).items()}, str(tmp_path / name))
    kept = refit_span_reader(tmp_path / "tuned", [tmp_path / "g.safetensors"], tmp_path / "kept")
    both = refit_span_reader(tmp_path / "tuned", [tmp_path / "g.safetensors"], tmp_path / "both", candidate=tmp_path / "c.safetensors")
    old = again.config_["files"]
    assert kept["files"][CANDIDATE_READER_FILE] == old[CANDIDATE_READER_FILE] and kept["files"]["span_reader.safetensors"] != old["span_reader.safetensors"]
    assert both["files"][CANDIDATE_READER_FILE] != old[CANDIDATE_READER_FILE] and both["protocol"]["candidate_reader_refit_on_all_train"]
    assert both["candidate_reader"] == kept["candidate_reader"]


def test_a_candidate_reader_that_is_a_seed_of_the_reader_is_stored_once_and_shares_its_network(tmp_path) -> None:  # noqa: ANN001
    import json

    from propscan.document import Document
    from propscan.errors import ModelLoadError
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import CANDIDATE_READER_FILE, SpanReader

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    seeds = [round_trip(_reader_state(s, n)) for s in (3, 4)]
    ens.reader_ = SpanReader.from_states(seeds, n_features=21, n_labels=n, weight=0.5)
    ens.candidate_reader_ = SpanReader.from_states([seeds[1]], n_features=21, n_labels=n, weight=0.25)
    assert ens.reader_.seed_of(ens.candidate_reader_) == 1
    assert ens.reader_.seed_of(SpanReader.from_states([round_trip(_reader_state(5, n))], n_features=21, n_labels=n, weight=0.25)) is None
    ens.save_pretrained(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["candidate_reader"]["reader_seed"] == 1 and cfg["candidate_reader"]["weight"] == 0.25
    assert not (tmp_path / "m" / CANDIDATE_READER_FILE).exists()
    again = load_model(tmp_path / "m")
    assert again.reader_.built() == [False, True]  # on load only the flags' seed is built
    text = "These clowns keep lying to every hard-working family."
    tok = again._tokenize([Document(text)])[0]
    st = again._doc_states([tok])[0]
    expected = ens.tc_scores(text, tok, ens._doc_states([tok])[0], [(6, 12)], priority=np.array([0.5]))[0]
    np.testing.assert_allclose(again.tc_scores(text, tok, st, [(6, 12)], priority=np.array([0.5]))[0], expected, atol=1e-4)
    assert again.reader_.built() == [False, True]  # naming decoded spans needs seed 1 alone
    doc = Document(text)
    got = again.classify([doc], [[doc.span(6, 12)]])[0][0]
    assert again.reader_.built() == [True, True]  # a given span is read by every seed: seed 0 built on this first use
    other = Document(text)
    want = ens.classify([other], [[other.span(6, 12)]])[0][0]
    assert got.technique == want.technique and got.score == pytest.approx(want.score, abs=1e-4)
    assert again.candidate_reader_.nets[0] is again.reader_.nets[1] and again.candidate_reader_.weight == 0.25

    cfg["candidate_reader"]["reader_seed"] = 7  # a seed the reader does not have: one clear load error
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="no seed 7"):
        load_model(tmp_path / "m")


def test_seeds_read_at_their_own_lengths_and_the_lengths_survive_saving(tmp_path) -> None:  # noqa: ANN001
    import json

    from propscan.document import Document
    from propscan.errors import ModelLoadError
    from propscan.models.loading import load_model
    from propscan.models.quantize import round_trip
    from propscan.models.transformer.span_reader import SpanReader

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    a, b = (round_trip(_reader_state(s, n)) for s in (3, 4))
    # a span in the middle of a long text: 16 tokens see far less context than 96
    text = " ".join(["The council met again on Tuesday to discuss the budget for the new library."] * 6)
    tok = ens._tokenize([Document(text)])[0]
    spans, feats = [(230, 260)], np.zeros((1, 21), dtype=np.float32)
    mixed = SpanReader.from_states([a, b], n_features=21, n_labels=n, weight=1.0, max_tokens=[96, 16])
    alone = [SpanReader.from_states([s], n_features=21, n_labels=n, weight=1.0, max_tokens=m).log_probs(tok, spans, feats)
             for s, m in ((a, 96), (b, 16))]
    np.testing.assert_allclose(mixed.log_probs(tok, spans, feats), 0.5 * (alone[0] + alone[1]), atol=1e-5)
    b_at_96 = SpanReader.from_states([b], n_features=21, n_labels=n, weight=1.0).log_probs(tok, spans, feats)
    assert not np.allclose(b_at_96, alone[1], atol=1e-4)  # the length changes what the seed reads
    assert mixed.subset(1, weight=0.5).max_tokens == [16]

    ens.reader_ = mixed
    ens.save_pretrained(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["span_reader"]["max_tokens"] == [96, 16]
    again = load_model(tmp_path / "m")
    assert again.reader_.max_tokens == [96, 16]
    np.testing.assert_allclose(again.reader_.log_probs(tok, spans, feats), mixed.log_probs(tok, spans, feats), atol=1e-4)
    for bad in ([96], [96, 4], "long"):  # one length for two seeds, too short, not a length: one clear load error
        cfg["span_reader"]["max_tokens"] = bad
        (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
        with pytest.raises(ModelLoadError, match="span reader"):
            load_model(tmp_path / "m")


def test_a_seed_added_on_all_train_joins_the_given_span_readers_and_leaves_flags_and_settings(tmp_path) -> None:  # noqa: ANN001
    from safetensors.torch import save_file

    from propscan.document import Document
    from propscan.errors import InputError
    from propscan.models.loading import load_model, read_config, write_metrics
    from propscan.models.quantize import round_trip
    from propscan.models.train import add_span_reader_seed
    from propscan.models.transformer.span_reader import SpanReader, read_reader_file

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    ens.reader_ = SpanReader.from_states([round_trip(_reader_state(3, n))], n_features=21, n_labels=n, weight=0.5)
    ens.candidate_reader_ = ens.reader_.subset(0, weight=0.25, cap=60.0)
    ens.save_pretrained(tmp_path / "tuned", extra={"protocol": {"tune_fraction": 0.2, "refit_on_all_train": False}})
    ens.save_pretrained(tmp_path / "refit", extra={"article_reference_density": 8.0, "protocol": {
        "tune_fraction": 0.2, "refit_on_all_train": False, "span_reader_refit_on_all_train": True}})
    for d in ("tuned", "refit"):
        write_metrics(tmp_path / d, {"tc": {"f1": 0.5}})
    extra = _reader_state(9, n)
    save_file({k: v.contiguous() for k, v in extra.items()}, str(tmp_path / "t32.safetensors"), metadata={"max_tokens": "32"})
    assert read_reader_file(tmp_path / "t32.safetensors")[1] == 32
    with pytest.raises(InputError, match="refitted on all train"):
        add_span_reader_seed(tmp_path / "tuned", tmp_path / "t32.safetensors", tmp_path / "out")

    cfg = add_span_reader_seed(tmp_path / "refit", tmp_path / "t32.safetensors", tmp_path / "out")
    old = read_config(tmp_path / "refit")
    assert cfg["span_reader"] == {**old["span_reader"], "seeds": 2, "max_tokens": [96, 32]}
    assert cfg["candidate_reader"] == old["candidate_reader"] and cfg["candidate_reader"]["reader_seed"] == 0
    assert cfg["calibration"] == old["calibration"] and cfg["protocol"]["span_reader_seeds_added_on_all_train"] == 1
    assert cfg["article_reference_density"] == 8.0
    before, after = load_model(tmp_path / "refit"), load_model(tmp_path / "out")
    text = "Their reckless plan is a disaster for ordinary workers. Only fools would still trust these clowns."
    tok = before._tokenize([Document(text)])[0]
    spans = [(6, 19), (84, 97)]
    st_b, st_a = before._doc_states([tok])[0], after._doc_states([tok])[0]
    given_b, given_a = before.tc_scores(text, tok, st_b, spans)[0], after.tc_scores(text, tok, st_a, spans)[0]
    assert not np.allclose(given_b, given_a, atol=1e-4)  # given spans: the new seed is read
    pr = np.array([0.6, 0.4])
    np.testing.assert_allclose(before.tc_scores(text, tok, st_b, spans, priority=pr)[0],
                               after.tc_scores(text, tok, st_a, spans, priority=pr)[0], atol=1e-5)  # decoded spans: the same


def test_one_reader_replaces_the_given_span_readers_and_leaves_the_flags(tmp_path) -> None:  # noqa: ANN001
    from safetensors.torch import save_file

    from propscan.document import Document
    from propscan.models.loading import load_model, read_config, write_metrics
    from propscan.models.quantize import round_trip
    from propscan.models.train import replace_span_readers
    from propscan.models.transformer.span_reader import SpanReader

    ens = _untrained_ensemble()
    n = len(ens.labels_)
    ens.reader_ = SpanReader.from_states([round_trip(_reader_state(s, n)) for s in (3, 4)], n_features=21, n_labels=n, weight=0.5)
    ens.candidate_reader_ = ens.reader_.subset(0, weight=0.25, cap=60.0)  # the flags' reader is seed 0 of the given-span readers
    ens.save_pretrained(tmp_path / "v1", extra={"article_reference_density": 8.0, "protocol": {
        "tune_fraction": 0.2, "span_reader_refit_on_all_train": True, "span_reader_seeds_added_on_all_train": 1}})
    write_metrics(tmp_path / "v1", {"tc": {"f1": 0.5}})
    save_file({k: v.contiguous() for k, v in _reader_state(9, n).items()}, str(tmp_path / "one.safetensors"), metadata={"max_tokens": "64"})

    cfg = replace_span_readers(tmp_path / "v1", tmp_path / "one.safetensors", tmp_path / "v2", weight=0.75, refit_on_all_train=False,
                               note="a distilled reader, fit split")
    old = read_config(tmp_path / "v1")
    assert cfg["span_reader"] == {**old["span_reader"], "seeds": 1, "max_tokens": 64, "weight": 0.75}
    assert "reader_seed" not in cfg["candidate_reader"] and "candidate_reader.safetensors" in cfg["files"]  # kept in a file of its own
    assert cfg["candidate_reader"] == {k: v for k, v in old["candidate_reader"].items() if k != "reader_seed"}
    assert cfg["protocol"]["span_reader_refit_on_all_train"] is False and "span_reader_seeds_added_on_all_train" not in cfg["protocol"]
    assert cfg["protocol"]["given_span_reader"] == "a distilled reader, fit split"
    assert cfg["calibration"] == old["calibration"] and cfg["article_reference_density"] == 8.0
    before, after = load_model(tmp_path / "v1"), load_model(tmp_path / "v2")
    text = "Their reckless plan is a disaster for ordinary workers. Only fools would still trust these clowns."
    tok = before._tokenize([Document(text)])[0]
    spans = [(6, 19), (84, 97)]
    st_b, st_a = before._doc_states([tok])[0], after._doc_states([tok])[0]
    given_b, (given_a, feats) = before.tc_scores(text, tok, st_b, spans)[0], after.tc_scores(text, tok, st_a, spans)
    assert not np.allclose(given_b, given_a, atol=1e-4)  # given spans: the new reader ...
    head = after._tc_logits(st_a, [tok.token_range(s, e) for s, e in spans], feats)
    one = SpanReader.from_states([round_trip(_reader_state(9, n))], n_features=21, n_labels=n, weight=0.75, max_tokens=64)
    np.testing.assert_allclose(given_a, one.mix(head, tok, spans, feats), atol=1e-4)  # ... alone, at its weight and length
    pr = np.array([0.6, 0.4])
    np.testing.assert_allclose(before.tc_scores(text, tok, st_b, spans, priority=pr)[0],
                               after.tc_scores(text, tok, st_a, spans, priority=pr)[0], atol=1e-5)  # decoded spans: the same


def test_repin_points_a_model_at_its_sources_current_weights(tmp_path) -> None:  # noqa: ANN001
    import json

    from propscan.errors import ModelLoadError
    from propscan.models.loading import read_config, read_source, repin_source

    ens = _untrained_ensemble()
    ens.save_pretrained(tmp_path / "src")
    (tmp_path / "user").mkdir()
    cfg = {"model_type": "x", "source": {"directory": "../src", "files": dict(read_config(tmp_path / "src")["files"])}, "files": {}}
    (tmp_path / "user" / "config.json").write_text(json.dumps(cfg))
    read_source(tmp_path / "user", cfg, expect_type=None, remedy="-")
    cfg["source"]["files"]["heads.safetensors"] = "0" * 64  # pinned to weights the source no longer holds
    (tmp_path / "user" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="other weights"):
        read_source(tmp_path / "user", cfg, expect_type=None, remedy="-")
    new = repin_source(tmp_path / "user")
    assert new["source"]["files"] == read_config(tmp_path / "src")["files"] and new["model_type"] == "x"
    read_source(tmp_path / "user", read_config(tmp_path / "user"), expect_type=None, remedy="-")


def test_add_lora_wraps_only_the_linear_layers_its_targets_name() -> None:
    # MPNet-style names (attn.q, ...), as benchmarks/tc_span_reader.py --encoder adapts them
    attn = torch.nn.ModuleDict({"q": torch.nn.Linear(4, 4), "k": torch.nn.Linear(4, 4), "o": torch.nn.Linear(4, 4)})
    block = torch.nn.ModuleDict({"attn": attn, "query": torch.nn.Linear(4, 4)})
    add_lora(block, r=2, alpha=4, targets=("attn.q", "attn.o"))
    assert isinstance(attn["q"], LoRALinear) and isinstance(attn["o"], LoRALinear)
    assert type(attn["k"]) is torch.nn.Linear and type(block["query"]) is torch.nn.Linear  # the default targets are not used
    assert {n for n, p in block.named_parameters() if p.requires_grad} == {f"attn.{x}.lora_{y}" for x in "qo" for y in "AB"}


def test_reader_seeds_mix_by_their_shares_and_record_them() -> None:
    from propscan.models.features import FEATURE_NAMES
    from propscan.models.transformer.span_reader import SpanReader

    n = 5
    states = [_reader_state(3, n), _reader_state(4, n)]
    equal = SpanReader.from_states(states, n_features=len(FEATURE_NAMES), n_labels=n, weight=0.5)
    only_first = SpanReader.from_states(states, n_features=len(FEATURE_NAMES), n_labels=n, weight=0.5, shares=[1.0, 0.0])
    first = SpanReader.from_states(states[:1], n_features=len(FEATURE_NAMES), n_labels=n, weight=0.5)
    tok = _doc(40)
    spans, feats = [(4, 9), (20, 31)], np.zeros((2, len(FEATURE_NAMES)), dtype=np.float32)
    np.testing.assert_allclose(only_first.log_probs(tok, spans, feats), first.log_probs(tok, spans, feats), atol=1e-6)
    assert not np.allclose(equal.log_probs(tok, spans, feats), first.log_probs(tok, spans, feats), atol=1e-4)
    assert "shares" not in equal.config() and "encoders" not in equal.config()  # models saved before stay byte-equal
    assert only_first.config()["shares"] == [1.0, 0.0]
    for bad in ([0.5, 0.6], [1.0], [-0.5, 1.5]):
        with pytest.raises(ValueError, match="shares"):
            SpanReader([], states, (0, 0, 0, 0), 0, weight=0.5, shares=bad)


def test_seeds_on_another_encoder_are_checked_alike_only_among_themselves_and_need_the_text() -> None:
    from propscan.models.transformer.span_reader import SpanReader

    a = {"head.1.weight": np.ones((2, 2))}
    b = {"types.weight": np.ones((2, 3)), "head.1.weight": np.ones((2, 2))}  # another encoder's tensors
    reader = SpanReader([], [a, b], (0, 0, 0, 0), 0, weight=0.5, encoders=["default", "all-mpnet-base-v2"], n_labels=2)
    assert reader.config()["encoders"] == ["default", "all-mpnet-base-v2"]
    with pytest.raises(ValueError, match="other tensors"):
        SpanReader([], [a, b], (0, 0, 0, 0), 0, weight=0.5)  # both on the default encoder: unlike
    with pytest.raises(ValueError, match="article text"):
        reader.log_probs(_doc(10), [(0, 3)], np.zeros((1, 21), dtype=np.float32))
