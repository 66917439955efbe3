"""What protects every response and request: security headers, and the limit on bodies.

The pages show text from documents and questions, which anyone may have written; escaping keeps
it text, and these headers are the second line: no script but the service's own files, no
framing, no MIME sniffing, and only the origin as referrer to other sites.
"""

from __future__ import annotations

from secure import ContentSecurityPolicy, ReferrerPolicy, Secure, XContentTypeOptions, XFrameOptions
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Only the service's own files: no inline script or style, no plugins, no other origins, and
#: no page may frame these (clickjacking). `data:` images are Swagger UI's icons on /docs.
CONTENT_SECURITY_POLICY = (
    ContentSecurityPolicy()
    .default_src("'none'")
    .script_src("'self'")
    .style_src("'self'")
    .img_src("'self'", "data:")
    .connect_src("'self'")
    .form_action("'self'")
    .base_uri("'none'")
    .frame_ancestors("'none'")
)
SECURITY_HEADERS = Secure(
    csp=CONTENT_SECURITY_POLICY,
    xcto=XContentTypeOptions(),  # nosniff
    xfo=XFrameOptions().deny(),  # frame-ancestors for browsers that predate it
    referrer=ReferrerPolicy().strict_origin_when_cross_origin(),
)

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
