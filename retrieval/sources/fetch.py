"""HTTP with timeouts and bounded retries, for every remote source."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import httpx

from retrieval.parsing.errors import too_large
from retrieval.settings import Settings

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A remote source could not give what was asked (network, HTTP status, bad content)."""


class Fetcher:
    """GETs with the settings' timeout and size limit; timeouts, connection errors and 5xx are
    retried."""

    def __init__(self, settings: Settings) -> None:
        self.retries = settings.http_retries
        self.max_bytes = settings.max_document_bytes
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
        """The response to a GET; a body over the size limit is refused while it streams in."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(0.2 * 2 ** (attempt - 1))
            try:
                response = self._read(url, params)
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

    def _read(self, url: str, params: Mapping[str, str] | None) -> httpx.Response:
        max_bytes = self.max_bytes
        with self.client.stream("GET", url, params=params) as response:
            if response.status_code >= 400:
                return response  # only its status is read
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise SourceError(too_large(url, declared, max_bytes))
            body = bytearray()
            for piece in response.iter_bytes():  # decoded: the limit holds after gzip too
                body += piece
                if len(body) > max_bytes:
                    raise SourceError(too_large(url, len(body), max_bytes, at_least=True))
            headers = {
                k: v
                for k, v in response.headers.items()
                if k.lower() not in ("content-encoding", "content-length")
            }
            return httpx.Response(
                response.status_code, headers=headers, content=bytes(body), request=response.request
            )
