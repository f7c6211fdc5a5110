"""Models: the protocol, the classical baseline, the transformer default, and loading."""

from .base import Model
from .loading import load_model, resolve_model_dir

__all__ = ["Model", "load_model", "resolve_model_dir"]
