"""JSONL collections: one document per line with its metadata (`vraagbaak add FILE.jsonl[.gz]`).

A line is a JSON object with at least `id` and `text`; these keys add metadata:

| key | Document field |
| --- | --- |
| `type` | `doc_type` ("kamervragen", "kamerstukken", "handelingen" or a type vraagbaak knows) |
| `title`, `date`, `publisher`, `ministry` | the same |
| `submitted`; `answered` or `date_answered` | `submitted`, `answered` |
| `submitters`; `ministers` or `answered_by` | `submitters`, `ministers` (a string or a list) |
| `url`; `urls` | `urls["bron"]`; `urls` |

The text is parsed like a file's (`parsing.parse_text`). What the record states about the
document itself wins: its id, type, title, date and links. Who asked and answered, and when,
are read from the text where it says (it sees every question set of a page) and taken from the
record where it does not. A Kamervraag's date is that of its answer, when it has one.

The file is read twice, streaming: once for the ids (so two lines that claim one id, here or in
another item of the batch, are both refused) and once to add the documents in batches. A bad
line is reported with its number and the rest go on.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Collection as Items
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

from tqdm import tqdm

from retrieval.documents import DocType, Document
from retrieval.ingest import Claim, IngestReport, ingest_documents
from retrieval.parsing import ParseError, parse_text
from retrieval.parsing.errors import too_large
from retrieval.settings import Settings
from retrieval.store import Store

SUFFIXES = (".jsonl", ".jsonl.gz")
#: Documents parsed before they are written together.
BATCH = 200
#: Collections name their types in the plural.
TYPE_NAMES: dict[str, DocType] = {
    "kamervragen": "kamervraag",
    "kamerstukken": "kamerstuk",
    "kamerbrieven": "kamerbrief",
    **{name: name for name in get_args(DocType)},
}
#: What a document id may hold: it is part of links and of chunk ids ("id:section:n").
ID_RULE = "letters, digits, '.', '-' and '_', at most 200"
_ID = re.compile(r"^[\w.-]{1,200}$")
#: A line this much longer than the size limit cannot hold a document under it (JSON escapes).
_LINE_SLACK = 4


def is_collection(item: str) -> bool:
    return item.lower().endswith(SUFFIXES) and "://" not in item


@dataclass
class Collection:
    """A JSONL file given to `add`, with the id each of its lines claims."""

    item: str  # as it was given
    max_bytes: int
    claims: list[Claim] = field(default_factory=list)
    lines: int = 0

    @classmethod
    def read(cls, item: str, max_bytes: int) -> Collection:
        """The collection's claims, from a first pass over its lines; OSError when unreadable."""
        collection = cls(item, max_bytes)
        for number, record in collection._records():
            collection.lines = number
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                collection.claims.append(
                    Claim(
                        collection.line(number),
                        record["id"],
                        collection.line(number),  # two lines are never one source
                        str(record.get("title") or "") or None,
                    )
                )
        return collection

    def line(self, number: int) -> str:
        return f"{self.item} line {number}"

    def add(
        self,
        store: Store,
        settings: Settings,
        refused: Items[str] = (),
        replace: bool = False,
        progress: bool = False,
    ) -> IngestReport:
        """Parse and store every line (but those `refused`), in batches."""
        report = IngestReport()
        batch: list[Document] = []
        source = str(Path(self.item).resolve())
        name = Path(self.item).name
        with tqdm(
            total=self.lines, desc=f"Adding {name}", unit=" lines", disable=not progress
        ) as bar:
            for number, record in self._records():
                bar.update(1)
                where = self.line(number)
                if where in refused:
                    continue
                try:
                    if isinstance(record, str):
                        raise ParseError(record)
                    batch.append(record_document(record, source, self.max_bytes))
                except ParseError as error:
                    report.failed[where] = str(error)
                if len(batch) >= BATCH:
                    report.merge(ingest_documents(store, settings, batch, replace))
                    batch = []
        report.merge(ingest_documents(store, settings, batch, replace))
        return report

    def _records(self) -> Iterator[tuple[int, dict[str, Any] | str]]:
        """(line number, the record or why it is unusable) for each non-blank line."""
        path = Path(self.item)
        limit = self.max_bytes * _LINE_SLACK + 65_536
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        number = 0
        with opener(path, "rb") as handle:
            while True:
                try:
                    raw = handle.readline(limit)
                except (OSError, EOFError, zlib.error) as error:  # a damaged gzip stream
                    yield number + 1, f"unreadable from here on ({error})"
                    return
                if not raw:
                    return
                number += 1
                if len(raw) >= limit and not raw.endswith(b"\n"):
                    while (rest := handle.readline(limit)) and not rest.endswith(b"\n"):
                        pass
                    yield number, f"{len(raw):,} bytes or more: too long for a document"
                elif raw.strip():
                    yield number, _decode(raw)


def _decode(raw: bytes) -> dict[str, Any] | str:
    try:
        record = json.loads(raw)
    except UnicodeDecodeError as error:
        return f"not UTF-8 ({error.reason} at byte {error.start})"
    except json.JSONDecodeError as error:
        return f"not JSON ({error.msg} at column {error.colno})"
    return record if isinstance(record, dict) else "not a JSON object"


def record_document(record: dict[str, Any], source: str, max_bytes: int) -> Document:
    """The Document a record stands for; ParseError names what is wrong with it."""
    doc_id, text = record.get("id"), record.get("text")
    if not isinstance(doc_id, str) or not _ID.match(doc_id):
        raise ParseError(f"no usable 'id' ({ID_RULE}): {str(doc_id)[:80]!r}")
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"{doc_id}: no 'text'")
    if (size := len(text.encode())) > max_bytes:
        raise ParseError(too_large(doc_id, size, max_bytes))
    kind = record.get("type")
    doc_type = TYPE_NAMES.get(str(kind).lower()) if kind else None
    if kind and doc_type is None:
        raise ParseError(f"{doc_id}: unknown type {kind!r}")
    parsed = parse_text(text, source_file=f"{doc_id}.txt")
    url = _string(record.get("url"))
    urls = {**parsed.urls, **_strings(record.get("urls")), **({"bron": url} if url else {})}
    answered = parsed.answered or _date(record, "answered", "date_answered")
    doc_type = doc_type or parsed.doc_type
    return replace(
        parsed,
        doc_id=doc_id,
        doc_type=doc_type,
        title=_string(record.get("title")) or parsed.title,
        date=(answered if doc_type == "kamervraag" else None)
        or _date(record, "date")
        or parsed.date,
        submitted=parsed.submitted or _date(record, "submitted"),
        answered=answered,
        submitters=parsed.submitters or _list(record.get("submitters")),
        ministers=parsed.ministers or _list(record.get("ministers") or record.get("answered_by")),
        ministry=parsed.ministry or _string(record.get("ministry")),
        publisher=_string(record.get("publisher")) or parsed.publisher,
        urls=urls,
        source_file=url or source,
    )


def _string(value: object) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _date(record: dict[str, Any], *keys: str) -> str | None:
    """The first of `keys` the record has, which must be a date written YYYY-MM-DD."""
    value = next((record[key] for key in keys if record.get(key)), None)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise ParseError(
            f"{record['id']}: {keys[0]} {value!r} is not a date (YYYY-MM-DD)"
        ) from error


def _list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
