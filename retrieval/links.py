"""Which URLs may become links: absolute http(s) URLs, nothing else.

A document states its sources as text ("Bron vraag https://…", a canonical link, a manifest
entry), and text can say anything: `javascript:alert(1)`, `data:…`, `file:///etc/passwd`, a
relative path. Every adapter that turns a stated URL into a link (an `href`, a Telegram URL
button) takes it through `http_url` first, so such text stays data.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SCHEMES = ("http", "https")


def http_url(value: str | None) -> str | None:
    """`value` if it is an absolute http(s) URL with a host, else None.

    Whitespace and control characters anywhere make it None too: browsers drop some of them
    before reading the scheme ("java\\tscript:"), and Telegram refuses such button URLs.
    """
    if not value or any(c.isspace() or not c.isprintable() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" in the host
        return None
    return value if parts.scheme.lower() in SCHEMES and parts.hostname else None
