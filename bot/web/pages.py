"""The pages people open: the search page and a document with its passage highlighted."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from bot.web.deps import EngineDep, SettingsDep, site_path, templates
from bot.web.passages import parse_span, section_at, segments, shorten, summary
from retrieval.documents import Span
from retrieval.errors import QuestionError
from retrieval.filters import DOC_TYPES, SearchFilter, parse_sort
from retrieval.results import SearchResult, permalink
from retrieval.timeline import Timeline

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGE_RESULTS = 5  # passages shown on the search page
PAGE_TIMELINE = 30  # documents shown in the timeline view


@router.get("/")
def search_page(
    request: Request,
    engine: EngineDep,
    q: Annotated[str | None, Query(description="The question")] = None,
    since: str | None = None,
    until: str | None = None,
    types: Annotated[list[str] | None, Query(alias="type")] = None,
    ministry: str | None = None,
    person: str | None = None,
    sort: str | None = None,
    view: Literal["results", "timeline"] = "results",
) -> HTMLResponse:
    """The search form (question, and in a fold-out the filters and the order: no script), with
    the results, or the timeline of the question's topic."""
    result: SearchResult | Timeline | None = None
    error: str | None = None
    form = {"since": since, "until": until, "types": types or [], "ministry": ministry}
    form |= {"person": person, "sort": sort or "relevance"}
    if q is not None:
        try:
            filters = SearchFilter.parse(since, until, types, ministry, person)
            if view == "timeline":
                result = engine.timeline(q, k=PAGE_TIMELINE, filters=filters)
            else:
                result = engine.search(q, k=PAGE_RESULTS, filters=filters, sort=parse_sort(sort))
        except QuestionError as exc:
            error = str(exc)
    passages = (
        (result.entries if isinstance(result, Timeline) else result.results) if result else []
    )
    links = [permalink(site_path(request), p.doc_id, p.span) for p in passages]
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q or "",
            "result": result,
            "passages": passages,
            "links": links,
            "error": error,
            "view": view,
            "form": form,
            "doc_types": DOC_TYPES,
            "unfolded": bool(since or until or types or ministry or person or sort),
        },
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
            "og_url": page_url(settings.public_base_url, doc_id, marked),
        },
    )


def page_url(public_base_url: str | None, doc_id: str, marked: Span | None) -> str | None:
    """The page's canonical URL: the permalink without its fragment; None without a public URL
    (a canonical URL must be absolute, and the request's Host is not to be trusted)."""
    if not public_base_url:
        return None
    site = public_base_url.rstrip("/")
    return permalink(site, doc_id, marked).partition("#")[0] if marked else f"{site}/d/{doc_id}"
