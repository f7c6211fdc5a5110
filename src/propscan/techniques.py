"""The propaganda technique catalogue and the mappings between taxonomies.

propscan labels spans with the 14 technique names of SemEval-2020 Task 11
(the PTC corpus). This module holds, for each of them, a stable id, a display
name, a plain-English definition, an invented example, a highlight colour and a
hint on what to look for, plus the mappings to and from two related
taxonomies: the 18 techniques of the original PTC release (PTC-v1, 2019) and
the 23 techniques of SemEval-2023 Task 3, subtask 3.

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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from propscan.errors import InputError

__all__ = [
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
    "resolve",
    "resolve_names",
    "display_name",
    "UnknownTechniqueError",
    "LIST_HINT",
    "by_id",
    "is_technique",
    "from_ptc_v1",
    "from_semeval2023",
    "to_semeval2023",
    "catalogue_rows",
]


@dataclass(frozen=True)
class Technique:
    """One SemEval-2020 propaganda technique.

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


# ---------------------------------------------------------------------------
# Other taxonomies
# ---------------------------------------------------------------------------

#: The 18 technique names of the original PTC corpus (2019 release).
PTC_V1_NAMES: tuple[str, ...] = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Exaggeration,Minimisation",
    "Doubt",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Whataboutism",
    "Reductio_ad_hitlerum",
    "Red_Herring",
    "Bandwagon",
    "Obfuscation,Intentional_Vagueness,Confusion",
    "Straw_Men",
)

#: The 23 technique names of SemEval-2023 Task 3, subtask 3.
SEMEVAL2023_NAMES: tuple[str, ...] = (
    "Appeal_to_Authority",
    "Appeal_to_Popularity",
    "Appeal_to_Values",
    "Appeal_to_Fear-Prejudice",
    "Flag_Waving",
    "Causal_Oversimplification",
    "False_Dilemma-No_Choice",
    "Consequential_Oversimplification",
    "Straw_Man",
    "Red_Herring",
    "Whataboutism",
    "Slogans",
    "Appeal_to_Time",
    "Conversation_Killer",
    "Loaded_Language",
    "Repetition",
    "Exaggeration-Minimisation",
    "Obfuscation-Vagueness-Confusion",
    "Name_Calling-Labeling",
    "Doubt",
    "Guilt_by_Association",
    "Appeal_to_Hypocrisy",
    "Questioning_the_Reputation",
)

# ---------------------------------------------------------------------------
# The catalogue, in the official SemEval-2020 order
# ---------------------------------------------------------------------------

