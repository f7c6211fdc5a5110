"""Tests of the word-level lexical tagger mixed into the default model's span identification."""

from __future__ import annotations

import numpy as np
import pytest

from propscan.document import Document
from propscan.errors import NotFittedError
from propscan.models.lexical import FEATURE_SLOTS, LexicalTagger, word_feature_ids
from propscan.models.transformer.decode import mix_inside

# Our own toy corpus: the "propaganda" words are the insults; everything else is plain reporting.
_PLAIN = [
    "The committee met on Tuesday to review the budget for the new library.",
    "Officials said the road will reopen after repairs next month.",
    "The report lists the number of visitors to the museum in spring.",
]
_INSULTS = ["traitors", "crooks", "cowards", "parasites"]


def _corpus() -> tuple[list[Document], dict[str, list]]:
    docs, gold = [], {}
    for i in range(12):
        insult = _INSULTS[i % len(_INSULTS)]
        text = f"{_PLAIN[i % 3]} Critics said the ministers are {insult} and liars. {_PLAIN[(i + 1) % 3]}"
        doc = Document(text, id=f"d{i}")
        s = text.index(insult)
        docs.append(doc)
        gold[doc.id] = [doc.span(s, s + len(insult), "Name_Calling,Labeling")]
    return docs, gold


def test_feature_ids_depend_on_exactly_the_context_they_name() -> None:
    slot = {name: i for i, name in enumerate(FEATURE_SLOTS)}
    toks, a = word_feature_ids("They are liars and cowards.", bits=18)
    _, b = word_feature_ids("They are liars or cowards!", bits=18)
    assert [t.text for t in toks] == ["They", "are", "liars", "and", "cowards", "."]
    assert a.shape == (6, len(FEATURE_SLOTS)) and a.min() >= 0 and a.max() < 2**18
    # "liars": only what sees the next word ("and" -> "or") or the sentence's '!' changes
    changed = {name for name, i in slot.items() if a[2, i] != b[2, i]}
    assert changed == {"word+1", "bigram+", "trigram", "sentence_marks"}
    # "They": the word two ahead is unchanged, so only the sentence marks differ
    assert {name for name, i in slot.items() if a[0, i] != b[0, i]} == {"sentence_marks"}
    assert len(set(a[2].tolist())) == len(FEATURE_SLOTS)  # slots hash apart
    assert word_feature_ids("   ", bits=18)[1].shape == (0, len(FEATURE_SLOTS))


def test_fitted_tagger_ranks_gold_words_above_plain_words() -> None:
    docs, gold = _corpus()
    lex = LexicalTagger(C=1.0).fit(docs, gold)
    text = "Critics said the ministers are traitors and liars. The committee met on Tuesday."
    toks, p = lex.word_probs(text)
    by_word = {t.text: q for t, q in zip(toks, p)}
    assert by_word["traitors"] > 0.5 > by_word["committee"]
    # character offsets map onto the covering word; between words the probability is 0
    at = lex.probs_at(text, np.array([text.index("traitors") + 3, text.index(" and")]))
    assert at[0] == pytest.approx(by_word["traitors"]) and at[1] == 0.0


def test_array_roundtrip_is_exact() -> None:
    docs, gold = _corpus()
    lex = LexicalTagger(C=1.0, bits=12).fit(docs, gold)
    again = LexicalTagger.from_arrays(lex.to_arrays())
    assert again.bits == 12
    _, p1 = lex.word_probs(docs[0].text)
    _, p2 = again.word_probs(docs[0].text)
    assert np.abs(p1 - p2).max() < 1e-5  # fit() keeps the int8-rounded weights that are saved


def test_unfitted_and_degenerate_inputs_are_refused() -> None:
    with pytest.raises(NotFittedError):
        LexicalTagger().word_probs("Some text.")
    docs, _ = _corpus()
    with pytest.raises(ValueError, match="inside and outside"):
        LexicalTagger().fit(docs, {})


def test_mixing_moves_inside_probability_and_keeps_rows_normalised() -> None:
    probs = np.array([[0.9, 0.05, 0.05], [0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])
    lexical = np.array([0.9, 0.0, 0.6])
    out = mix_inside(probs, lexical, 0.4)
    inside = out[:, 1] + out[:, 2]
    assert inside == pytest.approx([0.6 * 0.1 + 0.4 * 0.9, 0.6 * 0.8, 0.4 * 0.6])
    assert out.sum(1) == pytest.approx(np.ones(3))
    assert out[1, 1] / out[1, 2] == pytest.approx(0.5 / 0.3)  # B:I ratio kept
    assert mix_inside(probs, lexical, 0.0) is probs and mix_inside(probs, None, 0.4) is probs
