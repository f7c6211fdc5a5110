"""Ingest: files, folders, tables, stdin and URLs into Documents (no network: fetch is faked)."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propscan.document import Document
from propscan.errors import FetchError, InputError
from propscan.io import html as html_extraction
from propscan.io.fetch import FetchedPage
from propscan.io.html import html_to_document, looks_like_html
from propscan.io.ingest import document_from_text, load_inputs, load_url_list

FIXTURES = Path(__file__).parents[1] / "fixtures"
ARTICLE_HTML = (FIXTURES / "article.html").read_text(encoding="utf-8")
BROKEN_HTML = (FIXTURES / "broken.html").read_text(encoding="utf-8")
BOILERPLATE = [
    "INJECTED-SCRIPT-TEXT",
    "SCRIPT-BODY-TEXT",
    "STYLE-TEXT",
    "NAV-BOILERPLATE",
    "FOOTER-BOILERPLATE",
    "Subscribe now",
    "window.alert",
]


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))  # exact bytes: no newline translation
    else:
        path.write_bytes(data)
    return path


# ---- HTML -----------------------------------------------------------------------------------------


def test_html_fixture_main_text_title_date_outlet() -> None:
    doc = html_to_document(ARTICLE_HTML, url="https://gazette.example/news/lighthouse", id="lh")
    assert doc.id == "lh" and doc.url == "https://gazette.example/news/lighthouse"
    assert doc.title == "Harbour Council Votes on the Lighthouse Budget"
    assert doc.published == dt.date(2021, 3, 14)
    assert doc.outlet == "The Gullport Gazette"
    assert "The harbour council of Gullport met on Tuesday evening" in doc.text
    assert "anyone who votes against it hates Gullport" in doc.text
    assert "should be finished before the summer festival." in doc.text
    for junk in BOILERPLATE:
        assert junk not in doc.text, junk
    # paragraphs are separated by a blank line (the PTC shape); offsets index this text
    paragraphs = doc.text.split("\n\n")
    assert len(paragraphs) >= 4 and all(p.strip() == p and p for p in paragraphs)
    start = doc.text.index("hates Gullport")
    assert doc.span(start, start + len("hates Gullport")).text == "hates Gullport"


def test_broken_html_still_gives_text_without_scripts() -> None:
    doc = html_to_document(BROKEN_HTML)
    assert "miracle bridge" in doc.text and "Nobody believed him & the river kept flowing" in doc.text
    assert "Last paragraph without an end" in doc.text
    assert "BROKEN-SCRIPT" not in doc.text
    assert doc.title == "Unclosed tags & friends"


def test_fallback_strip_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_extraction, "_trafilatura_extract", lambda html, url: None)
    doc = html_to_document(ARTICLE_HTML)
    assert "The harbour council of Gullport met on Tuesday evening" in doc.text
    assert doc.title.startswith("Harbour Council Votes on the Lighthouse Budget")
    for junk in ["INJECTED-SCRIPT-TEXT", "SCRIPT-BODY-TEXT", "STYLE-TEXT"]:
        assert junk not in doc.text
    assert "\n\n" in doc.text


def test_fallback_on_garbage_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_extraction, "_trafilatura_extract", lambda html, url: None)
    doc = html_to_document("<div><p>Alpha &lt;beta&gt;<script>evil()</script><p>Gamma</i></b></table><<<>")
    assert doc.text.startswith("Alpha <beta>\n\nGamma")
    assert "evil" not in doc.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n",
        "<html><head><script>x()</script></head><body></body></html>",
        "<html><body><nav></nav></body></html>",
    ],
)
def test_html_without_text_is_input_error(html: str) -> None:
    with pytest.raises(InputError, match=r"empty|no readable text"):
        html_to_document(html)


def test_looks_like_html() -> None:
    assert looks_like_html("\ufeff  <!DOCTYPE html><html><body>x</body></html>")
    assert looks_like_html("<p>Just a paragraph</p>")
    assert not looks_like_html("Plain text mentioning <html> later.")
    assert not looks_like_html("<<< not markup at all >>>")


# ---- plain text -----------------------------------------------------------------------------------


def test_document_from_text_keeps_text_exactly() -> None:
    text = "  Title\u200b line\r\n\r\nBody \u202eevil\u202c and \ufeff zero-width\u200d.\n"
    doc = document_from_text(text, id="z", title="T", url="https://x.example/", outlet="X", published="2020-01-02")
    assert doc.text == text and doc.id == "z" and doc.title == "T" and doc.outlet == "X"
    assert doc.published == dt.date(2020, 1, 2)
    assert document_from_text("same words").id == document_from_text("same words").id  # hash id


@pytest.mark.parametrize("bad", ["", " ", "\n\t \u3000", "a\x00b"])
def test_document_from_text_refuses_empty_or_binary(bad: str) -> None:
    with pytest.raises(InputError):
        document_from_text(bad)


def test_document_from_text_limit_and_bad_date() -> None:
    with pytest.raises(InputError, match=r"over the limit of 2,000,000"):
        document_from_text("a" * 2_000_001)
    with pytest.raises(InputError, match=r"over the limit of 10"):
        document_from_text("a" * 11, max_chars=10)
    with pytest.raises(InputError, match=r"^\[P001\] row 3: Cannot read date 'last tuesday'"):
        document_from_text("text", published="last tuesday", source="row 3")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from(["\u200b", "\u200c", "\u200d", "\u202e", "\u202c", "\u2067", "\ufeff", "\r", "\n", " "]),
        )
    )
)
def test_document_from_text_property(text: str) -> None:
    try:
        doc = document_from_text(text)
    except InputError:
        # empty, binary, or a lone surrogate (not valid Unicode: refused everywhere, see #6)
        assert not text.strip() or "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text)
        return
    assert isinstance(doc, Document)
    assert doc.text == text and len(doc) == len(text)


# ---- files ----------------------------------------------------------------------------------------


def test_txt_file_is_read_exactly_with_article_id(tmp_path: Path) -> None:
    text = "Headline with \u202eRTL\u202c\r\n\r\nFirst\u200bparagraph.\r\nSecond line.\n"
    path = write(tmp_path / "article7001.txt", text)
    [doc] = load_inputs([str(path)])
    assert doc.text == text  # CRLF, zero-width and RTL characters untouched
    assert doc.id == "7001" and doc.title == "Headline with \u202eRTL\u202c"


def test_txt_file_id_from_stem(tmp_path: Path) -> None:
    [doc] = load_inputs([write(tmp_path / "my-story.v2.txt", "Words here.")])
    assert doc.id == "my-story.v2" and doc.text == "Words here."


def test_html_file(tmp_path: Path) -> None:
    [doc] = load_inputs([write(tmp_path / "article42.HTML", ARTICLE_HTML)])
    assert doc.id == "42" and doc.published == dt.date(2021, 3, 14)
    assert "Councillors spent three hours" in doc.text and "INJECTED-SCRIPT-TEXT" not in doc.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin.txt", "caf\xe9 cr\xe8me".encode("latin-1"), r"latin.txt: not valid UTF-8 \(byte 3\)"),
        ("utf16.txt", b"\xff\xfeh\x00\x00\xd8", r"utf16.txt: starts with a UTF-16 byte-order mark but is not valid"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"image.txt: looks binary"),
        ("empty.txt", b"", r"empty.txt is empty"),
        ("blank.txt", b" \n\t\n", r"blank.txt is empty or only whitespace"),
        ("blank.html", b"<html><body>  </body></html>", r"blank.html: no readable text"),
        ("notes.pdf", b"%PDF-1.4", r"unsupported file type '.pdf'"),
    ],
)
def test_bad_files_are_one_line_input_errors(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = write(tmp_path / name, data)
    with pytest.raises(InputError, match=message) as err:
        list(load_inputs([str(path)]))
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope.txt: no such file or folder"):
        list(load_inputs([str(tmp_path / "nope.txt")]))


def test_file_over_size_limit_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(10_000_001)  # sparse: costs no disk
    with pytest.raises(InputError, match=r"huge.txt: file is 10.0 MB, over the limit of 10 MB"):
        list(load_inputs([path]))


def test_text_over_char_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "long.txt", "word " * 30)
    with pytest.raises(InputError, match=r"long.txt has 150 characters, over the limit of 100"):
        list(load_inputs([path], max_chars=100))


# ---- tables ---------------------------------------------------------------------------------------


def test_jsonl_with_metadata_columns(tmp_path: Path) -> None:
    rows = [
        {
            "id": 11,
            "text": "First\u200b text.\r\nWith CRLF.",
            "title": "One",
            "url": "https://a.example/1",
            "outlet": "A Daily",
            "published": "2019-05-06T10:00:00Z",
        },
        {"text": "Second \u202etext\u202c.", "date": "2018-01-02"},
        {"id": "c", "text": "Third.", "title": None, "extra": [1, 2]},
    ]
    path = write(tmp_path / "rows.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    docs = list(load_inputs([path]))
    assert [d.text for d in docs] == [r["text"] for r in rows]
    assert docs[0].id == "11" and docs[0].title == "One" and docs[0].url == "https://a.example/1"
    assert docs[0].outlet == "A Daily" and docs[0].published == dt.date(2019, 5, 6)
    assert docs[1].published == dt.date(2018, 1, 2) and len(docs[1].id) == 12  # hash id
    assert docs[2].id == "c" and docs[2].title is None


def test_jsonl_custom_text_column(tmp_path: Path) -> None:
    path = write(tmp_path / "rows.jsonl", '{"id": "a", "body": "Body text."}\n')
    [doc] = load_inputs([path], text_column="body")
    assert doc.text == "Body text."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"text": "ok"}\n\n{"body": "no text"}\n',
            r"rows.jsonl:3: no 'text' field \(fields: body\); use --text-column",
        ),
        ('{"text": "ok"}\n{"text": "broken"\n', r"rows.jsonl:2: not valid JSON"),
        ('{"text": "ok"}\n["a", "list"]\n', r"rows.jsonl:2: expected a JSON object"),
        ('{"text": "ok"}\n{"text": "   "}\n', r"rows.jsonl:2 is empty or only whitespace"),
        ('{"text": 12}\n', r"rows.jsonl:1: field 'text' must be a string"),
        ('{"text": "ok", "published": "yesterday"}\n', r"rows.jsonl:1: Cannot read date 'yesterday'"),
        ("\n  \n", r"holds no JSON lines"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path / "rows.jsonl", content)
    with pytest.raises(InputError, match=message):
        list(load_inputs([path]))


def test_csv_with_metadata_columns(tmp_path: Path) -> None:
    long_text = "long " * 40_000  # 200,000 chars: over csv's default field limit
    content = (
        "\ufeffid,title,text,outlet,published\r\n"
        '1,"Comma, title","Line one, with comma.\r\nLine two with ""quotes"" and \u200bzw.",Paper,2017-09-30\r\n'
        f"2,,{long_text},,\r\n"
    )
    path = write(tmp_path / "rows.csv", content)
    docs = list(load_inputs([path]))
    assert docs[0].text == 'Line one, with comma.\r\nLine two with "quotes" and \u200bzw.'
    assert (docs[0].id, docs[0].title, docs[0].outlet, docs[0].published) == (
        "1",
        "Comma, title",
        "Paper",
        dt.date(2017, 9, 30),
    )
    assert docs[1].text == long_text and docs[1].title is None and docs[1].published is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,body\n1,hello\n", r"rows.csv: no 'text' column \(columns: id, body\); use --text-column"),
        ("id,text\n1,hello\n2,too,many\n", r"rows.csv:3: row has more fields than the header"),
        ("id,text,title\n1,hello,t\n2\n", r"rows.csv:3: row has fewer fields than the header"),
        ("id,text\n1,hello\n2,\n", r"rows.csv:3 is empty or only whitespace"),
        (
            'id,text\n1,ok\n2,"unterminated\n3,more\n',
            r"rows.csv:3: broken CSV in the row starting on this line \(unexpected end of data\)",
        ),
        ('id,text\n1,"quoted"junk\n', r"rows.csv:2: broken CSV .*',' expected after '\"'"),
        ("", r"empty CSV file"),
        ("id,text\n", r"header but no rows"),
    ],
)
def test_csv_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path / "rows.csv", content)
    with pytest.raises(InputError, match=message):
        list(load_inputs([path]))


# ---- folders, stdin, URLs, ids --------------------------------------------------------------------


def test_directory_loads_txt_and_html_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Bee text.")
    write(tmp_path / "article3.html", ARTICLE_HTML)
    write(tmp_path / "a.txt", "Ay text.")
    write(tmp_path / "notes.md", "ignored")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.txt", "not recursive")
    docs = list(load_inputs([tmp_path]))
    assert [d.id for d in docs] == ["a", "3", "b"]  # sorted by file name: a.txt, article3.html, b.txt
    assert docs[0].text == "Ay text." and "Gullport" in docs[1].text


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder holds no .txt or .html files"):
        list(load_inputs([tmp_path]))


def _stdin(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_stdin_text_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Stdin title\r\n\r\nBody with \u200b and \u202e.\r\n"
    monkeypatch.setattr(sys, "stdin", _stdin(text.encode()))
    [doc] = load_inputs(["-"])
    assert doc.text == text and doc.title == "Stdin title"


def test_stdin_without_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("From a StringIO."))
    [doc] = load_inputs(["-"])
    assert doc.text == "From a StringIO."


def test_stdin_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _stdin(ARTICLE_HTML.encode()))
    [doc] = load_inputs(["-"])
    assert doc.title == "Harbour Council Votes on the Lighthouse Budget"
    assert "INJECTED-SCRIPT-TEXT" not in doc.text and "Gullport met on Tuesday" in doc.text


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "stdin is empty"), (b"\x89PNG\x00a", "stdin looks binary"), (b"caf\xe9", r"stdin: not valid UTF-8")],
)
def test_stdin_errors(monkeypatch: pytest.MonkeyPatch, data: bytes, message: str) -> None:
    monkeypatch.setattr(sys, "stdin", _stdin(data))
    with pytest.raises(InputError, match=message):
        list(load_inputs(["-"]))


def _fake_fetch(pages: dict[str, FetchedPage]):
    calls: list[str] = []

    def fetch(url: str) -> FetchedPage:
        calls.append(url)
        return pages[url]

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def test_urls_are_fetched_and_extracted() -> None:
    html_url, text_url = "https://gazette.example/lighthouse", "https://plain.example/notes.txt"
    fetch = _fake_fetch(
        {
            html_url: FetchedPage(html_url + "?final", 200, "text/html", ARTICLE_HTML, "utf-8"),
            text_url: FetchedPage(text_url, 200, "text/plain", "Plain\u200b notes\r\nline two", "utf-8"),
        }
    )
    docs = list(load_inputs([html_url, " " + text_url], fetch=fetch))
    assert fetch.calls == [html_url, text_url]
    assert docs[0].url == html_url + "?final" and docs[0].outlet == "The Gullport Gazette"
    assert "Gullport met on Tuesday" in docs[0].text and "NAV-BOILERPLATE" not in docs[0].text
    assert docs[1].text == "Plain\u200b notes\r\nline two" and docs[1].outlet == "plain.example"


def test_url_fetch_errors_propagate_and_bad_schemes_are_refused() -> None:
    def refuse(url: str) -> FetchedPage:
        raise FetchError("refused: 10.0.0.5 is a private address.")

    with pytest.raises(FetchError, match="private address"):
        list(load_inputs(["http://intranet.example/"], fetch=refuse))
    with pytest.raises(FetchError, match=r"refused: scheme 'file' not allowed"):
        list(load_inputs(["file:///etc/passwd"]))  # the real fetch_url: refused before any I/O


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "article5.txt", "Text one.")
    write(tmp_path / "article5.html", "<p>Text two is different.</p>")
    with pytest.raises(InputError, match=r"duplicate document id '5'"):
        list(load_inputs([tmp_path]))


def test_load_inputs_is_lazy_and_ordered(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "A.")
    it = load_inputs([a, tmp_path / "missing.txt"])
    assert next(it).id == "a"  # the first document arrives before the bad input is looked at
    with pytest.raises(InputError, match="missing.txt: no such file"):
        next(it)


# ---- URL lists ------------------------------------------------------------------------------------


def test_load_url_list(tmp_path: Path) -> None:
    path = write(tmp_path / "list.urls", "# my reading list\n\nhttps://a.example/1\n  http://b.example/x?y=2  \r\n")
    assert load_url_list(path) == ["https://a.example/1", "http://b.example/x?y=2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("https://a.example/\nfile:///etc/passwd\n", r"list.urls:2: not an http\(s\) URL: 'file:///etc/passwd'"),
        ("www.example.com/no-scheme\n", r"list.urls:1: not an http\(s\) URL"),
        ("# only comments\n\n", "holds no URLs"),
    ],
)
def test_load_url_list_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_url_list(write(tmp_path / "list.urls", content))


def test_jsonl_and_csv_are_streamed_and_name_the_bad_line(tmp_path: Path) -> None:
    # rows before a broken line are yielded before the error: the file is read line by line, not whole
    jl = tmp_path / "c.jsonl"
    jl.write_bytes(b'{"text": "First article."}\n\n{"text": "Second \xff article."}\n')
    it = load_inputs([str(jl)])
    assert next(it).text == "First article."
    with pytest.raises(InputError, match=r"c.jsonl:3: not valid UTF-8"):
        next(it)
    cs = tmp_path / "c.csv"
    cs.write_bytes("\ufefftext,outlet\nFirst article.,A\n".encode() + b"Second \xff article.,B\n")
    it = load_inputs([str(cs)])
    first = next(it)
    assert (first.text, first.outlet) == ("First article.", "A")  # the BOM did not stick to the header
    with pytest.raises(InputError, match=r"c.csv:3: not valid UTF-8"):
        next(it)


# ---- "Nothing lost, nothing stalls": every good document arrives, each failure is named -------------


def _collect(inputs, **kw):
    failures: list[tuple[str, str]] = []
    docs = list(load_inputs(inputs, on_error=lambda where, exc: failures.append((where, str(exc))), **kw))
    return docs, failures


def test_a_bad_file_in_a_folder_does_not_end_the_folder(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "First good article.")
    write(tmp_path / "b.txt", b"caf\xe9 not utf-8")
    write(tmp_path / "c.txt", "   ")
    write(tmp_path / "d.html", "<html><body><p>Fourth good article, as a page.</p></body></html>")
    docs, failures = _collect([tmp_path])
    assert [d.id for d in docs] == ["a", "d"]
    assert [w for w, _ in failures] == [str(tmp_path / "b.txt"), str(tmp_path / "c.txt")]
    assert "not valid UTF-8" in failures[0][1] and "empty" in failures[1][1]
    with pytest.raises(InputError, match="b.txt: not valid UTF-8"):  # without on_error: raised, as before
        list(load_inputs([tmp_path]))


def test_bad_jsonl_rows_are_reported_with_their_line_and_the_rest_still_arrive(tmp_path: Path) -> None:
    path = write(
        tmp_path / "rows.jsonl",
        b'{"id": "1", "text": "Row one."}\n'
        b'{"id": "2", "text": "broken\n'
        b'{"id": "3", "text": "Row three."}\n'
        b'{"id": "4", "text": "bad \xff byte"}\n'
        b'["not", "an", "object"]\n'
        b'{"id": "6", "text": "lone \\ud800 surrogate"}\n'
        b'{"id": "7", "text": "Row seven."}\n',
    )
    docs, failures = _collect([path])
    assert [d.id for d in docs] == ["1", "3", "7"]
    assert [w for w, _ in failures] == [f"{path}:{n}" for n in (2, 4, 5, 6)]
    assert "lone surrogate" in failures[-1][1]


def test_bad_csv_rows_are_reported_and_the_rest_still_arrive(tmp_path: Path) -> None:
    path = write(tmp_path / "rows.csv", 'id,text\n1,Row one.\n2,"x"junk\n3,\n4,Row four.\n5,a,b\n6,Row six.\n')
    docs, failures = _collect([path])
    assert [d.id for d in docs] == ["1", "4", "6"]
    assert [w for w, _ in failures] == [f"{path}:{n}" for n in (3, 4, 6)]


def test_a_failing_input_does_not_stop_the_next_inputs(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", "A good article.")

    def refuse(url: str) -> FetchedPage:
        raise FetchError("refused: 10.0.0.5 is a private address.")

    docs, failures = _collect([str(tmp_path / "missing.txt"), "http://intranet.example/", str(good)], fetch=refuse)
    assert [d.id for d in docs] == ["good"]
    assert [w for w, _ in failures] == [str(tmp_path / "missing.txt"), "http://intranet.example/"]


# ---- encodings (#9, #10) and lone surrogates (#6) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "declaration", "words"),
    [
        ("cp1252", '<meta charset="windows-1252">', "Le café était très animé “hier”."),
        ("cp1251", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "Новости дня."),
        ("shift_jis", '<meta charset="Shift_JIS">', "今日のニュースです。"),
        ("iso-8859-1", '<meta charset="iso-8859-1">', "Garçon à la crème."),
        ("cp1252", "", "Un café très animé ce soir-là, déjà plein. " * 20),  # undeclared: detected
    ],
)
def test_html_files_are_decoded_by_their_declared_or_detected_charset(
    tmp_path: Path, codec: str, declaration: str, words: str
) -> None:
    page = f"<html><head>{declaration}<title>T</title></head><body><p>{words}</p></body></html>"
    path = write(tmp_path / "page.html", page.encode(codec))
    [doc] = load_inputs([path])
    assert words.strip() in doc.text


def test_utf16_with_a_bom_is_text_not_binary(tmp_path: Path) -> None:
    for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
        path = write(tmp_path / f"{codec}.txt", bom + "Title\n\nThey are cowards — all of them.".encode(codec))
        [doc] = load_inputs([path])
        assert doc.text == "Title\n\nThey are cowards — all of them." and doc.title == "Title"
    html = write(tmp_path / "u16.html", b"\xff\xfe" + "<html><body><p>Ein Artikel über Häfen.</p></body></html>".encode("utf-16-le"))
    [doc] = load_inputs([html])
    assert doc.text == "Ein Artikel über Häfen."


def test_jsonl_in_utf16_gets_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "rows.jsonl", b"\xff\xfe" + '{"text": "a"}\n'.encode("utf-16-le"))
    with pytest.raises(InputError, match="is UTF-16 text; JSONL and CSV files must be UTF-8"):
        list(load_inputs([path]))


@pytest.mark.parametrize("field", ["text", "title", "outlet", "url", "id"])
def test_lone_surrogates_are_one_line_input_errors(tmp_path: Path, field: str) -> None:
    row = {"text": "A fine article.", field: "bad \ud800 value"}
    path = write(tmp_path / "rows.jsonl", json.dumps(row) + "\n")  # json.dumps escapes it as \ud800
    with pytest.raises(InputError, match=r"rows.jsonl:1.* contains a lone surrogate \(U\+D800\)") as err:
        list(load_inputs([path]))
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="lone surrogate"):
        document_from_text("x \udfff y")
