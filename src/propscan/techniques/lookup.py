"""Finding a technique by any spelling, mapping other taxonomies onto SemEval-2020, and how to show one.

Every layer resolves technique names here (:func:`resolve` for input, :func:`get` for lookups),
and every view asks :func:`display_name`, :func:`colour` and :func:`abbreviation` how to show a
label, so a label outside the catalogue (an old model's, a typo in a stored file) is shown the
same way in the HTML report, the terminal, the corpus report and the web app.

>>> from propscan.techniques.lookup import get, display_name, colour
>>> get("loaded language").name, display_name("Mystery_Label"), colour("Mystery_Label")
('Loaded_Language', 'Mystery Label', '#d9d9d9')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from propscan.errors import InputError
from propscan.techniques.catalogue import (
    CATALOGUE,
    IDS,
    NAMES,
    PTC_V1_NAMES,
    PTC_V1_TO_SEMEVAL2020,
    SEMEVAL2023_NAMES,
    SEMEVAL2023_TO_SEMEVAL2020,
    Technique,
)

#: highlight colour of a label outside the catalogue (grey: it names no known technique)
OTHER_COLOUR = "#d9d9d9"
#: how a span without any technique label is named
UNLABELLED = "Unlabelled"

_SEPARATORS = re.compile(r"[\s_\-,]+")


def fold_name(name: str) -> str:
    """Lookup key: case, spaces, underscores, hyphens and commas do not matter.

    ``"Loaded_Language"``, ``"loaded language"``, ``"LOADED-LANGUAGE"`` and ``" Loaded  language "``
    all fold to ``"loaded language"``.
    """
    return " ".join(_SEPARATORS.sub(" ", name.casefold()).split())


_BY_ID: Mapping[str, Technique] = MappingProxyType({t.id: t for t in CATALOGUE})
_LOOKUP: Mapping[str, Technique] = MappingProxyType(
    {fold_name(key): t for t in CATALOGUE for key in (t.name, t.id, t.display)}
)
_PTC_V1_FOLD = {n.casefold(): n for n in PTC_V1_NAMES}
_SEMEVAL2023_FOLD = {n.casefold(): n for n in SEMEVAL2023_NAMES}


def _fail(what: str, value: object, valid: tuple[str, ...]) -> KeyError:
    return KeyError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")


def find(name: object) -> Technique | None:
    """The technique for a SemEval-2020 name, id or display name (any case or separator), else ``None``.

    >>> find("flag waving").id, find("Mystery"), find(None)
    ('flag_waving', None, None)
    """
    return _LOOKUP.get(fold_name(name)) if isinstance(name, str) else None


def get(name: str) -> Technique:
    """Return the technique for a SemEval-2020 name, id or display name.

    Matching ignores case, surrounding whitespace, and whether words are separated by spaces,
    underscores or hyphens. Usage:
    ``get("Loaded_Language") is get("loaded_language") is get("Loaded language") is get("loaded-language")``.

    Raises
    ------
    KeyError
        If ``name`` matches nothing; the message lists the valid names.
    """
    t = find(name)
    if t is None:
        raise _fail("technique", name, NAMES)
    return t


# ---- how a label is shown: the one rule for catalogue and unknown labels alike ----------------


def display_name(name: object) -> str:
    """The display name (``"Loaded language"``) for any accepted spelling of a technique.

    The one naming for people: reports, charts and pages show this, files keep SemEval names.
    An unknown label is shown as is, underscores as spaces; no label at all as ``Unlabelled``.

    >>> display_name("Loaded_Language"), display_name("Mystery_Label"), display_name(None)
    ('Loaded language', 'Mystery Label', 'Unlabelled')
    """
    t = find(name)
    if t is not None:
        return t.display
    return str(name).replace("_", " ") if name else UNLABELLED


def colour(name: object) -> str:
    """The highlight colour (``#rrggbb``) of a technique; :data:`OTHER_COLOUR` for an unknown label.

    >>> colour("loaded_language"), colour("Mystery")
    ('#ffffb3', '#d9d9d9')
    """
    t = find(name)
    return t.color if t is not None else OTHER_COLOUR


def abbreviation(name: object) -> str:
    """The short label printed after a span: the catalogue's, else the label's first six letters.

    >>> abbreviation("Loaded_Language"), abbreviation("mystery label"), abbreviation("42")
    ('LOAD', 'MYSTER', '?')
    """
    t = find(name)
    if t is not None:
        return t.abbr
    return re.sub(r"[^A-Za-z]", "", str(name) if name else UNLABELLED)[:6].upper() or "?"


# ---- resolving user input --------------------------------------------------------------------

#: how a command-line user sees the valid technique names (used in error messages)
LIST_HINT = "run 'propscan techniques' to see the valid names"


class UnknownTechniqueError(InputError):
    """A technique name that matches none of the 14 techniques (one line, says where to look).

    Usage: ``raise UnknownTechniqueError(["Shouting"])``.
    """

    def __init__(self, unknown: Sequence[object], hint: str = LIST_HINT) -> None:
        self.unknown = list(unknown)
        what = "technique" if len(self.unknown) == 1 else "techniques"
        super().__init__(
            f"unknown {what} {', '.join(map(repr, self.unknown))}; {hint} "
            "(SemEval names like Loaded_Language and display names like 'Loaded language' both work)."
        )


def resolve(name: str, *, hint: str = LIST_HINT) -> str:
    """The SemEval-2020 name for any accepted spelling of a technique.

    This is the one resolver every entry point (CLI ``--technique``, the REST API's
    ``techniques`` field, the corpus report) uses. It accepts SemEval names
    (``Loaded_Language``), ids (``loaded_language``) and display names (``Loaded language``),
    in any case and with spaces, underscores or hyphens between words.

    >>> resolve("loaded language"), resolve("NAME-CALLING, LABELING")
    ('Loaded_Language', 'Name_Calling,Labeling')

    Raises
    ------
    UnknownTechniqueError
        An :class:`~propscan.errors.InputError` whose one-line message says how to list the names.
    """
    t = find(name)
    if t is None:
        raise UnknownTechniqueError([name], hint)
    return t.name


def resolve_names(names: Iterable[str] | None, *, hint: str = LIST_HINT) -> list[str] | None:
    """:func:`resolve` each name, dropping duplicates (order kept); ``None`` stays ``None``.

    Every unknown name is reported in one error, not only the first.

    >>> resolve_names(["Doubt", "doubt", "flag waving"])
    ['Doubt', 'Flag-Waving']
    """
    if names is None:
        return None
    out: list[str] = []
    bad: list[str] = []
    for n in names:
        t = find(n)
        if t is None:
            bad.append(n)
        elif t.name not in out:
            out.append(t.name)
    if bad:
        raise UnknownTechniqueError(bad, hint)
    return out


def by_id(technique_id: str) -> Technique:
    """Return the technique with this exact stable id (e.g. ``"doubt"``).

    Usage: ``by_id("flag_waving").name == "Flag-Waving"``. Raises ``KeyError`` listing the ids.
    """
    try:
        return _BY_ID[technique_id]
    except (KeyError, TypeError):
        raise _fail("technique id", technique_id, IDS) from None


def is_technique(name: str) -> bool:
    """True if ``name`` is exactly one of the 14 SemEval-2020 technique names.

    Usage: ``is_technique("Doubt")`` is True; ids and display names are not accepted here.
    """
    return name in NAMES


# ---- other taxonomies --------------------------------------------------------------------------


def from_ptc_v1(name: str) -> str | None:
    """Map a PTC-v1 (18-technique) name to its SemEval-2020 name.

    Case-insensitive. Returns ``None`` for a known name with no counterpart
    (see ``UNMAPPED``). Usage: ``from_ptc_v1("Straw_Men")`` ->
    ``"Whataboutism,Straw_Men,Red_Herring"``.

    Raises
    ------
    KeyError
        If ``name`` is not a PTC-v1 name.
    """
    canonical = _PTC_V1_FOLD.get(name.strip().casefold()) if isinstance(name, str) else None
    if canonical is None:
        raise _fail("PTC-v1 technique", name, PTC_V1_NAMES)
    return PTC_V1_TO_SEMEVAL2020[canonical]


def from_semeval2023(name: str) -> str | None:
    """Map a SemEval-2023 Task 3 technique name to its SemEval-2020 name.

    Case-insensitive. Returns ``None`` for a known name with no counterpart
    (see ``UNMAPPED``); many-to-one and approximate choices are in ``LOSSY``.
    Usage: ``from_semeval2023("Conversation_Killer")`` -> ``"Thought-terminating_Cliches"``.

    Raises
    ------
    KeyError
        If ``name`` is not a SemEval-2023 name.
    """
    canonical = _SEMEVAL2023_FOLD.get(name.strip().casefold()) if isinstance(name, str) else None
    if canonical is None:
        raise _fail("SemEval-2023 technique", name, SEMEVAL2023_NAMES)
    return SEMEVAL2023_TO_SEMEVAL2020[canonical]


def to_semeval2023(name: str) -> tuple[str, ...]:
    """SemEval-2023 names that map onto a SemEval-2020 technique (name, id or display).

    The first element is the direct successor. Usage: ``to_semeval2023("Doubt")`` ->
    ``("Doubt", "Questioning_the_Reputation")``. Raises ``KeyError`` like :func:`get`.
    """
    return get(name).semeval2023
