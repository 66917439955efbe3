"""/docs: Swagger UI from files this service serves, so it works without internet access.

FastAPI's own /docs loads Swagger UI from a CDN and starts it with an inline script, which the
Content-Security-Policy forbids. The assets come from the `fastapi-offline` package; the page
starts them with `static/docs.js`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot.web.deps import templates

#: swagger-ui-bundle.js, swagger-ui.css and favicon.png, as the package ships them.
SWAGGER_UI_ASSETS = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html")
