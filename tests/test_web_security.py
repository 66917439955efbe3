"""What protects the HTTP service from its clients: security headers on every response, links
that no Host header can redirect, and request bodies limited while they stream in.

Against real `vraagbaak serve` processes: `web_server` (PUBLIC_BASE_URL set) and
`hostile_server` (not set).
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

QUESTION = "Wil Nederland Rusland uitsluiten van INTERPOL?"
PAGES = ("/", f"/?q={QUESTION}", "/d/kv-tk-2022Z04503?p=0-40", "/docs", "/no-such-page")
FORGED = {
    "host": "evil.example",
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    "forwarded": "host=evil.example;proto=https",
    "accept": "text/html",
}


# --- headers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", [*PAGES, "/static/style.css", "/api/search?q=spyware", "/openapi.json", "/healthz"]
)
def test_every_response_carries_the_security_headers(web: httpx.Client, path: str) -> None:
    response = web.get(path, headers={"accept": "text/html"})
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"  # no inline script or style
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style(web: httpx.Client, path: str) -> None:
    page = web.get(path, headers={"accept": "text/html"}).text
    assert "<html" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # every script is a file
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page)


def test_api_docs_use_only_local_files(web: httpx.Client) -> None:
    page = web.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        assert asset.startswith("/"), asset  # this service, not a CDN
        response = web.get(asset)
        assert response.status_code == 200 and len(response.content) > 0
    assert re.search(r'data-openapi-url="/openapi.json"', page)


# --- the Host header ------------------------------------------------------------------------
def test_a_forged_host_changes_no_link(web: httpx.Client, web_server: WebServer) -> None:
    """Absolute URLs come from PUBLIC_BASE_URL; every other link is a path on this host."""
    for path in PAGES:
        page = web.get(path, headers=FORGED).text
        assert "evil.example" not in page
        links = re.findall(r'(?:href|src|action|content)="((?:https?:)?//[^"]*)"', page)
        for link in links:
            assert link.startswith(
                (web_server.base_url, "https://zoek.officielebekendmakingen.nl/")
            ), (path, link)
    page = web.get("/d/kv-tk-2022Z04503", params={"p": "0-40"}, headers=FORGED).text
    canonical = f"{web_server.base_url}/d/kv-tk-2022Z04503?p=0-40"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert '<a href="/">vraagbaak</a>' in page


def test_without_a_public_url_links_are_paths_and_there_is_no_canonical(
    hostile_server: WebServer,
) -> None:
    with httpx.Client(base_url=hostile_server.base_url, timeout=30) as client:
        for path in ("/", "/?q=spyware", "/d/notitie-spyware?p=0-20", "/no-such-page", "/docs"):
            page = client.get(path, headers=FORGED).text
            assert "evil.example" not in page and "127.0.0.1" not in page
            assert "canonical" not in page and "og:url" not in page
            assert '="/static/' in page


def test_no_redirect_is_built_from_the_host(web: httpx.Client) -> None:
    for path in ("/api/search/", "/docs/", "/d/kv-tk-2022Z04503/"):
        response = web.get(path, headers=FORGED)
        assert response.status_code == 404 and "location" not in response.headers


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
    path = f"/telegram/{webhook_path(web_server.adapters)}"
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
