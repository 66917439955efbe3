"""HTML pages: the readable blocks (headings, paragraphs, list items) become the text.

A page that carries numbered questions and answers (a Kamervraag page saved as HTML) is parsed
by the text formats from that text; any other page gets one section per heading, or is a
question with its answer.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from retrieval import parsing
from retrieval.documents import Document, Section, Span
from retrieval.links import http_url
from retrieval.parsing.cleaning import slug
from retrieval.parsing.errors import ParseError
from retrieval.parsing.qa import find_headings
from retrieval.parsing.sections import Block, headed_sections

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "li", "blockquote", "pre", "dt", "dd", "td", "th", "figcaption"}
_FURNITURE = ("script", "style", "noscript", "nav", "header", "footer", "form", "aside")


def matches(data: bytes) -> bool:
    return bool(re.match(rb"\s*(?:<!doctype html|<html)", data[:500], re.IGNORECASE))


def parse(data: bytes, name: str) -> Document:
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(f"{name}: unreadable HTML ({error})") from error
    etree.strip_elements(root, *_FURNITURE, with_tail=False)
    blocks = _blocks(root)
    if not blocks:
        raise ParseError(f"{name}: no readable text in HTML page")
    text = "\n\n".join(content for _, content in blocks)
    if any(h.kind == "question" for h in find_headings(text)):
        return parsing.parse_text(text, source_file=name)
    title = " ".join((root.findtext(".//title") or "").split())
    canonical = [u for u in root.xpath("//link[@rel='canonical']/@href") if http_url(u)]
    site = root.xpath("//meta[@property='og:site_name']/@content")
    sections = _sections(blocks)
    return Document(
        doc_id=slug(name.rsplit("/", 1)[-1]),
        doc_type="webpagina",
        title=title or next((c for tag, c in blocks if tag in _HEADINGS), blocks[0][1][:80]),
        text=text,
        sections=sections,
        urls={"bron": canonical[0]} if canonical else {},
        publisher=site[0] if site else None,
        source_file=name,
    )


def _blocks(root: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """(tag, text) of each outermost block element, in document order."""
    taken: set[lxml.html.HtmlElement] = set()
    found = []
    for element in root.iter(*_BLOCKS):
        if any(ancestor in taken for ancestor in element.iterancestors()):
            continue
        content = " ".join(element.text_content().split())
        if content:
            taken.add(element)
            found.append((element.tag, content))
    return found


def _sections(blocks: list[tuple[str, str]]) -> list[Section]:
    """Headed sections over the blocks, as they sit in the joined text (see `sections`)."""
    spans, offset = [], 0
    for tag, content in blocks:
        spans.append(Block(Span(offset, offset + len(content)), tag in _HEADINGS))
        offset += len(content) + 2
    return headed_sections("\n\n".join(content for _, content in blocks), spans)
