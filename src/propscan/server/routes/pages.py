"""The web app: a form (paste text, a URL or a file), the highlighted result, a glossary, API docs.

Pages are server-rendered by the one Jinja2 environment of every propscan page
(:func:`propscan.views.html.template_env`, autoescaped) with a little JS; every asset is served by
the app itself (``/static`` and ``/assets``), so nothing needs the internet. The result page
reuses the HTML report's article block (:func:`propscan.views.html.render_article_block`), the
corpus page the corpus report's fragment and stylesheet.

Usage: ``pages.install_templates(app); app.include_router(pages.router)``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.datastructures import UploadFile

from propscan.analysis.analyzer import resolve_threshold
from propscan.errors import PropscanError
from propscan.server.deps import (
    SESSION_COOKIE,
    InferenceQueueDep,
    SettingsDep,
    check_page_token,
    session_value,
    text_document,
    upload_document,
    url_document,
)
from propscan.server.errors import ApiError, from_propscan_error
from propscan.techniques import CATALOGUE
from propscan.views import html as views_html

log = logging.getLogger("propscan.server")

router = APIRouter(include_in_schema=False)

MAX_FORM_FIELDS = 16


#: the favicon (the rest of this folder is mounted at ``/static`` by the app)
FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"


def install_templates(app: FastAPI) -> None:
    """Attach the page templates to ``app.state.templates``: the one environment of every propscan page."""
    app.state.templates = Jinja2Templates(env=views_html.template_env())


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    settings = request.app.state.settings
    inference_queue = getattr(request.app.state, "inference_queue", None)
    context.setdefault("token_required", settings.token is not None)
    context.setdefault("model", (inference_queue.info if inference_queue else {}) or {})
    context.setdefault("model_status", inference_queue.status if inference_queue else "loading")
    resp = templates.TemplateResponse(request, name, context, status_code=status)
    return resp  # type: ignore[return-value]


# ---- assets generated from the library ----------------------------------------------------------

_ASSET_HEADERS = {"Cache-Control": "public, max-age=3600"}


def _css(text: str) -> Response:
    return Response(text, media_type="text/css; charset=utf-8", headers=_ASSET_HEADERS)


@router.get("/assets/report.css")
async def report_css() -> Response:
    return _css(views_html.report_css())



@router.get("/assets/report.js")
async def report_js() -> Response:
    return Response(views_html.report_js(), media_type="text/javascript; charset=utf-8", headers=_ASSET_HEADERS)


@router.get("/assets/techniques.css")
async def techniques_css() -> Response:
    """``--tech`` of each glossary card (``.tech-<id>``), from the catalogue like the report's colours."""
    return _css(views_html.colour_rules(".tech-{id}{{--tech:{color}}}"))


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    return FileResponse(FAVICON, media_type="image/svg+xml", headers=_ASSET_HEADERS)


# ---- pages --------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, inference_queue: InferenceQueueDep, settings: SettingsDep) -> HTMLResponse:
    return _render(request, "index.html", form=_blank_form(inference_queue), max_chars=settings.max_text_chars,
                   max_bytes=settings.max_body_bytes)


def _blank_form(inference_queue: Any) -> dict[str, Any]:
    """An empty form; the slider starts at the model's recommended display threshold."""
    return {"source": "text", "text": "", "url": "", "threshold": resolve_threshold(None, inference_queue.info)}


def _threshold(raw: Any) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ApiError(422, "validation_error", "threshold must be a number between 0 and 1.") from None
    if not 0.0 <= value <= 1.0 or value != value:
        raise ApiError(422, "validation_error", "threshold must be between 0 and 1.")
    return value


