"""Historical Kamervragen: OCR'd pages of the Aanhangsel van de Handelingen (Staten-Generaal
Digitaal, about 1900-1995).

A page holds one or more question sets. Each starts with a heading ("Vragen van het lid X (Partij)
over … (Ingezonden 23 september 1994)", "117. VRAGEN van den heer X betreffende … (Ingezonden
21 Maart 1927.)"), then the questions, numbered inline ("1 Zijn …? 2 Wat …", "1. Is het …"),
then the answer's heading ("Antwoord van minister Van Mierlo (Buitenlandse Zaken) (Ontvangen 18
oktober 1994)", "ANTWOORD van de heer Joekes, Minister van Sociale Zaken. (Ingezonden 14 Juli
1950.)") and the answers, numbered the same way. OCR fuses numbers to words ("1Klopt", "5I n",
"2en4"), drops some, and leaves page furniture between the lines.

All questions of a set come before its answers, so answers are paired with questions by number
(`qa.build_sections(by_number=True)`); an unnumbered answer covers the set's questions. A
delay notice ("Mededeling van …") is a section of its own. Text before the first set (the page
head, or the end of an answer that began on the previous page) is kept as a section too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.documents import Document, Section
from retrieval.parsing import tweedekamer
from retrieval.parsing.cleaning import collapse_blank_lines, normalize, slug
from retrieval.parsing.fields import iso_date, members_with_party, ministry_of
from retrieval.parsing.layout import trimmed
from retrieval.parsing.qa import Heading, build_sections, parse_numbers


def _ocr_word(word: str) -> str:
    """A word OCR may break with hyphens, soft hyphens or line ends ("Inge-zonden")."""
    return r"[-\xad]?\s*".join(word)


# "Ingezonden", or "In-zonden" where OCR lost a syllable
_INGEZONDEN = rf"{_ocr_word('n')}[-\xad]?\s*(?:{_ocr_word('ge')}[-\xad]?\s*)?{_ocr_word('zonden')}"
_ONTVANGEN = _ocr_word("ntvangen")
_SUBMITTED = rf"(?:[Iil!1]{_INGEZONDEN})"  # OCR reads "I" as "l", "!" or "1" at times
_RECEIVED = rf"(?:[Oo]{_ONTVANGEN}|{_SUBMITTED})"
# "23 september 1994", "14 decem-ber 1967", "17februari 1994"; OCR may lose the closing bracket
# ("19730") or the opening one, and print a stray quote before it ('"8 Juli 1952').
_DATE = r"[\"'„“]?(?P<date>\d{1,2}\s*[^\W\d][^()\n\d]{1,18}?\s*\d{4})(?:[^()\n]{0,3}?\))?\.?"
_SET_WORD = r"(?:VRAGEN|VRAAG|Vragen|Vraag)\s+van\s"
# The number printed before a set's heading: "117.", "£171.", "97^", "3 1 3 ." (OCR).
_SET_NUMBER = r"[^\w\n]{0,2}(?P<number>\d(?: ?\d){0,4}) ?[^\w\s]?\s*"
# One character of a heading: anything up to the start of the next set's heading.
_HEAD_CHAR = rf"(?:(?!\n(?:{_SET_NUMBER.replace('?P<number>', '')})?{_SET_WORD})[\s\S])"
_START = r"(?:^|(?<=\n)|(?<=[.?!]\s))"
SET_HEADING = re.compile(
    rf"{_START}(?:{_SET_NUMBER})?"
    rf"(?:(?P<head>{_SET_WORD}{_HEAD_CHAR}{{3,700}}?)\(?\s*{_RECEIVED}\s*{_DATE}"
    # older pages may print no date: a one-line "VRAGEN van …." heading
    r"|(?P<undated>(?:VRAGEN|VRAAG)\s+van\s[^()\n]{3,400}?(?:\([^()\n]{0,80}\)[^()\n]{0,400}?)*?\.)"
    r"(?=\n))"
)
_ANSWER_START = (
    rf"{_START}(?P<double>(?:Antwoord|Mededeling)\s+)?"
    r"(?P<kind>(?:(?:NADER|Nader|VOORLOOPIG|VOORLOPIG|Voorlo\w+)\s+)?"
    # "ANTWOORD van", or "vun" as OCR read it once
    r"(?:ANTWOORD|Antwoord|antwoord|MEDEDELING|Mededeling)(?:EN|en)?)\s+(?:v[aeu]n|op)\.?\s"
    # who answers: brackets (a ministry) and a stray closing one (OCR) may occur
    r"(?P<who>(?:[^()]|\([^()]{0,120}\)|\)){0,400}?)"
)
ANSWER_HEADING = re.compile(
    rf"{_ANSWER_START}\(?\s*{_RECEIVED}\s*{_DATE}"
    # "(Zie ook Aanhangsel …, blz. 3431.)", ", zie ook Aanhangsel …, vergaderjaar 1989-1990"
    r"(?:[\s,]*\(?\s*[Zz]ie\s+ook\s[^()\n]{0,200}?"
    r"(?:\)|\d{4}\s*[-–/]\s*\d{2,4}|bla?d?z\.\s*\d+)\.?\)?\.?)?"
)
# "Antwoord Antwoord van minister X (Ministerie)." whose date OCR made unreadable.
_UNDATED_ANSWER = re.compile(rf"{_ANSWER_START}(?<=\))\.(?P<date>)")
# What only the modern formats print: official ids, zaak numbers, "Vraag 1" and "AH 605" lines.
_MODERN = re.compile(
    r"\b(?:ah|kv)-tk-\d|\b\d{4}\s?Z\s?\d{5}\b|^(?:Vraag|Vragen)\s+\d{1,3}\s*[:.]?$|^AH\s+\d+$",
    re.MULTILINE,
)
# Page furniture: printer's lines, running heads and feet, sheet and page numbers.
_FURNITURE = re.compile(
    r"^(?:.*\bISSN\b.*|.*Sdu Uitgeverij.*"
    r"|Tweede Kamer, (?:vergaderjaar|zitting) \d{4}\s*[-–]\s*\d{4}, A\w*hangsel\b.*"
    r"|Zitt\w* \d{4}\s*[-–]\s*\d{4}(?: Aanhangsel)?|TWEEDE(?: KAMER)?|EERSTE(?: KAMER)?"
    r"|Handelingen der Staten-Generaal\b.*Aanhangsel\.?|Vel \d+\.?|\d{3,5})$"
)
# A number that starts a question or an answer: "1 ", "1. ", "1, " (OCR), "1°.", "1Klopt",
# "2 en 3", "2en4", "1 t/m 3", "Vraag 1.", "Ad 1.", "II."; its text starts with a capital or a
# sub-item ("a.").
_ITEM_NUMBER = re.compile(
    r"(?<![\w/.,-])(?:(?:Vraag|Ad)\s+)?(?:"
    r"(?P<nums>\d{1,2}(?:\s*(?:,|en|t/m|tot en met|-|–|—)\s*\d{1,2})*)[°*]?(?:[.,)](?=\s)|[.)]?)"
    r"|(?P<roman>X{0,2}(?:IX|IV|V?I{1,3}|V))\.)"
    r"\s*(?=[A-ZÀ-Þ«„\"'(]|[a-z][.)]\s)"
)
_ROMAN = {"I": 1, "V": 5, "X": 10}
# What may stand before such a number: a line end, or a sentence end (with a footnote number:
# "organisaties?1 2 Wat …"). The start of the region may too.
_BEFORE_ITEM = re.compile(r"(?:\n|[.?!:;)»”\"'*]\d{0,2})[ \t]*$")
#: At most this many numbers may be missing (OCR) between consecutive questions or answers.
MAX_GAP = 2


@dataclass(frozen=True)
class _Set:
    number: str | None  # as printed before the heading ("117"), else None
    start: int
    heading_end: int  # the questions start here
    answer: re.Match[str] | None  # the answer's (or delay notice's) heading
    end: int
    headless: bool = False  # its heading is on the previous page


def matches(text: str) -> bool:
    """An Aanhangsel page: a question set's or an answer's heading, and none of the "Vraag N"
    heading lines or official ids (ah-tk-…, kv-tk-…) of the modern formats."""
    if _MODERN.search(text):
        return False
    return bool(SET_HEADING.search(text) or _answer_heading(text, 0, len(text)))


def clean(raw: str) -> str:
    """The page without furniture lines; words as OCR left them."""
    kept = [line for line in normalize(raw).split("\n") if not _FURNITURE.match(line.strip())]
    return collapse_blank_lines("\n".join(kept))


def parse(raw: str, source_file: str | None) -> Document:
    text = clean(raw)
    sets = _sets(text)
    if not sets:  # no heading survived cleaning: sectioned as any other text
        return tweedekamer.parse(raw, source_file)
    sections: list[Section] = []
    before = trimmed(text, 0, sets[0].start)
    # the page head, or (when longer) the end of an answer that began on the previous page
    short = before is None or len(before.of(text)) < 600
    single = len(sets) == 1
    if before and not (single and short):
        label, kind = ("Gegevens", "header") if short else ("Vervolg", "text")
        sections.append(Section(label, kind, before))
    for question_set, prefix in zip(sets, _prefixes(sets), strict=True):
        if single:  # "Vraag 2"; the page head and the set's heading are its "Gegevens"
            head_start = 0 if short else question_set.start
            sections += _set_sections(text, question_set, "", "Gegevens", head_start)
        else:  # "Vragen 117, vraag 2"
            sections += _set_sections(text, question_set, prefix, prefix, question_set.start)
    headings = [m["head"] or m["undated"] for s in sets if (m := SET_HEADING.match(text, s.start))]
    dated = [m["date"] for s in sets if (m := SET_HEADING.match(text, s.start)) and m["date"]]
    answers = [s.answer for s in sets if s.answer and not _is_notice(s.answer)]
    submitted = _date(dated[0]) if dated else None
    answered = _date(answers[0]["date"]) if answers and answers[0]["date"] else None
    return Document(
        doc_id=slug(source_file or "kamervraag"),
        doc_type="kamervraag",
        title=_subject(headings[0]) if headings else "Kamervragen",
        text=text,
        sections=_unique_labels(sections),
        date=answered or submitted,
        submitted=submitted,
        answered=answered,
        submitters=list(dict.fromkeys(p for h in headings for p in _submitters(h))),
        ministers=list(dict.fromkeys(filter(None, (_minister(a["who"]) for a in answers)))),
        ministry=ministry_of(answers[0]["who"]) if answers else None,
        source_file=source_file,
    )


def _sets(text: str) -> list[_Set]:
    """The question sets of the page. An answer before the first set's heading answers a set
    whose heading (and maybe questions) are on the previous page: a set without a heading."""
    heads = list(SET_HEADING.finditer(text))
    first = heads[0].start() if heads else len(text)
    sets = []
    if answer := _answer_heading(text, 0, first):
        sets.append(_Set(None, 0, 0, answer, first, headless=True))
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        answer = _answer_heading(text, head.end(), end)
        number = head["number"].replace(" ", "") if head["number"] else None
        sets.append(_Set(number, head.start(), head.end(), answer, end))
    return sets


def _answer_heading(text: str, start: int, end: int) -> re.Match[str] | None:
    """The first answer heading in text[start:end]: a dated one, else an undated double one."""
    dated = ANSWER_HEADING.search(text, start, end)
    undated = _UNDATED_ANSWER.search(text, start, end)
    if undated and undated["double"] and (not dated or undated.start() < dated.start()):
        return undated
    return dated


def _prefixes(sets: list[_Set]) -> list[str]:
    """'Vragen 117' by the number printed before each set, else by its place on the page; a
    set without a heading is the "Vervolg" of the previous page."""
    prefixes: list[str] = []
    for place, question_set in enumerate(sets, start=1):
        prefix = "Vervolg" if question_set.headless else f"Vragen {question_set.number or place}"
        prefixes.append(f"{prefix} ({place})" if prefix in prefixes else prefix)
    return prefixes


def _is_notice(answer: re.Match[str]) -> bool:
    return answer["kind"].lower().startswith("mededeling")


def _set_sections(
    text: str, question_set: _Set, prefix: str, head: str, head_start: int
) -> list[Section]:
    """The set's heading (a header section labelled `head`), questions, answer heading and
    answers, labelled "Vraag 2" or, with a `prefix`, "Vragen 117, vraag 2"."""

    def label(word: str, numbers: tuple[int, ...] = ()) -> str:
        name = f"{word} {_names(numbers)}".strip()
        return f"{prefix}, {name[0].lower()}{name[1:]}" if prefix else name

    answer = question_set.answer
    questions_end = answer.start() if answer else question_set.end
    headings = [Heading("other", head_start, head_start, head, (), "header")]
    asked = _numbered(text, question_set.heading_end, questions_end, limit=None)
    if len(asked) < 2 and not question_set.headless:  # one question, or OCR lost the numbers
        asked = [(question_set.heading_end, question_set.heading_end, (1,))]
    elif len(asked) < 2:  # what precedes the answers is the page head
        asked = []
    headings += [Heading("question", s, e, label("Vraag", n), n) for s, e, n in asked]
    if answer and _is_notice(answer):
        headings.append(Heading("other", answer.start(), answer.start(), label("Mededeling")))
    elif answer:
        start = answer.start()
        headings.append(Heading("other", start, start, label("Beantwoording"), (), "header"))
        most = max((n for _, _, numbers in asked for n in numbers), default=None)
        limit = most + MAX_GAP if most else None  # an answer to a question OCR lost
        answers = _numbered(text, answer.end(), question_set.end, limit=limit)
        if len(answers) < (2 if len(asked) <= 1 else 1):
            answers = [(answer.end(), answer.end(), ())]
        for s, e, n in answers:
            if asked:
                headings.append(Heading("answer", s, e, label("Antwoord", n) if n else "", n))
            else:  # nothing to pair with: the answers are text
                headings.append(Heading("other", s, s, label("Antwoord", n)))
    return build_sections(text, headings, question_set.end, by_number=True)


def _unique_labels(sections: list[Section]) -> list[Section]:
    """OCR can make two sections claim one label; later ones get " (2)", " (3)" …"""
    seen: dict[str, int] = {}
    for section in sections:
        seen[section.label] = seen.get(section.label, 0) + 1
        if seen[section.label] > 1:
            section.label = f"{section.label} ({seen[section.label]})"
    return sections


def _numbered(
    text: str, start: int, end: int, limit: int | None
) -> list[tuple[int, int, tuple[int, ...]]]:
    """The longest run of item numbers in text[start:end] that goes up 1, 2, 3 … (a few may be
    missing, and "2 en 3" counts as one), as (heading start, content start, numbers)."""
    found = []
    for match in _ITEM_NUMBER.finditer(text, start, end):
        before = text[start : match.start()]
        if before.strip() and not _BEFORE_ITEM.search(before[-6:]):
            continue
        if match["nums"]:  # "2en4" is "2 en 4", not the range "2-4"
            numbers = parse_numbers(re.sub(r"(?<=\d)\s*en\s*(?=\d)", " en ", match["nums"]))
        else:
            numbers = (_roman(match["roman"]),)
        if not numbers or min(numbers) < 1 or (limit and max(numbers) > limit):
            continue
        found.append((match.start(), match.end(), numbers))
    # longest chain: each item's first number follows the previous item's last
    best: list[list[int]] = []
    for i, (_, _, numbers) in enumerate(found):
        chain = [i] if min(numbers) <= 1 + MAX_GAP else []
        for j in range(i):
            follows = 0 < min(numbers) - max(found[j][2]) <= 1 + MAX_GAP
            if best[j] and follows and len(best[j]) + 1 > len(chain):
                chain = [*best[j], i]
        best.append(chain)
    longest = max(best, key=len, default=[])
    return [found[i] for i in longest]


def _date(written: str) -> str | None:
    """'14 decem-ber 1967' -> '1967-12-14'; None for a year OCR made impossible ('1020')."""
    date = iso_date(re.sub(r"[-\xad]\s*", "", written))
    return date if date and "1800" <= date[:4] <= "2099" else None


def _roman(numeral: str) -> int:
    """'XIV' -> 14."""
    values = [_ROMAN[c] for c in numeral]
    return sum(-v if v < next_ else v for v, next_ in zip(values, [*values[1:], 0], strict=True))


def _names(numbers: tuple[int, ...]) -> str:
    """(2, 3, 4) -> '2, 3 en 4'."""
    names = [str(n) for n in numbers]
    return " en ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


# The words between who asks and what about, as OCR may break them ("betref-fende").
_SUBJECT_WORDS = "|".join(
    _ocr_word(words).replace(" ", r"\s")
    for words in ("over", "betreffende", "inzake", "in verband met", "naar aanleiding van",
                  "omtrent", "nopens", "ten aanzien van", "met betrekking tot")
)  # fmt: skip


def _subject(head: str) -> str:
    """The subject of a set's heading: what follows "over" / "betreffende" / "inzake" …"""
    tidy = " ".join(head.replace("\xad", "").split())
    match = re.search(rf"\s(?:{_SUBJECT_WORDS})\s(.+)", tidy)
    subject = (match[1] if match else tidy).rstrip(" .")
    return subject[:1].upper() + subject[1:]


