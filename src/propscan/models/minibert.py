"""MiniBert: a small, self-contained torch BERT encoder whose state-dict names match Hugging Face's.

The parameter names (``embeddings.word_embeddings.weight``, ``encoder.layer.0.attention.self.query.weight``,
...) are those of ``transformers.BertModel``, so a BERT checkpoint's safetensors load into it directly
and ``transformers`` is never imported (a short CLI cold start). Beyond ``BertModel`` it can run a
slice of its layers (``start_layer``/``end_layer``/``hidden_in``): training caches the frozen lower
layers' output once and runs only the upper ones.

Imported only when an encoder is loaded (it imports torch).

>>> enc = MiniBert(BertShape.from_config(json.load(open("config.json"))))  # doctest: +SKIP
>>> states = enc(input_ids, attention_mask)  # (batch, seq, hidden)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class BertShape:
    """The sizes a BERT ``config.json`` gives (and the defaults BERT uses where it is silent)."""

    vocab_size: int
    max_positions: int
    type_vocab_size: int
    hidden: int
    heads: int
    intermediate: int
    layers: int
    eps: float
    hidden_dropout: float
    attention_dropout: float

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> BertShape:
        """Read a Hugging Face BERT ``config.json`` (as a dict)."""
        return cls(
            vocab_size=int(cfg["vocab_size"]),
            max_positions=int(cfg["max_position_embeddings"]),
            type_vocab_size=int(cfg.get("type_vocab_size", 2)),
            hidden=int(cfg["hidden_size"]),
            heads=int(cfg["num_attention_heads"]),
            intermediate=int(cfg["intermediate_size"]),
            layers=int(cfg["num_hidden_layers"]),
            eps=float(cfg.get("layer_norm_eps", 1e-12)),
            hidden_dropout=float(cfg.get("hidden_dropout_prob", 0.1)),
            attention_dropout=float(cfg.get("attention_probs_dropout_prob", 0.1)),
        )


class Embeddings(nn.Module):
    """Word + position + token-type (always type 0) embeddings, normalised."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(shape.vocab_size, shape.hidden)
        self.position_embeddings = nn.Embedding(shape.max_positions, shape.hidden)
        self.token_type_embeddings = nn.Embedding(shape.type_vocab_size, shape.hidden)
        self.LayerNorm = nn.LayerNorm(shape.hidden, eps=shape.eps)
        self.dropout = nn.Dropout(shape.hidden_dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


# SelfAttention, AttentionOutput and Attention only hold parameters under Hugging Face's names
# (so checkpoints load as they are); Layer.forward does their computation.
class SelfAttention(nn.Module):
    """Query, key and value projections."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)


class AttentionOutput(nn.Module):
    """Projection of the attended values and the LayerNorm after the residual."""

    def __init__(self, hidden: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)


class Attention(nn.Module):
    """``self`` (projections) and ``output`` (their merge), as Hugging Face nests them."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.self = SelfAttention(shape.hidden)
        self.output = AttentionOutput(shape.hidden, shape.eps)


class Dense(nn.Module):
    """A linear map, with a LayerNorm beside it when ``eps`` is given (BERT's ``intermediate``/``output``)."""

    def __init__(self, n_in: int, n_out: int, eps: float | None) -> None:
        super().__init__()
        self.dense = nn.Linear(n_in, n_out)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(n_out, eps=eps)


class Layer(nn.Module):
    """One transformer block: self-attention and the feed-forward part, each with a residual and LayerNorm."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.shape = shape
        self.attention = Attention(shape)
        self.intermediate = Dense(shape.hidden, shape.intermediate, None)
        self.output = Dense(shape.intermediate, shape.hidden, shape.eps)
        self.drop = nn.Dropout(shape.hidden_dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        b, n, _ = x.shape
        hidden, heads = self.shape.hidden, self.shape.heads
        sa = self.attention.self

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, heads, hidden // heads).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        drop = self.shape.attention_dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=drop)
        a = a.transpose(1, 2).reshape(b, n, hidden)
        ao = self.attention.output
        x = ao.LayerNorm(x + self.drop(ao.dense(a)))
        h = F.gelu(self.intermediate.dense(x))
        return self.output.LayerNorm(x + self.drop(self.output.dense(h)))


class Encoder(nn.Module):
    """The stack of layers (``encoder.layer.<i>``)."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList([Layer(shape) for _ in range(shape.layers)])


class MiniBert(nn.Module):
    """BERT encoder; ``forward(ids, mask, start_layer=0, end_layer=None, hidden_in=None)`` -> hidden states."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.embeddings = Embeddings(shape)
        self.encoder = Encoder(shape)
        self.hidden_size = shape.hidden
        self.num_layers = len(self.encoder.layer)
        self.has_adapters = False  # fine-tuned in place from train_from_layer (adapters: models.adapters)

    @staticmethod
    def attn_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Additive attention bias: 0 on real tokens, the dtype's minimum on padding."""
        return ((1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min).to(dtype)

    def forward(
        self,
        ids: torch.Tensor | None,
        mask: torch.Tensor,
        *,
        start_layer: int = 0,
        end_layer: int | None = None,
        hidden_in: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """States after layers ``[start_layer, end_layer)``: from ``ids`` when starting at 0, else from ``hidden_in``."""
        x = self.embeddings(ids) if start_layer == 0 else hidden_in
        assert x is not None
        bias = None if bool(mask.all()) else self.attn_bias(mask, x.dtype)
        for layer in self.encoder.layer[start_layer:end_layer]:
            x = layer(x, bias)
        return x
