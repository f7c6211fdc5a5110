"""A classical baseline: linear models over hashed word n-grams (scikit-learn).

SI is token tagging (is this word inside a propaganda span?) with a logistic regression over the
word, its neighbours and simple shape features; runs of words above a threshold become spans.
TC is a multinomial logistic regression over the span's words and bigrams, its context words and
explicit features (length, how often the phrase recurs in the article, punctuation).
Parameters are stored as safetensors (no pickle), hashing keeps them small and reproducible.

>>> model = BaselineModel.from_pretrained(DEFAULT_DIR)  # doctest: +SKIP
>>> spans = model.predict([doc])[0]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from propscan import defaults
from propscan.document import Document, Span
from propscan.errors import ModelLoadError, NotFittedError
from propscan.models.base import Gold, Model
from propscan.models.edges import trim
from propscan.models.lexical import dequantize, quantize, quote_mask, shape
from propscan.models.loading import WEIGHTS_DIR, read_model, write_model
from propscan.techniques import NAMES
from propscan.text.tokens import Token, normalise_phrase, word_tokens

DEFAULT_DIR = WEIGHTS_DIR / "baseline"
MODEL_VERSION = "baseline-1"
WEIGHTS_FILE = "weights.safetensors"
_SI_BITS = 17
_TC_BITS = 15
#: what a span never starts or ends with (the transformer's edges also trim no-break spaces)
_EDGE = " \t\r\n.,:;"


def _hash_features(feats: list[str], bits: int) -> dict[int, float]:
    from sklearn.utils import murmurhash3_32

    out: dict[int, float] = {}
    mask = (1 << bits) - 1
    for f in feats:
        h = murmurhash3_32(f, seed=0, positive=True) & mask
        out[h] = out.get(h, 0.0) + 1.0
    return out


def _token_features(toks: list[Token], i: int, in_quote: bool) -> list[str]:
    w = [t.text.lower() for t in toks]
    n = len(toks)

    def at(j: int) -> str:
        return w[j] if 0 <= j < n else "<s>"

    f = [
        "w=" + at(i),
        "w-1=" + at(i - 1),
        "w+1=" + at(i + 1),
        "w-2=" + at(i - 2),
        "w+2=" + at(i + 2),
        "b-=" + at(i - 1) + "_" + at(i),
        "b+=" + at(i) + "_" + at(i + 1),
        "sh=" + shape(toks[i].text),
        "q=" + str(in_quote),
        "bias",
    ]
    return f


def _span_features(doc: Document, start: int, end: int) -> list[str]:
    text = doc.text
    span_text = text[start:end]
    words = [t.text.lower() for t in word_tokens(span_text)]
    feats = ["sw=" + w for w in words]
    feats += ["sb=" + a + "_" + b for a, b in zip(words, words[1:])]
    left = [t.text.lower() for t in word_tokens(text[max(0, start - 60) : start])][-3:]
    right = [t.text.lower() for t in word_tokens(text[end : end + 60])][:3]
    feats += ["l=" + w for w in left] + ["r=" + w for w in right]
    n = len(words)
    feats.append("len=" + str(min(n, 12) if n < 12 else 12 + min(n // 10, 5)))
    key = normalise_phrase(span_text)
    reps = text.lower().count(span_text.lower()) if key else 0
    feats.append("rep=" + str(min(reps, 4)))
    if key:
        before = text.lower()[:start].count(span_text.lower())
        feats.append("rep_before=" + str(min(before, 2)))
    for ch, name in (("?", "q"), ("!", "ex"), ('"', "dq"), ("“", "dq"), ("#", "hash")):
        if ch in span_text:
            feats.append("has_" + name)
    if span_text.isupper():
        feats.append("allcaps")
    feats.append("bias")
    return feats


class BaselineModel(Model):
    """Hashed n-gram logistic regressions for SI (token tagging) and TC (span classification).

    Parameters
    ----------
    threshold : float, default=0.35
        Token probability above which a word is inside a span (tuned on dev by :meth:`fit`).
    C : float, default=0.5
        Inverse regularisation strength of both logistic regressions.
    """

    model_type = "baseline"
    config_: dict[str, Any]

    def __init__(self, *, threshold: float = 0.35, C: float = 0.5, seed: int = defaults.SEED) -> None:
        self.threshold = threshold
        self.C = C
        self.seed = seed

    # -- training -------------------------------------------------------------------------------
    def _si_rows(self, doc: Document) -> tuple[list[Token], list[dict[int, float]]]:
        toks = word_tokens(doc.text)
        qm = quote_mask(toks)
        return toks, [_hash_features(_token_features(toks, i, qm[i]), _SI_BITS) for i in range(len(toks))]

    @staticmethod
    def _to_csr(rows: list[dict[int, float]], bits: int) -> Any:
        from scipy.sparse import csr_matrix

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for r in rows:
            indices.extend(r.keys())
            data.extend(r.values())
            indptr.append(len(indices))
        return csr_matrix((np.array(data, dtype=np.float32), np.array(indices), np.array(indptr)), shape=(len(rows), 1 << bits))

    def _fit(self, documents: Sequence[Document], gold: Gold, dev_documents: Sequence[Document] | None, dev_gold: Gold | None) -> None:
        """Fit both linear models on ``documents``; with dev data, tune the SI threshold on it."""
        self._fit_si(documents, gold)
        self._fit_tc(documents, gold)
        self.labels_ = list(NAMES)
        if dev_documents is not None and dev_gold is not None:
            self.threshold = self._tune_threshold(dev_documents, dev_gold)

    def _fit_si(self, documents: Sequence[Document], gold: Gold) -> None:
        """Word tagger: is this word inside a gold span?"""
        from sklearn.linear_model import LogisticRegression

        rows: list[dict[int, float]] = []
        ys: list[int] = []
        for doc in documents:
            toks, feats = self._si_rows(doc)
            inside = np.zeros(len(doc.text) + 1, dtype=bool)
            for sp in gold.get(doc.id, []):
                inside[sp.start : sp.end] = True
            rows.extend(feats)
            ys.extend(int(inside[t.start : t.end].any()) for t in toks)
        si = LogisticRegression(C=self.C, max_iter=300, solver="liblinear", random_state=self.seed)
        si.fit(self._to_csr(rows, _SI_BITS), np.array(ys))
        self.si_coef_ = si.coef_[0].astype(np.float32)
        self.si_bias_ = float(si.intercept_[0])

    def _fit_tc(self, documents: Sequence[Document], gold: Gold) -> None:
        """Span classifier over the gold spans; techniques never seen get a bias that rules them out."""
        from sklearn.linear_model import LogisticRegression

        trows: list[dict[int, float]] = []
        ty: list[int] = []
        for doc in documents:
            for sp in gold.get(doc.id, []):
                trows.append(_hash_features(_span_features(doc, sp.start, sp.end), _TC_BITS))
                ty.append(NAMES.index(str(sp.technique)))
        tc = LogisticRegression(C=self.C * 4, max_iter=500, class_weight="balanced", random_state=self.seed)
        tc.fit(self._to_csr(trows, _TC_BITS), np.array(ty))
        coef = np.zeros((len(NAMES), 1 << _TC_BITS), dtype=np.float32)
        bias = np.zeros(len(NAMES), dtype=np.float32)
        coef[tc.classes_] = tc.coef_
        bias[tc.classes_] = tc.intercept_
        bias[[i for i in range(len(NAMES)) if i not in set(tc.classes_)]] = -1e4
        self.tc_coef_, self.tc_bias_ = coef, bias

    def _tune_threshold(self, docs: Sequence[Document], gold: Gold) -> float:
        from propscan.eval.scorer import score_si

        probs = [self._token_probs(d) for d in docs]
        best = (-1.0, self.threshold)
        for thr in np.arange(0.15, 0.71, 0.05):
            pred = {d.id: self._decode(d, toks, p, float(thr)) for d, (toks, p) in zip(docs, probs)}
            f1 = score_si(pred, gold).f1
            best = max(best, (f1, float(thr)))
        return round(best[1], 2)

    # -- inference ------------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "si_coef_"):
            raise NotFittedError("BaselineModel is not fitted; call fit() or BaselineModel.from_pretrained().")

    def _token_probs(self, doc: Document) -> tuple[list[Token], np.ndarray]:
        toks, feats = self._si_rows(doc)
        if not toks:
            return toks, np.zeros(0)
        X = self._to_csr(feats, _SI_BITS)
        z = X @ self.si_coef_ + self.si_bias_
        return toks, 1.0 / (1.0 + np.exp(-z))

    def _tc_probs(self, doc: Document, start: int, end: int) -> np.ndarray:
        X = self._to_csr([_hash_features(_span_features(doc, start, end), _TC_BITS)], _TC_BITS)
        z = np.asarray(X @ self.tc_coef_.T).ravel() + self.tc_bias_
        z = z - z.max()
        e = np.exp(z)
        return np.asarray(e / e.sum())

    def _decode(self, doc: Document, toks: list[Token], p: np.ndarray, thr: float) -> list[Span]:
        spans: list[Span] = []
        i = 0
        n = len(toks)
        while i < n:
            if p[i] <= thr or not toks[i].text[0].isalnum():
                i += 1
                continue
            j = i
            while j + 1 < n and (p[j + 1] > thr or (j + 2 < n and p[j + 2] > thr and p[j + 1] > thr / 2)):
                j += 1
            s, e = trim(doc.text, toks[i].start, toks[j].end, chars=_EDGE)
            if e > s:
                spans.append(Span(s, e, None, score=float(np.mean(p[i : j + 1])), doc=doc))
            i = j + 1
        return spans

    def predict(self, documents: Sequence[Document]) -> list[list[Span]]:
        """Spans with a technique and a score (mean token probability × technique probability)."""
        self._check()
        out = []
        for doc in documents:
            toks, p = self._token_probs(doc)
            spans = self._decode(doc, toks, p, self.threshold)
            labelled = []
            for sp in spans:
                probs = self._tc_probs(doc, sp.start, sp.end)
                k = int(np.argmax(probs))
                labelled.append(sp.with_(technique=self.labels_[k], score=float(sp.score * math.sqrt(probs[k]))))
            out.append(labelled)
        return out

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """Name the technique of each given span (the TC subtask); offsets and order kept."""
        self._check()
        out = []
        for doc, doc_spans in zip(documents, spans):
            res = []
            for sp in doc_spans:
                probs = self._tc_probs(doc, sp.start, sp.end)
                k = int(np.argmax(probs))
                res.append(Span(sp.start, sp.end, self.labels_[k], score=float(probs[k]), doc=doc))
            out.append(res)
        return out

    # -- persistence ----------------------------------------------------------------------------
    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        """Write ``config.json`` and the int8-quantised weights (safetensors), with their sha256."""
        self._check()
        si_q, si_scale = quantize(self.si_coef_[None, :])
        tc_q, tc_scale = quantize(self.tc_coef_)
        weights = {
            "si_coef_q": si_q,
            "si_coef_scale": si_scale,
            "si_bias": np.array([self.si_bias_], dtype=np.float32),
            "tc_coef_q": tc_q,
            "tc_coef_scale": tc_scale,
            "tc_bias": self.tc_bias_.astype(np.float32),
        }
        config = {
            "model_type": self.model_type,
            "version": MODEL_VERSION,
            "params": {"threshold": self.threshold, "C": self.C, "seed": self.seed},
            "labels": self.labels_,
            "si_bits": _SI_BITS,
            "tc_bits": _TC_BITS,
        }
        write_model(directory, config, arrays={WEIGHTS_FILE: weights})

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str] = DEFAULT_DIR) -> BaselineModel:
        """Load a saved baseline after checking its weights' sha256."""
        saved = read_model(directory, expect_type=cls.model_type)
        cfg = saved.config
        w = saved.arrays(WEIGHTS_FILE)
        model = cls(**cfg["params"])
        model.si_coef_ = dequantize(w["si_coef_q"], w["si_coef_scale"])[0]
        model.si_bias_ = float(w["si_bias"][0])
        model.tc_coef_ = dequantize(w["tc_coef_q"], w["tc_coef_scale"])
        model.tc_bias_ = w["tc_bias"].astype(np.float32)
        model.labels_ = list(cfg["labels"])
        if model.si_coef_.shape[0] != 1 << _SI_BITS or model.tc_coef_.shape != (len(model.labels_), 1 << _TC_BITS):
            raise ModelLoadError(f"{saved.directory}: weight shapes do not match this propscan version's baseline.")
        model.config_ = cfg
        return model

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder, article_reference_density}`` (``None`` for an unsaved model)."""
        cfg = getattr(self, "config_", {})
        return {
            "name": "baseline",
            "version": MODEL_VERSION,
            "weights_sha256": cfg.get("files", {}).get(WEIGHTS_FILE),
            "encoder": None,
            "article_reference_density": cfg.get("article_reference_density"),
        }


