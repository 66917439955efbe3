"""The one logging set-up of every vraagbaak process (command, bot, web worker)."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()  # kept out of every log line, whenever logging is set up again


def configure_logging(level: int) -> None:
    """Lines to stderr at `level` and above; called again, it only changes the level."""
    root = logging.getLogger()
    if not root.handlers:  # kept where a test runner (or uvicorn's parent) installed its own
        logging.basicConfig(format=LOG_FORMAT)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, the bot token too
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # which CPU build, every start
    for secret in _secrets:
        _filter_handlers(secret)  # handlers installed since


class RedactToken(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def redact(token: str) -> None:
    """Keeps `token` out of every line the root logger's handlers write, now and after any
    later `configure_logging`."""
    _secrets.add(token)
    _filter_handlers(token)


def _filter_handlers(token: str) -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
