"""`vraagbaak sync`: fetch the Kamervragen and answers published since a date, and add them."""

from __future__ import annotations

import datetime as dt

from retrieval.ingest import IngestReport, add_each
from retrieval.settings import Settings
from retrieval.sources.fetch import Fetcher
from retrieval.sources.officiele import fetch_publication, search_ids
from retrieval.sources.tweedekamer import changed_ids
from retrieval.store import Store


def find_ids(fetcher: Fetcher, settings: Settings, since: dt.date, query: str | None) -> list[str]:
    """Ids to fetch: a text query searches the publications (SRU); without one, the Tweede
    Kamer lists every question and answer changed since the date (OData)."""
    if query:
        ids = search_ids(fetcher, settings.sru_url, since, query)
        return sorted(ids, key=lambda i: not i.startswith("kv-"))  # questions before answers
    return changed_ids(fetcher, settings.tk_odata_url, since)


def sync(
    store: Store, settings: Settings, since: dt.date, query: str | None = None
) -> IngestReport:
    """Fetch and add what was published since `since`; SourceError if nothing could be listed."""
    with Fetcher(settings) as fetcher:
        ids = find_ids(fetcher, settings, since, query)
        base = settings.officielebekendmakingen_url
        return add_each(store, settings, ids, lambda i: fetch_publication(fetcher, base, i))
