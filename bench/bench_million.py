"""A million chunks end to end: a synthetic corpus saved as a real generation, searched and updated.

    .venv/bin/python -m bench.bench_million [--chunks 1000000] [--repeats 3] [--updates 3]

Built once, into bench/results/corpora/million-<chunks>-use-multilingual (delete it to build
again): 25 documents per 1,000 chunks, 40 chunks each, of Dutch-like text drawn from the real
corpus's words (`bench_retrieval.word_model`), cut into 20-word sentences, stored in the
database through `Store.replace_document` like any document. Nothing is embedded (at 22 chunks a
second, sentences included, a million chunks would take half a day on this machine): chunks,
sentences and words get random unit vectors. They are indexed by the product's own `DenseIndex`,
`LexicalIndex`, `VectorSegments` and `Vocabulary` and saved by `Generations.save`, so the reader
and the writer meet a generation like the one they would have built. Then, each in a process of
its own:

- a reader: `Engine` loading the generation (seconds), `Engine.search` end to end over the dev
  questions (language, query embedding, FAISS, BM25, fusion, sentences, passages and quotes;
  p50/p95 of `LATENCY_ROUNDS` passes per repeat), and its memory after answering (RSS, PSS);
- the writer, model loaded: add, replace and remove one Kamervraag-sized document
  (`bench_ingest.timed_update`), medians of `--updates`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import corpora
from bench.bench_ingest import NEW_ID, kamervraag, timed_update
from bench.bench_retrieval import (
    DEV,
    DIM,
    latency,
    log,
    memory_mib,
    peak_rss_mib,
    synthetic_texts,
    synthetic_vectors,
    word_model,
)
from retrieval.documents import Chunk, Document, Section, Span
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.evaluation import load_questions
from retrieval.generation import Generations
from retrieval.index import DenseIndex, IndexBundle, LexicalIndex
from retrieval.ingest import document_version, fingerprint
from retrieval.search import model_profile
from retrieval.segments import VectorSegments
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.store import SEEDED, Store
from retrieval.vocabulary import Vocabulary

CHUNKS_PER_DOCUMENT = 40
SENTENCE_WORDS = 20
#: Documents made (and their sentence vectors kept as one segment) at a time.
BATCH_DOCUMENTS = 2_500
#: The vocabulary is counted over this many chunks (every drawn word occurs in them).
VOCABULARY_CHUNKS = 50_000


def folder_for(chunks: int) -> Path:
    return corpora.RESULTS / "corpora" / f"million-{chunks}-{DEFAULT_MODEL}"


def settings_for(folder: Path) -> Settings:
    return Settings(data_dir=folder, database_url=None, corpus_dirs=[])


def sentences_of(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` cut into sentences of `SENTENCE_WORDS` words, and their spans."""
    words = text.split()
    pieces = [
        " ".join(words[i : i + SENTENCE_WORDS]) + "." for i in range(0, len(words), SENTENCE_WORDS)
    ]
    spans, at = [], 0
    for piece in pieces:
        spans.append((at, at + len(piece)))
        at += len(piece) + 1
    return " ".join(pieces), spans


def synthetic_document(n: int, texts: list[str]) -> tuple[Document, list[Chunk], list[list]]:
    """A document of one section per text, its chunks, and each chunk's sentence spans."""
    doc_id = f"syn-{n:07d}"
    title = f"Synthetisch Kamerstuk {n}"
    parts, sections, chunks, spans, at = [], [], [], [], 0
    for j, raw in enumerate(texts):
        text, sentence_spans = sentences_of(raw)
        label = f"Deel {j + 1}"
        section = Section(label, "text", Span(at, at + len(text)))
        sections.append(section)
        chunks.append(
            Chunk(
                f"{doc_id}:{section.anchor}:0",
                doc_id,
                label,
                section.body,
                text,
                f"{title}\n{label}",
            )
        )
        spans.append(sentence_spans)
        parts.append(text)
        at += len(text) + 2
    year = 1990 + n % 35
    document = Document(
        doc_id=doc_id,
        doc_type="kamerstuk",
        title=title,
        text="\n\n".join(parts),
        sections=sections,
        date=f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}",
    )
    return document, chunks, spans


