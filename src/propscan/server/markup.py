"""Inline markup of docstrings shown on the web pages (the API reference).

Route docstrings are reST (``text``, :func:`name`) and the app description is Markdown-ish
(`code`); pages show both as HTML ``<code>``. Everything else is escaped: the result is safe
to put in an autoescaped template.

>>> str(inline_markup("Analyse ``text`` or <b>`url`</b>"))
'Analyse <code>text</code> or &lt;b&gt;<code>url</code>&lt;/b&gt;'
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

__all__ = ["inline_markup"]

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`]+)`")
_DOUBLE = re.compile(r"``(.+?)``")
_SINGLE = re.compile(r"`([^`]+)`")


def inline_markup(text: object) -> Markup:
    """Escape ``text`` and turn reST/Markdown inline literals into ``<code>`` elements."""
    s = html.escape("" if text is None else str(text), quote=True)
    s = _ROLE.sub(r"<code>\1</code>", s)
    s = _DOUBLE.sub(r"<code>\1</code>", s)
    s = _SINGLE.sub(r"<code>\1</code>", s)
    return Markup(s)
