"""What the service loads on start, shared by every request of one worker process."""

from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from retrieval.engine import Engine, get_engine
from retrieval.settings import Settings

log = logging.getLogger(__name__)

#: Searched once on start so the model is loaded before /readyz says so.
WARM_UP_QUESTION = "Wat is spyware?"


@dataclass
class ServiceState:
    settings: Settings
    engine: Engine | None = None
    telegram: Application | None = None  # only in webhook mode
    started: bool = False  # everything above is loaded and running
    failure: str | None = None  # why loading failed, for /readyz (details are in the log)


def load_engine(settings: Settings) -> Engine:
    """The engine, indexed and warmed up; one worker at a time builds a missing index."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with Path(settings.data_dir / ".web-start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # workers share the data dir: index it only once
        engine = get_engine(settings)
    engine.search(WARM_UP_QUESTION)
    log.info("Search engine ready: %d documents", len(engine.documents()))
    return engine
