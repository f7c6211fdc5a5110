"""Tests for propscan.techniques: catalogue, lookups, colours and taxonomy mappings."""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from propscan import techniques as T

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "techniques.md"

# Frozen on purpose: ids are a stable contract (saved files, URLs). Changing one must break this test.
EXPECTED_IDS = (
    "appeal_to_authority",
    "appeal_to_fear_prejudice",
    "bandwagon_reductio_ad_hitlerum",
    "black_and_white_fallacy",
    "causal_oversimplification",
    "doubt",
    "exaggeration_minimisation",
    "flag_waving",
    "loaded_language",
    "name_calling_labeling",
    "repetition",
    "slogans",
    "thought_terminating_cliches",
    "whataboutism_straw_men_red_herring",
)


def _data_dir() -> Path | None:
    env = os.environ.get("PROPSCAN_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data" / "ptc-semeval2020"]:
        if cand.is_dir():
            return cand
    if os.environ.get("CI") == "true":
        pytest.fail("PTC data folder not found (set PROPSCAN_DATA); required when CI=true")
    pytest.skip("PTC data folder not found")
    return None  # pragma: no cover


# --------------------------------------------------------------------------- names and counts


def test_names_match_official_file():
    names_file = _data_dir() / "propaganda-techniques-names-semeval2020task11.txt"
    official = tuple(line.strip() for line in names_file.read_text(encoding="utf-8").splitlines() if line.strip())
    assert T.NAMES == official


def test_counts_and_uniqueness():
    assert len(T.CATALOGUE) == len(T.NAMES) == 14
    assert len(T.PTC_V1_NAMES) == len(set(T.PTC_V1_NAMES)) == 18
    assert len(T.SEMEVAL2023_NAMES) == len(set(T.SEMEVAL2023_NAMES)) == 23
    assert len(set(T.NAMES)) == 14
    assert T.NAMES == tuple(t.name for t in T.CATALOGUE)
    assert T.NAMES == tuple(sorted(T.NAMES))  # the official order happens to be alphabetical


def test_ids_unique_slug_and_stable():
    assert T.IDS == EXPECTED_IDS
    assert len(set(T.IDS)) == 14
    for i in T.IDS:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i), i


def test_display_names_unique_and_distinct_from_other_keys():
    displays = [t.display.casefold() for t in T.CATALOGUE]
    assert len(set(displays)) == 14
    # every lookup key must point to exactly one technique
    keys = Counter(k for t in T.CATALOGUE for k in {t.name.casefold(), t.id, t.display.casefold()})
    assert max(keys.values()) == 1


def test_technique_is_frozen():
    t = T.get("Doubt")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.name = "Other"  # type: ignore[misc]


# --------------------------------------------------------------------------- text fields


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


@pytest.mark.parametrize("t", T.CATALOGUE, ids=lambda t: t.id)
def test_text_fields(t):
    assert 2 <= _sentences(t.definition) <= 3, t.definition
    assert t.definition == t.definition.strip() and "  " not in t.definition
    assert t.example and len(t.example) <= 120
    assert t.example[-1] in ".!?"
    assert t.cue_hint and len(t.cue_hint) <= 80 and "\n" not in t.cue_hint
    assert t.display[0].isupper()


def test_examples_are_not_corpus_text():
    root = _data_dir()
    examples = [t.example for t in T.CATALOGUE]
    for folder in ("train-articles", "dev-articles"):
        for f in sorted((root / folder).glob("*.txt")):
            text = f.read_text(encoding="utf-8")
            for ex in examples:
                assert ex not in text, f"example found verbatim in {f.name}: {ex!r}"


# --------------------------------------------------------------------------- colours


