"""The pages people open: the search page and a document with its passage highlighted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from bot.settings import AdapterSettings
from bot.web.deps import EngineDep, SettingsDep, templates
from bot.web.passages import parse_span, section_at, segments, shorten, summary
from retrieval.documents import Span
from retrieval.results import QuestionError, SearchResult, permalink

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGE_RESULTS = 5  # passages shown on the search page


def site_url(request: Request, settings: AdapterSettings) -> str:
    """The service's public root: the configured one, else where this request came in."""
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


def relative_root(request: Request) -> str:
    return request.scope.get("root_path", "") + "/"


@router.get("/")
def search_page(
    request: Request,
    engine: EngineDep,
    q: Annotated[str | None, Query(description="The question")] = None,
) -> HTMLResponse:
    result: SearchResult | None = None
    error: str | None = None
    if q is not None:
        try:
            result = engine.search(q, k=PAGE_RESULTS)
        except QuestionError as exc:
            error = str(exc)
    links = (
        [permalink(relative_root(request), p.doc_id, p.span) for p in result.results]
        if result
        else []
    )
    return templates.TemplateResponse(
        request,
        "search.html",
        {"q": q or "", "result": result, "links": links, "error": error},
        status_code=400 if error else 200,
    )


@router.get("/d/{doc_id}")
def document_page(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    doc_id: str,
    p: Annotated[str | None, Query(description="START-END: the passage to highlight")] = None,
) -> HTMLResponse:
    document = engine.document(doc_id)
    if document is None:
        raise HTTPException(404, "Dit document bestaat niet (meer).")
    marked = parse_span(p, document)
    section = section_at(document, marked) if marked else None
    title = f"{document.title} — {section.label}" if section else document.title
    site = site_url(request, settings)
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "document": document,
            "segments": segments(document, marked),
            "marked": marked,
            "section": section,
            "stale_link": p is not None and marked is None,
            "og_title": title,
            "og_description": shorten(marked.of(document.text)) if marked else summary(document),
            "og_url": page_url(site, doc_id, marked),
        },
    )


def page_url(site: str, doc_id: str, marked: Span | None) -> str:
    """The page's canonical URL: the permalink without its fragment."""
    return permalink(site, doc_id, marked).partition("#")[0] if marked else f"{site}/d/{doc_id}"
