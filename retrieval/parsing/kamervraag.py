"""Kamervraag web pages: a header of fields, "• Vraag N" blocks with the answer indented below
the question, "• Mededeling - <datum>" delay notices and a footer of document numbers."""

from __future__ import annotations

import re

from retrieval.documents import Document, Section, Span
from retrieval.links import http_url
from retrieval.parsing.cleaning import normalize
from retrieval.parsing.errors import ParseError
from retrieval.parsing.fields import iso_date, ministry_of, split_top_level
from retrieval.parsing.layout import lines, trimmed
from retrieval.parsing.qa import Heading, build_sections, find_headings

_FIRST_LINE = re.compile(r"^Kamervraag\s+(\d{4}Z\d{5})\s*$")
_BULLET = re.compile(r"^[ \t]*(?:•[ \t]*)?")
_MEDEDELING = re.compile(r"^Mededeling\s*-\s*(.+)$")
_FOOTER = "Kamervraag document nummer:"


_FOOTER_LABEL = "Documentnummers"


def matches(text: str) -> bool:
    return bool(_FIRST_LINE.match(text.lstrip().split("\n", 1)[0])) and "• Vraag" in text


def parse(raw: str, source_file: str | None) -> Document:
    # The bullets and the indentation only show which block a line belongs to; the "Vraag N"
    # headings keep that structure in the cleaned text.
    text = normalize("\n".join(_BULLET.sub("", line) for line in raw.split("\n")))
    headings = find_headings(text)
    footer = text.find(_FOOTER)
    extra = [
        Heading("other", line.start, line.end, f"Mededeling {match[1].strip()}")
        for line in lines(text)
        if (match := _MEDEDELING.match(line.text))
    ]
    if footer >= 0:  # ends the last answer; its numbers and titles are the document's metadata
        extra.append(Heading("other", footer, footer, _FOOTER_LABEL, section_kind="header"))
    headings = sorted(headings + extra, key=lambda h: h.start)
    if not any(h.kind == "question" for h in headings):
        raise ParseError(f"{source_file or 'text'}: no 'Vraag N' found in Kamervraag page")
    header = trimmed(text, 0, headings[0].start)
    sections = [Section("Gegevens", "header", header)] if header else []
    sections += [
        s
        for s in build_sections(text, headings, len(text), implicit_answers=True)
        if s.label != _FOOTER_LABEL  # not a passage to quote: it answers nothing
    ]
    return _document(text, sections, header, source_file)


def _document(
    text: str, sections: list[Section], header: Span | None, source_file: str | None
) -> Document:
    head = header.of(text) if header else ""
    field = _fields(head)
    answered = field.get("Beantwoord", "")
    urls = {
        key: url
        for key in ("vraag", "antwoord")
        if field.get(f"Bron {key}") and (url := http_url(field[f"Bron {key}"].split()[0]))
    }
    doc_number = re.search(rf"^{_FOOTER}\s*(\S+)", text, re.MULTILINE)
    first = _FIRST_LINE.match(text.split("\n", 1)[0])
    doc_id = doc_number[1] if doc_number else f"kv-tk-{first[1]}" if first else None
    title_lines = [line for line in head.split("\n")[1:] if line.strip()]
    ministers = split_top_level(field.get("Beantwoord door", ""))
    return Document(
        doc_id=doc_id or "kamervraag",
        doc_type="kamervraag",
        title=title_lines[0].strip() if title_lines else doc_id or "Kamervraag",
        text=text,
        sections=sections,
        date=iso_date(answered),
        submitted=iso_date(field.get("Ingediend")),
        answered=iso_date(answered),
        submitters=split_top_level(field.get("Indieners", "")),
        ministers=ministers,
        ministry=ministry_of(ministers[0]) if ministers else None,
        urls=urls,
        source_file=source_file,
    )


def _fields(head: str) -> dict[str, str]:
    """Header lines 'Naam waarde' keyed by their field name."""
    names = (
        "Beantwoord door",  # before "Beantwoord", which it starts with
        "Ingediend",
        "Beantwoord",
        "Indieners",
        "Onderwerpen",
        "Bron vraag",
        "Bron antwoord",
    )
    found: dict[str, str] = {}
    for line in head.split("\n"):
        name = next((n for n in names if line.startswith(n + " ")), None)
        if name and name not in found:
            found[name] = line[len(name) :].strip()
    return found
