"""A real browser: headless Chromium searches, follows a result and sees the passage marked;
a document's script "source" never runs; /docs works without internet.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
messages ending in NUL on file descriptors 3 and 4), so nothing beyond Debian's `chromium` is
needed. It resolves no host but 127.0.0.1. A screenshot of the passage page goes to a temporary
folder, or where VRAAGBAAK_SCREENSHOT says (`VRAAGBAAK_SCREENSHOT=docs/screenshot-passage.png`
refreshes the README's).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from tests.conftest import WebServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUESTION = "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no internet, and fast about it
]  # fmt: skip
#: Runs in every page before its own scripts: records what the Content-Security-Policy blocked.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""
TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install chromium; scripts/test does)",
)


class ScriptRan(AssertionError):
    """A page opened a JavaScript dialog: a script of the page's (or an injected one) ran."""


class Browser:
    """One headless Chromium with one page, driven by DevTools protocol commands.

    A JavaScript dialog (`alert(…)`) in the page raises ScriptRan from the command that was
    waiting; the page's Content-Security-Policy violations are in `violations()`.
    """

    def __init__(self, user_data_dir: Path, width: int = 1000, height: int = 900) -> None:
        to_browser, self._commands = os.pipe()
        self._events, from_browser = os.pipe()

        def pipes_on_3_and_4() -> None:  # in the child, before exec
            read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser))
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=pipes_on_3_and_4,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._ids = iter(range(1, 1_000_000))
        target = self.command("Target.createTarget", url="about:blank")["targetId"]
        attached = self.command("Target.attachToTarget", targetId=target, flatten=True)
        self.session = attached["sessionId"]
        self.command(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
            session=self.session,
        )
        self.command("Page.enable", session=self.session)
        self.command(
            "Page.addScriptToEvaluateOnNewDocument", source=RECORD_VIOLATIONS, session=self.session
        )

    def command(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        sent = self._send(method, session, **params)
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._next_message(deadline)
            if reply.get("method") == "Page.javascriptDialogOpening":
                self._send("Page.handleJavaScriptDialog", self.session, accept=True)
                raise ScriptRan(f"a dialog opened: {reply['params'].get('message')!r}")
            if reply.get("id") == sent:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def _send(self, method: str, session: str | None, **params: Any) -> int:
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return message["id"]

    def _next_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._events], [], [], max(0, deadline - time.monotonic()))
            chunk = os.read(self._events, 1 << 16) if ready else b""
            if not chunk:
                raise TimeoutError("no answer from chromium")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def evaluate(self, expression: str) -> Any:
        result = self.command(
            "Runtime.evaluate", expression=expression, returnByValue=True, session=self.session
        )
        return result["result"].get("value")

    def wait_for(self, expression: str) -> Any:
        """The value of `expression` once it is truthy in a fully loaded page."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            value = self.evaluate(f"document.readyState === 'complete' && ({expression})")
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(expression)

    def open(self, url: str) -> None:
        self.command("Page.navigate", url=url, session=self.session)
        self.wait_for(f"location.href === {json.dumps(url)}")

    def violations(self) -> list[str]:
        return self.evaluate("window.violations")

    def screenshot(self, path: Path) -> None:
        data = self.command("Page.captureScreenshot", format="png", session=self.session)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        try:
            self.command("Browser.close")
            self.process.wait(10)
        except (OSError, TimeoutError, RuntimeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._events)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_search_follow_a_result_and_see_the_passage_marked(
    browser: Browser, web: httpx.Client, web_server: WebServer, tmp_path: Path
) -> None:
    base_url = str(web.base_url).rstrip("/")
    browser.open(f"{base_url}/")
    # type the question and submit the form, as a person would
    browser.evaluate(
        f"document.querySelector('#q').value = {json.dumps(QUESTION)};"
        "document.querySelector('form.search').submit()"
    )
    assert browser.wait_for("location.search.startsWith('?q=') && location.href")
    assert browser.wait_for("document.querySelectorAll('li.result').length") == 5
    first = web.get("/api/search", params={"q": QUESTION, "k": 1}).json()["results"][0]

    browser.evaluate("document.querySelector('a.passage-link').click()")
    browser.wait_for("location.pathname.startsWith('/d/')")
    ref = f"{first['start']}-{first['end']}"
    assert browser.evaluate("location.pathname + location.search + location.hash") == (
        f"/d/{first['doc_id']}?p={ref}#p-{ref}"
    )
    mark = browser.wait_for(
        """(() => {
            const mark = document.querySelector('mark');
            if (!mark) return null;
            const box = mark.getBoundingClientRect();
            return {
                id: mark.id,
                text: mark.textContent,
                targeted: document.querySelector(':target') === mark,
                background: getComputedStyle(mark).backgroundColor,
                top: box.top,
                viewport: innerHeight,
                scrolled: scrollY,
            };
        })()"""
    )
    assert mark["id"] == f"p-{ref}" and mark["targeted"]
    assert mark["text"] == first["text"]
    assert mark["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert 0 <= mark["top"] < mark["viewport"] and mark["scrolled"] > 0  # scrolled to it
    assert browser.violations() == []  # the page needs nothing its policy forbids
    screenshot = Path(os.environ.get("VRAAGBAAK_SCREENSHOT") or tmp_path / "passage.png")
    browser.screenshot(screenshot)
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def settle(browser: Browser) -> None:
    """Give a click's navigation or script time to happen; ScriptRan if a dialog opened."""
    time.sleep(0.3)
    browser.evaluate("1")


def test_a_script_stated_as_a_source_never_runs(
    browser: Browser, hostile_server: WebServer
) -> None:
    """Opening the pages and clicking every source link: no dialog, and no link that is no URL."""
    base_url = hostile_server.base_url
    documents = httpx.get(f"{base_url}/api/documents").json()
    assert len(documents) == 2
    pages = [f"{base_url}/d/{d['doc_id']}" for d in documents]
    pages.append(
        f"{base_url}/?q=" + quote("Is de export van spyware naar journalisten gecontroleerd?")
    )
    sources_clicked = 0
    for page in pages:
        browser.open(page)
        settle(browser)
        hrefs = browser.evaluate("[...document.links].map((a) => a.href)")
        assert hrefs and all(urlsplit(href).scheme in ("http", "https") for href in hrefs), hrefs
        for index in range(browser.evaluate("document.querySelectorAll('p.links a').length")):
            browser.open(page)
            browser.evaluate(f"document.querySelectorAll('p.links a')[{index}].click()")
            settle(browser)
            sources_clicked += 1
    assert sources_clicked >= 3  # the pages' own passage links and the one real source


def test_the_content_security_policy_stops_injected_script(
    browser: Browser, hostile_server: WebServer
) -> None:
    """Were a script link or handler ever to reach a page, the browser would not run it."""
    browser.open(f"{hostile_server.base_url}/d/notitie-spyware")
    assert browser.violations() == []
    browser.evaluate(
        """(() => {
            const link = document.createElement("a");
            link.href = "javascript:alert(document.domain)";
            document.body.append(link);
            link.click();
            document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="alert(1)">');
        })()"""
    )
    settle(browser)
    blocked = browser.violations()
    assert any(v.startswith("script-src-elem inline") for v in blocked), blocked  # the link
    assert any(v.startswith("script-src-attr inline") for v in blocked), blocked  # onerror


def test_api_docs_work_without_internet(browser: Browser, web_server: WebServer) -> None:
    browser.open(f"{web_server.base_url}/docs")
    operations = browser.wait_for("document.querySelectorAll('.opblock').length")
    assert operations >= 4  # search, ask, documents, one document
    assert browser.violations() == []
