"""The retrieval core's one entry point for adapters (CLI, bot, HTTP service): a reader.

`Engine()` loads the newest good index generation and does nothing else: it never writes to the
database or the index. Everything it answers (documents, chunks, vectors) comes from that one
generation, so a document added or removed by another process meanwhile cannot make an answer
inconsistent. A running engine looks for a newer generation every `index_recheck_seconds`; one
that is damaged or built with another model is refused with a log line, and the engine keeps
the generation it has. Bringing the index up to date is the writer's job (`retrieval.writer`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from retrieval.answer import ChunkView, ChunkViews, compose, searcher_for, unanswered_rows
from retrieval.documents import Document, DocumentInfo
from retrieval.embedding import Embedder
from retrieval.errors import IndexUnavailable, SettingError
from retrieval.filters import Catalog, SearchFilter, Selection, Sort
from retrieval.generation import Generations, changed_documents
from retrieval.lock import holder
from retrieval.results import Passage, SearchResult
from retrieval.search import (
    Hit,
    HybridSearcher,
    Ranking,
    blas_on_one_thread,
    clean_question,
    detect_language,
)
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.timeline import Timeline, answering_hits, newest_first, one_per_document

log = logging.getLogger(__name__)

#: Documents a reader holds parsed, the most recently quoted; the others are read from the
#: generation's files when a passage quotes them (a million chunks' texts take 1.4 GiB).
DOCUMENTS_KEPT = 256


@dataclass(frozen=True)
class _Loaded:
    """One generation, ready to search; replaced whole on reload."""

    generation: str
    documents: Mapping[str, Document]
    views: Sequence[ChunkView]
    doc_ids: Sequence[str]  # of each index row
    searcher: HybridSearcher | None  # None while the corpus is empty
    versions: dict[str, str]  # doc_id -> version, as the generation's manifest lists them
    catalog: Catalog  # the documents by index row, for filters

    def rank(self, question: str, selection: Selection) -> Ranking | None:
        """The ranking over the rows `selection` allows; None when there is nothing to rank."""
        if self.searcher is None or selection.empty:
            return None
        return self.searcher.rank(question, selection.allowed)

    def answers(self, ranking: Ranking | None) -> bool:
        """Whether the declining rule answers with this ranking (None: nothing to rank)."""
        if ranking is None or self.searcher is None:
            return False
        return self.searcher.decline.answers(ranking.confidence, ranking.p_english)

    def answering(self, ranking: Ranking) -> list[Hit]:
        """Each document's best passage that answers on its own evidence, best first."""
        assert self.searcher is not None
        return one_per_document(answering_hits(self.searcher, ranking), self.doc_ids)

    def day(self, row: int) -> date | None:
        return self.catalog.day(self.doc_ids[row])


