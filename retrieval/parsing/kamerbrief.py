"""Ministry letters answering Kamervragen: a letter head (addresses, "Datum", "Betreft",
references), a cover paragraph and signature, then "Vraag N" / "Antwoord" blocks, with the
reference block repeated on every page."""

from __future__ import annotations

import re

from retrieval.documents import Document, Section
from retrieval.parsing.cleaning import (
    collapse_blank_lines,
    join_page_broken_sentences,
    normalize,
    slug,
)
from retrieval.parsing.errors import ParseError
from retrieval.parsing.fields import (
    iso_date,
    ministry_from_letterhead,
    ministry_of,
    submitters_from_request,
)
from retrieval.parsing.layout import trimmed
from retrieval.parsing.qa import build_sections, find_headings

# The reference block every page repeats; the one followed by "Uw Referentie" is the letter head.
_PAGE_FURNITURE = re.compile(r"^Onze Referentie\n+BZDOC-\S+$(?!\n+Uw Referentie)", re.MULTILINE)
_SIGNATURE = re.compile(
    r"^(?P<role>(?:De|Het)\s+(?:Minister|Staatssecretaris|Minister-president)\b[^\n]*(?:\n[^\n]+)*?),\n+(?P<name>[^\n]+)$",
    re.MULTILINE,
)


def matches(text: str) -> bool:
    return all(re.search(rf"^{field}\s", text, re.MULTILINE) for field in ("Datum", "Betreft"))


def clean(raw: str) -> str:
    """Drop the repeated page furniture and rejoin sentences that ran across its page break."""
    text = _PAGE_FURNITURE.sub("", normalize(raw))
    return join_page_broken_sentences(collapse_blank_lines(text))


def parse(raw: str, source_file: str | None) -> Document:
    text = clean(raw)
    headings = find_headings(text)
    if not headings:
        raise ParseError(f"{source_file or 'text'}: no 'Vraag N' / 'Antwoord' found in letter")
    opening = trimmed(text, 0, headings[0].start)
    sections = [Section("Brief", "header", opening)] if opening else []
    sections += build_sections(text, headings, len(text))
    head = opening.of(text) if opening else ""
    date = iso_date(_field(head, "Datum"))
    reference = re.search(r"Uw Referentie\s+(\d{4}Z\d{5})", head)
    submitted = re.search(r"ingezonden\s+op\s+(\d{1,2}\s+\w+\s+\d{4})", head)
    title = _field(head, "Betreft")
    signatures = list(_SIGNATURE.finditer(head))
    return Document(
        doc_id=f"kv-tk-{reference[1]}" if reference else slug(source_file or "kamerbrief"),
        doc_type="kamerbrief",
        title=title or "Brief",
        text=text,
        sections=sections,
        date=date,
        submitted=iso_date(submitted[1]) if submitted else None,
        answered=date,
        submitters=submitters_from_request(head),
        ministers=[f"{m['name'].strip()} ({' '.join(m['role'].split()[1:])})" for m in signatures],
        ministry=ministry_from_letterhead(head)
        or next(filter(None, (ministry_of(m["role"]) for m in signatures)), None),
        source_file=source_file,
    )


def _field(head: str, name: str) -> str | None:
    """A letter-head field's value, joined across the lines it wraps onto."""
    match = re.search(rf"^{name}\s+(.+(?:\n(?!\n).+)*)", head, re.MULTILINE)
    return " ".join(match[1].split()) if match else None
