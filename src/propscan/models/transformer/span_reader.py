"""The span reader: a second TC classifier that reads one span at a time, marked in its own context.

The taggers' TC head pools token states of a whole-article pass, so the encoder never knows which
passage is being asked about. The span reader encodes ``[CLS] left « span » right [SEP]`` around
each span (the widest symmetric context within :data:`MAX_TOKENS`), with the span's tokens and
markers as token type 1, and classifies the pooled ``[CLS]``, span-mean and opening-marker states
plus the span features (:mod:`propscan.models.features`) -- the "span markers / span CLS" recipe
of the SemEval-2020 TC leaders. The base encoder stays frozen; low-rank adapters (LoRA) on every
linear layer, the token-type embeddings and the head are trained, so a saved reader is about
1 MB and the base encoder comes, hash-checked, from its installed package. A model may ship several
readers (seeds; their log-probabilities are averaged) and a cap on how many decoded candidates per
1,000 tokens they read, so that a candidate-dense text stays within the latency budget. Each seed
reads spans at its own length (``max_tokens``, saved with its tensors and in the model's config).

>>> reader = SpanReader.from_states([state], n_features=21, n_labels=14, weight=0.25)  # doctest: +SKIP
>>> mixed = reader.mix(head_logits, tok, [(10, 25)], feats)  # (1, n_labels) log-probabilities  # doctest: +SKIP
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from propscan.models.transformer.windows import TokenizedDoc

#: tokens per span input, markers and [CLS]/[SEP] included (a reader's default length)
MAX_TOKENS = 96
#: the lengths a reader may read at (the base encoder has 512 positions)
TOKEN_RANGE = (16, 512)
#: LoRA rank, scale numerator and the linear layers adapted (MiniBert names)
LORA_R = 16
LORA_ALPHA = 32
LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")
#: the linear layers given adapters in a reader on a ``transformers`` encoder (MPNet names)
AUTO_LORA_TARGETS = ("attn.q", "attn.k", "attn.v", "attn.o", "intermediate.dense", "output.dense")
#: a seed's encoder when it reads with the models' own (MiniLM) one
DEFAULT_ENCODER = "default"
#: the marker characters (real tokens of the BERT vocabulary)
OPEN_MARK, CLOSE_MARK = "«", "»"
#: where a model folder stores a reader's trainable tensors (int8 matrices, like the members')
READER_FILE = "span_reader.safetensors"
#: the candidate reader's tensors (the reader that names the spans a model decodes, when it has its own)
CANDIDATE_READER_FILE = "candidate_reader.safetensors"


class LoRALinear(nn.Module):
    """``base(x) + (alpha / r) * B(A(x))`` with ``base`` frozen; ``B`` starts at zero."""

    def __init__(self, base: nn.Linear, r: int = LORA_R, alpha: int = LORA_ALPHA, dropout: float = 0.1) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scale = alpha / r
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.drop(x) @ self.lora_A.T @ self.lora_B.T) * self.scale

    def merged(self) -> nn.Linear:
        """The base ``nn.Linear`` with the adapter folded into its weight (inference).

        Folded in place, so loading a reader never holds a second copy of the encoder's weights; the
        ``LoRALinear`` is spent afterwards (:func:`merge_lora` drops it).
        """
        with torch.no_grad():
            self.base.weight.add_(self.scale * (self.lora_B @ self.lora_A))
        return self.base


def add_lora(encoder: nn.Module, *, r: int = LORA_R, alpha: int = LORA_ALPHA, targets: Sequence[str] = LORA_TARGETS) -> None:
    """Freeze ``encoder`` and wrap every linear layer whose name ends with one of ``targets`` in :class:`LoRALinear`."""
    for p in encoder.parameters():
        p.requires_grad_(False)
    for name, module in list(encoder.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and any(full.endswith(t) for t in targets):
                setattr(module, child_name, LoRALinear(child, r, alpha))


def merge_lora(encoder: nn.Module) -> None:
    """Replace every :class:`LoRALinear` of ``encoder`` by its merged ``nn.Linear``."""
    for module in list(encoder.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, LoRALinear):
                setattr(module, child_name, child.merged())


@dataclass(frozen=True)
class SpanInput:
    """One span's encoder input: ids, token types, and where the span's tokens are."""

    ids: np.ndarray
    types: np.ndarray
    span: tuple[int, int]  # [a, b) in ids (the span's own tokens, markers excluded)


def span_input(tok: TokenizedDoc, start: int, end: int, specials: tuple[int, int, int, int], max_tokens: int = MAX_TOKENS) -> SpanInput:
    """``[CLS] left « span » right [SEP]`` for characters ``[start, end)`` of a tokenised article.

    ``specials`` = ``(cls, sep, open_mark, close_mark)`` ids. A span longer than the budget keeps
    its head and tail; the context left over is split evenly (the unused side goes to the other).
    """
    cls_id, sep_id, open_id, close_id = specials
    a, b = tok.token_range(start, end)
    ids = tok.ids
    budget = max_tokens - 4
    span_ids = ids[a:b]
    if len(span_ids) > budget:
        half = budget // 2
        span_ids = np.concatenate([span_ids[:half], span_ids[len(span_ids) - (budget - half) :]])
    room = budget - len(span_ids)
    left_n = min(a, room // 2)
    right_n = min(len(ids) - b, room - left_n)
    left_n = min(a, room - right_n)
    left, right = ids[a - left_n : a], ids[b : b + right_n]
    seq = np.concatenate([[cls_id], left, [open_id], span_ids, [close_id], right, [sep_id]]).astype(np.int64)
    types = np.zeros(len(seq), dtype=np.int64)
    s0 = 1 + len(left)
    types[s0 : s0 + len(span_ids) + 2] = 1
    return SpanInput(seq, types, (s0 + 1, s0 + 1 + len(span_ids)))


def span_head(hidden_size: int, n_features: int, n_labels: int, *, hidden: int = 256, dropout: float = 0.1) -> nn.Sequential:
    """The reader's classifier over :func:`pool_span`'s vector (``[CLS]``, span mean, opening marker, features)."""
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(3 * hidden_size + n_features, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, n_labels))


def pool_span(states: torch.Tensor, spans: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
    """``[CLS]`` state, mean of the span's token states, the opening marker's state and the span features, joined."""
    idx = torch.arange(states.shape[1])[None]
    inside = ((idx >= spans[:, :1]) & (idx < spans[:, 1:])).to(states.dtype)
    mean = (states * inside[..., None]).sum(1) / inside.sum(1, keepdim=True).clamp_min(1.0)
    marker = states[torch.arange(len(states)), spans[:, 0] - 1]
    return torch.cat([states[:, 0], mean, marker, feats], -1)


class SpanReaderNet(nn.Module):
    """Encoder (frozen base + LoRA) + token-type embeddings + the span head."""

    encoder: Any  # a MiniBert (embeddings, encoder.layer, attn_bias, hidden_size)

    def __init__(self, encoder: Any, n_features: int, n_labels: int, *, hidden: int = 256, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.n_labels = n_labels
        h = int(encoder.hidden_size)
        self.head = span_head(h, n_features, n_labels, hidden=hidden, dropout=dropout)

    def forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor, spans: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        emb = self.encoder.embeddings
        pos = torch.arange(ids.shape[1])
        x = emb.word_embeddings(ids) + emb.position_embeddings(pos)[None] + emb.token_type_embeddings(types)
        x = emb.dropout(emb.LayerNorm(x))
        bias = None if bool(mask.all()) else self.encoder.attn_bias(mask, x.dtype)
        states = x
        for layer in self.encoder.encoder.layer:
            states = layer(states, bias)
        return self.head(pool_span(states, spans, feats))


class AutoSpanReaderNet(nn.Module):
    """The span reader on a ``transformers`` encoder (e.g. all-mpnet-base-v2), which may have no token types.

    The span's tokens and markers get a learned type vector (zero at the start) added to their word
    embeddings; pooling and head are :class:`SpanReaderNet`'s.
    """

    def __init__(self, model: Any, n_features: int, n_labels: int, *, hidden: int = 256, dropout: float = 0.1) -> None:
        super().__init__()
        self.model = model
        self.n_labels = n_labels
        h = int(model.config.hidden_size)
        self.types = nn.Embedding(2, h)
        nn.init.zeros_(self.types.weight)
        self.head = span_head(h, n_features, n_labels, hidden=hidden, dropout=dropout)

    def forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor, spans: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        x = self.model.embeddings.word_embeddings(ids) + self.types(types)
        states = self.model(inputs_embeds=x, attention_mask=mask).last_hidden_state
        return self.head(pool_span(states, spans, feats))


def collate(inputs: Sequence[SpanInput], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad a batch: ``(ids, types, mask, spans)``."""
    n = max(len(x.ids) for x in inputs)
    ids = np.full((len(inputs), n), pad_id, dtype=np.int64)
    types = np.zeros((len(inputs), n), dtype=np.int64)
    mask = np.zeros((len(inputs), n), dtype=np.int64)
    for i, x in enumerate(inputs):
        ids[i, : len(x.ids)], types[i, : len(x.ids)], mask[i, : len(x.ids)] = x.ids, x.types, 1
    spans = np.asarray([x.span for x in inputs], dtype=np.int64)
    return torch.from_numpy(ids), torch.from_numpy(types), torch.from_numpy(mask), torch.from_numpy(spans)


