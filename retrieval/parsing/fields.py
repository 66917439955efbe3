"""Reading metadata values the way Dutch government texts write them: dates, people, numbers."""

from __future__ import annotations

import re

_MONTH_NAMES = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES.split(), start=1)}
# PDF extraction glues words, so the year may follow the month without a space.
DATE = re.compile(rf"(\d{{1,2}})\s+({'|'.join(MONTHS)})\s*(\d{{4}})", re.IGNORECASE)
# A zaak number of the Tweede Kamer ("2024Z18775"); PDF extraction sometimes adds a space.
ZAAK = re.compile(r"\b(\d{4})\s?Z\s?(\d{5})\b")


def iso_date(text: str | None) -> str | None:
    """'7 april 2017' (anywhere in `text`) -> '2017-04-07'."""
    match = DATE.search(text or "")
    if not match:
        return None
    day, month, year = match.groups()
    return f"{year}-{MONTHS[month.lower()]:02d}-{int(day):02d}"


def split_top_level(text: str, separator: str = ",") -> list[str]:
    """Split on `separator` outside parentheses, so 'A (x, y) (P), B (z)' gives two people."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def members_with_party(names: str, party: str | None) -> list[str]:
    """'Van Ojik en Diks', 'GroenLinks' -> ['Van Ojik (GroenLinks)', 'Diks (GroenLinks)']."""
    people = [p.strip() for p in re.split(r",|\sen\s", names) if p.strip()]
    return [f"{person} ({party})" if party else person for person in people]


def submitters_from_request(text: str) -> list[str]:
    """Members named in 'vragen van de leden X en Y (Partij)' / 'vragen van het lid X (Partij)'.

    Takes the first such phrase that names parties; 'Kröger, Thijssen (beiden GroenLinks-PvdA)
    en Rooderkerk (D66)' gives each member with their own party.
    """
    phrases = re.finditer(
        r"vragen\s+van\s+(?:de\s+leden|het\s+lid|lid)\s+(.+?)\s+(?:aan|over)\s",
        text,
        re.IGNORECASE | re.DOTALL,
    )
    for phrase in phrases:
        pairs = re.findall(r"([^()]+?)\s*\((?:beiden\s+|allen\s+)?([^()]+)\)", phrase[1])
        people = [
            person
            for names, party in pairs
            for person in members_with_party(
                " ".join(re.sub(r"^[\s,]*(?:en\s+)?", "", names).split()), " ".join(party.split())
            )
        ]
        if people:
            return people
    return []


# "Ministerie van Buitenlandse Zaken" heading a letter or memo.
_LETTERHEAD = re.compile(r"^\s*Ministerie\s+van\s+([A-Z][^\n.;:()]+?)\s*$", re.MULTILINE)
# The portfolio in brackets after a name: "Van Weel (Justitie en Veiligheid)", "Koenders
# (minister buitenlandse zaken)", "Hoekstra (viceminister-president , minister buitenlandse zaken)".
_BRACKETED = re.compile(
    r"\((?:[^()]*\b(?:minister|staatssecretaris)\s+(?:van\s+|voor\s+)?)?([^()]+?)\s*(?:\)|\(|$)",
    re.IGNORECASE,
)
# "Minister van Volksgezondheid, Welzijn en Sport", "aan de Ministers van Asiel en Migratie en van
# …": up to a full stop, a bracket, a blank line, "over" (PDF text glues it: "Sportover"), a
# second minister ("en van", "en de"), or a comma that is not followed by a capital.
_TITLED = re.compile(
    r"\b(?:[Mm]inisters?|[Ss]taatssecretaris(?:sen)?)\s+(?:van|voor)\s+([A-Z][^.;()]*?)"
    r"(?=\s*over|\s+(?:inzake|betreffende|in verband met|naar aanleiding)\s"
    r"|\s+en\s+(?:de|van|voor)\s|\s*[.;()]|\n\n|,(?!\s?[A-Z])|\s*$)"
)


def ministry_from_letterhead(head: str) -> str | None:
    """'Ministerie van Buitenlandse Zaken' on a line of its own -> 'Buitenlandse Zaken'."""
    match = _LETTERHEAD.search(head)
    return _tidy(match[1]) if match else None


def ministry_of(answerer: str) -> str | None:
    """The ministry in how an answering minister is named, as written.

    'minister Van Mierlo (Buitenlandse Zaken), mede namens …' -> 'Buitenlandse Zaken';
    'de heer Joekes, Minister van Sociale Zaken.' -> 'Sociale Zaken';
    'Bert Koenders (minister buitenlandse zaken) (PvdA)' -> 'buitenlandse zaken'.
    """
    bracketed = _BRACKETED.search(answerer)
    if bracketed and not re.match(r"(?:ontvangen|ingezonden)\b", bracketed[1], re.IGNORECASE):
        return _tidy(bracketed[1])
    return addressed_ministry(answerer)


def addressed_ministry(request: str) -> str | None:
    """The ministry of the minister a request names: '… aan de Minister van Justitie en
    Veiligheid over …' -> 'Justitie en Veiligheid'."""
    titled = _TITLED.search(request)
    return _tidy(titled[1]) if titled else None


def _tidy(name: str) -> str | None:
    """A ministry's name without line-break hyphens ("Eco-nomische Zaken", soft hyphens) and
    extra whitespace; None when nothing is left."""
    joined = re.sub(r"(?<=[a-zà-ÿ])[-\xad]\s*(?=[a-zà-ÿ])", "", name.replace("\xad", "-"))
    return " ".join(joined.split()).strip(" ,") or None
