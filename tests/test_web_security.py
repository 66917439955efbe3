"""What protects the HTTP service from its clients: request bodies limited while they stream in.

Against a real `vraagbaak serve` process.
"""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.web.security import MAX_BODY_BYTES, TOO_LARGE
from bot.web.webhook import webhook_path
from tests.conftest import WEBHOOK_SECRET, WebServer


# --- request bodies -------------------------------------------------------------------------
def rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) * 1024  # type: ignore[index]


def post_chunked(
    base_url: str, path: str, headers: dict[str, str], total: int
) -> tuple[int, str, dict, int]:
    """POST `total` bytes chunked as fast as the server reads them; stops sending when it
    answers. Returns (status, content type, JSON body, bytes sent)."""
    url = urlsplit(base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=30)
    head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Transfer-Encoding: chunked"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"[" * 65536
    frame = memoryview(b"%x\r\n%b\r\n" % (len(chunk), chunk))
    sent, pending = 0, frame
    sock.setblocking(False)
    deadline = time.monotonic() + 60
    while sent < total and time.monotonic() < deadline:
        readable, writable, _ = select.select([sock], [sock], [], 1)
        if readable:  # the server answered before the body ended
            break
        if writable:
            try:
                pending = pending[sock.send(pending) :]
            except BlockingIOError:
                continue
            if not pending:
                sent, pending = sent + len(chunk), frame
    else:
        sock.setblocking(True)
        sock.sendall(b"0\r\n\r\n")
    sock.setblocking(True)
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    sock.close()
    return response.status, response.getheader("content-type", ""), json.loads(body), sent


@pytest.fixture
def webhook(web_server: WebServer) -> tuple[str, dict[str, str]]:
    path = f"/telegram/{webhook_path(web_server.settings)}"
    return path, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


@pytest.mark.parametrize("route", ["api", "webhook"])
def test_a_chunked_body_is_cut_off_at_the_limit(
    web_server: WebServer, webhook: tuple[str, dict[str, str]], route: str
) -> None:
    """A 256 MiB chunked body: the server stops reading after 1 MiB and answers 413 in JSON."""
    path, headers = ("/api/ask", {}) if route == "api" else webhook
    before = rss_bytes(web_server.process.pid)
    status, content_type, body, sent = post_chunked(
        web_server.base_url, path, {"Content-Type": "application/json", **headers}, 256 << 20
    )
    assert (status, content_type, body) == (413, "application/json", {"detail": TOO_LARGE})
    assert sent < MAX_BODY_BYTES + (16 << 20)  # the rest was never read: socket buffers at most
    assert rss_bytes(web_server.process.pid) - before < 32 << 20
    assert httpx.get(f"{web_server.base_url}/healthz").status_code == 200


def test_an_announced_large_body_is_refused_unread(
    web_server: WebServer, webhook: tuple[str, dict[str, str]]
) -> None:
    path, headers = webhook
    response = httpx.post(
        f"{web_server.base_url}{path}", content=b"{" * (MAX_BODY_BYTES + 1), headers=headers
    )
    assert response.status_code == 413 and response.json() == {"detail": TOO_LARGE}


def test_a_body_at_the_limit_is_read(web_server: WebServer) -> None:
    padding = " " * (MAX_BODY_BYTES - 100)
    body = f'{{"question": "Wat is spyware?", "k": 1{padding}}}'.encode()
    assert len(body) <= MAX_BODY_BYTES
    response = httpx.post(
        f"{web_server.base_url}/api/ask", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and len(response.json()["results"]) == 1
