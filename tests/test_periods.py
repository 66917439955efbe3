"""Periods in a question's words, Dutch and English: read out, and taken out of the question."""

from __future__ import annotations

from datetime import date

import pytest

from bot.periods import read_period

D = date


@pytest.mark.parametrize(
    ("question", "rest", "since", "until"),
    [
        (
            "Wat zei het kabinet sinds 2020 over kwik?",
            "Wat zei het kabinet over kwik?",
            D(2020, 1, 1),
            None,
        ),
        ("export since 2020", "export", D(2020, 1, 1), None),
        ("kwik vanaf maart 2019", "kwik", D(2019, 3, 1), None),
        ("kwik sinds 1 maart 2019", "kwik", D(2019, 3, 1), None),
        ("mercury since March 3, 2019", "mercury", D(2019, 3, 3), None),
        (
            "Wat antwoordde de minister in 2017?",
            "Wat antwoordde de minister?",
            D(2017, 1, 1),
            D(2017, 12, 31),
        ),
        ("dioxine in mei 2020", "dioxine", D(2020, 5, 1), D(2020, 5, 31)),
        ("dioxine in februari 2020", "dioxine", D(2020, 2, 1), D(2020, 2, 29)),
        ("asielzoekers voor 2018", "asielzoekers", None, D(2017, 12, 31)),
        ("asylum seekers before May 2018", "asylum seekers", None, D(2018, 4, 30)),
        ("export na 2020", "export", D(2021, 1, 1), None),
        ("export after March 2021", "export", D(2021, 4, 1), None),
        ("kwik tussen 2015 en 2018", "kwik", D(2015, 1, 1), D(2018, 12, 31)),
        ("mercury between 2015 and 2018", "mercury", D(2015, 1, 1), D(2018, 12, 31)),
        ("kwik van 1970 tot 1990", "kwik", D(1970, 1, 1), D(1989, 12, 31)),
        ("kwik van 1970 tot en met 1990", "kwik", D(1970, 1, 1), D(1990, 12, 31)),
        ("mercury from 1970 to 1990", "mercury", D(1970, 1, 1), D(1990, 12, 31)),
        ("kwik in de jaren 1970-1990?", "kwik?", D(1970, 1, 1), D(1990, 12, 31)),
        ("kwik 1970–1990", "kwik", D(1970, 1, 1), D(1990, 12, 31)),
        ("kwik t/m 2016", "kwik", None, D(2016, 12, 31)),
        ("mercury until 2016", "mercury", None, D(2016, 12, 31)),
        ("kwik tot 2016", "kwik", None, D(2015, 12, 31)),
        ("export before 2018-05-01", "export", None, D(2018, 4, 30)),
        ("EXPORT SINDS MAART 2019", "EXPORT", D(2019, 3, 1), None),
    ],
)
def test_periods_are_read_and_taken_out(
    question: str, rest: str, since: date | None, until: date | None
) -> None:
    left, period = read_period(question)
    assert period is not None
    assert (left, period.since, period.until) == (rest, since, until)
    assert period.phrase.lower() in question.lower()


@pytest.mark.parametrize(
    "question",
    [
        "Wat staat er in de begroting 2024?",  # a bare year belongs to the question
        "De EU-exportregels van november 2020",  # "van" alone names no period
        "Kwik sinds 31 februari 2020",  # no day of the calendar
        "Export tussen 2019 en 2015",  # an empty period
        "Sinds wanneer geldt de exportcontrole?",
        "Wat is spyware?",
    ],
)
def test_no_period_leaves_the_question_alone(question: str) -> None:
    assert read_period(question) == (question, None)
