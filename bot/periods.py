"""A period in words, read out of a question: "sinds 2020", "vanaf maart 2019", "in 2017",
"voor 2018", "tussen 2015 en 2018", "since 2020", "between 2015 and 2018", "before May 2021".

Our own small grammar, because no maintained library reads periods: dateparser (and dateutil)
parse one date and turn "2020" into a day of 2020 (ranges and open periods are its open issues
#262 and #938), ctparse knows English and German only, and Duckling needs a Haskell build. What
is needed is small: a connective (Dutch or English) and one or two dates written as a year, a
month and year, a day, month and year, or YYYY-MM-DD. A date stands for its whole extent: "in
maart 2019" is 1–31 March 2019, "voor 2018" ends on 31 December 2017, "na 2020" starts on
1 January 2021. Dutch "tot" excludes what follows ("tot 2018": before 2018), "tot en met" / "t/m"
and English "until" / "through" / "to" include it.

Only explicit connectives count: a bare year ("de begroting 2024") stays part of the question.
The phrase is taken out of the question that is searched, and the reply says which period
was applied, so a "voor 2025" meant as "for 2025" is seen and can be asked again.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "augustus": 8, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|ste|de|e)?"
#: One date as written, most specific form first.
_WHEN = (
    rf"(?:{_YEAR}-\d\d-\d\d|{_DAY}\s+{_MONTH}\s+{_YEAR}|{_MONTH}\s+{_DAY},?\s+{_YEAR}"
    rf"|{_MONTH}\s+{_YEAR}|{_YEAR})"
)
_END_INCLUDED = r"tot\s+en\s+met|t/m|until|till|through|to|up\s+to"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"(?<![\w/-]){pattern}(?![\w-])", re.IGNORECASE))
    for kind, pattern in (
        ("between", rf"(?:tussen|between)\s+(?P<a>{_WHEN})\s+(?:en|and)\s+(?P<b>{_WHEN})"),
        (
            "range",
            rf"(?:van(?:af)?|from|sinds|since)\s+(?P<a>{_WHEN})\s*"
            rf"(?:(?P<incl>{_END_INCLUDED})|(?P<excl>tot))\s+(?P<b>{_WHEN})",
        ),
        (
            "between",
            rf"(?:(?:in(?:\s+de\s+jaren|\s+the\s+years)?|uit|during|tijdens)\s+)?"
            rf"(?P<a>{_YEAR})\s*[-–—]\s*(?P<b>{_YEAR})",
        ),
        ("since", rf"(?:sinds|vanaf|since|from|starting)\s+(?P<a>{_WHEN})"),
        ("after", rf"(?:na|after)\s+(?P<a>{_WHEN})"),
        ("until", rf"(?:{_END_INCLUDED})\s+(?P<a>{_WHEN})"),
        ("before", rf"(?:voor|vóór|before|tot|prior\s+to)\s+(?P<a>{_WHEN})"),
        ("in", rf"(?:in|uit|during|tijdens)\s+(?P<a>{_WHEN})"),
    )
)


@dataclass(frozen=True)
class Period:
    since: date | None
    until: date | None
    phrase: str  # as the question wrote it


def extent(written: str) -> tuple[date, date]:
    """The first and last day a written date stands for; ValueError if it is no date."""
    text = " ".join(written.lower().replace(",", " ").replace(".", " ").split())
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        day = date.fromisoformat(text)
        return day, day
    parts = text.split()
    year = int(parts[-1])
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    names = [p for p in parts[:-1] if p in MONTHS]
    if not names:
        raise ValueError(f"no month in {written!r}")
    month = MONTHS[names[0]]
    numbers = [p for p in parts[:-1] if p not in MONTHS]
    if not numbers:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    day = date(year, month, int(re.match(r"\d+", numbers[0])[0]))  # type: ignore[index]
    return day, day


def _period(kind: str, match: re.Match[str]) -> Period:
    start, end = extent(match["a"])
    phrase = match[0]
    if kind in ("between", "range"):
        last_start, last_end = extent(match["b"])
        if kind == "range" and match["excl"]:
            last_end = date.fromordinal(last_start.toordinal() - 1)
        return Period(start, last_end, phrase)
    return {
        "since": Period(start, None, phrase),
        "after": Period(date.fromordinal(end.toordinal() + 1), None, phrase),
        "until": Period(None, end, phrase),
        "before": Period(None, date.fromordinal(start.toordinal() - 1), phrase),
        "in": Period(start, end, phrase),
    }[kind]


def read_period(question: str) -> tuple[str, Period | None]:
    """The question without its period, and the period (None when it names none).

    The first period phrase counts; a date that is no day of the calendar ("31 februari 2020")
    leaves the question as it is.
    """
    for kind, pattern in _PATTERNS:
        match = pattern.search(question)
        if match is None:
            continue
        try:
            period = _period(kind, match)
        except ValueError:
            continue
        if period.since and period.until and period.since > period.until:
            continue
        rest = question[: match.start()] + " " + question[match.end() :]
        rest = re.sub(r"\s+([?!.,;:])", r"\1", " ".join(rest.split()))
        return rest.strip(" ,;:"), period
    return question, None
