"""Adding a batch of items (`vraagbaak add`, `sync`): load each, refuse ids claimed twice, store.

Every item is loaded (a JSONL collection's ids read) before anything is written, so two items of
one batch that claim the same document id from different sources are both reported and neither
is written; a failure is reported and the rest go on. Collections are then streamed in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from retrieval.documents import Document
from retrieval.ingest import Claim, IngestReport, ingest_documents, refused_claims
from retrieval.parsing import ParseError
from retrieval.settings import Settings
from retrieval.sources.collection import Collection, is_collection
from retrieval.sources.fetch import SourceError
from retrieval.store import Store


def add_each(
    store: Store,
    settings: Settings,
    items: Iterable[str],
    load: Callable[[str], Document],
    replace: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Load every item, then store those whose id no other item claims from elsewhere.

    `replace` lets a document replace a stored one read from elsewhere (see `ingest_documents`);
    `progress` shows a bar for each collection.
    """
    report = IngestReport()
    claims: list[Claim] = []
    collections: list[Collection] = []
    for item in items:
        try:
            if is_collection(item):
                collections.append(Collection.read(item, settings.max_document_bytes))
            else:
                claims.append(Claim.of(item, load(item)))
        except (ParseError, SourceError, OSError) as error:
            report.failed[item] = str(error)
    refused = refused_claims([*claims, *(c for col in collections for c in col.claims)])
    report.failed.update(refused)
    documents = [c.document for c in claims if c.item not in refused and c.document]
    report.merge(ingest_documents(store, settings, documents, replace))
    for collection in collections:
        report.merge(collection.add(store, settings, refused, replace, progress))
    return report