CATALOGUE: tuple[Technique, ...] = (
    Technique(
        id="appeal_to_authority",
        name="Appeal_to_Authority",
        display="Appeal to authority",
        definition=(
            "Treats a claim as settled because an expert, official or famous figure backs it, "
            "instead of showing the evidence. The cited source may be real or vague, and may even "
            "be the speaker presenting themselves as the authority."
        ),
        example="Top scientists all agree the new diet works, so there is nothing left to argue about.",
        color="#80b1d3",
        cue_hint="'experts say', titles and credentials offered as proof",
        ptc_v1=("Appeal_to_Authority",),
        semeval2023=("Appeal_to_Authority",),
    ),
    Technique(
        id="appeal_to_fear_prejudice",
        name="Appeal_to_fear-prejudice",
        display="Appeal to fear or prejudice",
        definition=(
            "Wins support by making the audience afraid of something, or by feeding a dislike they "
            "already hold, rather than by argument. It often paints a frightening picture of what "
            "happens if the reader does not agree."
        ),
        example="If this bill passes, no family in the county will be safe in their own home.",
        color="#fb8072",
        cue_hint="threats, danger, alarm about 'them' or what will happen",
        ptc_v1=("Appeal_to_fear-prejudice",),
        semeval2023=("Appeal_to_Fear-Prejudice",),
    ),
    Technique(
        id="bandwagon_reductio_ad_hitlerum",
        name="Bandwagon,Reductio_ad_hitlerum",
        display="Bandwagon or guilt by association",
        definition=(
            "Judges an idea by who else holds it. The bandwagon form urges you to join because "
            "'everyone' already has; the reverse form (reductio ad Hitlerum) rejects an idea because "
            "a despised group or person supports it."
        ),
        example="Millions of smart shoppers have already switched, so why are you still waiting?",
        color="#bc80bd",
        cue_hint="'everyone is', crowds, or a hated group linked to the idea",
        ptc_v1=("Bandwagon", "Reductio_ad_hitlerum"),
        semeval2023=("Appeal_to_Popularity", "Guilt_by_Association"),
    ),
    Technique(
        id="black_and_white_fallacy",
        name="Black-and-White_Fallacy",
        display="Black-and-white fallacy",
        definition=(
            "Presents only two options as if no others existed, usually one good and one terrible. "
            "It includes the demand that the audience pick a side, as in 'with us or against us'."
        ),
        example="Either we close the border tomorrow or we accept the end of our town.",
        color="#bebada",
        cue_hint="'either ... or', only two choices, no middle ground",
        ptc_v1=("Black-and-White_Fallacy",),
        semeval2023=("False_Dilemma-No_Choice",),
    ),
    Technique(
        id="causal_oversimplification",
        name="Causal_Oversimplification",
        display="Causal oversimplification",
        definition=(
            "Blames a complicated problem on one single cause, or credits one single cause for a "
            "success, when many factors were involved. It often points at a convenient culprit."
        ),
        example="Prices went up for one reason only: the new mayor moved into city hall.",
        color="#fdb462",
        cue_hint="one cause for a complex outcome, 'all because of'",
        ptc_v1=("Causal_Oversimplification",),
        semeval2023=("Causal_Oversimplification", "Consequential_Oversimplification"),
    ),
    Technique(
        id="doubt",
        name="Doubt",
        display="Doubt",
        definition=(
            "Tries to make the audience distrust a person, group or claim by raising suspicion "
            "rather than showing evidence. Leading questions and insinuations are typical."
        ),
        example="Can we really trust a council that keeps changing its story about the water supply?",
        color="#ccebc5",
        cue_hint="insinuating questions, 'can we really trust'",
        ptc_v1=("Doubt",),
        semeval2023=("Doubt", "Questioning_the_Reputation"),
    ),
    Technique(
        id="exaggeration_minimisation",
        name="Exaggeration,Minimisation",
        display="Exaggeration or minimisation",
        definition=(
            "Makes something sound much bigger, better or worse than it is, or plays down something "
            "serious as if it hardly mattered. The size of the claim goes beyond what the facts support."
        ),
        example="The new parking rule is the greatest attack on freedom in the history of the world.",
        color="#ffed6f",
        cue_hint="superlatives, 'the worst ever', or 'just a little'",
        ptc_v1=("Exaggeration,Minimisation",),
        semeval2023=("Exaggeration-Minimisation",),
    ),
    Technique(
        id="flag_waving",
        name="Flag-Waving",
        display="Flag-waving",
        definition=(
            "Justifies an idea by appealing to pride in a group the audience belongs to, such as a "
            "nation, party, faith or community. Supporting the idea is framed as what a loyal "
            "member of the group does."
        ),
        example="Any true patriot will stand behind this plan without asking questions.",
        color="#8dd3c7",
        cue_hint="national or group pride, 'true patriots', 'our values'",
        ptc_v1=("Flag-Waving",),
        semeval2023=("Flag_Waving", "Appeal_to_Values"),
    ),
    Technique(
        id="loaded_language",
        name="Loaded_Language",
        display="Loaded language",
        definition=(
            "Uses words and phrases chosen for their strong emotional charge, positive or negative, "
            "to sway the reader. The same fact could be stated neutrally, but the wording carries "
            "a judgement."
        ),
        example="The reckless scheme will devastate our peaceful little village.",
        color="#ffffb3",
        cue_hint="emotionally charged adjectives and verbs",
        ptc_v1=("Loaded_Language",),
        semeval2023=("Loaded_Language",),
    ),
    Technique(
        id="name_calling_labeling",
        name="Name_Calling,Labeling",
        display="Name calling or labelling",
        definition=(
            "Attaches a label to a person or group so the audience will dislike or admire them, "
            "without discussing what they actually did or said. The label stands in for an argument."
        ),
        example="The so-called experts on the zoning board have struck again.",
        color="#fccde5",
        cue_hint="insulting or flattering labels for people and groups",
        ptc_v1=("Name_Calling,Labeling",),
        semeval2023=("Name_Calling-Labeling",),
    ),
    Technique(
        id="repetition",
        name="Repetition",
        display="Repetition",
        definition=(
            "Says the same message again and again so that it sticks and starts to feel true. "
            "Each occurrence is marked, not only the first one."
        ),
        example="The plan is a failure. A failure for workers, a failure for parents, a failure for all.",
        color="#e5c494",
        cue_hint="the same phrase or claim recurring",
        ptc_v1=("Repetition",),
        semeval2023=("Repetition",),
    ),
    Technique(
        id="slogans",
        name="Slogans",
        display="Slogans",
        definition=(
            "A short, catchy phrase that packs a position into a few memorable words. It works on "
            "feeling and recall rather than reasoning, and often ends up on banners."
        ),
        example="Clean streets, safe streets, our streets!",
        color="#b3de69",
        cue_hint="short, punchy, chantable phrases",
        ptc_v1=("Slogans",),
        semeval2023=("Slogans",),
    ),
    Technique(
        id="thought_terminating_cliches",
        name="Thought-terminating_Cliches",
        display="Thought-terminating cliches",
        definition=(
            "A stock phrase that cuts a discussion short and discourages further thought. It sounds "
            "like wisdom but offers no reason, so questions seem pointless."
        ),
        example="Rules are rules, and that is the end of it.",
        color="#7fc97f",
        cue_hint="'it is what it is', 'enough said', stock phrases that end debate",
        ptc_v1=("Thought-terminating_Cliches",),
        semeval2023=("Conversation_Killer",),
    ),
    Technique(
        id="whataboutism_straw_men_red_herring",
        name="Whataboutism,Straw_Men,Red_Herring",
        display="Whataboutism, straw man or red herring",
        definition=(
            "Avoids the real argument. Whataboutism answers criticism by pointing at the critic's "
            "own faults, a straw man attacks a distorted version of the opposing view, and a red "
            "herring changes the subject to something irrelevant."
        ),
        example="They complain about our budget, but what about the fountain they built ten years ago?",
        color="#f4a6a6",
        cue_hint="'what about', distorted opposing views, sudden topic changes",
        ptc_v1=("Whataboutism", "Straw_Men", "Red_Herring"),
        semeval2023=("Whataboutism", "Appeal_to_Hypocrisy", "Straw_Man", "Red_Herring"),
    ),
)

