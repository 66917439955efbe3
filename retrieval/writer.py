"""The writer: the one process at a time that changes the database and saves index generations.

`vraagbaak index`, `add`, `remove`, `sync`, and the first-run or recovery step of the commands
that answer questions, write through a `Writer` while they hold the writer's lock
(`retrieval.lock`). Readers (the bot, the web workers, `ask`) never write: they load generations
(`retrieval.generation`) and leave bringing them up to date to the writer.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from retrieval.answer import ChunkViews, searcher_for, unanswered_rows
from retrieval.calibration import calibrate, reusable
from retrieval.documents import Document
from retrieval.embedding import Embedder
from retrieval.errors import IndexOutdated, IndexUnavailable
from retrieval.generation import (
    ChunkRows,
    Generation,
    Generations,
    changed_documents,
    document_changes,
)
from retrieval.ingest import (
    CachedEmbedder,
    IngestReport,
    fingerprint,
    ingest_documents,
    ingest_folders,
    refresh_index,
    remove_documents,
)
from retrieval.lock import WriterLock
from retrieval.search import model_profile
from retrieval.settings import Settings
from retrieval.sources.batch import add_each
from retrieval.store import SEEDED, Store

log = logging.getLogger(__name__)


@contextmanager
def writing(
    settings: Settings,
    store: Store,
    embedder: Embedder | Callable[[], Embedder],
    *,
    command: str = "vraagbaak",
    wait: bool = True,
    on_wait: Callable[[str], None] = log.warning,
    progress: bool = False,
) -> Iterator[Writer]:
    """A Writer, for as long as this process holds the writer's lock (see WriterLock.acquire).

    `embedder` may be a function that loads it: then the model is loaded only once the lock is
    held, so a writer that must wait or give up says so at once.
    """
    with WriterLock(settings.data_dir, command) as lock:
        lock.acquire(wait, on_wait)
        store.check_writable()  # before the model is loaded: a read-only database fails at once
        model = embedder if isinstance(embedder, Embedder) else embedder()
        yield Writer(settings, store, model, progress)


def index_folders(
    settings: Settings,
    embedder: Embedder,
    folders: Sequence[Path] | None = None,
    store: Store | None = None,
    progress: bool = False,
) -> tuple[IngestReport, Generation]:
    """`vraagbaak index` for programs (tests, benchmarks): the documents of `folders` (default:
    the configured corpus) stored and the index brought up to date, under the writer's lock."""
    store = store or Store(settings.sqlalchemy_url, settings.database_setting)
    with writing(settings, store, embedder, progress=progress) as writer:
        report = writer.ingest_folders(settings.corpus_dirs if folders is None else folders)
        return report, writer.publish()


