"""Index generations: the documents, their chunks and the search index over them, saved as one.

A reader loads everything it answers from out of one generation, never from the database, so a
document added or removed meanwhile cannot give it a chunk without its document or a quote that
is not in its text. The index folder (`$VRAAGBAAK_DATA_DIR/index`) holds:

    CURRENT                    the name of the generation readers load
    g<time>-<fingerprint>/     one generation: manifest.json, chunks.json and the index files
    documents/<version>.json   document texts, shared by the generations that hold that version

Only the writer saves (see `retrieval.writer`): documents first, then the generation under a
temporary name, every file and folder fsynced, renamed into place, and last the CURRENT pointer
swapped with `os.replace`. A crash at any moment leaves CURRENT on a complete generation. The
manifest carries a SHA-256 of every file, checked on load: a damaged generation is refused with
the file named. The writer deletes old generations only after it has loaded the new one back, and
keeps the one before it for readers still loading that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.documents import Chunk, Document, Span
from retrieval.errors import IndexOutdated, IndexUnavailable
from retrieval.index import IndexBundle
from retrieval.settings import Settings
from retrieval.store import SEEDED, Store

log = logging.getLogger(__name__)

FORMAT = 4  # 3: documents and chunks in the generation, file checksums; 4: BM25 postings
CURRENT = "CURRENT"
DOCUMENTS = "documents"
_NAME = re.compile(r"g\d{20}-[0-9a-f]+")


@dataclass(frozen=True)
class Generation:
    """One saved state of the corpus: what a reader searches and quotes from."""

    name: str
    model: str  # EMBEDDING_MODEL the vectors were made with
    model_id: str  # `Embedder.model_id`: query vectors are comparable only under the same one
    versions: dict[str, str]  # doc_id -> version (see `ingest.document_version`)
    documents: dict[str, Document]
    chunks: list[Chunk]  # aligned with the rows of `bundle`
    bundle: IndexBundle | None  # None when there is nothing to search


class Generations:
    """The generations in one index folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents_dir = root / DOCUMENTS

    # --- reading ------------------------------------------------------------------------------
    def current(self) -> str | None:
        """The generation CURRENT names, None when there is none (yet)."""
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except OSError:
            return None

    def names(self) -> list[str]:
        """Every complete generation folder, newest first."""
        try:
            found = [p.name for p in self.root.iterdir() if _NAME.fullmatch(p.name)]
        except OSError:
            return []
        return sorted(found, reverse=True)

    def manifest(self, name: str) -> dict[str, Any]:
        """The generation's manifest, unchecked; IndexUnavailable if it cannot be read."""
        try:
            manifest = json.loads((self.root / name / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"generation {name} has no readable manifest ({exc})") from exc
        if not isinstance(manifest, dict):
            raise IndexUnavailable(f"generation {name} has no readable manifest")
        if manifest.get("format") != FORMAT:
            raise IndexOutdated(f"generation {name} was written by an older vraagbaak")
        return manifest

    def load(
        self, name: str, mmap: bool = False, parsed: dict[str, Document] | None = None
    ) -> Generation:
        """The generation with every file checked against its checksum; IndexUnavailable if not.

        `mmap`: its large index files are mapped read-only (see `IndexBundle.read`). `parsed`
        (version -> Document, the writer's from the database): documents of those versions are
        taken from there once their file is checked, not parsed again."""
        folder = self.root / name
        manifest = self.manifest(name)
        parsed = parsed or {}
        try:
            self._check_files(name, manifest)
            documents = {
                doc_id: self._document(version, digest, parsed.get(version))
                for doc_id, (version, digest) in manifest["documents"].items()
            }
            bundle = (
                IndexBundle.read(folder, manifest["index"], mmap) if manifest["index"] else None
            )
            chunks = _chunks(json.loads((folder / "chunks.json").read_text()), documents, bundle)
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexUnavailable(f"generation {name} does not add up ({exc!r})") from exc
        return Generation(
            name=name,
            model=manifest["model"],
            model_id=manifest["model_id"],
            versions={doc_id: v for doc_id, (v, _) in manifest["documents"].items()},
            documents=documents,
            chunks=chunks,
            bundle=bundle,
        )

    def check(self, name: str) -> None:
        """Every file of the generation, and every document file it names, against its checksum
        (what a reader will check); IndexUnavailable if one does not match."""
        manifest = self.manifest(name)
        self._check_files(name, manifest)
        for version, digest in manifest["documents"].values():
            path = self.documents_dir / f"{version}.json"
            _check(path, digest, f"document file {path.name}")

    def _check_files(self, name: str, manifest: dict[str, Any]) -> None:
        """The generation's own files against the checksums its manifest holds."""
        for relative, digest in manifest["files"].items():
            _check(self.root / name / relative, digest, f"{relative} of generation {name}")

    def document_digests(self, name: str) -> dict[str, str]:
        """version -> digest of the generation's document files."""
        return {version: digest for version, digest in self.manifest(name)["documents"].values()}

    def _document(self, version: str, digest: str, parsed: Document | None) -> Document:
        path = self.documents_dir / f"{version}.json"
        data = _read_checked(path, digest, f"document file {path.name}")
        return parsed or Document.from_dict(json.loads(data))

    # --- writing (the writer only) ------------------------------------------------------------
    def save(
        self,
        model: str,
        model_id: str,
        documents: Iterable[tuple[Document, str]],
        chunks: list[Chunk],
        bundle: IndexBundle | None,
        known: dict[str, str] | None = None,
    ) -> str:
        """Saves a new generation durably and points CURRENT at it; returns its name.

        `documents` are (document, version) pairs; `chunks` are aligned with `bundle`'s rows.
        `known` (version -> digest) are the document files of the generation this one follows,
        checked when it was loaded: they are not written, read or hashed again.
        """
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        known = known or {}
        entries = {
            document.doc_id: [version, known.get(version) or self._save_document(document, version)]
            for document, version in documents
        }
        _fsync(self.documents_dir)
        fingerprint = bundle.fingerprint if bundle else hashlib.sha256(b"").hexdigest()
        name = f"g{time.time_ns():020d}-{fingerprint[:12]}"
        building = self.root / f".tmp-{name}"
        building.mkdir()
        index = bundle.write(building) if bundle else None
        rows = [[c.doc_id, c.section, c.span.start, c.span.end, c.context] for c in chunks]
        (building / "chunks.json").write_text(json.dumps(rows, ensure_ascii=False))
        files = {
            path.relative_to(building).as_posix(): _digest(path)
            for path in sorted(building.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "model": model,
            "model_id": model_id,
            "documents": entries,
            "files": files,
            "index": index,
        }
        (building / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
        for path in sorted(building.rglob("*"), reverse=True):  # files, then their folders
            _fsync(path)
        _fsync(building)
        os.rename(building, self.root / name)
        _fsync(self.root)
        _write_durably(self.root / CURRENT, name.encode())
        return name

    def _save_document(self, document: Document, version: str) -> str:
        """Writes the document's file unless an identical one is there; returns its digest."""
        data = json.dumps(document.to_dict(), ensure_ascii=False, sort_keys=True).encode()
        digest = hashlib.sha256(data).hexdigest()
        path = self.documents_dir / f"{version}.json"
        if not (path.is_file() and _digest(path) == digest):
            _write_durably(path, data, sync_folder=False)  # the folder is fsynced once, after all
        return digest

    def prune(self, keep: Iterable[str]) -> None:
        """Deletes every generation but `keep`, leftovers of interrupted saves, and the document
        files no kept generation holds."""
        keep = set(keep)
        referenced: set[str] = set()
        for name in keep:
            try:
                referenced |= {f"{v}.json" for v, _ in self.manifest(name)["documents"].values()}
            except IndexUnavailable:
                continue
        for path in self.root.iterdir():
            if path.name in keep or path.name in (CURRENT, DOCUMENTS):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for path in self.documents_dir.iterdir() if self.documents_dir.is_dir() else ():
            if path.name not in referenced:
                path.unlink(missing_ok=True)


def index_status(settings: Settings, store: Store) -> str | None:
    """Why a writer must run before readers can answer (None: nothing to do), checked cheaply:
    the manifest of the current generation against the database, without loading the model."""
    versions = store.document_versions()
    if not versions and store.meta(SEEDED) is None:
        return "first run"
    generations = Generations(settings.index_dir)
    current = generations.current()
    if current is None:
        return "there is no index yet"
    try:
        manifest = generations.manifest(current)
    except IndexUnavailable as why:
        return str(why)
    if manifest["model"] != settings.embedding_model:
        return f"the model changed ({manifest['model']} → {settings.embedding_model})"
    indexed = {doc_id: version for doc_id, (version, _) in manifest["documents"].items()}
    if indexed != versions:
        return "the documents changed since the index was saved"
    return None


def document_changes(before: dict[str, str], after: dict[str, str]) -> tuple[int, int, int]:
    """How many documents were added, changed and removed between two doc_id -> version maps."""
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for doc_id in after.keys() & before.keys() if after[doc_id] != before[doc_id])
    return added, changed, removed


def changed_documents(before: dict[str, str], after: dict[str, str]) -> int:
    """How many documents were added, changed or removed between two doc_id -> version maps."""
    return sum(document_changes(before, after))


def _chunks(
    rows: list[list[Any]], documents: dict[str, Document], bundle: IndexBundle | None
) -> list[Chunk]:
    chunk_ids = bundle.chunk_ids if bundle else []
    if len(rows) != len(chunk_ids):
        raise ValueError(f"{len(rows)} chunks for {len(chunk_ids)} index rows")
    chunks = []
    labels = {
        doc_id: {s.label for s in document.sections} for doc_id, document in documents.items()
    }
    for chunk_id, (doc_id, section, start, end, context) in zip(chunk_ids, rows, strict=True):
        document = documents[doc_id]
        if section not in labels[doc_id] or end > len(document.text):
            raise ValueError(f"chunk {chunk_id} does not fit its document")
        span = Span(start, end)
        chunks.append(Chunk(chunk_id, doc_id, section, span, span.of(document.text), context))
    return chunks


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _check(path: Path, digest: str, what: str) -> None:
    """IndexUnavailable unless the file is there and matches `digest`."""
    try:
        actual = _digest(path)
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if actual != digest:
        raise IndexUnavailable(f"{what} does not match its checksum")


def _read_checked(path: Path, digest: str, what: str) -> bytes:
    """The file's bytes; IndexUnavailable unless it is there and matches `digest`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexUnavailable(f"{what} cannot be read ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise IndexUnavailable(f"{what} does not match its checksum")
    return data


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes, sync_folder: bool = True) -> None:
    """`path` holds `data` completely or not at all, also after a crash."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    if sync_folder:
        _fsync(path.parent)
