"""Models: the protocol, the classical baseline, the transformer default, and loading.

>>> from propscan.models import load_model
>>> load_model("baseline").model_type
'baseline'
"""

from propscan.models.base import Model
from propscan.models.loading import load_model, resolve_model_dir

__all__ = ["Model", "load_model", "resolve_model_dir"]