@dataclass
class Writer:
    """Changes the database and saves index generations. Use it only while holding WriterLock."""

    settings: Settings
    store: Store
    embedder: Embedder
    progress: bool = False  # progress bars on stderr while embedding

    def seed_if_new(self) -> IngestReport | None:
        """On the first run, the configured corpus (VRAAGBAAK_CORPUS, else the bundled one)."""
        if self.store.meta(SEEDED) is not None or self.store.document_versions():
            return None
        log.info("First run: adding the corpus in %s", self.settings.corpus_dirs)
        return self.ingest_folders(self.settings.corpus_dirs)

    def ingest_folders(self, folders: Sequence[Path]) -> IngestReport:
        """Every document of these corpus folders; a folder that does not parse changes nothing."""
        report = ingest_folders(self.store, self.settings, folders)
        self._seeded()
        return report

    def ingest(self, documents: Iterable[Document]) -> IngestReport:
        """Documents already parsed (a benchmark's, a program's)."""
        report = ingest_documents(self.store, self.settings, documents)
        self._seeded()
        return report

    def add(
        self, items: Iterable[str], load: Callable[[str], Document], replace: bool = False
    ) -> IngestReport:
        """Files, URLs, ids and JSONL collections (see `sources.batch`); `replace` lets a
        document replace one stored from elsewhere."""
        report = add_each(self.store, self.settings, items, load, replace, self.progress)
        self._seeded()
        return report

    def remove(self, doc_ids: Iterable[str]) -> IngestReport:
        return remove_documents(self.store, doc_ids)

    def _seeded(self) -> None:
        if self.store.meta(SEEDED) is None:
            self.store.set_meta(SEEDED, datetime.now().isoformat(timespec="seconds"))

    def publish(self) -> Generation:
        """Brings the index up to date with the database and returns the generation readers get.

        Nothing is saved when the current generation is whole (checksums) and matches. Otherwise
        a new one is built (updated in place from the current one when it is large), saved,
        loaded back, and only then are the older generations deleted, but for the one before.
        """
        with _no_cycle_collection():
            return self._publish()

    def _publish(self) -> Generation:
        generations = Generations(self.settings.index_dir)
        versions = self.store.document_versions()
        records = self.store.chunk_records()
        model_id = self.embedder.model_id
        profile = model_profile(self.settings)
        # the ranking profile is part of what a generation was built for: its decline model is
        # calibrated with it
        expected = fingerprint(f"{model_id}|{profile.key}", records)

        current_name = generations.current()
        current: Generation | None = None
        if current_name is None:
            log.info("Building the search index for the first time")
        else:
            try:
                current = generations.load(current_name, fitted=False)
            except IndexOutdated as why:
                log.info("Rebuilding the search index: %s", why)
            except IndexUnavailable as why:
                log.warning("Rebuilding the search index: %s", why)
        if current is not None:
            indexed = current.bundle.fingerprint if current.bundle else expected
            if current.model_id != model_id:
                log.info(
                    "Rebuilding the search index: it was built with %s, the model is now %s",
                    current.model,
                    self.settings.embedding_model,
                )
                current = None
            elif indexed == expected and current.versions == versions:
                generations.prune(self._keep(generations, current.name))
                return current
            else:
                log.info("Updating the search index: %s", _changes(current.versions, versions))
        # only documents the current generation lacks are read from the database; the others,
        # and the chunks of either, only when the update asks for them
        unchanged = current.versions if current else {}
        fresh = {
            doc_id: document
            for doc_id, (document, _) in self.store.documents(
                doc_id for doc_id, version in versions.items() if unchanged.get(doc_id) != version
            ).items()
        }
        documents: Mapping[str, Document] = (
            ChainMap(fresh, current.documents) if current else fresh  # type: ignore[arg-type]
        )
        rows = [r.row for r in records]
        chunks = ChunkRows(rows, [r.chunk_id for r in records], documents)

        started = time.perf_counter()
        bundle = (
            refresh_index(
                self.store,
                self.embedder,
                current.bundle if current else None,
                chunks,
                records,
                self.settings.embedding_batch_size,
                self.progress,
                sentences=profile.sentence_weight > 0,
                previous_chunks=current.chunks if current else (),
            )
            if records
            else None
        )
        if bundle is not None:
            bundle.fingerprint = expected
            previous = current.bundle if current else None
            changed = changed_documents(current.versions, versions) if current else len(versions)
            kept = reusable(previous.calibration if previous else None, profile.key, changed)
            if previous is not None and kept is not None:
                bundle.decline, bundle.calibration = previous.decline, kept
                log.info(
                    "Declining as calibrated before (%s of %s documents changed since)",
                    kept["changed"],
                    kept["documents"],
                )
            else:
                views = ChunkViews(chunks, documents)
                unanswered = unanswered_rows(chunks.doc_ids, chunks.sections, documents)
                cached = CachedEmbedder(self.store, self.embedder)
                bundle.decline = calibrate(
                    searcher_for(self.settings, cached, bundle, unanswered), views
                )
                bundle.calibration = {
                    "documents": len(versions),
                    "changed": 0,
                    "profile": profile.key,
                }
        known = generations.document_digests(current.name) if current else None
        name = generations.save(
            self.settings.embedding_model, model_id, versions, documents, rows, bundle, known
        )
        # on disk whole, as readers will find it, before pruning
        generations.check(name, verified=current.name if current else None)
        saved = generations.saved(name, fresh, rows, bundle)
        generations.prune({name} | ({current.name} if current else set()))
        log.info(
            "Saved index generation %s: %d documents, %d chunks (%.1f s)",
            name,
            len(saved.documents),
            len(saved.chunks),
            time.perf_counter() - started,
        )
        return saved

    @staticmethod
    def _keep(generations: Generations, current: str) -> set[str]:
        """The current generation and the newest one before it."""
        older = [name for name in generations.names() if name < current]
        return {current, *older[:1]}


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: publishing makes hundreds of thousands of objects that
    live until it is done (chunk records, manifest entries, word counts), and each collection
    would walk them all again (0.3-1 s of a 3 s update at 43,000 chunks). What it leaves
    behind is collected once it is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _changes(before: dict[str, str], after: dict[str, str]) -> str:
    added, changed, removed = document_changes(before, after)
    return f"{added} documents added, {changed} changed, {removed} removed"
