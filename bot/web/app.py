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
from secure.middleware import SecureASGIMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.settings import AdapterSettings
from bot.web import api, docs, pages, webhook
from bot.web.deps import templates
from bot.web.security import (
    MAX_BODY_BYTES,
    SECURITY_HEADERS,
    TOO_LARGE,
    RefuseAnnouncedLargeBody,
)
from bot.web.state import ServiceState
from retrieval.engine import Engine
from retrieval.errors import IndexUnavailable, QuestionError, SettingError

log = logging.getLogger(__name__)

#: Searched once on start so the model is loaded before /readyz says so.
WARM_UP_QUESTION = "Wat is spyware?"

JSON_PREFIXES = ("/api/", "/telegram/", "/healthz", "/readyz", "/docs", "/openapi.json")


def create_app(settings: AdapterSettings, load_engine: Callable[[], Engine]) -> FastAPI:
    """The service; `load_engine` (given by the composition root, `bot/cli.py`) runs on start."""
    app = FastAPI(
        title="vraagbaak",
        summary="Quoted answers from Dutch government documents, with their sources.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # bot.web.docs serves /docs from local files; ReDoc would need a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        redirect_slashes=False,  # Starlette builds those redirects from the Host header
    )
    app.state.service = ServiceState(settings)
    app.state.load_engine = load_engine
    app.include_router(api.router, max_body_size=MAX_BODY_BYTES)
    app.include_router(api.health)
    app.include_router(pages.router)
    app.include_router(docs.router)
    app.include_router(webhook.router, max_body_size=MAX_BODY_BYTES)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount("/docs/assets", StaticFiles(directory=docs.SWAGGER_UI_ASSETS), name="swagger-ui")
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(QuestionError, question_error)
    app.add_exception_handler(SettingError, unavailable)
    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(RefuseAnnouncedLargeBody)
    app.add_middleware(SecureASGIMiddleware, secure=SECURITY_HEADERS)
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
    detail = TOO_LARGE if exc.status_code == 413 else exc.detail  # FastAPI's is terse
    if wants_json(request):
        return JSONResponse({"detail": detail}, exc.status_code, headers=exc.headers)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status_code": exc.status_code, "message": detail},
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