def trainable_state(net: nn.Module) -> dict[str, torch.Tensor]:
    """What a saved reader stores: adapters, token-type embeddings, head."""
    return {k: v.detach().clone() for k, v in net.named_parameters() if v.requires_grad}


def load_trainable(net: nn.Module, state: Mapping[str, Any]) -> None:
    """Inverse of :func:`trainable_state`; every stored tensor must match a trainable one."""
    own = dict(net.named_parameters())
    missing = [k for k in own if own[k].requires_grad and k not in state]
    if missing or any(k not in own for k in state):
        raise ValueError(f"span reader state does not match the network ({len(missing)} missing)")
    with torch.no_grad():
        for k, v in state.items():
            own[k].copy_(torch.as_tensor(v))


def _lengths(max_tokens: int | Sequence[int] | None, seeds: int) -> list[int]:
    """One input length per seed: ``None`` is :data:`MAX_TOKENS` for all, an int is for all, a list is per seed."""
    if max_tokens is None or isinstance(max_tokens, int):
        lengths = [MAX_TOKENS if max_tokens is None else int(max_tokens)] * seeds
    else:
        lengths = [int(m) for m in max_tokens]
    if len(lengths) != seeds:
        raise ValueError(f"{len(lengths)} reading length(s) for {seeds} reader seed(s)")
    lo, hi = TOKEN_RANGE
    if any(not lo <= m <= hi for m in lengths):
        raise ValueError(f"a reader reads {lo} to {hi} tokens per span, not {lengths}")
    return lengths


