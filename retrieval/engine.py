"""The retrieval core's one entry point for adapters (CLI, bot, HTTP service).

An Engine owns the database, the model and the loaded index. On start it makes sure there is
something to search: an empty database gets the configured corpus, and a missing, stale or
damaged index is rebuilt (with a log line saying why) instead of failing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from retrieval.answer import ChunkView, compose
from retrieval.calibration import calibrate
from retrieval.documents import Document
from retrieval.embedding import Embedder
from retrieval.index import IndexBundle, IndexUnavailable
from retrieval.ingest import fingerprint, ingest_folders, refresh_index
from retrieval.results import SearchResult
from retrieval.search import HybridSearcher, clean_question, model_profile
from retrieval.settings import Settings, get_settings
from retrieval.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Loaded:
    """One consistent generation of documents, chunks and index; replaced whole on reload."""

    documents: dict[str, Document]
    views: list[ChunkView]
    searcher: HybridSearcher | None  # None while the corpus is empty
    generation: str | None  # the index folder's CURRENT pointer when this was loaded


class Engine:
    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, progress: bool = False
    ) -> None:
        self.settings = settings
        self.store = Store(settings.sqlalchemy_url)
        self.embedder = embedder or Embedder(settings.embedding_model)
        self.profile = model_profile(settings)
        self._reload_lock = threading.Lock()
        self._checked_at = time.monotonic()
        if not self.store.document_hashes():
            log.info("Empty database: indexing the corpus in %s", settings.corpus_dirs)
            ingest_folders(self.store, settings, settings.corpus_dirs)
        self._loaded = self._load(progress)

    def reload(self, progress: bool = False) -> None:
        """Pick up what changed in the database, rebuilding the index if it is stale."""
        with self._reload_lock:
            self._loaded = self._load(progress)

    def _follow_other_processes(self) -> None:
        """Reload when another process (`vraagbaak add` beside the bot, say) saved a new index.

        Looks at most every `index_recheck_seconds`; one caller reloads while the others go on
        with the generation they have.
        """
        now = time.monotonic()
        if now - self._checked_at < self.settings.index_recheck_seconds:
            return
        self._checked_at = now
        if self._generation() == self._loaded.generation:
            return
        if self._reload_lock.acquire(blocking=False):
            try:
                log.info("Another process changed the index: reloading")
                self._loaded = self._load(progress=False)
            finally:
                self._reload_lock.release()

    def _generation(self) -> str | None:
        try:
            return (self.settings.index_dir / "CURRENT").read_text().strip()
        except OSError:
            return None

    def _load(self, progress: bool) -> _Loaded:
        documents = {d.doc_id: d for d in self.store.documents()}
        records = self.store.chunk_records()
        views = []
        for record in records:
            document = documents[record.doc_id]
            section = document.section(record.section)
            if section is None:
                raise RuntimeError(f"chunk {record.chunk_id} names a missing section")
            views.append(ChunkView(record.to_chunk(document.text), document, section))
        if not records:
            return _Loaded(documents, views, None, self._generation())

        expected = fingerprint(self.embedder.model_id, records)
        try:
            bundle = IndexBundle.load(self.settings.index_dir, expected)
        except IndexUnavailable as why:
            log.warning("Rebuilding the search index: %s", why)
            bundle = refresh_index(
                self.store,
                self.embedder,
                self.settings.index_dir,
                [v.chunk for v in views],
                records,
                self.settings.embedding_batch_size,
                progress,
                sentences=self.profile.sentence_weight > 0,
            )
            bundle.decline = calibrate(self._searcher(bundle, views), views)
            bundle.save(self.settings.index_dir)
        return _Loaded(documents, views, self._searcher(bundle, views), self._generation())

    def _searcher(self, bundle: IndexBundle, views: list[ChunkView]) -> HybridSearcher:
        unanswered = np.array([v.section.kind == "question" for v in views], dtype=bool)
        return HybridSearcher(
            self.embedder,
            bundle,
            self.settings.candidates,
            self.profile,
            unanswered,
            self.settings.min_confidence,
        )

    # --- what adapters call -----------------------------------------------------------------
    def search(
        self, question: str, k: int | None = None, offset: int = 0, keep_declined: bool = False
    ) -> SearchResult:
        """The passages that answer `question`, best first; QuestionError for unusable input.

        A declined question (`answered=False`) has no passages, unless `keep_declined` asks for
        the ranking anyway: evaluation measures ranking and declining apart.
        """
        question = clean_question(question, self.settings.max_question_chars)
        self._follow_other_processes()
        loaded = self._loaded
        if loaded.searcher is None:
            return SearchResult(question, False, "nl", [])
        ranking = loaded.searcher.rank(question)
        answered = loaded.searcher.decline.answers(ranking.confidence, ranking.p_english)
        if not (answered or keep_declined):
            return SearchResult(question, False, ranking.language, [])
        passages = compose(
            ranking,
            loaded.views,
            loaded.searcher.bundle,
            k or self.settings.top_k,
            offset,
            self.settings.public_base_url,
        )
        return SearchResult(question, answered, ranking.language, passages)

    def documents(self) -> list[Document]:
        self._follow_other_processes()
        return sorted(self._loaded.documents.values(), key=lambda d: d.date or "", reverse=True)

    def document(self, doc_id: str) -> Document | None:
        return self._loaded.documents.get(doc_id)


_engines: dict[tuple[str, str, str], Engine] = {}
_engines_lock = threading.Lock()


def get_engine(settings: Settings | None = None, progress: bool = False) -> Engine:
    """The process-wide Engine for these settings, created (and indexed if need be) on first use."""
    settings = settings or get_settings()
    key = (str(settings.data_dir), settings.sqlalchemy_url, settings.embedding_model)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(settings, progress=progress)
        return _engines[key]
