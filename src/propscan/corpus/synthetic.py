"""Synthetic news-like articles for tests and benchmarks (texts composed here, not from any corpus).

Each article is a title line, a blank line and a few paragraphs assembled from neutral reporting
sentences and, with probability ``loudness``, charged sentences (loaded words, name calling,
slogans, appeals to fear), so a model finds more techniques in a "louder" outlet.

>>> rows = list(synthetic_rows(3, seed=1))
>>> sorted(rows[0])
['id', 'outlet', 'published', 'text', 'title']
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["synthetic_rows", "write_jsonl", "DEFAULT_OUTLETS"]

#: outlet -> loudness (probability that a sentence is charged)
DEFAULT_OUTLETS: Mapping[str, float] = {"The Calm Ledger": 0.1, "Evening Bulletin": 0.35, "The Loud Trumpet": 0.7}

_PLACES = ["Riverton", "Northgate", "Port Ellis", "Cedar Falls", "Lakemont", "Hollow Bay"]
_BODIES = ["the city council", "the transport board", "the school district", "the health agency", "the port authority"]
_TOPICS = ["the new bridge", "the water budget", "bus fares", "the harbour plan", "the library hours", "road repairs"]
_NEUTRAL = [
    "{Body} met on Tuesday to discuss {topic} in {place}.",
    "Officials said the review of {topic} would take several weeks.",
    "Residents of {place} asked questions about the cost of {topic}.",
    "A spokesperson for {body} declined to give a date for the vote.",
    "The report on {topic} runs to forty pages and includes three options.",
    "Figures published last month show a small rise in spending on {topic}.",
    "The meeting in {place} ended after two hours without a decision.",
    "Several members of {body} said they needed more time to read the proposal.",
]
_CHARGED = [
    "This disgraceful scheme is a shameless betrayal of every family in {place}!",
    "The corrupt clowns running {body} have lied to you again and again.",
    "Wake up, {place}: they are coming for your homes, your savings and your children.",
    "Enough is enough! Stand up for {place} before it is too late!",
    "Only a fool or a traitor would defend this absolute catastrophe over {topic}.",
    "Either we stop {topic} now or our town will be destroyed forever.",
    "Everyone already knows the truth about {body}, and the truth is ugly.",
    "It is a total disaster, the worst decision in the history of {place}.",
]


def _sentence(templates: list[str], rng: random.Random) -> str:
    body = rng.choice(_BODIES)
    return rng.choice(templates).format(place=rng.choice(_PLACES), body=body, Body=body[:1].upper() + body[1:],
                                        topic=rng.choice(_TOPICS))


def synthetic_rows(
    n: int,
    *,
    seed: int = 0,
    outlets: Mapping[str, float] = DEFAULT_OUTLETS,
    start: _dt.date = _dt.date(2024, 1, 1),
    days: int = 180,
    sentences: tuple[int, int] = (6, 14),
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` JSONL-ready rows: id, title, outlet, published (ISO date), text."""
    rng = random.Random(seed)
    names = list(outlets)
    for i in range(n):
        outlet = names[i % len(names)]
        loud = outlets[outlet]
        k = rng.randint(*sentences)
        sents = [_sentence(_CHARGED if rng.random() < loud else _NEUTRAL, rng) for _ in range(k)]
        paras = [" ".join(sents[j : j + 3]) for j in range(0, k, 3)]
        title = f"{rng.choice(_PLACES)} weighs {rng.choice(_TOPICS)} (report {i})"
        yield {
            "id": f"syn{i:06d}",
            "title": title,
            "outlet": outlet,
            "published": (start + _dt.timedelta(days=rng.randrange(days))).isoformat(),
            "text": title + "\n\n" + "\n\n".join(paras),
        }


def write_jsonl(path: str | os.PathLike[str], n: int, **kwargs: Any) -> Path:
    """Write ``n`` synthetic rows to a JSONL file (streamed; memory stays flat)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for row in synthetic_rows(n, **kwargs):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return p
