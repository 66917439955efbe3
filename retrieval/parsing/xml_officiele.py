"""Kamervragen and Aanhangsels in the XML of officielebekendmakingen (`officiele-publicatie`).

The XML is turned into the same cleaned text a reader sees ("Vraag 1", the question, "Antwoord 1",
the answer, ...) with the headings' offsets known, so the shared pairing rules of `qa` build the
sections: grouped answers come from an `antwoord` with several `nr`, references ("Zie antwoord
vraag 2.") resolve as in the text formats. Footnotes (`noot`) keep their number in the sentence
and their text in a "Voetnoten" section; delay notices (`kamervraagopmerking`) become a
"Mededeling" section; `ondertekening` an "Ondertekening" one.

Newer documents use `kamervragen`, `kamervraagomschrijving`, `kamervraagnummer`; older ones
`vragen`, `omschr`, `nummer`. An Aanhangsel that names the question it answers (metadata
`OVERHEIDop.vraagnummer`) becomes the document of that question (id kv-tk-…), holding both links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from retrieval.documents import Document, Section
from retrieval.parsing.errors import ParseError
from retrieval.parsing.fields import (
    ZAAK,
    addressed_ministry,
    iso_date,
    ministry_of,
    submitters_from_request,
)
from retrieval.parsing.layout import trimmed
from retrieval.parsing.qa import Heading, build_sections

#: Where officielebekendmakingen.nl shows a publication as a page: the links a document cites.
PUBLICATION_PAGES_URL = "https://zoek.officielebekendmakingen.nl"
OWN_ID = re.compile(r"^(?:kv-tk-\d{4}Z\d{5}|ah-tk-\d{8}-\d+)$")
_ROOTS = ("kamervragen", "vragen")
_MINISTER = re.compile(r"^(?:Antwoord|Mededeling)\s+van\s+(.+?)\s*\((?:ontvangen|ingezonden)\b")
_SUBJECT = re.compile(r"\bover\s+(.+?)\s*\(ingezonden\b", re.DOTALL)

Metadata = dict[str, list[str]]
HeadingKind = Literal["question", "answer", "other"]


def matches(data: bytes) -> bool:
    return b"<officiele-publicatie" in data[:2000]


def read_xml(data: bytes, source: str) -> etree._Element:
    """The parsed XML; malformed XML raises ParseError naming `source`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(f"{source}: malformed XML ({error})") from error


def read_metadata(root: etree._Element) -> Metadata:
    """`<meta name=… content=…>` (in a publication) or `<metadata …>` (metadata.xml) values."""
    found: Metadata = {}
    for element in root.iter("meta", "metadata"):
        name, content = element.get("name"), element.get("content")
        if name and content:
            found.setdefault(name, []).append(content.strip())
    return found


def parse(data: bytes, source_file: str | None, metadata: Metadata | None = None) -> Document:
    """A Kamervraag or Aanhangsel publication as a Document; `metadata` adds metadata.xml's."""
    source = source_file or "XML"
    root = read_xml(data, source)
    body = next((el for name in _ROOTS for el in root.iter(name)), None)
    if body is None:
        raise ParseError(f"{source}: not a Kamervraag or Aanhangsel (no <kamervragen>)")
    meta = {**read_metadata(root), **(metadata or {})}
    text, headings, omschrijving = _Builder().build(body)
    if not any(h.kind == "question" for h in headings):
        raise ParseError(f"{source}: no <vraag> found")
    header = trimmed(text, 0, headings[0].start)
    sections = [Section("Gegevens", "header", header)] if header else []
    sections += build_sections(text, headings, len(text))
    return _document(text, sections, omschrijving, meta, body, source_file)


