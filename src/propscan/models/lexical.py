"""A word-level lexical tagger: P(word is inside a propaganda span) from hashed n-gram features.

The transformer sees lower-cased sub-words in 256-token windows; this logistic regression
(scikit-learn at training time, a numpy dot product at inference) sees whole words with their case, neighbours, sentence punctuation and quotation
state. The two make different mistakes, so the default model mixes this probability into its
token inside-probabilities (weight chosen on dev, see :func:`propscan.models.transformer.decode.mix_inside`).
It is fitted on the training articles in seconds and stored as int8 safetensors (256 KB).

>>> lex = LexicalTagger().fit(docs, gold)  # doctest: +SKIP
>>> words, probs = lex.word_probs("They are traitors, all of them!")  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from propscan import defaults
from propscan.document import Document, Span
from propscan.errors import NotFittedError
from propscan.text.tokens import Token, word_tokens

_SENTENCE_END = frozenset(".!?")
_QUOTES = frozenset({'"', "“", "”"})


def shape(w: str) -> str:
    """Coarse word shape: ``UP`` (all caps), ``Cap``, ``D`` (digits), ``a`` (letters), ``p`` (other)."""
    if w.isupper() and len(w) > 1:
        return "UP"
    if w[:1].isupper():
        return "Cap"
    if w.isdigit():
        return "D"
    if w.isalpha():
        return "a"
    return "p"


def quote_mask(toks: Sequence[Token]) -> list[bool]:
    """Whether each token is inside double quotes (straight quotes toggle, curly quotes open/close)."""
    inside = False
    out = []
    for t in toks:
        if t.text in _QUOTES:
            inside = not inside if t.text == '"' else t.text == "“"
        out.append(inside)
    return out


def quantize(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row (a linear model's scores move by < 0.5 % of the largest weight)."""
    scale = np.maximum(np.abs(coef).max(axis=1, keepdims=True), 1e-12) / 127.0
    return np.round(coef / scale).astype(np.int8), scale.astype(np.float32)


