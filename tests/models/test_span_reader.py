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
    assert torch.allclose(lora.merged()(x), lora(x), atol=1e-5)


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