@router.post("/analyze", response_class=HTMLResponse)
async def analyze_page(request: Request, inference_queue: InferenceQueueDep, settings: SettingsDep) -> HTMLResponse:
    """The form's target: analyse the pasted text, URL or uploaded file and show the result."""
    form_values = _blank_form(inference_queue)
    async with request.form(max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=settings.max_body_bytes) as form:
        try:
            raw = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form.get("file")
            source = raw.get("source") or ""
            form_values.update(text=raw.get("text", ""), url=raw.get("url", ""), threshold=raw.get("threshold", ""))
            has_file = isinstance(upload, UploadFile) and bool(upload.filename)
            if source not in ("text", "url", "file"):
                source = "file" if has_file else ("url" if raw.get("url", "").strip() else "text")
            form_values["source"] = source
            issue_cookie = check_page_token(request, settings, raw.get("token"))
            threshold = _threshold(raw.get("threshold"))
            form_values["threshold"] = resolve_threshold(threshold, inference_queue.info)
            if source == "file":
                if not has_file:
                    raise ApiError(422, "validation_error", "choose a .txt or .html file to upload.")
                assert isinstance(upload, UploadFile)
                data = await upload.read(settings.max_body_bytes + 1)
                doc = upload_document(data, upload.filename or "upload", settings)
            elif source == "url":
                url = raw.get("url", "").strip()
                if not url:
                    raise ApiError(422, "validation_error", "enter the address (URL) of an article.")
                doc = await url_document(url, request, settings)
            else:
                text = raw.get("text", "")
                if not text.strip():
                    raise ApiError(422, "validation_error", "paste the text of an article first.")
                doc = text_document(text, settings)
            analysis = await inference_queue.analyze(doc, threshold=threshold)
        except PropscanError as exc:
            return _form_error(request, settings, form_values, from_propscan_error(exc))
        except ApiError as exc:
            if exc.status_code == 500 or exc.status_code == 413:
                raise
            return _form_error(request, settings, form_values, exc)
    resp = _render(request, "result.html", block=Markup(views_html.render_article_block(analysis, anchor="result")),
                   analysis=analysis, analysis_json=views_html.json_for_script(analysis.to_dict()))
    resp.headers["Cache-Control"] = "no-store"
    if issue_cookie and settings.token is not None:
        resp.set_cookie(SESSION_COOKIE, session_value(settings.token), httponly=True, samesite="strict", path="/")
    return resp


def _form_error(request: Request, settings: Any, form: dict[str, Any], err: ApiError) -> HTMLResponse:
    resp = _render(request, "index.html", status=err.status_code, form=form, error=err.message, error_code=err.code,
                   max_chars=settings.max_text_chars, max_bytes=settings.max_body_bytes)
    for k, v in (err.headers or {}).items():
        resp.headers[k] = v
    return resp


@router.get("/techniques", response_class=HTMLResponse)
async def techniques_page(request: Request) -> HTMLResponse:
    return _render(request, "techniques.html", techniques=CATALOGUE)


CORPUS_GROUPS = ("outlet", "month", "week", "year", "source")
#: passages per page of /corpus/passages
PASSAGES_PER_PAGE = 50


def _corpus_stores(settings: Any) -> tuple[Any, list[str]]:
    """The corpus folder (or None) and the names of its ``*.duckdb`` stores."""
    from pathlib import Path

    folder = Path(settings.corpus_dir) if settings.corpus_dir else None
    stores = sorted(p.name for p in folder.glob("*.duckdb")) if folder and folder.is_dir() else []
    return folder, stores


def _passages_href(store: str, by: str, group: str, metric: str, offset: int = 0) -> str:
    from urllib.parse import urlencode

    params = {"store": store, "by": by, "group": group, "metric": metric}
    if offset:
        params["offset"] = str(offset)
    return "/corpus/passages?" + urlencode(params)


@router.get("/corpus", response_class=HTMLResponse)
async def corpus_page(request: Request, settings: SettingsDep, store: str | None = None, by: str = "outlet") -> HTMLResponse:
    """Comparisons across a corpus store from ``PROPSCAN_CORPUS_DIR`` (picked by name, never by path).

    Every number of a group links to ``/corpus/passages``: the passages behind it.
    """
    import asyncio
    import functools

    folder, stores = _corpus_stores(settings)
    if by not in CORPUS_GROUPS:
        by = "outlet"
    fragment = None
    error = None
    if store is not None:
        if store not in stores:
            error = "Unknown store: pick one from the list."
        else:
            from propscan.corpus.report import render_corpus_html

            href = functools.partial(_passages_href, store, by)
            try:
                html = await asyncio.to_thread(render_corpus_html, folder / store, by=by,  # type: ignore[operator]
                                               passage_href=href)
                fragment = Markup(html)  # an autoescaped template (styled by /assets/report.css): every value is escaped
            except PropscanError as exc:
                error = str(exc)
    return _render(
        request, "corpus.html", stores=stores, store=store, by=by, groups=CORPUS_GROUPS, fragment=fragment,
        error=error, configured=folder is not None,
    )


