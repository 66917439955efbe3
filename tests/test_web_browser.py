"""A real browser: headless Chromium searches, follows a result and sees the passage marked.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
messages ending in NUL on file descriptors 3 and 4), so nothing beyond Debian's `chromium` is
needed. A screenshot of the passage page goes to a temporary folder, or where
VRAAGBAAK_SCREENSHOT says (`VRAAGBAAK_SCREENSHOT=docs/screenshot-passage.png` refreshes the
README's).
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

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUESTION = "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
]  # fmt: skip
TIMEOUT = 20.0

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install chromium; scripts/test does)",
)


class Browser:
    """One headless Chromium with one page, driven by DevTools protocol commands."""

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

    def command(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._next_message(deadline)
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

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
    browser: Browser, web: httpx.Client, web_server: object, tmp_path: Path
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
    screenshot = Path(os.environ.get("VRAAGBAAK_SCREENSHOT") or tmp_path / "passage.png")
    browser.screenshot(screenshot)
    assert screenshot.read_bytes().startswith(b"\x89PNG")