def dequantize(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Inverse of :func:`quantize`: float32 weights from int8 rows and their scales."""
    return q.astype(np.float32) * scale


#: names of the feature slots, in column order of :func:`word_feature_ids`
FEATURE_SLOTS = (
    "word", "word-1", "word+1", "word-2", "word+2", "bigram-", "bigram+", "shape", "quoted", "bias",
    "suffix3", "position_in_sentence", "sentence_marks", "trigram", "shape_pair",
)  # fmt: skip
_SHAPES = {"UP": 1, "Cap": 2, "D": 3, "a": 4, "p": 5}
_FNV = np.uint64(0x100000001B3)


def _crc(words: Sequence[str]) -> np.ndarray:
    cache: dict[str, int] = {}
    return np.fromiter((cache.setdefault(x, zlib.crc32(x.encode("utf-8"))) for x in words), dtype=np.uint64, count=len(words))


def _combine(slot: int, *parts: np.ndarray) -> np.ndarray:
    """A 64-bit FNV-style hash of ``parts`` (arrays of equal length) seeded by the slot number."""
    h = np.full(len(parts[0]), 0xCBF29CE484222325 ^ (slot + 1), dtype=np.uint64)
    for p in parts:
        h = (h ^ p.astype(np.uint64)) * _FNV
    return h ^ (h >> np.uint64(29))


def word_feature_ids(text: str, bits: int) -> tuple[list[Token], np.ndarray]:
    """Word tokens of ``text`` and a ``(n_words, len(FEATURE_SLOTS))`` matrix of hashed feature ids.

    Per word: the lower-cased word and its neighbours (±2), the bigrams and the trigram around it,
    its 3-letter suffix, case shape and the shape pair with the previous word, whether it is inside
    double quotes, its position in the sentence (capped at 8) and which of ``!``/``?`` the sentence
    contains. Everything is hashed with numpy (no per-feature strings), so a 1,000-word article
    costs a few milliseconds.

    >>> toks, ids = word_feature_ids("Shame on them! Shame on them.", bits=18)
    >>> ids.shape, bool(ids[0, 0] == ids[4, 0]), bool(ids[0, 12] == ids[4, 12])  # same word, other sentence marks
    ((8, 15), True, False)
    """
    toks = word_tokens(text)
    n = len(toks)
    if not n:
        return toks, np.zeros((0, len(FEATURE_SLOTS)), dtype=np.int64)
    lower = [t.text.lower() for t in toks]
    pad = np.concatenate([np.full(2, 0x5F5F, dtype=np.uint64), _crc(lower), np.full(2, 0x5F5F, dtype=np.uint64)])
    w, wm1, wp1, wm2, wp2 = pad[2:-2], pad[1:-3], pad[3:-1], pad[:-4], pad[4:]
    shapes = np.fromiter((_SHAPES[shape(t.text)] for t in toks), dtype=np.uint64, count=n)
    prev_shape = np.concatenate([np.full(1, _SHAPES["p"], dtype=np.uint64), shapes[:-1]])
    quoted = np.asarray(quote_mask(toks), dtype=np.uint64)
    # sentences: a token ending in . ! ? or a line break after a token closes the sentence
    sent = np.zeros(n, dtype=np.int64)
    s = 0
    for i, t in enumerate(toks):
        sent[i] = s
        if t.text in _SENTENCE_END or (i + 1 < n and "\n" in text[t.end : toks[i + 1].start]):
            s += 1
    first = np.zeros(s + 1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sent[1:] != sent[:-1]])
    first[sent[starts]] = starts
    position = np.minimum(np.arange(n) - first[sent], 8).astype(np.uint64)
    marks = np.zeros(s + 1, dtype=np.uint64)
    for i, t in enumerate(toks):
        if t.text == "!":
            marks[sent[i]] |= np.uint64(1)
        elif t.text == "?":
            marks[sent[i]] |= np.uint64(2)
    cols = [
        _combine(0, w), _combine(1, wm1), _combine(2, wp1), _combine(3, wm2), _combine(4, wp2),
        _combine(5, wm1, w), _combine(6, w, wp1), _combine(7, shapes), _combine(8, quoted),
        _combine(9, np.zeros(n, dtype=np.uint64)), _combine(10, _crc([x[-3:] for x in lower])),
        _combine(11, position), _combine(12, marks[sent]), _combine(13, wm1, w, wp1), _combine(14, prev_shape, shapes),
    ]  # fmt: skip
    ids = np.stack(cols, axis=1) & np.uint64((1 << bits) - 1)
    return toks, ids.astype(np.int64)


class LexicalTagger:
    """Hashed word n-gram logistic regression for span identification at the word level.

    Parameters
    ----------
    C : float, default=0.1
        Inverse L2 regularisation strength (0.1 had the best dev word AUC of 0.05-1.0).
    bits : int, default=18
        Feature hashing width (``2**bits`` weights).
    seed : int, default=13
    """

    def __init__(self, *, C: float = 0.1, bits: int = 18, seed: int = defaults.SEED) -> None:
        self.C = C
        self.bits = bits
        self.seed = seed

    def fit(self, documents: Sequence[Document], gold: Mapping[str, Sequence[Span]]) -> LexicalTagger:
        """Fit on words labelled inside/outside the gold spans of ``documents``."""
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression

        xs, ys = [], []
        for doc in documents:
            toks, ids = word_feature_ids(doc.text, self.bits)
            if not toks:
                continue
            inside = np.zeros(len(doc.text) + 1, dtype=bool)
            for g in gold.get(doc.id, []):
                inside[g.start : g.end] = True
            xs.append(ids)
            ys.append(np.fromiter((inside[t.start : t.end].any() for t in toks), dtype=np.int64, count=len(toks)))
        y = np.concatenate(ys) if ys else np.zeros(0, dtype=np.int64)
        if len(set(y.tolist())) < 2:
            raise ValueError("LexicalTagger.fit needs words both inside and outside gold spans.")
        lr = LogisticRegression(C=self.C, max_iter=300, solver="liblinear", random_state=self.seed)
        ids = np.concatenate(xs)
        n, k = ids.shape
        X = sp.csr_matrix((np.ones(n * k, dtype=np.float64), ids.ravel(), np.arange(0, n * k + 1, k)), shape=(n, 1 << self.bits))
        X.sum_duplicates()
        lr.fit(X, y)
        # keep the int8-rounded weights that will be saved, so what is tuned on dev is what ships
        q, scale = quantize(lr.coef_.astype(np.float32))
        self.coef_ = dequantize(q, scale)[0]
        self.bias_ = float(lr.intercept_[0])
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("LexicalTagger is not fitted; call fit() first.")

    def word_probs(self, text: str) -> tuple[list[Token], np.ndarray]:
        """Word tokens of ``text`` and, for each, P(inside a propaganda span)."""
        self._check()
        toks, ids = word_feature_ids(text, self.bits)
        if not toks:
            return toks, np.zeros(0, dtype=np.float32)
        z = self.coef_[ids].sum(axis=1) + self.bias_
        return toks, (1.0 / (1.0 + np.exp(-z))).astype(np.float32)

    def probs_at(self, text: str, offsets: np.ndarray) -> np.ndarray:
        """P(inside) of the word covering each character offset in ``offsets`` (0 between words).

        Used to align the word probabilities with sub-word tokens (their start offsets).
        """
        toks, p = self.word_probs(text)
        by_char = np.zeros(len(text) + 1, dtype=np.float32)
        for t, q in zip(toks, p):
            by_char[t.start : t.end] = q
        return by_char[np.clip(np.asarray(offsets, dtype=np.int64), 0, len(text))]

    # ---- persistence (arrays for safetensors; the owning model writes the file) -------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """int8 weights + scale + bias, ready for ``safetensors.numpy.save_file``."""
        self._check()
        q, scale = quantize(self.coef_[None, :])
        return {"coef_q": q[0], "coef_scale": scale[0], "bias": np.array([self.bias_], dtype=np.float32)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], **params: Any) -> LexicalTagger:
        """Inverse of :meth:`to_arrays` (exact: the fitted weights are already int8-rounded)."""
        q = np.asarray(arrays["coef_q"])
        model = cls(bits=int(np.log2(q.shape[0])), **params)
        model.coef_ = dequantize(q[None, :], np.asarray(arrays["coef_scale"])[None, :])[0]
        model.bias_ = float(np.asarray(arrays["bias"])[0])
        return model
