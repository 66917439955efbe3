"""What the service loads on start, shared by every request of one worker process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram.ext import Application

from bot.settings import AdapterSettings

if TYPE_CHECKING:
    from retrieval.engine import Engine


@dataclass
class ServiceState:
    settings: AdapterSettings
    engine: Engine | None = None
    telegram: Application | None = None  # only in webhook mode
    started: bool = False  # everything above is loaded and running
    failure: str | None = None  # why loading failed, for /readyz and the API's 503s
