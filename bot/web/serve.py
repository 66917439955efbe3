"""`vraagbaak serve`: uvicorn running the app factory, with one or more worker processes."""

from __future__ import annotations

import os
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from retrieval.settings import get_settings

#: A new worker first re-imports the `vraagbaak` command (torch and all: seconds) before it can
#: answer uvicorn's health check; the default 5 s gets slow-starting workers killed in a loop.
WORKER_START_SECONDS = 90
#: Room for a long question in a GET query string; the app then refuses it with a JSON message.
MAX_REQUEST_LINE_BYTES = 128 * 1024
STARTUP_FAILURE = 3  # uvicorn's exit code when the app did not start


class TcpConfig(uvicorn.Config):
    """uvicorn's Config, but the socket it binds for worker processes says it is TCP.

    uvicorn binds that socket with protocol 0, so asyncio does not set TCP_NODELAY on the
    connections the workers accept, and Nagle's algorithm holds each response body back behind
    its headers until the client's delayed ACK: 40 ms more per request.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())


def run_server(host: str, port: int, workers: int, webhook_url: str | None) -> None:
    """Serve until interrupted; with `webhook_url`, every worker (re)registers the same webhook."""
    if webhook_url is not None:
        settings = get_settings()
        if settings.telegram_bot_token is None or settings.webhook_secret is None:
            raise ValueError("--webhook-url needs TELEGRAM_BOT_TOKEN and WEBHOOK_SECRET")
        os.environ["WEBHOOK_URL"] = webhook_url  # for the app's settings, in every worker
        get_settings.cache_clear()
    config = TcpConfig(
        "bot.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        h11_max_incomplete_event_size=MAX_REQUEST_LINE_BYTES,
        timeout_graceful_shutdown=5,
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
