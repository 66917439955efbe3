"""Historical Kamerstukken and Handelingen: OCR'd pages of parliamentary papers (bills, memories
van toelichting, verslagen, moties, letters) and of plenary minutes (Staten-Generaal Digitaal).

Such a page is recognised by its furniture ("Bijlagen.", "KONINKLIJKE BOODSCHAP", "Nr. 2",
"MEMORIE VAN TOELICHTING"; "VERGADERING VAN DINSDAG 27 OKTOBER 1959", "Voorzitter: …") and
becomes a document of type `kamerstuk` or `handelingen` with its title and date; its text is
sectioned as any other text (`tweedekamer`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval.documents import Document
from retrieval.parsing import tweedekamer
from retrieval.parsing.fields import MONTHS, iso_date

#: How much of a page its head is: where the markers, title and date are looked for.
HEAD_CHARS = 1500

_HANDELINGEN = re.compile(
    r"^\s*(?:\d+\w{0,4}\s+)?(?:VERGADERING|vergadering|ZITTING)\b|\bVERGADERING VAN\s+\w+DAG\b"
    r"|^Voorzitter:|^Tegenwoordig zijn \d+ leden|\(GEOPEND TE",
    re.MULTILINE,
)
_KAMERSTUK = re.compile(
    r"^(?:Bijlagen\.?|Nr\. ?\d+\.?|KONINKLIJKE BOODSCHAP\.?|ONTWERP VAN WET\.?)\s*$"
    r"|\b(?:MEMORIE VAN (?:TOELICHTING|ANTWOORD)|VOORLOO?PIG VERSLAG|EINDVERSLAG|NOTA VAN WIJZIGING"
    r"|NOTA NAAR AANLEIDING VAN HET (?:EIND)?VERSLAG|AMENDEMENT VAN HET LID|MOTIE VAN HET LID"
    r"|BRIEF (?:VAN|HOUDENDE)|ADVIES RAAD VAN STATE|NADER RAPPORT|AMENDEMENTE?N?|MOTIE)\b"
    r"|^Tweede Kamer, (?:zitting|vergaderjaar) \d{4}\s*[-–]\s*\d{4}, \d"
    # the head of a modern Kamerstuk: the session, then the dossier number
    r"|^(?:Vergaderjaar|Zitting) \d{4}\s*[-–]\s*\d{4}\b.*\n(?:.*\n)?\d{2} ?\d{3}\b"
    # the head of an older one: its number and the numbers of its pieces ("424.", "2-3.")
    r"|^\d{1,4}\.\n\d{1,2}(?:\s*[-—–]\s*\d{1,2})?\.\s*$|^\(Gedrukt onder n",
    re.MULTILINE,
)
_WEEKDAY = r"(?:maan|dins|woens|donder|vrij|zater|zon)dag"
_MONTH = "|".join(MONTHS)
# "VERGADERING VAN DINSDAG 27 OKTOBER 1959", "Dinsdag 13 december 1994"
_MEETING_DATE = re.compile(rf"\b{_WEEKDAY}\s+(\d{{1,2}}\s*(?:{_MONTH})\s*\d{{4}})", re.IGNORECASE)
# "Lage Vuursche, 18 mei 1981" (a signature), "Ontvangen 31 maart 1987", "Vastgesteld 5 juni 1985"
_PAPER_DATE = re.compile(
    rf"^[A-Z'’][^\n,]{{2,40}},\s+(?:den\s+)?(\d{{1,2}}\s*(?:{_MONTH})\s*\d{{4}})\.?$"
    rf"|\b(?:Ontvangen|Vastgesteld|Ingezonden)\s+(\d{{1,2}}\s*(?:{_MONTH})\s*\d{{4}})",
    re.MULTILINE | re.IGNORECASE,
)
# Lines of the page head that are not its title.
_NOT_TITLE = re.compile(
    r"^(?:Tweede|Eerste) Kamer\b.*|^(?:Kamer der )?Staten-Generaal$"
    r"|^(?:Vergaderjaar|Zitting|Vel)\b.*|^Bijla\w*\.?$|^Nr\.?\s*\d.*"
    r"|^Handelingen der Staten-Generaal\b.*|^[\W\d\s]*$|^[\[(]?[\d\s.,—–-]+[\])]?\.?$",
    re.IGNORECASE,
)


def matches(text: str) -> bool:
    head = text[:HEAD_CHARS]
    return bool(_HANDELINGEN.search(head) or _KAMERSTUK.search(head))


def parse(raw: str, source_file: str | None) -> Document:
    document = tweedekamer.parse(raw, source_file)
    head = document.text[:HEAD_CHARS]
    minutes = bool(_HANDELINGEN.search(head)) and not _KAMERSTUK.search(head)
    dated = (_MEETING_DATE if minutes else _PAPER_DATE).search(head)
    written = next(filter(None, dated.groups())) if dated else None
    title = _title(head)
    if minutes and written:  # "Tweede Kamer, vergadering van dinsdag 27 oktober 1959"
        chamber = re.search(r"\b(tweede|eerste) kamer\b", head, re.IGNORECASE)
        meeting = f"vergadering van {' '.join(dated[0].split()).lower()}"
        title = f"{chamber[1].capitalize()} Kamer, {meeting}" if chamber else meeting.capitalize()
    return replace(
        document,
        doc_type="handelingen" if minutes else "kamerstuk",
        title=title or document.title,
        date=iso_date(written) or document.date,
    )


def _title(head: str) -> str | None:
    """The first line of the head that reads as a title: not furniture, three words or more."""
    for line in head.split("\n"):
        text = " ".join(line.split())
        if len(text.split()) >= 3 and not _NOT_TITLE.match(text):
            return text.rstrip(" .")
    return None