def build(folder: Path, chunks: int, embedder: Embedder) -> None:
    """The synthetic corpus stored and saved as a generation in `folder`."""
    settings = settings_for(folder)
    store = Store(settings.sqlalchemy_url)
    store.set_meta(SEEDED, "synthetic")
    rng = np.random.default_rng(0)
    words = word_model()
    documents = chunks // CHUNKS_PER_DOCUMENT
    started = time.perf_counter()
    all_chunks: list[Chunk] = []
    by_id: dict[str, Document] = {}
    versions: dict[str, str] = {}
    sentence_rows: list[np.ndarray] = []
    segments: list[np.ndarray] = []
    for first in range(0, documents, BATCH_DOCUMENTS):
        count = min(BATCH_DOCUMENTS, documents - first)
        texts = synthetic_texts(count * CHUNKS_PER_DOCUMENT, words, rng)
        batch_sentences = 0
        for i in range(count):
            n = first + i
            part = texts[i * CHUNKS_PER_DOCUMENT : (i + 1) * CHUNKS_PER_DOCUMENT]
            document, doc_chunks, spans = synthetic_document(n, part)
            version = document_version(document, settings)
            store.replace_document(document, doc_chunks, version)
            by_id[document.doc_id], versions[document.doc_id] = document, version
            for chunk, chunk_spans in zip(doc_chunks, spans, strict=True):
                row = len(all_chunks)
                all_chunks.append(chunk)
                sentence_rows.append(
                    np.array([(row, s, e) for s, e in chunk_spans], dtype=np.int32)
                )
                batch_sentences += len(chunk_spans)
        segments.append(synthetic_vectors(batch_sentences, rng).astype(np.float16))
        log(f"{len(all_chunks):,} chunks stored ({time.perf_counter() - started:.0f} s)")
    records = store.chunk_records()
    assert [r.chunk_id for r in records] == [c.chunk_id for c in all_chunks]
    search_texts = [c.search_text for c in all_chunks]
    log("FAISS")
    dense = DenseIndex.build(synthetic_vectors(len(all_chunks), rng))
    log("BM25")
    lexical = LexicalIndex.build(search_texts)
    log("vocabulary")
    vocabulary = Vocabulary.build(
        search_texts[:VOCABULARY_CHUNKS], lambda ws: synthetic_vectors(len(ws), rng), DIM
    )
    stored = sum(len(s) for s in segments)
    profile = model_profile(settings)
    bundle = IndexBundle(
        fingerprint=fingerprint(f"{embedder.model_id}|{profile.key}", records),
        chunk_ids=[r.chunk_id for r in records],
        chunk_hashes=[r.content_hash for r in records],
        record_ids=[r.id for r in records],
        dense=dense,
        lexical=lexical,
        sentence_vectors=VectorSegments(segments, [None] * len(segments), np.arange(stored)),
        sentence_spans=np.concatenate(sentence_rows),
        vocabulary=vocabulary,
        calibration={"documents": documents, "changed": 0, "profile": profile.key},
    )
    rows = [r.row for r in records]
    log("saving the generation")
    Generations(settings.index_dir).save(
        DEFAULT_MODEL, embedder.model_id, versions, by_id, rows, bundle
    )
    (folder / "build-time.json").write_text(
        json.dumps({"wall_s": time.perf_counter() - started, "peak_rss_mib": peak_rss_mib()})
    )


def reader(folder: Path, repeats: int) -> dict[str, object]:
    embedder = Embedder(DEFAULT_MODEL)
    started = time.perf_counter()
    engine = Engine(settings_for(folder), embedder)
    load_s = time.perf_counter() - started
    questions = [q.question for q in load_questions(DEV)]
    p50s, p95s = latency(engine.search, questions, repeats)
    return {"load_s": load_s, "p50_ms": p50s, "p95_ms": p95s, **memory_mib()}


def writer(folder: Path, updates: int) -> dict[str, object]:
    embedder = Embedder(DEFAULT_MODEL)
    embedder.encode_documents(["warm"])
    settings = settings_for(folder)
    rng = np.random.default_rng(1)
    timings: dict[str, list[float]] = {"add": [], "replace": [], "remove": []}
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / f"{NEW_ID}.txt"
        for _ in range(updates):
            for change in timings:
                if change != "remove":
                    seed = int(rng.integers(1 << 30))
                    page.write_text(kamervraag(99999, random.Random(seed)), encoding="utf-8")
                timings[change].append(timed_update(settings, embedder, change, page))
    return timings


def child(role: str, folder: Path, count: int) -> dict[str, object]:
    """`role` run in a process of its own (its memory is its own), its result as JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_million", "--child", role, str(folder), str(count)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--updates", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        role, folder, count = args.child
        run = reader if role == "reader" else writer
        print(json.dumps(run(Path(folder), int(count))))
        return
    folder = folder_for(args.chunks)
    if not (folder / "build-time.json").exists():
        if folder.exists():
            raise SystemExit(f"{folder} is half built: delete it to build again")
        build(folder, args.chunks, Embedder(DEFAULT_MODEL))
    built = json.loads((folder / "build-time.json").read_text())
    print(f"\n{args.chunks:,} synthetic chunks; built in {built['wall_s'] / 60:.0f} min\n")
    print("| figure | measured | target |\n|---|---|---|")
    read = child("reader", folder, args.repeats)
    p50, p95 = statistics.median(read["p50_ms"]), statistics.median(read["p95_ms"])  # type: ignore[arg-type]
    print(f"| `Engine` loads the generation | {read['load_s']:.0f} s | |")
    print(
        f"| `Engine.search` end to end, p50 / p95 (medians of {args.repeats}) | "
        f"{p50:.0f} / {p95:.0f} ms | < 100 / < 200 ms {'✓' if p50 < 100 and p95 < 200 else '✗'} |"
    )
    rss, pss, own = read["Rss"], read["Pss"], read["Anonymous"]
    print(
        f"| reader memory after answering: RSS / PSS / its own (anonymous) | {rss:,.0f} / "
        f"{pss:,.0f} / {own:,.0f} MiB | < 4 GiB {'✓' if rss < 4096 else '✗'} |",
        flush=True,
    )
    for change, seconds in child("writer", folder, args.updates).items():
        median = statistics.median(seconds)  # type: ignore[arg-type]
        print(
            f"| {change} one document (writer, model loaded; medians of {args.updates}) | "
            f"{median:.1f} s | < 5 s {'✓' if median < 5 else '✗'} |"
        )


if __name__ == "__main__":
    main()
