"""The JSON API: search (GET and POST), documents, health."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from bot.web.deps import EngineDep, FiltersDep, StateDep
from bot.web.models import AskIn, DocumentOut, DocumentTextOut, ErrorOut, SearchOut, TimelineOut
from retrieval.filters import SearchFilter, Sort

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorOut,
        "description": "Unusable input (empty or too long, k out of range, a malformed filter)",
    },
    503: {"model": ErrorOut, "description": "Still loading, or why the service cannot answer"},
}

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)
health = APIRouter(tags=["health"])


@router.get("/search", response_model=SearchOut)
def search(
    engine: EngineDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, description="The question, Dutch or English")],
    k: Annotated[int | None, Query(ge=1, le=50, description="How many passages")] = None,
    offset: Annotated[int, Query(ge=0, le=100, description="Skip this many passages")] = 0,
    sort: Annotated[
        Sort, Query(description="date: newest first among the passages that answer")
    ] = "relevance",
) -> dict[str, object]:
    """The passages that answer `q`, best first: the shape of `vraagbaak search --json`."""
    return engine.search(q, k=k, offset=offset, filters=filters, sort=sort).to_json()


@router.get("/timeline", response_model=TimelineOut)
def timeline(
    engine: EngineDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, description="The topic, Dutch or English")],
    k: Annotated[int, Query(ge=1, le=100, description="At most this many documents")] = 20,
) -> dict[str, object]:
    """The documents that answer `q`, oldest first, each with its best answering quote: the
    shape of `vraagbaak timeline --json`."""
    return engine.timeline(q, k=k, filters=filters).to_json()


@router.post(
    "/ask",
    response_model=SearchOut,
    responses={
        400: {"model": ErrorOut, "description": "The body is not text (not UTF-8)"},
        413: {"model": ErrorOut, "description": "The body is over 1 MiB"},
    },
)
def ask(engine: EngineDep, body: AskIn) -> dict[str, object]:
    """`/api/search` with the question (and its filters) in a JSON body."""
    filters = SearchFilter.parse(body.since, body.until, body.type, body.ministry, body.person)
    return engine.search(
        body.question, k=body.k, offset=body.offset, filters=filters, sort=body.sort
    ).to_json()


@router.get("/documents", response_model=list[DocumentOut])
def documents(engine: EngineDep) -> list[DocumentOut]:
    """Every document with its metadata and sections (offsets into its text), newest first."""
    return [DocumentOut.model_validate(d) for d in engine.documents()]


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentTextOut,
    responses={404: {"model": ErrorOut, "description": "No such document"}},
)
def document(engine: EngineDep, doc_id: str) -> DocumentTextOut:
    """One document with its text; section and passage offsets point into `text`."""
    found = engine.document(doc_id)
    if found is None:
        raise HTTPException(404, "No such document.")
    return DocumentTextOut.model_validate(found)


@health.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@health.get("/readyz", responses={503: {"model": ErrorOut}})
def readyz(state: StateDep) -> JSONResponse:
    """The index and database are loaded (and the Telegram bot started, in webhook mode)."""
    if state.failure is not None:
        return JSONResponse({"detail": state.failure}, 503)
    if not state.started or state.engine is None:
        return JSONResponse({"detail": "loading"}, 503)
    return JSONResponse({"status": "ready", "documents": len(state.engine.documents())})
