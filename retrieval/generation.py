"""Index generations: the documents, their chunks and the search index over them, saved as one.

A reader loads everything it answers from out of one generation, never from the database, so a
document added or removed meanwhile cannot give it a chunk without its document or a quote that
is not in its text. The index folder (`$VRAAGBAAK_DATA_DIR/index`) holds:

    CURRENT                    the name of the generation readers load
    g<time>-<fingerprint>/     one generation: manifest.json, chunks.json and the index files
    documents/<version>.json   document texts, shared by the generations that hold that version
    segments/<checksum>.npy    sentence vectors, shared likewise (see `retrieval.segments`)

Only the writer saves (see `retrieval.writer`): documents and new vector segments first, then
the generation under a temporary name, every file and folder fsynced, renamed into place, and last
the CURRENT pointer swapped with `os.replace`. A crash at any moment leaves CURRENT on a complete
generation. The manifest carries a checksum of every file (see `retrieval.files`), checked on
load: a damaged generation is refused with the file named. Shared files are never rewritten once
saved (a segment's name is its checksum). The writer deletes old generations only after it has
loaded the new one back, and keeps the one before it for readers still loading that.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import files
from retrieval.documents import Chunk, Document, DocumentInfo, Span
from retrieval.errors import IndexOutdated, IndexUnavailable
from retrieval.index import IndexBundle
from retrieval.rows import MadeOnDemand
from retrieval.segments import SUFFIX
from retrieval.settings import Settings
from retrieval.store import SEEDED, Store

log = logging.getLogger(__name__)

FORMAT = 5  # 3: documents and chunks in the generation, file checksums; 4: BM25 postings;
# 5: sentence vectors in shared segments, XXH3 checksums
CURRENT = "CURRENT"
DOCUMENTS = "documents"
SEGMENTS = "segments"
MANIFESTS_KEPT = 4  # a writer reads the current generation's and the new one's several times
_NAME = re.compile(r"g\d{20}-[0-9a-f]+")


@dataclass(frozen=True)
class Generation:
    """One saved state of the corpus: what a reader searches and quotes from."""

    name: str
    model: str  # EMBEDDING_MODEL the vectors were made with
    model_id: str  # `Embedder.model_id`: query vectors are comparable only under the same one
    versions: dict[str, str]  # doc_id -> version (see `ingest.document_version`)
    documents: DocumentFiles
    chunks: ChunkRows  # aligned with the rows of `bundle`, made when asked for
    bundle: IndexBundle | None  # None when there is nothing to search


class Generations:
    """The generations in one index folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents_dir = root / DOCUMENTS
        self.segments_dir = root / SEGMENTS
        #: the manifests read so far (a generation folder never changes once it has its name)
        self._manifests: dict[str, dict[str, Any]] = {}

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
        if name not in self._manifests:
            if len(self._manifests) >= MANIFESTS_KEPT:
                del self._manifests[next(iter(self._manifests))]
            self._manifests[name] = self._read_manifest(name)
        return self._manifests[name]

    def _read_manifest(self, name: str) -> dict[str, Any]:
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
        self, name: str, mmap: bool = False, kept: int | None = None, fitted: bool = True
    ) -> Generation:
        """The generation with every file checked against its checksum; IndexUnavailable if not.

        `mmap`: its large index files are mapped read-only (see `IndexBundle.read`). Documents
        are parsed when asked for and `kept` of them held once parsed (None: all; see
        `DocumentFiles`); chunks are made when asked for (see `ChunkRows`). `fitted`: every chunk
        is checked now to fit its document, which parses every document with chunks once (and
        so checks its file); the writer, which reads only the documents that changed, leaves
        that to the readers."""
        folder = self.root / name
        manifest = self.manifest(name)
        try:
            self._check_files(name, manifest)
            documents = DocumentFiles(self, manifest["documents"], kept=kept)
            bundle = (
                IndexBundle.read(folder, self.segments_dir, manifest["index"], mmap)
                if manifest["index"]
                else None
            )
            rows = json.loads((folder / "chunks.json").read_text())
            chunks = ChunkRows(rows, bundle.chunk_ids if bundle else [], documents)
            if fitted:
                chunks.check()  # reads, and so checks, the file of every document with chunks
            documents.check()
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexUnavailable(f"generation {name} does not add up ({exc!r})") from exc
        return self._generation(name, documents, chunks, bundle)

    def _generation(
        self,
        name: str,
        documents: DocumentFiles,
        chunks: ChunkRows,
        bundle: IndexBundle | None,
    ) -> Generation:
        manifest = self.manifest(name)
        return Generation(
            name=name,
            model=manifest["model"],
            model_id=manifest["model_id"],
            versions={doc_id: v for doc_id, (v, _) in manifest["documents"].items()},
            documents=documents,
            chunks=chunks,
            bundle=bundle,
        )

    def check(self, name: str, verified: str | None = None) -> None:
        """Every file of the generation, and every document file it names, against its checksum
        (what a reader will check); IndexUnavailable if one does not match. The shared files
        (documents, vector segments) it has in common with the generation `verified`, which the
        caller loaded and so checked, are not read again: they are never rewritten."""
        manifest = self.manifest(name)
        seen = self._shared(self.manifest(verified)) if verified else {}
        self._check_files(name, manifest, seen)
        for relative, digest in _documents(manifest).items():
            if seen.get(relative) != digest:
                self._check_shared(relative, digest)

    def _check_files(
        self, name: str, manifest: dict[str, Any], seen: dict[str, str] | None = None
    ) -> None:
        """The generation's own files and its vector segments against their checksums, but for
        the shared files in `seen`."""
        for relative, digest in manifest["files"].items():
            files.check(self.root / name / relative, digest, f"{relative} of generation {name}")
        for relative, digest in _segments(manifest).items():
            if relative not in (seen or {}):
                self._check_shared(relative, digest)

    def _check_shared(self, relative: str, digest: str) -> None:
        folder, file = relative.split("/")
        what = "document file" if folder == DOCUMENTS else "vector segment"
        files.check(self.root / relative, digest, f"{what} {file}")

    @staticmethod
    def _shared(manifest: dict[str, Any]) -> dict[str, str]:
        """The files outside its folder a generation reads: path in the index folder -> checksum."""
        return {**_documents(manifest), **_segments(manifest)}

    def document_digests(self, name: str) -> dict[str, str]:
        """version -> digest of the generation's document files."""
        return {version: digest for version, digest in self.manifest(name)["documents"].values()}

    def _document(self, version: str, digest: str) -> Document:
        path = self.documents_dir / f"{version}.json"
        data = files.read_checked(path, digest, f"document file {path.name}")
        try:
            return Document.from_dict(json.loads(data))
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexUnavailable(f"document file {path.name} does not add up ({exc!r})") from exc

    # --- writing (the writer only) ------------------------------------------------------------
    def save(
        self,
        model: str,
        model_id: str,
        versions: dict[str, str],
        documents: Mapping[str, Document],
        rows: Sequence[Sequence[Any]],
        bundle: IndexBundle | None,
        known: dict[str, str] | None = None,
    ) -> str:
        """Saves a new generation durably and points CURRENT at it; returns its name.

        `versions` (doc_id -> version) are its documents; `rows` (doc_id, section, start, end,
        context) its chunks, aligned with `bundle`'s rows. `known` (version -> digest) are the
        document files of the generation this one follows, checked when it was loaded: they are
        not written, read or hashed again, and only the other documents are taken from
        `documents`.
        """
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        known = known or {}
        entries = {
            doc_id: [version, known.get(version) or self._save_document(documents[doc_id], version)]
            for doc_id, version in versions.items()
        }
        files.fsync(self.documents_dir)
        fingerprint = bundle.fingerprint if bundle else hashlib.sha256(b"").hexdigest()
        name = f"g{time.time_ns():020d}-{fingerprint[:12]}"
        building = self.root / f".tmp-{name}"
        building.mkdir()
        index = bundle.write(building, self.segments_dir) if bundle else None
        if bundle:
            files.fsync(self.segments_dir)
        (building / "chunks.json").write_text(json.dumps(list(rows), ensure_ascii=False))
        checksums = {
            path.relative_to(building).as_posix(): files.digest(path)
            for path in sorted(building.rglob("*"))
            if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "model": model,
            "model_id": model_id,
            "documents": entries,
            "files": checksums,
            "index": index,
        }
        (building / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
        for path in sorted(building.rglob("*"), reverse=True):  # files, then their folders
            files.fsync(path)
        files.fsync(building)
        os.rename(building, self.root / name)
        files.fsync(self.root)
        files.write_durably(self.root / CURRENT, name.encode())
        return name

    def saved(
        self,
        name: str,
        documents: Mapping[str, Document],
        rows: Sequence[Sequence[Any]],
        bundle: IndexBundle | None,
    ) -> Generation:
        """The generation `save` just wrote, as `load(fitted=False)` gives it, without checking it
        again; of `documents`, those it holds are not read back."""
        files_of = DocumentFiles(self, self.manifest(name)["documents"], documents)
        chunks = ChunkRows(rows, bundle.chunk_ids if bundle else [], files_of)
        return self._generation(name, files_of, chunks, bundle)

    def _save_document(self, document: Document, version: str) -> str:
        """Writes the document's file unless an identical one is there; returns its digest."""
        data = json.dumps(document.to_dict(), ensure_ascii=False, sort_keys=True).encode()
        return files.save(self.documents_dir / f"{version}.json", data)

    def prune(self, keep: Iterable[str]) -> None:
        """Deletes every generation but `keep`, leftovers of interrupted saves, and the document
        files and vector segments no kept generation holds."""
        keep = set(keep)
        referenced: set[str] = set()
        for name in keep:
            try:
                referenced |= self._shared(self.manifest(name)).keys()
            except IndexUnavailable:
                continue
        for path in self.root.iterdir():
            if path.name in keep or path.name in (CURRENT, DOCUMENTS, SEGMENTS):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for folder in (self.documents_dir, self.segments_dir):
            for path in folder.iterdir() if folder.is_dir() else ():
                if f"{folder.name}/{path.name}" not in referenced:
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


def _documents(manifest: dict[str, Any]) -> dict[str, str]:
    return {f"{DOCUMENTS}/{v}.json": digest for v, digest in manifest["documents"].values()}


def _segments(manifest: dict[str, Any]) -> dict[str, str]:
    names = (manifest["index"] or {}).get("sentence_segments", [])
    return {f"{SEGMENTS}/{name}{SUFFIX}": name for name in names}


def document_changes(before: dict[str, str], after: dict[str, str]) -> tuple[int, int, int]:
    """How many documents were added, changed and removed between two doc_id -> version maps."""
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for doc_id in after.keys() & before.keys() if after[doc_id] != before[doc_id])
    return added, changed, removed


