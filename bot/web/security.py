"""What protects the service from its requests: the limit on bodies."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Requests to the API and the webhook carry at most this much; Telegram's updates and the
#: longest question are far smaller.
MAX_BODY_BYTES = 1 << 20
TOO_LARGE = "Request body too large (at most 1 MiB)."


class RefuseAnnouncedLargeBody:
    """Answers 413 to a request whose Content-Length is over MAX_BODY_BYTES, reading nothing.

    Bodies sent without a length (chunked) are counted as they are read, by FastAPI's
    `max_body_size` on the routers that read bodies; this check comes first so that a refusal
    is always the JSON `{"detail": …}` of every other error (FastAPI's own check, seeing the
    length, answers in plain text).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "0")
            if length.isdigit() and int(length) > MAX_BODY_BYTES:
                await JSONResponse({"detail": TOO_LARGE}, 413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
