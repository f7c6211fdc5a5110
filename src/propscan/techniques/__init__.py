"""The propaganda technique catalogue and the mappings between taxonomies.

propscan labels spans with the 14 technique names of SemEval-2020 Task 11
(the PTC corpus). For each of them the catalogue holds a stable id, a display
name, a plain-English definition, an invented example, a highlight colour, a
short in-text label and a hint on what to look for, plus the mappings to and
from two related taxonomies: the 18 techniques of the original PTC release
(PTC-v1, 2019) and the 23 techniques of SemEval-2023 Task 3, subtask 3.

* :mod:`propscan.techniques.catalogue` — the data (read from ``data/techniques.toml``);
* :mod:`propscan.techniques.lookup` — finding a technique by any spelling, mapping the
  other taxonomies, and the one rule for showing a label (name, colour, abbreviation).

This package is the public face: import the names from ``propscan.techniques``.

Usage::

    >>> from propscan import techniques
    >>> techniques.get("loaded_language").name
    'Loaded_Language'
    >>> techniques.from_semeval2023("Appeal_to_Hypocrisy")
    'Whataboutism,Straw_Men,Red_Herring'

The ``id`` of a technique is a stable slug: stored files and URLs may use it,
so it must never change. The ``name`` is the exact SemEval-2020 label.
"""

from __future__ import annotations

from propscan.techniques.catalogue import (
    CATALOGUE,
    IDS,
    LOSSY,
    NAMES,
    PTC_V1_NAMES,
    PTC_V1_TO_SEMEVAL2020,
    SEMEVAL2023_NAMES,
    SEMEVAL2023_TO_SEMEVAL2020,
    UNMAPPED,
    Technique,
    catalogue_rows,
)
from propscan.techniques.lookup import (
    LIST_HINT,
    OTHER_COLOUR,
    UNLABELLED,
    UnknownTechniqueError,
    abbreviation,
    by_id,
    colour,
    display_name,
    find,
    fold_name,  # the lookup key: tests check that no two spellings collide
    from_ptc_v1,
    from_semeval2023,
    get,
    is_technique,
    resolve,
    resolve_names,
    to_semeval2023,
)

__all__ = [
    "fold_name",
    "Technique",
    "CATALOGUE",
    "NAMES",
    "IDS",
    "PTC_V1_NAMES",
    "SEMEVAL2023_NAMES",
    "PTC_V1_TO_SEMEVAL2020",
    "SEMEVAL2023_TO_SEMEVAL2020",
    "UNMAPPED",
    "LOSSY",
    "get",
    "find",
    "resolve",
    "resolve_names",
    "display_name",
    "colour",
    "abbreviation",
    "OTHER_COLOUR",
    "UNLABELLED",
    "UnknownTechniqueError",
    "LIST_HINT",
    "by_id",
    "is_technique",
    "from_ptc_v1",
    "from_semeval2023",
    "to_semeval2023",
    "catalogue_rows",
]