def changed_documents(before: dict[str, str], after: dict[str, str]) -> int:
    """How many documents were added, changed or removed between two doc_id -> version maps."""
    return sum(document_changes(before, after))


class DocumentFiles(Mapping[str, Document]):
    """A generation's documents (doc_id -> Document), each read from its file, and checked,
    when asked for. `kept`: how many parsed documents are held, the most recently used (None:
    every one asked for); `given` ones (the writer's, from the database) are not read."""

    def __init__(
        self,
        generations: Generations,
        entries: dict[str, list[str]],
        given: Mapping[str, Document] | None = None,
        kept: int | None = None,
    ) -> None:
        self._generations = generations
        self._entries = entries  # doc_id -> [version, digest]
        self._given = {doc_id: d for doc_id, d in (given or {}).items() if doc_id in entries}
        self._parsed = functools.lru_cache(maxsize=kept)(self._parse)
        self._infos = {doc_id: document.info() for doc_id, document in self._given.items()}

    def check(self) -> None:
        """The file of every document not read (nor given) yet against its checksum, none of
        them parsed: a document read was checked as it was read."""
        for doc_id, (version, digest) in self._entries.items():
            if doc_id not in self._infos:
                self._generations._check_shared(f"{DOCUMENTS}/{version}.json", digest)

    def __getitem__(self, doc_id: str) -> Document:
        given = self._given.get(doc_id)
        if given is not None:
            return given
        if doc_id not in self._entries:
            raise KeyError(doc_id)
        return self._parsed(doc_id)

    def info(self, doc_id: str) -> DocumentInfo:
        """All of the document but its text: held for every document once it is parsed."""
        if doc_id not in self._infos:
            self[doc_id]
        return self._infos[doc_id]

    def _parse(self, doc_id: str) -> Document:
        version, digest = self._entries[doc_id]
        document = self._generations._document(version, digest)
        self._infos[doc_id] = document.info()
        return document

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class ChunkRows(MadeOnDemand[Chunk]):
    """Chunks made from saved rows (doc_id, section, start, end, context) when asked for, each
    checked to fit its document. Nothing holds a copy of a chunk's text, and the rows are kept as
    arrays and shared strings: a million chunks as objects with their texts take a gigabyte, as
    JSON lists half of one, this way a tenth."""

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        chunk_ids: Sequence[str],
        documents: Mapping[str, Document],
    ) -> None:
        if len(rows) != len(chunk_ids):
            raise ValueError(f"{len(rows)} chunks for {len(chunk_ids)} index rows")
        shared: dict[str, str] = {}  # one string object for each distinct id, label, context
        self.doc_ids = [shared.setdefault(row[0], row[0]) for row in rows]
        self.sections = [shared.setdefault(row[1], row[1]) for row in rows]
        self._contexts = [shared.setdefault(row[4], row[4]) for row in rows]
        self._spans = np.array([row[2:4] for row in rows], dtype=np.int64).reshape(-1, 2)
        self._chunk_ids = chunk_ids
        self._documents = documents
        self._labels: dict[str, set[str]] = {}  # doc_id -> its section labels

    def check(self) -> None:
        """ValueError unless every row fits its document (a section it has, inside its text)."""
        for i in range(len(self)):
            self._fits(i)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def _make(self, i: int) -> Chunk:
        document, span = self._fits(i)
        return Chunk(
            self._chunk_ids[i],
            self.doc_ids[i],
            self.sections[i],
            span,
            span.of(document.text),
            self._contexts[i],
        )

    def _fits(self, i: int) -> tuple[Document, Span]:
        doc_id = self.doc_ids[i]
        document = self._documents[doc_id]
        if doc_id not in self._labels:
            self._labels[doc_id] = {s.label for s in document.sections}
        start, end = self._spans[i].tolist()
        if self.sections[i] not in self._labels[doc_id] or end > len(document.text):
            raise ValueError(f"chunk {self._chunk_ids[i]} does not fit its document")
        return document, Span(start, end)