#: The 14 SemEval-2020 technique names, in the official order.
NAMES: tuple[str, ...] = tuple(t.name for t in CATALOGUE)

#: The stable ids, in the same order as ``NAMES``.
IDS: tuple[str, ...] = tuple(t.id for t in CATALOGUE)

# ---------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------

#: Names with no SemEval-2020 counterpart, with the reason.
UNMAPPED: Mapping[str, str] = MappingProxyType(
    {
        "Obfuscation,Intentional_Vagueness,Confusion": (
            "PTC-v1: dropped from SemEval-2020 (too rare and too hard to annotate consistently); "
            "no SemEval-2020 label covers deliberately unclear wording."
        ),
        "Obfuscation-Vagueness-Confusion": (
            "SemEval-2023: same technique as PTC-v1 Obfuscation, which SemEval-2020 dropped."
        ),
        "Appeal_to_Time": (
            "SemEval-2023: urgency ('now or never') was not a SemEval-2020 technique; such text "
            "was labelled inconsistently (Slogans, Loaded_Language, Appeal_to_fear-prejudice or "
            "nothing), so no single target is honest."
        ),
    }
)

#: Mappings that are many-to-one (merged) or only approximate, with the reason.
#: Plain renames (e.g. Conversation_Killer, False_Dilemma-No_Choice) are not listed.
LOSSY: Mapping[str, str] = MappingProxyType(
    {
        "Bandwagon": "PTC-v1: merged with Reductio_ad_hitlerum into one SemEval-2020 class.",
        "Reductio_ad_hitlerum": "PTC-v1: merged with Bandwagon into one SemEval-2020 class.",
        "Whataboutism": "PTC-v1/SemEval-2023: merged with Straw_Men and Red_Herring into one SemEval-2020 class.",
        "Straw_Men": "PTC-v1: merged with Whataboutism and Red_Herring into one SemEval-2020 class.",
        "Red_Herring": "PTC-v1/SemEval-2023: merged with Whataboutism and Straw_Men into one SemEval-2020 class.",
        "Straw_Man": "SemEval-2023: SemEval-2020 merged it with Whataboutism and Red_Herring.",
        "Appeal_to_Popularity": "SemEval-2023: the new name for Bandwagon, which SemEval-2020 merged with Reductio_ad_hitlerum.",
        "Guilt_by_Association": (
            "SemEval-2023: generalises Reductio_ad_hitlerum (linking an idea to a despised group "
            "or person), which SemEval-2020 merged with Bandwagon."
        ),
        "Appeal_to_Hypocrisy": (
            "SemEval-2023: split out of Whataboutism (attacking the critic as a hypocrite); "
            "SemEval-2020 defined Whataboutism to include exactly this."
        ),
        "Questioning_the_Reputation": (
            "SemEval-2023: split out of Doubt (attacks on a person's character rather than a claim); "
            "SemEval-2020 Doubt covered questioning the credibility of someone. Cases that work "
            "mainly through an insulting label would have been Name_Calling,Labeling instead."
        ),
        "Appeal_to_Values": (
            "SemEval-2023: new class (justifying an idea by values such as tradition, freedom or "
            "fairness). Closest SemEval-2020 class is Flag-Waving, which justifies an idea by the "
            "audience's group identity and what it holds dear; approximate."
        ),
        "Consequential_Oversimplification": (
            "SemEval-2023: new class (slippery slope: one step claimed to lead inevitably to a chain "
            "of consequences). Mapped to Causal_Oversimplification, the SemEval-2020 class for "
            "unjustified cause-effect claims; approximate (some cases read as Appeal_to_fear-prejudice)."
        ),
    }
)