def build_net(
    state: Mapping[str, Any], *, n_features: int, n_labels: int, r: int = LORA_R, alpha: int = LORA_ALPHA, encoder: str = DEFAULT_ENCODER,
) -> nn.Module:
    """One seed's network in eval mode: the installed base encoder (hash-checked) + its adapters, merged.

    ``encoder``: :data:`DEFAULT_ENCODER` (the models' MiniLM) or another encoder's name (e.g.
    ``all-mpnet-base-v2``, through ``transformers``: ``pip install 'propscan[accurate]'``).
    """
    from propscan.models.encoder import load_encoder

    if encoder != DEFAULT_ENCODER:
        auto, _, _ = load_encoder(encoder)
        add_lora(auto.inner, r=r, alpha=alpha, targets=AUTO_LORA_TARGETS)
        auto_net = AutoSpanReaderNet(auto.inner, n_features, n_labels)
        load_trainable(auto_net, {k: torch.as_tensor(v).float() for k, v in state.items()})
        merge_lora(auto.inner)
        return auto_net.eval()
    encoder_module, _, _ = load_encoder()
    add_lora(encoder_module, r=r, alpha=alpha)
    encoder_module.embeddings.token_type_embeddings.weight.requires_grad_(True)
    net = SpanReaderNet(encoder_module, n_features, n_labels)
    load_trainable(net, {k: torch.as_tensor(v).float() for k, v in state.items()})
    merge_lora(encoder_module)
    return net.eval()


