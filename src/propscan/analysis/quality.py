"""Warnings that travel with a result when it may mislead: wrong language, too little text.

A clean-looking score on a German page or a photo caption is a silent failure; these checks make
it visible. Each warning is ``{"code", "message"}``; the CLI prints them on stderr, JSON carries
them in ``warnings``, the HTML report and web page show a banner.

>>> [w["code"] for w in check_document_text("Too short.")]
['too_short']
"""

from __future__ import annotations

import functools
import re
from typing import Any

#: below this many words a score says little (PTC articles have a few hundred)
MIN_WORDS = 80
#: language identification must be at least this sure before we say the text is not English
LANGUAGE_CONFIDENCE = 0.90
#: characters read for language identification (the opening of a long article is enough)
LANGUAGE_SAMPLE_CHARS = 5000
#: an extraction that keeps less than this share of a page's visible words is flagged
MIN_EXTRACTED_SHARE = 0.15

_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model, loaded once (a numpy archive shipped inside the package; no pickle)."""
    import py3langid.langid as langid

    return langid.LanguageIdentifier.from_modelpath(langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """``(ISO 639-1 code, probability)`` of the text's language (py3langid).

    >>> detect_language("The council voted to close the old harbour bridge next spring.")[0]
    'en'
    """
    code, prob = _identifier().classify(text[:LANGUAGE_SAMPLE_CHARS])
    return str(code), float(prob)


def check_document_text(text: str, *, source_words: int | None = None) -> list[dict[str, str]]:
    """Warnings for an article text; ``source_words`` = visible words of the page it was extracted from."""
    out: list[dict[str, str]] = []
    n_words = len(_WORD.findall(text))
    if n_words < MIN_WORDS:
        out.append({"code": "too_short", "message": f"only {n_words} words: too short to judge; the score says little."})
    if n_words >= 20:
        lang, prob = detect_language(text)
        if lang != "en" and prob >= LANGUAGE_CONFIDENCE:
            out.append({"code": "not_english", "message": f"the text looks like language '{lang}' (p={prob:.2f}); the model reads English only, "
                        "so flags and score are meaningless here."})
    if source_words and source_words > 0 and n_words / source_words < MIN_EXTRACTED_SHARE and source_words >= MIN_WORDS:
        out.append({"code": "partial_extraction", "message": f"the extracted article keeps {n_words} of the page's {source_words} words; "
                    "the main text may have been missed (paste it instead)."})
    return out
