"""The one logging set-up of every vraagbaak process (command, bot, web worker)."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int) -> None:
    logging.basicConfig(format=LOG_FORMAT, level=level, force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, the bot token too
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # which CPU build, every start


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
    """Keeps `token` out of every line the root logger's handlers write."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
