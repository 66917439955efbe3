"""The bundled corpus: the files `manifest.toml` lists, parsed, with the manifest's metadata.

The parsers read metadata from the text as well as they can; the manifest is where a person
states it for sure, so its values win over what was parsed.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.documents import Document
from retrieval.parsing import ParseError, parse_file

MANIFEST = "manifest.toml"
# manifest key -> Document field
FIELDS = {
    "id": "doc_id",
    "type": "doc_type",
    "title": "title",
    "date": "date",
    "submitted": "submitted",
    "answered": "answered",
    "submitters": "submitters",
    "ministers": "ministers",
    "ministry": "ministry",
    "urls": "urls",
    "publisher": "publisher",
}


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The `[[document]]` tables of folder/manifest.toml, each checked for known keys."""
    path = folder / MANIFEST
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("document", [])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ParseError(f"{path}: cannot read manifest ({error})") from error
    for entry in entries:
        if "file" not in entry:
            raise ParseError(f"{path}: a [[document]] has no 'file'")
        if unknown := set(entry) - set(FIELDS) - {"file"}:
            raise ParseError(f"{path}: {entry['file']}: unknown keys {sorted(unknown)}")
    return entries


def load_corpus(folder: Path, max_bytes: int | None = None) -> list[Document]:
    """Every document the manifest lists, parsed, with the manifest's fields applied."""
    return [
        _apply(parse_file(folder / entry["file"], max_bytes), entry)
        for entry in load_manifest(folder)
    ]


def _apply(document: Document, entry: dict[str, Any]) -> Document:
    # TOML may hold dates as dates; Documents keep ISO strings.
    values = {
        FIELDS[key]: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in entry.items()
        if key in FIELDS
    }
    return replace(document, **values)