@router.get("/corpus/passages", response_class=HTMLResponse)
async def corpus_passages_page(
    request: Request,
    settings: SettingsDep,
    store: str | None = None,
    by: str = "outlet",
    group: str | None = None,
    metric: str = "score",
    offset: int = 0,
) -> HTMLResponse:
    """The passages behind one number of the corpus page: the spans of ``metric`` (a technique, or
    ``score`` for every technique) in the articles of ``group``, most confident first, queried from
    the store (50 per page; ``offset`` pages on). Needs the token like ``/corpus``."""
    import asyncio
    from urllib.parse import urlencode

    folder, stores = _corpus_stores(settings)
    if by not in CORPUS_GROUPS:
        by = "outlet"
    offset = max(0, offset)
    error = None
    cell = None
    passages = None
    if store is None or store not in stores:
        error = "Unknown store: pick one from the list on the corpus page."
    elif not group:
        error = "Say which group: follow a number on the corpus page."
    else:
        from propscan.corpus.report import cell_passages, render_passages

        try:
            cell = await asyncio.to_thread(cell_passages, folder / store, by=by, group=group, metric=metric,  # type: ignore[operator]
                                           limit=PASSAGES_PER_PAGE, offset=offset)
            passages = Markup(render_passages(cell))  # an autoescaped template: every article string is escaped
        except PropscanError as exc:
            error = str(exc)
    pages: dict[str, str] = {}
    if cell is not None and store is not None and group is not None:
        if offset > 0:
            pages["previous"] = _passages_href(store, by, group, cell.metric, max(0, offset - PASSAGES_PER_PAGE))
        if cell.more:
            pages["next"] = _passages_href(store, by, group, cell.metric, offset + PASSAGES_PER_PAGE)
    back = "/corpus?" + urlencode({"store": store, "by": by}) if store in stores else "/corpus"
    return _render(
        request, "corpus_passages.html", store=store if store in stores else None, by=by, group=group, cell=cell,
        passages=passages, error=error, back=back, pages=pages,
    )


@router.get("/docs", response_class=HTMLResponse)
async def docs_page(request: Request) -> HTMLResponse:
    """A local API reference built from the OpenAPI schema (no CDN, no JS)."""
    # Kept instead of FastAPI's /docs and /redoc. Their assets are available offline from PyPI
    # (fastapi-offline vendors swagger-ui and redoc), but fastapi.openapi.docs.get_swagger_ui_html
    # starts Swagger UI with an inline <script> and ReDoc injects <style> elements, both refused
    # by this app's Content-Security-Policy (script-src 'self'; style-src 'self'). Relaxing the
    # CSP would weaken the origin that serves the token-protected API; this page is rendered on
    # the server from the same app.openapi(), needs no JavaScript, and keeps ~2.7 MB of vendored
    # JS out of the server extra.
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema", {})
            ok = ((op.get("responses") or {}).get("200") or {}).get("content", {}).get("application/json", {}).get("schema", {})
            endpoints.append({
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary") or "",
                "description": op.get("description") or "",
                "request": _schema_name(body),
                "response": _schema_name(ok),
                "errors": [c for c in (op.get("responses") or {}) if c not in ("200", "422")] + (
                    ["422"] if "422" in (op.get("responses") or {}) else []),
            })
    schemas = {k: json.dumps(v, indent=2) for k, v in sorted(spec.get("components", {}).get("schemas", {}).items())}
    return _render(request, "docs.html", endpoints=endpoints, schemas=schemas, info=spec.get("info", {}))


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return "list of " + str(schema["items"]["$ref"]).rsplit("/", 1)[-1]
    return ""
