"""Torch parts of the transformer model: the SI/TC heads and span pooling over token states.

Both heads read the same contextual token states (one encoder pass per article):

* SI head: per-token 3-way tagger (``O``, ``B`` = first token of a propaganda span, ``I`` = inside),
  with an auxiliary sentence head (does the sentence hold propaganda?) that can gate decoding.
* TC head: an MLP over a pooled span vector ``[mean, max, first, last, context mean]`` of the span's
  token states plus hand-made span features (:mod:`propscan.models.features`).

Imported only when a transformer model is built or loaded (it imports torch).

>>> heads = Heads(384, n_features=21, n_labels=14, si_hidden=256)  # doctest: +SKIP
>>> probs = torch.softmax(heads.si_logits(states), -1)  # (n_tokens, 3) over O/B/I  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

SI_LABELS = ("O", "B", "I")
CONTEXT_TOKENS = 48


def pool_spans(states: torch.Tensor, ranges: Sequence[tuple[int, int]], context: int = CONTEXT_TOKENS) -> torch.Tensor:
    """Pooled vectors ``(len(ranges), 5 * hidden)`` for token ranges ``[a, b)`` of ``states`` ``(n, hidden)``."""
    n, hidden = states.shape
    if not ranges:
        return states.new_zeros((0, 5 * hidden))
    cs = torch.cat([states.new_zeros((1, hidden)), states.cumsum(0)])
    rows = []
    for a, b in ranges:
        a, b = max(0, min(a, n - 1)), max(1, min(b, n))
        b = max(b, a + 1)
        seg = states[a:b]
        ca, cb = max(0, a - context), min(n, b + context)
        rows.append(
            torch.cat(
                [
                    (cs[b] - cs[a]) / (b - a),
                    seg.max(0).values,
                    states[a],
                    states[b - 1],
                    (cs[cb] - cs[ca]) / (cb - ca),
                ]
            )
        )
    return torch.stack(rows)


class Heads(nn.Module):
    """SI token tagger + TC span classifier on top of encoder token states."""

    def __init__(
        self, hidden: int, n_features: int, n_labels: int, *, tc_hidden: int = 256, si_hidden: int = 0, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.si_drop = nn.Dropout(dropout)
        if si_hidden:
            self.si: nn.Module = nn.Sequential(nn.Linear(hidden, si_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(si_hidden, len(SI_LABELS)))
        else:
            self.si = nn.Linear(hidden, len(SI_LABELS))
        self.sent = nn.Linear(hidden, 1)
        self.tc = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(5 * hidden + n_features, tc_hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(tc_hidden, n_labels),
        )

    def si_logits(self, states: torch.Tensor) -> torch.Tensor:
        """``(..., 3)`` logits over ``O/B/I`` for each token state."""
        return self.si(self.si_drop(states))

    def sentence_logits(self, states: torch.Tensor, sentence_ids: torch.Tensor) -> torch.Tensor:
        """One logit per sentence (``P(sentence holds propaganda)``) from the mean of its token states."""
        n_sent = int(sentence_ids.max()) + 1 if sentence_ids.numel() else 0
        sums = states.new_zeros((n_sent, states.shape[-1])).index_add_(0, sentence_ids, states)
        cnt = states.new_zeros((n_sent, 1)).index_add_(0, sentence_ids, states.new_ones((states.shape[0], 1)))
        return self.sent(self.si_drop(sums / cnt.clamp_min(1.0))).squeeze(-1)

    def tc_logits(self, pooled: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """``(n_spans, n_labels)`` technique logits."""
        return self.tc(torch.cat([pooled, features], dim=-1))