def _encoder_names(encoders: Sequence[str] | None, seeds: int) -> list[str]:
    """Each seed's encoder: :data:`DEFAULT_ENCODER` for all by default."""
    out = [DEFAULT_ENCODER] * seeds if encoders is None else [str(e) for e in encoders]
    if len(out) != seeds:
        raise ValueError(f"{len(out)} encoder name(s) for {seeds} reader seed(s)")
    return out


def reader_inputs(encoder: str = DEFAULT_ENCODER) -> tuple[Any, tuple[int, int, int, int], int]:
    """``(tokenizer, (cls, sep, open mark, close mark) ids, pad id)`` of the encoder a reader seed reads with."""
    from propscan.models.encoder import load_tokenizer, resolve_encoder, special_ids

    tokenizer = load_tokenizer((resolve_encoder() if encoder == DEFAULT_ENCODER else resolve_encoder(encoder)).directory)
    cls_id, sep_id, pad_id = special_ids(tokenizer)
    vocab = tokenizer.get_vocab()
    return tokenizer, (cls_id, sep_id, vocab[OPEN_MARK], vocab[CLOSE_MARK]), pad_id


def _shares(shares: Sequence[float] | None, seeds: int) -> list[float]:
    """Each seed's weight in the readers' mean: equal by default; given ones must be >= 0 and sum to 1.

    >>> _shares(None, 4)
    [0.25, 0.25, 0.25, 0.25]
    """
    if shares is None:
        return [1.0 / max(1, seeds)] * seeds
    out = [float(x) for x in shares]
    if len(out) != seeds or any(x < 0 for x in out) or not math.isclose(sum(out), 1.0, abs_tol=1e-6):
        raise ValueError(f"reader shares {out} must be {seeds} weights >= 0 that sum to 1")
    return out


def _check_alike(states: Sequence[Mapping[str, Any]], encoders: Sequence[str] | None = None) -> None:
    """Seeds on the same encoder must hold the same tensors (names and shapes): a seed built later cannot then fail to fit."""
    shapes = [{k: tuple(np.shape(v)) for k, v in s.items()} for s in states]
    on = _encoder_names(encoders, len(states))
    first: dict[str, int] = {}
    for i, (sh, enc) in enumerate(zip(shapes, on)):
        j = first.setdefault(enc, i)
        if sh != shapes[j]:
            raise ValueError(f"reader seed {i} holds other tensors than seed {j}")


def read_reader_file(path: str | Any) -> tuple[dict[str, torch.Tensor], int]:
    """One trained reader's tensors and the length it was trained to read (safetensors metadata ``max_tokens``).

    >>> state, max_tokens = read_reader_file("runs/span-reader/reader_e4.safetensors")  # doctest: +SKIP
    """
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    return load_file(str(path)), int(meta.get("max_tokens", MAX_TOKENS))


