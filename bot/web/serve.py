"""`vraagbaak serve`: uvicorn running the app, in this process or in several worker processes."""

from __future__ import annotations

import socket
import sys

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

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


def run_server(app: FastAPI | str, host: str, port: int, workers: int) -> None:
    """Serve until interrupted: `app` itself, or with several workers the import string of an
    app factory that each worker process calls."""
    config = TcpConfig(
        app,
        factory=isinstance(app, str),
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
