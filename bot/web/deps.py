"""Typed dependencies of the routers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates

from bot.settings import AdapterSettings
from bot.web.state import ServiceState
from retrieval.engine import Engine

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


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


StateDep = Annotated[ServiceState, Depends(get_state)]
SettingsDep = Annotated[AdapterSettings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine_dep)]