class SpanReader:
    """Trained span readers (one or more seeds, adapters merged) and the mix they enter TC with.

    ``weight`` is ``w`` in ``(1 - w) log p_head + w log p_readers`` (``log p_readers``: the mean of
    the seeds' log-probabilities), chosen on the tune split. ``cap`` bounds the reading cost of a
    candidate-dense text: at most ``cap`` spans per 1,000 article tokens are read (those the SI
    scores rank first, :meth:`rows_to_read`); the others keep the head's TC. ``states`` (the
    trainable tensors of each seed, as :func:`trainable_state` gives them) are kept for saving.
    ``max_tokens``: each seed's input length (one int for all; default :data:`MAX_TOKENS`).
    A seed's network may be ``None`` until it is first used (``from_states(..., build=[...])``): a
    model that serves flags builds only the seed that names them, and the readers for given spans
    load on the first ``classify`` (each holds a merged copy of the encoder, ~100 MB).

    >>> reader = SpanReader.from_states([state], n_features=21, n_labels=14, weight=0.25)  # doctest: +SKIP
    >>> mixed = reader.mix(head_logits, tok, [(10, 25)], feats)  # doctest: +SKIP
    """

    def __init__(
        self, nets: Sequence[nn.Module | None], states: Sequence[Mapping[str, Any]], specials: tuple[int, int, int, int], pad_id: int, *,
        weight: float, cap: float | None = None, r: int = LORA_R, alpha: int = LORA_ALPHA, max_tokens: int | Sequence[int] | None = None,
        n_features: int | None = None, n_labels: int | None = None, encoders: Sequence[str] | None = None,
        shares: Sequence[float] | None = None,
    ) -> None:
        self.r, self.alpha = r, alpha
        self.encoders = _encoder_names(encoders, len(states))
        self.shares = _shares(shares, len(states))
        _check_alike(states, self.encoders)
        self.states = [dict(s) for s in states]
        self._nets: list[nn.Module | None] = list(nets) or [None] * len(self.states)
        if len(self._nets) != len(self.states):
            raise ValueError(f"{len(self._nets)} network slot(s) for {len(self.states)} reader seed(s)")
        self.max_tokens = _lengths(max_tokens, len(self.states))
        self.specials = specials
        self.pad_id = pad_id
        self.weight = float(weight)
        self.cap = None if cap is None else float(cap)
        built = [n for n in self._nets if n is not None]
        self._n_labels = int(n_labels if n_labels is not None else (int(getattr(built[0], "n_labels", 0)) if built else 0))
        self._n_features = n_features
        self._lock = threading.Lock()
        self._inputs: dict[str, tuple[Any, tuple[int, int, int, int], int]] = {}  # encoder -> (tokenizer, specials, pad id)

    @property
    def n_labels(self) -> int:
        return self._n_labels

    @property
    def seeds(self) -> int:
        """How many seeds (built or not)."""
        return len(self.states)

    def net(self, seed: int) -> nn.Module:
        """Seed ``seed``'s network, built on first use (thread-safe)."""
        built = self._nets[seed]
        if built is None:
            with self._lock:
                built = self._nets[seed]
                if built is None:
                    if self._n_features is None or not self._n_labels:
                        raise ValueError(f"reader seed {seed} is not built and this reader was not told how (n_features, n_labels)")
                    built = self._nets[seed] = build_net(self.states[seed], n_features=self._n_features, n_labels=self._n_labels,
                                                         r=self.r, alpha=self.alpha, encoder=self.encoders[seed])
        return built

    @property
    def nets(self) -> list[nn.Module]:
        """Every seed's network (builds those not built yet)."""
        return [self.net(i) for i in range(self.seeds)]

    def built(self) -> list[bool]:
        """Which seeds' networks exist now."""
        return [n is not None for n in self._nets]

    @classmethod
    def from_states(
        cls, states: Sequence[Mapping[str, Any]], *, n_features: int, n_labels: int, weight: float, cap: float | None = None,
        r: int = LORA_R, alpha: int = LORA_ALPHA, max_tokens: int | Sequence[int] | None = None, build: Sequence[int] | None = None,
        encoders: Sequence[str] | None = None, shares: Sequence[float] | None = None,
    ) -> SpanReader:
        """One network per state on the installed base encoder (hash-checked), loaded, adapters merged.

        ``build``: the seeds to build now (default: all); the others are built on first use (:meth:`net`).
        ``encoders``: each seed's encoder (default: the models' own); ``shares``: each seed's weight in
        the readers' mean (default: equal).
        """
        if not states:
            raise ValueError("a span reader needs at least one trained state")
        on = _encoder_names(encoders, len(states))
        _check_alike(states, on)  # before any seed is built
        now = set(range(len(states))) if build is None else {int(i) for i in build}
        if not now <= set(range(len(states))):
            raise ValueError(f"no seed(s) {sorted(now - set(range(len(states))))} among {len(states)}")
        nets = [build_net(s, n_features=n_features, n_labels=n_labels, r=r, alpha=alpha, encoder=on[i]) if i in now else None
                for i, s in enumerate(states)]
        _, specials, pad_id = reader_inputs(DEFAULT_ENCODER)
        return cls(nets, states, specials, pad_id, weight=weight, cap=cap, r=r, alpha=alpha,
                   max_tokens=max_tokens, n_features=n_features, n_labels=n_labels, encoders=on, shares=shares)

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any], stored: Mapping[str, Any], *, n_labels: int, build: Sequence[int] | None = None) -> SpanReader:
        """The readers a model's ``config.json`` (``span_reader``) describes, from the tensors of :data:`READER_FILE`.

        ``build``: as in :meth:`from_states` (default: every seed now)."""
        from propscan.errors import ModelLoadError
        from propscan.models.features import FEATURE_NAMES

        seeds = int(cfg.get("seeds", 1))
        try:
            lengths = _lengths(cfg.get("max_tokens", MAX_TOKENS), seeds)
        except (ValueError, TypeError) as exc:
            raise ModelLoadError(f"span reader lengths {cfg.get('max_tokens')!r} do not fit this propscan ({exc}).") from exc
        try:
            states = split_states(stored, seeds)
            cap = cfg.get("read_per_1000_tokens")
            return cls.from_states(states, n_features=len(FEATURE_NAMES), n_labels=n_labels, weight=float(cfg["weight"]),
                                   cap=None if cap is None else float(cap), r=int(cfg.get("lora_r", LORA_R)),
                                   alpha=int(cfg.get("lora_alpha", LORA_ALPHA)), max_tokens=lengths, build=build,
                                   encoders=cfg.get("encoders"), shares=cfg.get("shares"))
        except (ValueError, RuntimeError, KeyError) as exc:
            raise ModelLoadError(f"span reader weights do not fit its network ({str(exc).splitlines()[0]}).") from exc

    def config(self) -> dict[str, Any]:
        """What ``config.json`` records of the readers (their tensors go to :data:`READER_FILE`, see :meth:`stored`)."""
        lengths: int | list[int] = self.max_tokens[0] if len(set(self.max_tokens)) == 1 else list(self.max_tokens)
        out: dict[str, Any] = {"weight": self.weight, "seeds": self.seeds, "read_per_1000_tokens": self.cap, "max_tokens": lengths,
                               "lora_r": self.r, "lora_alpha": self.alpha, "encoder": DEFAULT_ENCODER}
        if any(e != DEFAULT_ENCODER for e in self.encoders):
            out["encoders"] = list(self.encoders)
        if len(set(self.shares)) > 1:
            out["shares"] = list(self.shares)
        return out

    def stored(self) -> dict[str, Any]:
        """Every seed's tensors in one flat mapping: the first seed's names as they are, seed ``k`` under ``r<k>.``."""
        return {(k if i == 0 else f"r{i}.{k}"): v for i, state in enumerate(self.states) for k, v in state.items()}

    def seed_of(self, other: SpanReader) -> int | None:
        """The index of the seed of this reader that ``other`` (one seed) is, tensor for tensor; ``None``: none."""
        if len(other.states) != 1:
            return None
        mine = other.states[0]
        for i, state in enumerate(self.states):
            if self.max_tokens[i] == other.max_tokens[0] and self.encoders[i] == other.encoders[0] and state.keys() == mine.keys() and all(np.array_equal(np.asarray(state[k]), np.asarray(mine[k])) for k in state):
                return i
        return None

    def subset(self, seed: int, *, weight: float, cap: float | None = None) -> SpanReader:
        """A reader made of seed ``seed`` of this one (the same network, not a copy), mixed with its own ``weight``."""
        if not 0 <= seed < self.seeds:
            raise ValueError(f"this reader has {self.seeds} seed(s); no seed {seed}")
        return SpanReader([self.net(seed)], [self.states[seed]], self.specials, self.pad_id, weight=weight,
                          cap=None if cap is None else float(cap), r=self.r, alpha=self.alpha, max_tokens=[self.max_tokens[seed]],
                          encoders=[self.encoders[seed]])

    def rows_to_read(self, priority: np.ndarray, n_tokens: int) -> np.ndarray:
        """Which spans to read (boolean mask): all of them, or under a cap the best ``priority`` first.

        >>> SpanReader([], [], (0, 0, 0, 0), 0, weight=0.5, cap=2.0).rows_to_read(np.array([0.2, 0.9, 0.5]), 500)
        array([False,  True, False])
        """
        priority = np.asarray(priority, dtype=np.float64)
        if self.cap is None:
            return np.ones(len(priority), dtype=bool)
        n = max(1, math.ceil(self.cap * n_tokens / 1000.0))
        keep = np.zeros(len(priority), dtype=bool)
        keep[np.argsort(-priority, kind="stable")[:n]] = True
        return keep

    def _encoder_inputs(self, encoder: str) -> tuple[Any, tuple[int, int, int, int], int]:
        """``(tokenizer, specials, pad id)`` of a seed's encoder other than the models' own (loaded once, hash-checked)."""
        if encoder not in self._inputs:
            self._inputs[encoder] = reader_inputs(encoder)
        return self._inputs[encoder]

    def log_probs(self, tok: TokenizedDoc, spans: Sequence[tuple[int, int]], feats: np.ndarray, *, text: str | None = None,
                  batch_size: int = 32) -> np.ndarray:
        """The seeds' technique log-probabilities ``(len(spans), n_labels)`` for spans of one article, averaged by their shares.

        The inputs are built once per encoder and reading length and read by every seed of that pair.
        A seed on another encoder than the models' own reads the article as its tokenizer cuts ``text``.
        """
        from propscan.models.transformer.windows import tokenize_docs

        out = np.zeros((len(spans), self.n_labels), dtype=np.float32)
        with torch.inference_mode():
            for enc, length in sorted(set(zip(self.encoders, self.max_tokens))):
                seeds = [i for i, pair in enumerate(zip(self.encoders, self.max_tokens)) if pair == (enc, length)]
                if enc == DEFAULT_ENCODER:
                    doc, specials, pad_id = tok, self.specials, self.pad_id
                else:
                    if text is None:
                        raise ValueError(f"reader seeds on {enc} need the article text")
                    tokenizer, specials, pad_id = self._encoder_inputs(enc)
                    doc = tokenize_docs(tokenizer, [text])[0]
                inputs = [span_input(doc, s, e, specials, length) for s, e in spans]
                order = np.argsort([len(x.ids) for x in inputs], kind="stable")
                for i in range(0, len(order), batch_size):
                    idx = order[i : i + batch_size]
                    ids, types, mask, sp = collate([inputs[j] for j in idx], pad_id)
                    f = torch.from_numpy(np.ascontiguousarray(feats[idx]))
                    for k in seeds:
                        out[idx] += self.shares[k] * torch.log_softmax(self.net(k)(ids, types, mask, sp, f), -1).numpy()
        return out

    def mix(self, head_logits: np.ndarray, tok: TokenizedDoc, spans: Sequence[tuple[int, int]], feats: np.ndarray, rows: np.ndarray | None = None,
            *, text: str | None = None) -> np.ndarray:
        """``(1 - w) log p_head + w log p_readers`` for ``rows`` (default: every span); other rows keep ``log p_head``.

        ``text``: the article's, needed by seeds on another encoder than the models' own.
        """
        head = torch.log_softmax(torch.from_numpy(head_logits), -1).numpy()
        rows = np.arange(len(spans)) if rows is None else np.flatnonzero(rows)
        if len(rows) and len(tok):
            reader = self.log_probs(tok, [spans[int(i)] for i in rows], feats[rows], text=text)
            head[rows] = (1.0 - self.weight) * head[rows] + self.weight * reader
        return head


def split_states(stored: Mapping[str, Any], seeds: int) -> list[dict[str, Any]]:
    """Inverse of :meth:`SpanReader.stored`: one state per seed."""
    states: list[dict[str, Any]] = [{} for _ in range(seeds)]
    for k, v in stored.items():
        head, _, rest = k.partition(".")
        i = int(head[1:]) if head[:1] == "r" and head[1:].isdigit() and rest else 0
        if i >= seeds:
            raise ValueError(f"tensor {k} belongs to reader seed {i}; the config names {seeds}")
        states[i][rest if i else k] = v
    return states
