"""Tokenise articles once and cut them into overlapping encoder windows.

Every article is tokenised without special tokens; tokens keep their character offsets into the
original text. Windows of ``size`` content tokens (plus ``[CLS]``/``[SEP]``) start every ``stride``
tokens, the last one aligned to the article's end, so each token is encoded once or twice; token
states seen in two windows are averaged (:func:`merge_states`).

>>> starts = window_starts(600, size=254, stride=224)
>>> starts
[0, 224, 346]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class TokenizedDoc:
    """Content tokens of one article: ids and character offsets (end exclusive) into its text."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Indices ``[a, b)`` of the tokens overlapping characters ``[start, end)`` (never empty if the doc has tokens)."""
        n = len(self)
        if n == 0:
            return 0, 0
        a = int(np.searchsorted(self.ends, start, side="right"))
        b = int(np.searchsorted(self.starts, end, side="left"))
        a = min(a, n - 1)
        if b <= a:
            b = a + 1
        return a, b


def tokenize_docs(tokenizer: Any, texts: Sequence[str]) -> list[TokenizedDoc]:
    """Tokenise texts with a ``tokenizers.Tokenizer`` (batch, no special tokens)."""
    out = []
    encs = tokenizer.encode_batch(list(texts), add_special_tokens=False) if texts else []
    for enc in encs:
        offs = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        ids = np.asarray(enc.ids, dtype=np.int64)
        keep = offs[:, 1] > offs[:, 0]  # drop zero-width tokens (none for BERT, defensive)
        out.append(TokenizedDoc(ids[keep], offs[keep, 0].copy(), offs[keep, 1].copy()))
    return out


def window_starts(n: int, *, size: int, stride: int) -> list[int]:
    """Start indices of windows of ``size`` tokens every ``stride`` tokens; the last ends at ``n``.

    Not the fast tokenizer's overflow (``enable_truncation(max_length, stride=overlap)`` /
    ``return_overflowing_tokens=True, stride=..., return_offsets_mapping=True``): its windows
    are the same except the last, which it leaves as a short tail (for 560 tokens: 448-560)
    while ours ends at ``n`` with a full window (306-560), so the article's last tokens get as
    much context as the others; the shipped model was trained and calibrated on these windows.
    Ours also tokenises an article once and reuses those tokens (and offsets) for sentence ids
    and span decoding. tests/test_library_equivalence.py compares the two on several texts.
    """
    if n <= size:
        return [0]
    starts = list(range(0, n - size, stride))
    if starts[-1] != n - size:
        starts.append(n - size)
    return starts


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)`` of document ``doc`` (an index into the batch's document list)."""

    doc: int
    start: int
    end: int


def make_windows(docs: Sequence[TokenizedDoc], *, size: int, stride: int) -> list[Window]:
    """All windows of all documents, in document order (empty documents get none)."""
    wins = []
    for i, d in enumerate(docs):
        if len(d) == 0:
            continue
        for s in window_starts(len(d), size=size, stride=stride):
            wins.append(Window(i, s, min(s + size, len(d))))
    return wins


def batch_inputs(docs: Sequence[TokenizedDoc], wins: Sequence[Window], cls_id: int, sep_id: int, pad_id: int) -> tuple[Any, Any]:
    """``(input_ids, attention_mask)`` long tensors for windows: ``[CLS] tokens [SEP] pad...``."""
    import torch

    length = max(w.end - w.start for w in wins) + 2
    ids = torch.full((len(wins), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(wins), length), dtype=torch.long)
    for r, w in enumerate(wins):
        n = w.end - w.start
        ids[r, 0] = cls_id
        ids[r, 1 : n + 1] = torch.from_numpy(docs[w.doc].ids[w.start : w.end])
        ids[r, n + 1] = sep_id
        mask[r, : n + 2] = 1
    return ids, mask


def merge_states(docs: Sequence[TokenizedDoc], wins: Sequence[Window], states: Sequence[Any]) -> list[Any]:
    """Per-document token states ``(n_tokens, hidden)``: window states averaged where windows overlap.

    ``states[k]`` is the ``(seq, hidden)`` output of window ``wins[k]`` (position 0 = ``[CLS]``).
    """
    import torch

    if not wins:
        return [torch.zeros((len(d), 0)) for d in docs]
    hidden = states[0].shape[-1]
    acc = [torch.zeros((len(d), hidden)) for d in docs]
    cnt = [torch.zeros((len(d), 1)) for d in docs]
    for w, s in zip(wins, states):
        n = w.end - w.start
        acc[w.doc][w.start : w.end] += s[1 : n + 1].float()
        cnt[w.doc][w.start : w.end] += 1.0
    return [a / c.clamp_min(1.0) for a, c in zip(acc, cnt)]


def sentence_ids(text: str, tok: TokenizedDoc) -> np.ndarray:
    """Sentence index of every token, from :func:`propscan.text.sentences.split_sentences` (the same
    sentences the reader's sentence scores use); a token between two sentences belongs to the next.

    >>> import numpy as np
    >>> d = TokenizedDoc(np.zeros(4, dtype=np.int64), np.array([0, 4, 8, 12]), np.array([2, 7, 11, 15]))
    >>> sentence_ids("Hi. You see\\nyes", d).tolist()
    [0, 1, 1, 2]
    """
    from propscan.text.sentences import split_sentences

    if len(tok) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.asarray([s for s, _ in split_sentences(text)[1:]], dtype=np.int64)
    return np.searchsorted(starts, tok.starts, side="right").astype(np.int64)
