"""Tweede Kamer questions and answers as text extracted from the official PDF/DOCX files.

Extraction leaves page headers and footers, footnotes in mid-text and glued words ("bijhet"); we
drop the recognisable furniture lines, keep every word as extracted, and find "Vraag N" /
"Antwoord N" pairs (or numbered questions) where they exist. Any other text is cut into headed
sections (see `sections`), so every document can be searched.
"""

from __future__ import annotations

import re

from retrieval.documents import Document, Section, Span
from retrieval.parsing.cleaning import collapse_blank_lines, normalize, slug
from retrieval.parsing.errors import ParseError
from retrieval.parsing.fields import (
    ZAAK,
    addressed_ministry,
    iso_date,
    ministry_of,
    submitters_from_request,
)
from retrieval.parsing.layout import lines, trimmed
from retrieval.parsing.qa import build_sections, find_headings
from retrieval.parsing.sections import headed_sections, text_blocks

# Page headers and footers of Handelingen and Kamerstukken PDFs.
_FURNITURE = re.compile(
    r"^(?:ah-tk-\d{8}-\d+|kv-tk-\d{4}Z\d{5}|ISSN \d{4} - \d{4}.*|’s-Gravenhage \d{4}.*"
    r"|Tweede Kamer, vergaderjaar \d{4}–\d{4}, (?:Aanhangsel|Vragen).*)$"
)
# The document's own number, printed as a page header or footer line of its own.
_OWN_NUMBER = re.compile(r"^[ \t]*((?:ah|kv)-tk-(?:\d{8}-\d+|\d{4}Z\d{5}))[ \t]*$", re.MULTILINE)
# A zaak number on a line of its own, as DOCX questions start ("2024Z18891").
_ZAAK_LINE = re.compile(rf"^[ \t]*{ZAAK.pattern}[ \t]*$")
# An Aanhangsel answer's first line ("AH 605"): its zaak number is the question's, not its own.
_AANHANGSEL = re.compile(r"^AH\s+\d+$")
#: How many non-blank lines at the top of a text make its head, where an id may stand.
HEAD_LINES = 10
_MINISTER = re.compile(
    r"(?:Antwoord|Mededeling)\s+van\s+((?:de\s+)?(?:[Mm]inister|[Ss]taatssecretaris)[^(]*?\s*\([^)]*\))"
)


def clean(raw: str) -> str:
    """The text without page headers/footers and whitespace-only lines."""
    kept = [line for line in normalize(raw).split("\n") if not _FURNITURE.match(line.strip())]
    return collapse_blank_lines("\n".join(line if line.strip() else "" for line in kept))


def parse(raw: str, source_file: str | None) -> Document:
    text = clean(raw)
    if not text:
        raise ParseError(f"{source_file or 'text'}: no text")
    headings = find_headings(text)
    questions = [h for h in headings if h.kind == "question"]
    if questions:
        header = trimmed(text, 0, headings[0].start)
        sections = [Section("Gegevens", "header", header)] if header else []
        sections += build_sections(text, headings, len(text))
    else:
        sections = headed_sections(text, text_blocks(text, _paragraphs(text)))
    ministers = [" ".join(m[1].split()) for m in _MINISTER.finditer(text)][:1]
    return Document(
        doc_id=_doc_id(raw, source_file),
        doc_type="kamervraag" if questions else "document",
        title=_title(text, source_file),
        text=text,
        sections=sections,
        date=iso_date(_after(text, "ontvangen")) or iso_date(_after(text, "ingezonden")),
        submitted=iso_date(_after(text, "ingezonden")),
        answered=iso_date(_after(text, "ontvangen")),
        submitters=submitters_from_request(text),
        ministers=ministers,
        ministry=ministry_of(ministers[0]) if ministers else addressed_ministry(_request(text)),
        source_file=source_file,
    )


def _paragraphs(text: str) -> list[Span]:
    """Paragraphs end at blank lines and, in PDF text (few blank lines), at sentence ends."""
    found: list[Span] = []
    start = 0
    for line in lines(text):
        if not line.text or re.search(r"[.?!:]$", line.text):
            if span := trimmed(text, start, line.end):
                found.append(span)
            start = line.end
    if span := trimmed(text, start, len(text)):
        found.append(span)
    return found


def _request(text: str) -> str:
    """'Vragen van het lid X (Partij) aan de Minister van Y over Z', up to '(ingezonden' or the
    end of its paragraph."""
    match = re.search(r"vragen\s+van\s.{0,700}?(?=\(ingezonden|\n\n|$)", text, re.I | re.DOTALL)
    return match[0] if match else ""


def _after(text: str, word: str) -> str | None:
    """The date in '(ingezonden 30 oktober 2024)' / '(ontvangen 19 november 2024)'."""
    match = re.search(rf"\(\s*{word}\s+([^)]{{1,40}})", text)
    return match[1] if match else None


def _doc_id(raw: str, source_file: str | None) -> str:
    """Where these files print an id: the document's own number as a header or footer line
    (ah-tk-…, kv-tk-…), else a zaak number on a line of its own in the head of a question (an
    answer's head names its question's zaak), else the file name.

    A number mentioned in the running text is never the document's id.
    """
    if own := _OWN_NUMBER.search(raw):
        return own[1]
    head = [line.strip() for line in raw.split("\n") if line.strip()][:HEAD_LINES]
    if not any(_AANHANGSEL.match(line) for line in head):
        for line in head:
            if zaak := _ZAAK_LINE.match(line):
                return f"kv-tk-{zaak[1]}Z{zaak[2]}"
    return slug(source_file or "document")


def _title(text: str, source_file: str | None) -> str:
    """The subject after 'over' in 'Vragen van ... over <onderwerp> (ingezonden ...)', else the
    first line that reads as a sentence (DOCX answers start with 'AH 604' and a zaak number)."""
    # "Sportover zorg": extraction glues words, so "over" may follow one without a space.
    match = re.search(
        r"vragen van .+?over\s+(.+?)(?=\s*\((?:ingezonden|ontvangen)|\n\n|\Z)",
        text,
        re.DOTALL | re.IGNORECASE,
    )
    if match:
        return " ".join(match[1].split()).rstrip(".")
    first = next((line.text for line in lines(text) if len(line.text.split()) >= 4), "")
    return first[:120] or source_file or "Document"