class Engine:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        store: Store | None = None,
        permalink_base: str | None = None,
    ) -> None:
        """Loads the CURRENT generation, or the newest older one that is good (with a warning).

        IndexUnavailable when there is none: `vraagbaak index` builds one. `store` is only
        read, to log when the index is behind the database; `permalink_base` is where the
        HTTP service's passage pages are, if anywhere.
        """
        self.settings = settings
        self.store = store or Store(settings.sqlalchemy_url, settings.database_setting)
        self.embedder = embedder or Embedder(settings.embedding_model)
        self.permalink_base = permalink_base
        self.generations = Generations(settings.index_dir)
        self._reload_lock = threading.Lock()
        self._checked_at = time.monotonic()
        self._refused: set[str] = set()  # generations found unusable, not tried again
        #: Why the CURRENT generation is not the one served, when it is not.
        self.fallback: str | None = None
        self._loaded = self._load_best()
        blas_on_one_thread()

    @property
    def generation(self) -> str:
        return self._loaded.generation

    def reload(self) -> None:
        """Load the newest good generation now (after this process's writer saved one)."""
        with self._reload_lock:
            self._loaded = self._load_best()

    def _load_best(self) -> _Loaded:
        current = self.generations.current()
        names = self.generations.names()
        candidates = ([current] if current else []) + [n for n in names if n != current]
        problems: list[str] = []
        for name in candidates:
            try:
                loaded = self._load(name)
            except IndexUnavailable as why:
                problems.append(str(why))
                continue
            self.fallback = None
            if name != current:
                self.fallback = problems[0] if problems else "CURRENT names no generation"
                log.warning(
                    "Serving the older index generation %s: %s. A writer (`vraagbaak index`) "
                    "rebuilds it",
                    name,
                    self.fallback,
                )
            return loaded
        why = f" ({'; '.join(problems)})" if problems else ""
        raise IndexUnavailable(
            f"No usable search index in {self.settings.index_dir}{why}: run `vraagbaak index`."
        )

    def _load(self, name: str) -> _Loaded:
        generation = self.generations.load(name, mmap=True, kept=DOCUMENTS_KEPT)
        if generation.model_id != self.embedder.model_id:
            raise IndexUnavailable(
                f"generation {name} was built with the model {generation.model}, not with "
                f"EMBEDDING_MODEL={self.settings.embedding_model}"
            )
        documents, chunks = generation.documents, generation.chunks
        infos = {doc_id: documents.info(doc_id) for doc_id in documents}
        searcher = None
        if generation.bundle is not None:
            unanswered = unanswered_rows(chunks.doc_ids, chunks.sections, infos)
            searcher = searcher_for(self.settings, self.embedder, generation.bundle, unanswered)
        self._note_if_behind(name, generation.versions)
        return _Loaded(
            name,
            documents,
            ChunkViews(chunks, documents),
            chunks.doc_ids,
            searcher,
            dict(generation.versions),
            Catalog.of(infos, chunks.doc_ids),
        )

    def _note_if_behind(self, name: str, versions: dict[str, str]) -> None:
        """Logs when the database holds other documents than the generation served."""
        try:
            stored = self.store.document_versions()
        except (SettingError, SQLAlchemyError) as exc:  # answering goes on without the database
            log.warning("Could not compare the index with the database: %s", exc)
            return
        differ = changed_documents(stored, versions)
        if not differ:
            return
        writer = holder(self.settings.data_dir)
        if writer:
            log.info(
                "Serving index generation %s while a writer (%s) brings it up to date: %d "
                "documents differ from the database",
                name,
                writer,
                differ,
            )
        else:
            log.warning(
                "The index (generation %s) is behind the database: %d documents differ. Serving "
                "it until a writer brings it up to date: run `vraagbaak index`",
                name,
                differ,
            )

    def _follow_other_processes(self) -> None:
        """Load the generation a writer (`vraagbaak add` beside the bot, say) saved since.

        Looks at most every `index_recheck_seconds`; one caller loads while the others go on
        with the generation they have.
        """
        now = time.monotonic()
        if now - self._checked_at < self.settings.index_recheck_seconds:
            return
        self._checked_at = now
        name = self.generations.current()
        if name in (None, self._loaded.generation) or name in self._refused:
            return
        if not self._reload_lock.acquire(blocking=False):
            return
        try:
            self._loaded = self._load(name)
            log.info("Loaded index generation %s, saved by another process", name)
        except IndexUnavailable as why:
            if (self.settings.index_dir / name).is_dir() and self.generations.current() == name:
                self._refused.add(name)
                log.warning(
                    "Keeping index generation %s: the newer one is unusable (%s)",
                    self._loaded.generation,
                    why,
                )
            # else a writer replaced it while it loaded: the next look finds the newer one
        finally:
            self._reload_lock.release()

    # --- what adapters call -----------------------------------------------------------------
    def search(
        self,
        question: str,
        k: int | None = None,
        offset: int = 0,
        keep_declined: bool = False,
        filters: SearchFilter | None = None,
        sort: Sort = "relevance",
    ) -> SearchResult:
        """The passages that answer `question`, best first; QuestionError for unusable input.

        `filters` limits the search to the documents they allow (inside the search: the top k
        are the best k that match); `sort="date"` orders the passages that answer on their
        own newest first (undated ones last). A declined question (`answered=False`) has no
        passages, unless `keep_declined` asks for the ranking anyway: evaluation measures
        ranking and declining apart.
        """
        filters = filters or SearchFilter()
        question, loaded, selection, ranking = self._ranked(question, filters)
        if ranking is None or loaded.searcher is None:
            language = detect_language(question)[0] if loaded.searcher else "nl"
            return SearchResult(
                question, False, language, [], filters, sort, selection.undated_excluded
            )
        answered = loaded.answers(ranking)
        passages: list[Passage] = []
        if answered or keep_declined:
            if sort == "date":
                hits = answering_hits(loaded.searcher, ranking)
                hits = newest_first(hits, [loaded.day(hit.row) for hit in hits])
                ranking = replace(ranking, hits=hits)
            passages = compose(
                ranking,
                loaded.views,
                loaded.searcher.bundle,
                k or self.settings.top_k,
                offset,
                self.permalink_base,
            )
        return SearchResult(
            question,
            answered,
            ranking.language,
            passages,
            filters,
            sort,
            selection.undated_excluded,
        )

    def timeline(self, topic: str, k: int = 20, filters: SearchFilter | None = None) -> Timeline:
        """The documents that answer `topic`, each with its best answering passage, oldest
        first: the `k` that answer best among those with a date."""
        filters = filters or SearchFilter()
        topic, loaded, selection, ranking = self._ranked(topic, filters)
        if ranking is None or not loaded.answers(ranking):
            return Timeline(topic, False, [], selection.undated_excluded, filters)
        best = loaded.answering(ranking)
        dated = [hit for hit in best if loaded.day(hit.row) is not None]
        undated = selection.undated_excluded if filters.dated else len(best) - len(dated)
        chosen = sorted(dated[:k], key=lambda hit: loaded.day(hit.row))  # type: ignore[arg-type, return-value]
        entries = self._compose(loaded, replace(ranking, hits=chosen))
        return Timeline(topic, True, entries, undated, filters)

    def answers_in(self, topic: str, doc_ids: Iterable[str]) -> list[Passage]:
        """Of the documents `doc_ids` (those a writer just added or changed), the best passage
        of each that answers `topic`, best first: what a followed topic is alerted with. The
        search, and the declining rule's evidence, cover only these documents' rows."""
        topic = clean_question(topic, self.settings.max_question_chars)
        loaded = self._loaded
        ranking = loaded.rank(topic, loaded.catalog.rows_of(doc_ids))
        if ranking is None or not loaded.answers(ranking):
            return []
        return self._compose(loaded, replace(ranking, hits=loaded.answering(ranking)))

    def _ranked(
        self, question: str, filters: SearchFilter
    ) -> tuple[str, _Loaded, Selection, Ranking | None]:
        """The question as searched, the generation, the rows `filters` allow and the ranking
        over them (None when there is nothing to rank); QuestionError for unusable input."""
        question = clean_question(question, self.settings.max_question_chars)
        self._follow_other_processes()
        loaded = self._loaded
        selection = loaded.catalog.select(filters)
        return question, loaded, selection, loaded.rank(question, selection)

    def _compose(self, loaded: _Loaded, ranking: Ranking) -> list[Passage]:
        """A passage for every hit of `ranking`, in its order."""
        assert loaded.searcher is not None
        return compose(
            ranking,
            loaded.views,
            loaded.searcher.bundle,
            len(ranking.hits),
            0,
            self.permalink_base,
        )

    def versions(self) -> dict[str, str]:
        """doc_id -> version of every document in the generation served."""
        return dict(self._loaded.versions)

    def refresh(self) -> None:
        """Load the generation another process saved since, if it is time to look."""
        self._follow_other_processes()

    def documents(self) -> list[DocumentInfo]:
        """Every document of the generation served, newest first, without its text (see
        `document` for that)."""
        self._follow_other_processes()
        infos = self._loaded.catalog.documents.values()
        return sorted(infos, key=lambda d: d.date or "", reverse=True)

    def document(self, doc_id: str) -> Document | None:
        return self._loaded.documents.get(doc_id)