@dataclass
class _Builder:
    """Appends blocks of text, remembering where headings start and end."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    headings: list[Heading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def block(self, text: str) -> tuple[int, int]:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def heading(self, kind: HeadingKind, label: str, numbers: tuple[int, ...] = ()) -> None:
        start, end = self.block(label)
        self.headings.append(Heading(kind, start, end, label, numbers))

    def build(self, body: etree._Element) -> tuple[str, list[Heading], dict[str, str]]:
        omschrijving: dict[str, str] = {}
        for element in body.iter("kamervraagomschrijving", "omschr"):
            line = self.inline(element)
            omschrijving[element.get("type", "vraag")] = line
            omschrijving[f"{element.get('type', 'vraag')}@iso"] = _isodate(element)
            self.block(line)
        for element in body:
            tag = element.tag
            if tag == "kamervraagopmerking":
                self.heading("other", "Mededeling")
                self.paragraphs(element)
            elif tag in ("vraag", "antwoord"):
                numbers = _numbers(element.findall("nr"))
                word = "Vraag" if tag == "vraag" else "Antwoord"
                kind = "question" if tag == "vraag" else "answer"
                self.heading(kind, f"{word} {_label(numbers)}".strip(), numbers)
                self.paragraphs(element)
            elif tag == "ondertekening":
                self.heading("other", "Ondertekening")
                self.paragraphs(element)
        if self.notes:
            self.heading("other", "Voetnoten")
            self.block("\n".join(self.notes))
        return "".join(self.parts), self.headings, omschrijving

    def paragraphs(self, element: etree._Element) -> None:
        blocks = [self.inline(al) for al in element.iter("al")] or [self.inline(element)]
        for text in blocks:
            if text:
                self.block(text)

    def inline(self, element: etree._Element) -> str:
        """The element's words on one line; a footnote leaves its number and is kept apart."""
        pieces = [element.text or ""]
        for child in element:
            if child.tag == "noot":
                number = " ".join(child.findtext("noot.nr", "").split())
                note = " ".join(" ".join(child.itertext()).split()[1 if number else 0 :])
                self.notes.append(f"{number} {note}".strip())
                pieces.append(number)
            elif child.tag not in ("nr", "nummer"):
                pieces.append(self.inline(child))
            pieces.append(child.tail or "")
        return " ".join("".join(pieces).split())


def _numbers(elements: Iterable[etree._Element]) -> tuple[int, ...]:
    return tuple(int(n) for el in elements for n in re.findall(r"\d+", "".join(el.itertext())))


def _label(numbers: tuple[int, ...]) -> str:
    """(2, 3, 4) -> '2, 3 en 4'."""
    names = [str(n) for n in numbers]
    return " en ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _isodate(element: etree._Element) -> str:
    dates = [d.get("isodatum") for d in element.iter("datum") if d.get("isodatum")]
    return dates[-1] if dates else iso_date("".join(element.itertext())) or ""


def _document(
    text: str,
    sections: list[Section],
    omschrijving: dict[str, str],
    meta: Metadata,
    body: etree._Element,
    source_file: str | None,
) -> Document:
    own_id = _own_id(meta, body, source_file)
    request = omschrijving.get("vraag", "")
    zaak = ZAAK.search(" ".join(meta.get("OVERHEIDop.vraagnummer", [])) or own_id)
    question_id = f"kv-tk-{zaak[1]}Z{zaak[2]}" if zaak else None
    urls = {"vraag": f"{PUBLICATION_PAGES_URL}/{question_id}.html"} if question_id else {}
    if own_id.startswith("ah-tk-"):
        urls["antwoord"] = f"{PUBLICATION_PAGES_URL}/{own_id}.html"
    answered = omschrijving.get("antwoord@iso") or None
    submitted = omschrijving.get("vraag@iso") or _first(meta, "OVERHEIDop.datumIndiening")
    minister = _MINISTER.match(omschrijving.get("antwoord", ""))
    signed = body.find("ondertekening")
    signature = " ".join("".join(signed.itertext()).split()) if signed is not None else ""
    subject = _SUBJECT.search(request)
    ministers = [minister[1]] if minister else [signature] if signature else []
    title = subject[1] if subject else _first(meta, "DC.title") or request or own_id
    return Document(
        doc_id=question_id or own_id,
        doc_type="kamervraag",
        title=title[:1].upper() + title[1:],
        text=text,
        sections=sections,
        date=answered or submitted,
        submitted=submitted,
        answered=answered,
        submitters=submitters_from_request(request) or meta.get("OVERHEIDop.indiener", []),
        ministers=ministers,
        ministry=ministry_of(ministers[0]) if ministers else addressed_ministry(request),
        urls=urls,
        source_file=source_file,
    )


def _own_id(meta: Metadata, body: etree._Element, source_file: str | None) -> str:
    """DC.identifier, else the file name when it is an id, else kv-tk-<zaak> from the kop."""
    candidates = [*meta.get("DC.identifier", [])]
    if source_file:
        candidates.append(re.sub(r"\.xml$", "", source_file.rsplit("/", 1)[-1]))
    number = body.findtext(".//kamervraagnummer") or body.findtext(".//nummer") or ""
    if zaak := ZAAK.fullmatch(number.strip()):
        candidates.append(f"kv-tk-{zaak[1]}Z{zaak[2]}")
    own = next((c for c in candidates if OWN_ID.match(c)), None)
    if own is None:
        raise ParseError(f"{source_file or 'XML'}: no document id (DC.identifier or file name)")
    return own


def _first(meta: Metadata, name: str) -> str | None:
    values = meta.get(name)
    return values[0] if values else None
