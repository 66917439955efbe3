"""The FastAPI application: one app for people (pages), programs (API) and Telegram (webhook)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.settings import AdapterSettings
from bot.web import api, pages, webhook
from bot.web.deps import templates
from bot.web.state import ServiceState
from retrieval.engine import Engine
from retrieval.errors import IndexUnavailable, SettingError
from retrieval.results import QuestionError

log = logging.getLogger(__name__)

#: Searched once on start so the model is loaded before /readyz says so.
WARM_UP_QUESTION = "Wat is spyware?"

MAX_BODY_BYTES = 1 << 20  # requests announcing a larger body are refused (413)
JSON_PREFIXES = ("/api/", "/telegram/", "/healthz", "/readyz", "/docs", "/openapi.json")


def create_app(settings: AdapterSettings, load_engine: Callable[[], Engine]) -> FastAPI:
    """The service; `load_engine` (given by the composition root, `bot/cli.py`) runs on start."""
    app = FastAPI(
        title="vraagbaak",
        summary="Quoted answers from Dutch government documents, with their sources.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.service = ServiceState(settings)
    app.state.load_engine = load_engine
    app.include_router(api.router)
    app.include_router(api.health)
    app.include_router(pages.router)
    app.include_router(webhook.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(QuestionError, question_error)
    app.add_exception_handler(SettingError, unavailable)
    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(LimitBody)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Loads in the background so /healthz answers at once and /readyz tells when it is done."""
    state: ServiceState = app.state.service
    task = asyncio.create_task(start(state, app.state.load_engine))
    try:
        yield
    finally:
        task.cancel()
        if state.telegram is not None:
            await webhook.stop_telegram(state.telegram)


async def start(state: ServiceState, load_engine: Callable[[], Engine]) -> None:
    try:
        engine = await run_in_threadpool(load_engine)
        await run_in_threadpool(engine.search, WARM_UP_QUESTION)
        log.info("Search engine ready: %d documents", len(engine.documents()))
        state.engine = engine
        if state.settings.webhook_enabled:
            state.telegram = await webhook.start_telegram(state.settings, engine)
    except (SettingError, IndexUnavailable) as exc:  # one line that says what to do
        log.error("The service cannot start: %s", exc)
        state.failure = str(exc)
        return
    except Exception:
        log.exception("The service could not start")
        state.failure = "The service could not start; see its log."
        return
    state.started = True


# --- errors: JSON with a message for programs, a page for people; never internals -----------
def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES) or "text/html" not in request.headers.get(
        "accept", ""
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status_code": exc.status_code, "message": exc.detail},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()
    ]  # the input itself is left out: it may be huge
    message = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": message, "errors": errors}, 422)


async def question_error(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 422)


async def unavailable(_: Request, exc: Exception) -> JSONResponse:
    """A setting or the database failed under a request: the one line that says so."""
    log.error("%s", exc)
    return JSONResponse({"detail": str(exc)}, 503)


async def internal_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("Unhandled error", exc_info=exc)
    return JSONResponse({"detail": "Internal server error."}, 500)


class LimitBody:
    """Refuses requests that announce a body over MAX_BODY_BYTES before reading it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if length.isdigit() and int(length) > MAX_BODY_BYTES:
                response = JSONResponse({"detail": "Request body too large."}, 413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
