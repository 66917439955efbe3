"""Tweede Kamer open data (OData v4): which Kamervragen and answers changed since a date.

`tkapi` wraps this API, and its root can be set, but it is process-wide class state, its
requests have a fixed 60 s timeout and no retries, and its overheid.nl ids are found by
requesting each document from the hard-coded public site; so we query OData with httpx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from retrieval.sources.fetch import Fetcher, SourceError

QUESTION = "Schriftelijke vragen"
ANSWER = "Antwoord schriftelijke vragen"


def changed_ids(fetcher: Fetcher, odata_url: str, since: dt.date) -> list[str]:
    """kv-tk-… and ah-tk-… ids of questions and answers changed since `since`, questions first."""
    filters = [
        "Verwijderd eq false",
        f"(Soort eq '{QUESTION}' or Soort eq '{ANSWER}')",
        f"GewijzigdOp ge {since.isoformat()}T00:00:00Z",
    ]
    params: dict[str, str] | None = {
        "$filter": " and ".join(filters),
        "$select": "Id,Soort,Vergaderjaar,Aanhangselnummer",
        "$expand": "Zaak($select=Nummer)",
        "$orderby": "GewijzigdOp",
    }
    url = f"{odata_url.rstrip('/')}/Document"
    questions: list[str] = []
    answers: list[str] = []
    while url:
        try:
            page: dict[str, Any] = fetcher.get(url, params).json()
        except ValueError as error:
            raise SourceError(f"{url}: not JSON ({error})") from error
        for item in page.get("value", []):
            if item.get("Soort") == QUESTION:
                questions.extend(f"kv-tk-{z['Nummer']}" for z in item.get("Zaak", [])[:1])
            elif (year := item.get("Vergaderjaar")) and (number := item.get("Aanhangselnummer")):
                answers.append(f"ah-tk-{year.replace('-', '')}-{number[-4:].lstrip('0')}")
        url, params = page.get("@odata.nextLink", ""), None  # the next link carries the query
    return list(dict.fromkeys(questions + answers))