PTC_V1_TO_SEMEVAL2020: Mapping[str, str | None] = MappingProxyType(
    {
        **{n: t.name for t in CATALOGUE for n in t.ptc_v1},
        **{n: None for n in PTC_V1_NAMES if n in UNMAPPED},
    }
)

SEMEVAL2023_TO_SEMEVAL2020: Mapping[str, str | None] = MappingProxyType(
    {
        **{n: t.name for t in CATALOGUE for n in t.semeval2023},
        **{n: None for n in SEMEVAL2023_NAMES if n in UNMAPPED},
    }
)

# ---------------------------------------------------------------------------
# Lookup
# ---------------------------------------------------------------------------

_BY_ID: Mapping[str, Technique] = MappingProxyType({t.id: t for t in CATALOGUE})


def _fold(name: str) -> str:
    """Lookup key: case, spaces, underscores, hyphens and commas do not matter.

    ``"Loaded_Language"``, ``"loaded language"``, ``"LOADED-LANGUAGE"`` and ``" Loaded  language "``
    all fold to ``"loaded language"``.
    """
    return " ".join(_SEPARATORS.sub(" ", name.casefold()).split())


_SEPARATORS = re.compile(r"[\s_\-,]+")
_LOOKUP: Mapping[str, Technique] = MappingProxyType(
    {_fold(key): t for t in CATALOGUE for key in (t.name, t.id, t.display)}
)
_PTC_V1_FOLD = {n.casefold(): n for n in PTC_V1_NAMES}
_SEMEVAL2023_FOLD = {n.casefold(): n for n in SEMEVAL2023_NAMES}


def _fail(what: str, value: object, valid: tuple[str, ...]) -> KeyError:
    return KeyError(f"unknown {what} {value!r}; valid: {', '.join(valid)}")


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
    if isinstance(name, str):
        t = _LOOKUP.get(_fold(name))
        if t is not None:
            return t
    raise _fail("technique", name, NAMES)


def display_name(name: str) -> str:
    """The display name (``"Loaded language"``) for any accepted spelling of a technique.

    The one naming for people: reports, charts and pages show this, files keep SemEval names.
    An unknown label is shown as is, underscores as spaces.

    >>> display_name("Loaded_Language"), display_name("Mystery_Label")
    ('Loaded language', 'Mystery Label')
    """
    t = _LOOKUP.get(_fold(name)) if isinstance(name, str) else None
    return t.display if t is not None else str(name).replace("_", " ")


#: how a command-line user sees the valid technique names (used in error messages)
LIST_HINT = "run 'propscan techniques' to see the valid names"


class UnknownTechniqueError(InputError):
    """A technique name that matches none of the 14 techniques (one line, says where to look)."""

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
    try:
        return get(name).name
    except KeyError:
        raise UnknownTechniqueError([name], hint) from None


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
        t = _LOOKUP.get(_fold(n)) if isinstance(n, str) else None
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


def catalogue_rows() -> list[dict[str, str]]:
    """One dict per technique, in official order, for tables and the CLI.

    Keys: ``id``, ``name``, ``display``, ``definition``, ``example``, ``color``.
    Usage: ``[r["display"] for r in catalogue_rows()]``.
    """
    return [
        {
            "id": t.id,
            "name": t.name,
            "display": t.display,
            "definition": t.definition,
            "example": t.example,
            "color": t.color,
        }
        for t in CATALOGUE
    ]
