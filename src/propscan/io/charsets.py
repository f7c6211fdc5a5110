"""Turn bytes into text: HTML the way a browser does, plain text by one clear rule.

**HTML** (files, uploads, fetched pages): a byte-order mark wins; then the charset the server
declared (``Content-Type``); then a ``<meta charset>`` / ``<meta http-equiv>`` declaration near the
start of the page; then UTF-8 when the bytes are valid UTF-8; then a detected charset
(``charset_normalizer``), else windows-1252 (the web's default). Only the encodings of the WHATWG
Encoding Standard (what browsers implement) are honoured, with the browsers' aliases (a page that
says ``iso-8859-1`` is decoded as windows-1252): a declaration of anything else — ``base64``,
``rot13``, ``zlib``, ``punycode``, ``idna``, ``utf-7``, unknown names — is ignored, never looked up
as a Python codec. Bytes that do not fit the chosen encoding become U+FFFD; decoding never raises.

**Plain text** (``.txt``, stdin, label files): UTF-8 (a UTF-8 byte-order mark is kept in the
text, so offsets count it), or UTF-16/UTF-32 *with* a byte-order mark. Anything else is refused
with one line that says how to re-save the file.

>>> decode_html(b'<meta charset="windows-1251"><p>\\xcf\\xf0\\xe8\\xe2\\xe5\\xf2</p>')
('<meta charset="windows-1251"><p>Привет</p>', 'cp1251')
>>> decode_html(b"<meta charset=base64><p>caf\\xc3\\xa9</p>")[1]
'utf-8'
>>> decode_text(b"\\xff\\xfeh\\x00i\\x00", source="notes.txt")
'hi'
"""

from __future__ import annotations

import codecs
import re

from propscan.errors import InputError

__all__ = ["decode_html", "decode_text", "html_encoding", "sniff_bom"]

#: Python codec names (as ``codecs.lookup(...).name`` spells them) of the WHATWG encodings.
_ALLOWED = frozenset(
    {
        "utf-8", "utf-16-le", "utf-16-be", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
        "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
        "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "cp1250", "cp1251", "cp1252",
        "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "gbk", "gb18030", "big5hkscs", "euc_jp",
        "iso2022_jp", "cp932", "cp949",
    }
)

#: WHATWG label -> the encoding browsers actually use for it (label lower-cased, ``_`` as ``-``).
_BROWSER_ALIASES = {
    **dict.fromkeys(
        ("ascii", "us-ascii", "iso-8859-1", "iso8859-1", "iso-ir-100", "latin1", "l1", "cp819", "ibm819",
         "iso88591", "iso-8859-1:1987", "csisolatin1", "ansi-x3.4-1968", "us", "cp1252", "x-cp1252"),
        "cp1252",
    ),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "latin5", "l5", "iso88599", "iso-ir-148", "csisolatin5"), "cp1254"),
    **dict.fromkeys(("iso-8859-11", "iso8859-11", "tis-620", "iso885911", "dos-874"), "cp874"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "gb-2312", "csgb2312", "chinese", "iso-ir-58", "cp936", "ms936"), "gbk"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("shift-jis", "sjis", "ms932", "ms-kanji", "windows-31j", "csshiftjis", "x-sjis"), "cp932"),
    **dict.fromkeys(("euc-kr", "ks-c-5601-1987", "ks-c-5601-1989", "ksc5601", "korean", "windows-949", "cseuckr"),
                    "cp949"),
    **dict.fromkeys(("utf-16", "utf-16le", "unicode", "ucs-2", "unicodefeff", "csunicode"), "utf-16-le"),
    **dict.fromkeys(("utf-16be", "unicodefffe"), "utf-16-be"),
    **dict.fromkeys(("macintosh", "mac", "x-mac-roman", "csmacintosh"), "mac-roman"),
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_PRESCAN = 4096
_META_RE = re.compile(rb"<meta\b[^>]*?>", re.I)
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)


def html_encoding(label: str | bytes | None) -> str | None:
    """The Python codec a browser would use for a charset ``label``, or ``None`` when it is not one.

    >>> html_encoding("ISO-8859-1"), html_encoding("Shift_JIS"), html_encoding("rot13"), html_encoding("idna")
    ('cp1252', 'cp932', None, None)
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    name = label.strip().strip("\"'").lower().replace("_", "-")
    if not name or len(name) > 40:
        return None
    name = _BROWSER_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return codec if codec in _ALLOWED else None


def sniff_bom(data: bytes) -> tuple[str, int] | None:
    """``(codec, length)`` of a UTF-8/UTF-16 byte-order mark at the start of ``data``."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def _meta_charset(data: bytes) -> str | None:
    head = data[:_PRESCAN]
    for tag in _META_RE.finditer(head):
        m = _CHARSET_RE.search(tag.group(0))
        if m:
            enc = html_encoding(m.group(1))
            if enc is not None:
                # a page cannot declare itself UTF-16 in ASCII: browsers read that as UTF-8
                return "utf-8" if enc.startswith("utf-16") else enc
    return None


def _detect(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura/httpx
        return "cp1252"
    try:
        found = [html_encoding(m.encoding) for m in from_bytes(data[:200_000]) if m.encoding]
    except Exception:  # noqa: BLE001 - detection is a best effort
        return "cp1252"
    allowed = [e for e in found if e is not None]
    # charset_normalizer likes Mac code pages, which are rare on the web: windows-1252 (the HTML
    # default) when it fits, else the first candidate that is not a Mac code page
    if "cp1252" in allowed:
        return "cp1252"
    return next((e for e in allowed if not e.startswith("mac")), allowed[0] if allowed else "cp1252")


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec, errors="replace")
    except (LookupError, UnicodeError, ValueError):  # pragma: no cover - allowed codecs decode anything
        return data.decode("cp1252", errors="replace")


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML (or fetched text) body as a browser would; returns ``(text, codec)``.

    ``declared`` is the charset of the ``Content-Type`` header, when there was one.
    """
    bom = sniff_bom(data)
    if bom is not None:
        return _decode(data[bom[1]:], bom[0]), bom[0]
    declared_codec = html_encoding(declared) or _meta_charset(data)
    if declared_codec is not None:
        return _decode(data, declared_codec), declared_codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect(data)
    return _decode(data, detected), detected


def decode_text(data: bytes, *, source: str) -> str:
    """Decode a plain-text file: UTF-8 (BOM kept), or UTF-16/UTF-32 with a BOM; else one-line InputError."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(codec)  # the BOM says which byte order; it is not part of the text
            except UnicodeDecodeError as exc:
                if codec == "utf-32" and data.startswith(codecs.BOM_UTF16_LE):
                    continue  # FF FE 00 00 can also be UTF-16 starting with U+0000: try that
                raise InputError(
                    f"{source}: starts with a {codec.upper()} byte-order mark but is not valid {codec.upper()} "
                    f"(byte {exc.start}); re-save it as UTF-8."
                ) from exc
            if "\x00" in text:
                raise InputError(f"{source}: looks binary (contains NUL characters); expected text.")
            return text
    if b"\x00" in data:
        raise InputError(f"{source}: looks binary (contains NUL bytes); expected UTF-8 text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8 (or UTF-16 with a byte-order mark)."
        ) from exc
