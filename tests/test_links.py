"""Only http(s) URLs become links: what a document states as its source is data until checked."""

from __future__ import annotations

import pytest

from retrieval.documents import Document, Section, Span
from retrieval.links import http_url
from retrieval.parsing import parse_bytes, parse_text
from tests.conftest import KAMERVRAAG_PAGE

HOSTILE = (
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "https:javascript:alert(1)",
    "https://",
    "//evil.example/x",
    "/d/elsewhere",
    "https://a b.example/",
    "https://example.org/\u200b",
    "http://[unclosed",
    "",
)
WEB = (
    "https://zoek.officielebekendmakingen.nl/kv-tk-2017Z04681.html",
    "http://example.org",
    "HTTPS://Example.org/a?b=1&c=2#x",
    'https://example.org/"><script>alert(1)</script>',  # harmless once the attribute is escaped
)


@pytest.mark.parametrize("url", HOSTILE)
def test_anything_but_a_web_url_is_refused(url: str) -> None:
    assert http_url(url) is None


@pytest.mark.parametrize("url", WEB)
def test_web_urls_are_kept_as_they_are(url: str) -> None:
    assert http_url(url) == url


@pytest.mark.parametrize("hostile", HOSTILE[:3])
def test_kamervraag_keeps_only_web_urls_as_sources(hostile: str) -> None:
    answer = "https://zoek.officielebekendmakingen.nl/ah-tk-20232024-9999.html"
    document = parse_text(
        KAMERVRAAG_PAGE.format(vraag=hostile, antwoord=answer), source_file="kv.txt"
    )
    assert document.urls == {"antwoord": answer}
    assert hostile.strip() in document.text  # the line itself is kept as text: it is data
    assert parse_text(KAMERVRAAG_PAGE.format(vraag=hostile, antwoord=hostile)).urls == {}


def test_html_page_keeps_only_a_web_canonical_url() -> None:
    page = (
        "<html><head><title>Spyware</title><link rel='canonical' href='{href}'></head>"
        "<body><h1>Spyware</h1><p>De uitvoer van spyware is vergunningplichtig.</p></body></html>"
    )
    hostile = parse_bytes(page.format(href="javascript:alert(1)").encode(), "spyware.html")
    assert hostile.urls == {}
    kept = parse_bytes(page.format(href="https://example.org/spyware").encode(), "spyware.html")
    assert kept.urls == {"bron": "https://example.org/spyware"}


def test_stored_documents_link_only_web_urls() -> None:
    """Stored before the parsers checked, or named in a manifest: checked on the way out."""
    document = Document(
        "doc", "kamervraag", "Titel", [Section("Vraag 1", "qa", Span(0, 6))], text="Tekst.",
        urls={"antwoord": "javascript:alert(1)", "vraag": "https://example.org/vraag"},
    )  # fmt: skip
    assert document.links == {"vraag": "https://example.org/vraag"}
    assert document.url == "https://example.org/vraag"
    document.urls = {"antwoord": "data:text/html,x"}
    assert document.links == {} and document.url is None
