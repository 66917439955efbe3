"""OCR'd ministry decision memos (beslisnota's): a form-like head, then headed parts
("Aanleiding", "Geadviseerd besluit", "Kernpunten", "Toelichting") with hard-wrapped lines and
bullets that OCR turned into stray glyphs ("¢", "»", "«", "+", "e")."""

from __future__ import annotations

import re

from retrieval.documents import Document, Section
from retrieval.parsing.cleaning import collapse_blank_lines, normalize, slug, unwrap_lines
from retrieval.parsing.errors import ParseError
from retrieval.parsing.fields import iso_date, ministry_from_letterhead
from retrieval.parsing.layout import lines, trimmed
from retrieval.parsing.qa import Heading

HEADINGS = (
    "Aanleiding",
    "Geadviseerd besluit",
    "Kernpunten",
    "Toelichting",
    "Samenvatting",
    "Achtergrond",
    "Communicatie",
    "Draagvlak",
    "Financiële consequenties",
    "Juridische aspecten",
    "Bijlage",
    "Bijlagen",
)
# A bullet OCR read as a glyph; "e" only counts before a capital ("e Meer specifiek").
_BULLET = re.compile(r"^\s*(?:[¢»«•·▪■►*+]|e(?=\s+[A-Z]))\s+")
# Starts of a new paragraph inside a block: a (lost) bullet, a footnote ("1 Technologie...") or
# an addressee ("R: Uw akkoord").
_ITEM_START = re.compile(r"^(?:\s+[A-Z]|\d{1,2}\s+[A-Z]|[A-Z]{1,3}:\s)")


def matches(text: str) -> bool:
    return bool(re.search(r"^(?:TER BESLISSING|Geadviseerd besluit)\s*$", text, re.MULTILINE))


def clean(raw: str) -> str:
    """Bullet glyphs removed and each paragraph on one line, below the first heading.

    The head above it is a form whose line breaks separate fields, so its lines stay as they are.
    """
    all_lines = normalize(raw).split("\n")
    first = next(
        (i for i, line in enumerate(all_lines) if line.strip() in HEADINGS), len(all_lines)
    )
    head = [line.strip() for line in all_lines[:first]]
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(unwrap_lines(paragraph))
            out.append("")
            paragraph.clear()

    for line in all_lines[first:]:
        bare = _BULLET.sub("", line)
        if not bare.strip() or bare.strip() in HEADINGS:
            flush()
            out.extend([bare.strip(), ""] if bare.strip() else [])
        else:
            if bare != line or _ITEM_START.match(line):
                flush()
            paragraph.append(bare)
    flush()
    return collapse_blank_lines("\n".join([*head, "", *out]))


def parse(raw: str, source_file: str | None) -> Document:
    text = clean(raw)
    headings = [
        Heading("other", line.start, line.end, line.text)
        for line in lines(text)
        if line.text in HEADINGS
    ]
    if not headings:
        raise ParseError(f"{source_file or 'text'}: no memo headings ({', '.join(HEADINGS[:4])})")
    header = trimmed(text, 0, headings[0].start)
    sections = [Section("Gegevens", "header", header)] if header else []
    for index, heading in enumerate(headings):
        stop = headings[index + 1].start if index + 1 < len(headings) else len(text)
        if body := trimmed(text, heading.end, stop):
            sections.append(Section(heading.label, "text", body))
    head = header.of(text) if header else ""
    # "2024Z05760/2024D13328" in the form's head: the memo's own number is the D-number after
    # the zaak. Numbers in the memo's text are never its id.
    reference = re.search(r"\d{4}Z\d{5}/(\d{4}D\d{5})", head) or re.search(
        r"\b(\d{4}D\d{5})\b", head
    )
    request = re.search(r"^Verzoek\s+(\S+)\s+\(([^)]+)\)", head, re.MULTILINE)
    return Document(
        doc_id=f"beslisnota-{reference[1]}" if reference else slug(source_file or "beslisnota"),
        doc_type="beslisnota",
        title=_title(text, head),
        text=text,
        sections=sections,
        date=iso_date(m[1]) if (m := re.search(r"Datum\s+(\d{1,2}\s+\w+\s+\d{4})", head)) else None,
        submitters=[f"{request[1]} ({request[2]})"] if request else [],
        ministry=ministry_from_letterhead(head),
        source_file=source_file,
    )


def _title(text: str, head: str) -> str:
    """The subject line, with the article it names taken from where OCR left it whole.

    The subject in the head is broken by form fields OCR mixed in ("Binnengekomen op"); the
    quoted article title reappears intact on one line further on ('Nederlands techbedrijf ...’).
    """
    subject = next((line for line in head.split("\n") if line.startswith("Verzoek")), "")
    article = re.search(r"'([^'’\n]{10,200})’", text)
    if subject and article and "artikel" in subject:
        return f"{subject[: subject.index('artikel') + len('artikel')]} '{article[1]}’"
    return subject or "Beslisnota"
