"""The technique catalogue as data: the 14 SemEval-2020 techniques and the other taxonomies' names.

The catalogue is written once, in ``propscan/data/techniques.toml``; this module reads it at
import and exposes it as frozen values (no lookup logic: see :mod:`propscan.techniques.lookup`).

>>> from propscan.techniques.catalogue import CATALOGUE, NAMES
>>> CATALOGUE[0].name == NAMES[0] == "Appeal_to_Authority"
True
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: the one file that holds the catalogue (packaged with the other data files)
CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "data" / "techniques.toml"


@dataclass(frozen=True)
class Technique:
    """One SemEval-2020 propaganda technique.

    Usage: ``propscan.techniques.get("Doubt").color``.

    Attributes
    ----------
    id : str
        Stable lowercase slug (``[a-z][a-z0-9_]*``); never changes.
    name : str
        Exact SemEval-2020 Task 11 label, as in the corpus label files.
    display : str
        Human-readable name for the UI and reports.
    definition : str
        Two or three plain-English sentences.
    example : str
        One short invented sentence in which the technique is obvious.
    color : str
        ``#rrggbb`` highlight background; dark text (#111111) stays readable on it.
    cue_hint : str
        Short phrase on what to look for.
    ptc_v1 : tuple of str
        PTC-v1 (18-technique) names this technique covers.
    semeval2023 : tuple of str
        SemEval-2023 Task 3 names that map onto this technique.
    abbr : str
        Short label printed after each highlighted span (reports and the web app), so a
        highlight never relies on colour alone.
    """

    id: str
    name: str
    display: str
    definition: str
    example: str
    color: str
    cue_hint: str
    ptc_v1: tuple[str, ...]
    semeval2023: tuple[str, ...]
    abbr: str


def _technique(entry: dict[str, Any]) -> Technique:
    return Technique(**{**entry, "ptc_v1": tuple(entry["ptc_v1"]), "semeval2023": tuple(entry["semeval2023"])})


_DATA = tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))

#: The 14 techniques, in the official SemEval-2020 order.
CATALOGUE: tuple[Technique, ...] = tuple(_technique(entry) for entry in _DATA["technique"])

#: The 14 SemEval-2020 technique names, in the official order.
NAMES: tuple[str, ...] = tuple(t.name for t in CATALOGUE)

#: The stable ids, in the same order as ``NAMES``.
IDS: tuple[str, ...] = tuple(t.id for t in CATALOGUE)

#: The 18 technique names of the original PTC corpus (2019 release).
PTC_V1_NAMES: tuple[str, ...] = tuple(_DATA["ptc_v1_names"])

#: The 23 technique names of SemEval-2023 Task 3, subtask 3.
SEMEVAL2023_NAMES: tuple[str, ...] = tuple(_DATA["semeval2023_names"])

#: Names with no SemEval-2020 counterpart, with the reason.
UNMAPPED: Mapping[str, str] = MappingProxyType(dict(_DATA["unmapped"]))

#: Mappings that are many-to-one (merged) or only approximate, with the reason.
#: Plain renames (e.g. Conversation_Killer, False_Dilemma-No_Choice) are not listed.
LOSSY: Mapping[str, str] = MappingProxyType(dict(_DATA["lossy"]))

#: PTC-v1 name -> SemEval-2020 name (``None``: no counterpart, see ``UNMAPPED``).
PTC_V1_TO_SEMEVAL2020: Mapping[str, str | None] = MappingProxyType(
    {
        **{n: t.name for t in CATALOGUE for n in t.ptc_v1},
        **{n: None for n in PTC_V1_NAMES if n in UNMAPPED},
    }
)

#: SemEval-2023 name -> SemEval-2020 name (``None``: no counterpart, see ``UNMAPPED``).
SEMEVAL2023_TO_SEMEVAL2020: Mapping[str, str | None] = MappingProxyType(
    {
        **{n: t.name for t in CATALOGUE for n in t.semeval2023},
        **{n: None for n in SEMEVAL2023_NAMES if n in UNMAPPED},
    }
)

del _DATA


def catalogue_rows() -> list[dict[str, str]]:
    """One dict per technique, in official order, for tables and the CLI.

    Keys: ``id``, ``name``, ``display``, ``definition``, ``example``, ``color``.
    Usage: ``[r["display"] for r in catalogue_rows()]``.
    """
    keys = ("id", "name", "display", "definition", "example", "color")
    return [{k: getattr(t, k) for k in keys} for t in CATALOGUE]
