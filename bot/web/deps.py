"""Typed dependencies of the routers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Query, Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from bot.settings import AdapterSettings
from bot.web.state import ServiceState
from retrieval.engine import Engine
from retrieval.filters import DOC_TYPES, MAX_NAME_CHARS, SearchFilter

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def site_path(request: Request) -> str:
    """The path every link within the service starts with ('/' or '/prefix/').

    Links carry no host, so none can point elsewhere: the request's Host header is the
    client's to choose, and a page built from it would send a shared link (or a cache in front
    of the service) to any host. The path is PUBLIC_BASE_URL's where it is set, else the
    server's root path.
    """
    configured = request.app.state.service.settings.public_base_url
    path = urlsplit(configured).path if configured else request.scope.get("root_path", "")
    return path.rstrip("/") + "/"


@pass_context
def url_for(context: Context, name: str, /, **path_params: object) -> str:
    """The templates' `url_for`: a route's path under `site_path` (Starlette's adds the Host)."""
    request: Request = context["request"]
    return site_path(request) + str(request.app.url_path_for(name, **path_params)).lstrip("/")


templates.env.globals["url_for"] = url_for


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_settings_dep(state: Annotated[ServiceState, Depends(get_state)]) -> AdapterSettings:
    return state.settings


def get_engine_dep(state: Annotated[ServiceState, Depends(get_state)]) -> Engine:
    if state.engine is not None:
        return state.engine
    if state.failure is not None:
        raise HTTPException(503, state.failure)
    raise HTTPException(
        503, "The search index is still loading; try again shortly.", {"Retry-After": "5"}
    )


def get_filters(
    since: Annotated[
        str | None,
        Query(
            description="Only documents dated on or after this day, YYYY-MM-DD (undated "
            "documents are left out and counted in `undated_excluded`)"
        ),
    ] = None,
    until: Annotated[
        str | None, Query(description="Only documents dated on or before this day, YYYY-MM-DD")
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(alias="type", description=f"Document types (repeatable): {', '.join(DOC_TYPES)}"),
    ] = None,
    ministry: Annotated[
        str | None, Query(max_length=MAX_NAME_CHARS, description="e.g. 'Buitenlandse Zaken'")
    ] = None,
    person: Annotated[
        str | None,
        Query(max_length=MAX_NAME_CHARS, description="Who asked or answered, e.g. 'Koenders'"),
    ] = None,
) -> SearchFilter:
    """The filter of the query string; a malformed value is a FilterError (422)."""
    return SearchFilter.parse(since, until, types, ministry, person)


StateDep = Annotated[ServiceState, Depends(get_state)]
FiltersDep = Annotated[SearchFilter, Depends(get_filters)]
SettingsDep = Annotated[AdapterSettings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine_dep)]
