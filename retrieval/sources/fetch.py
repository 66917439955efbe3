"""HTTP with timeouts and bounded retries, for every remote source."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import httpx

from retrieval.settings import Settings

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A remote source could not give what was asked (network, HTTP status, bad content)."""


class Fetcher:
    """GETs with the settings' timeout; timeouts, connection errors and 5xx are retried."""

    def __init__(self, settings: Settings) -> None:
        self.retries = settings.http_retries
        self.client = httpx.Client(
            timeout=settings.http_timeout,
            follow_redirects=True,
            headers={"User-Agent": "vraagbaak/0.1"},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(0.2 * 2 ** (attempt - 1))
            try:
                response = self.client.get(url, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as error:
                problem = f"connection failed ({error})"
            else:
                if response.status_code < 400:
                    return response
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500:
                    break
            log.info("GET %s: %s (attempt %d)", url, problem, attempt + 1)
        raise SourceError(f"{url}: {problem}")