def _luminance(hex_colour: str) -> float:
    def chan(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * chan(r) + 0.7152 * chan(g) + 0.0722 * chan(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    def chan(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (chan(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(v: float) -> float:
        return v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_contrast_helper_is_correct():
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_colours_valid_unique_accessible_and_distinct():
    colours = [t.color for t in T.CATALOGUE]
    for c in colours:
        assert re.fullmatch(r"#[0-9a-f]{6}", c), c
        assert _contrast(c, "#111111") >= 4.5, c
    assert len(set(colours)) == 14
    # CIE76 delta-E between any two colours: >= 15 is clearly distinguishable side by side.
    worst = min(
        (sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b))) ** 0.5, a, b)
        for a, b in itertools.combinations(colours, 2)
    )
    assert worst[0] >= 15, worst


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize("t", T.CATALOGUE, ids=lambda t: t.id)
def test_get_round_trips(t):
    assert T.get(t.id).name == t.name
    assert T.get(t.name) is t
    assert T.get(t.display) is t
    assert T.get(t.id.upper()) is t
    assert T.get(f"  {t.name.lower()}  ") is t
    assert T.by_id(t.id) is t
    assert T.is_technique(t.name)


def test_get_unknown_raises_with_valid_names():
    with pytest.raises(KeyError) as exc:
        T.get("Appeal_to_Time")
    msg = str(exc.value)
    assert "Appeal_to_Time" in msg
    for name in T.NAMES:
        assert name in msg
    with pytest.raises(KeyError):
        T.get("")
    with pytest.raises(KeyError):
        T.get(None)  # type: ignore[arg-type]


def test_by_id_is_strict_and_is_technique_exact():
    with pytest.raises(KeyError, match="loaded_language"):
        T.by_id("Loaded_Language")
    assert not T.is_technique("loaded_language")
    assert not T.is_technique("Loaded language")
    assert not T.is_technique("Straw_Men")


# --------------------------------------------------------------------------- mappings


def test_every_ptc_v1_name_mapped_or_documented_unmapped():
    for n in T.PTC_V1_NAMES:
        target = T.from_ptc_v1(n)
        if target is None:
            assert n in T.UNMAPPED, n
        else:
            assert T.is_technique(target), (n, target)
            assert n in T.get(target).ptc_v1
    assert T.from_ptc_v1("Obfuscation,Intentional_Vagueness,Confusion") is None
    assert T.from_ptc_v1("straw_men") == "Whataboutism,Straw_Men,Red_Herring"
    assert T.from_ptc_v1("Bandwagon") == T.from_ptc_v1("Reductio_ad_hitlerum") == "Bandwagon,Reductio_ad_hitlerum"


def test_every_semeval2023_name_mapped_or_documented_unmapped():
    for n in T.SEMEVAL2023_NAMES:
        target = T.from_semeval2023(n)
        if target is None:
            assert n in T.UNMAPPED, n
        else:
            assert T.is_technique(target), (n, target)
            assert n in T.to_semeval2023(target)
    assert T.from_semeval2023("Appeal_to_Time") is None
    assert T.from_semeval2023("Obfuscation-Vagueness-Confusion") is None
    assert T.from_semeval2023("Conversation_Killer") == "Thought-terminating_Cliches"
    assert T.from_semeval2023("Appeal_to_Hypocrisy") == "Whataboutism,Straw_Men,Red_Herring"
    assert T.from_semeval2023("Questioning_the_Reputation") == "Doubt"
    assert T.from_semeval2023("Guilt_by_Association") == "Bandwagon,Reductio_ad_hitlerum"


def test_unmapped_is_exactly_the_none_results():
    none_ptc = {n for n in T.PTC_V1_NAMES if T.from_ptc_v1(n) is None}
    none_23 = {n for n in T.SEMEVAL2023_NAMES if T.from_semeval2023(n) is None}
    assert set(T.UNMAPPED) == none_ptc | none_23
    assert none_ptc == {"Obfuscation,Intentional_Vagueness,Confusion"}
    assert none_23 == {"Obfuscation-Vagueness-Confusion", "Appeal_to_Time"}


def test_catalogue_fields_partition_the_other_taxonomies():
    covered_ptc = [n for t in T.CATALOGUE for n in t.ptc_v1]
    covered_23 = [n for t in T.CATALOGUE for n in t.semeval2023]
    assert len(covered_ptc) == len(set(covered_ptc))
    assert len(covered_23) == len(set(covered_23))
    assert set(covered_ptc) | set(T.UNMAPPED) >= set(T.PTC_V1_NAMES)
    assert set(covered_ptc) <= set(T.PTC_V1_NAMES)
    assert set(covered_23) | set(T.UNMAPPED) >= set(T.SEMEVAL2023_NAMES)
    assert set(covered_23) <= set(T.SEMEVAL2023_NAMES)
    for t in T.CATALOGUE:
        assert t.ptc_v1 and t.semeval2023, t.id  # every 2020 technique has a predecessor and a successor


def test_many_to_one_sources_are_documented():
    for source_names, mapper in ((T.PTC_V1_NAMES, T.from_ptc_v1), (T.SEMEVAL2023_NAMES, T.from_semeval2023)):
        groups: dict[str, list[str]] = {}
        for n in source_names:
            if (target := mapper(n)) is not None:
                groups.setdefault(target, []).append(n)
        for target, sources in groups.items():
            if len(sources) > 1:
                undocumented = [s for s in sources if s not in T.LOSSY]
                assert len(undocumented) <= 1, (target, undocumented)
    for n in T.LOSSY:
        assert n in T.PTC_V1_NAMES or n in T.SEMEVAL2023_NAMES, n
        assert n not in T.UNMAPPED


def test_to_semeval2023_accepts_any_key_and_inverts_from():
    assert T.to_semeval2023("Doubt") == ("Doubt", "Questioning_the_Reputation")
    assert T.to_semeval2023("flag_waving") == T.to_semeval2023("Flag-waving") == ("Flag_Waving", "Appeal_to_Values")
    for t in T.CATALOGUE:
        for n in T.to_semeval2023(t.id):
            assert T.from_semeval2023(n) == t.name
    with pytest.raises(KeyError):
        T.to_semeval2023("Appeal_to_Time")


def test_mapping_functions_reject_unknown_names():
    with pytest.raises(KeyError, match="Straw_Men"):
        T.from_ptc_v1("Straw_Man")  # 2023 spelling is not a PTC-v1 name
    with pytest.raises(KeyError, match="Straw_Man"):
        T.from_semeval2023("Straw_Men")
    with pytest.raises(KeyError):
        T.from_semeval2023("Bandwagon,Reductio_ad_hitlerum")


# --------------------------------------------------------------------------- rows and docs


def test_catalogue_rows():
    rows = T.catalogue_rows()
    assert [r["name"] for r in rows] == list(T.NAMES)
    assert all(list(r) == ["id", "name", "display", "definition", "example", "color"] for r in rows)
    assert rows[8] == {
        "id": "loaded_language",
        "name": "Loaded_Language",
        "display": T.get("Loaded_Language").display,
        "definition": T.get("Loaded_Language").definition,
        "example": T.get("Loaded_Language").example,
        "color": T.get("Loaded_Language").color,
    }
    rows[0]["name"] = "changed"
    assert T.catalogue_rows()[0]["name"] == "Appeal_to_Authority"  # fresh dicts each call


def _table_rows(text: str, header: str) -> dict[str, str]:
    """First two backticked cells of each row in the table whose header starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    out = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0].strip("`")] = cells[1].strip("`")
    return out


def test_docs_mapping_tables_match_code():
    text = DOCS.read_text(encoding="utf-8")
    ptc = _table_rows(text, "| PTC-v1 name |")
    s23 = _table_rows(text, "| SemEval-2023 name |")
    assert ptc == {n: (T.from_ptc_v1(n) or "—") for n in T.PTC_V1_NAMES}
    assert s23 == {n: (T.from_semeval2023(n) or "—") for n in T.SEMEVAL2023_NAMES}
    main = text.split("## The 14 SemEval-2020 techniques", 1)[1]
    for t in T.CATALOGUE:
        assert f"`{t.name}` | `{t.id}` | {t.display} | `{t.color}`" in main, t.id
        assert t.definition in main and t.example in main
    notes = text.split("## Notes on each lossy or unmapped choice", 1)[1]
    for n in list(T.UNMAPPED) + list(T.LOSSY):
        assert f"`{n}`" in notes, n