def _submitters(head: str) -> list[str]:
    """'Vragen van de leden Weisglas en De Korte (beiden V.V.D.) over …' -> ['Weisglas (V.V.D.)',
    'De Korte (V.V.D.)']; 'VRAGEN van den heer Kortenhorst betreffende …' -> ['Kortenhorst']."""
    tidy = " ".join(head.replace("\xad", "").split())
    match = re.match(
        r"\w+\s+van\s+(?:het\s+lid|de\s+leden|de\s+heren|de\s+heer|den\s+heer|mevrouw|"
        rf"mejuffrouw|de\s+dames)?\s*(?P<names>.+?)\s+(?:{_SUBJECT_WORDS}|aan\s+de)\s",
        tidy,
    )
    if not match:
        return []
    names = match["names"]
    pairs = re.findall(r"([^()]+?)\s*\((?:beiden\s+|allen\s+)?([^()]+)\)", names)
    if pairs:
        return [
            person
            for people, party in pairs
            for person in members_with_party(re.sub(r"^[\s,]*(?:en\s+)?", "", people), party)
        ]
    return members_with_party(names, None)


def _minister(who: str) -> str:
    """'minister Van Mierlo (Buitenlandse Zaken), mede namens …' -> 'minister Van Mierlo
    (Buitenlandse Zaken)'; 'de heer Joekes, Minister van Sociale Zaken.' as it is."""
    tidy = " ".join(who.replace("\xad", "").split())
    return re.split(r",?\s+mede\s+namens\s", tidy)[0].rstrip(" .,")
