"""Retrieval benchmark: index and query speed by corpus size (quality: bench/bench_quality.py).

Run from the repository root (use `nice -n 10`, the machine is shared):

    .venv/bin/python -m bench.bench_retrieval [--model NAME_OR_PATH]
        [--sizes bundled,shared,100k,1m] [--repeats 5]

Speed, one child process per corpus size (so each peak RSS is that size's own):
  bundled  the corpus in corpus/; shared  bundled + ../shared/corpora (Kamervragen Limburg, 175
  rijksoverheid.nl Q&A pages), both built end to end (parse, chunk, store, embed, FAISS + BM25)
  and queried through `Engine.search`; 100k / 1m  synthetic chunks: random unit vectors and
  Dutch-like text drawn from the real corpus words, indexed by `DenseIndex.build` and
  `LexicalIndex.build`, queried through `HybridSearcher.rank` (real query embedding, dense search,
  BM25, fusion; no sentence vectors and no passage composition).

Tables go to stdout and to bench/results/retrieval-<model>.md.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.chunking import chunk_document
from retrieval.corpus import load_corpus
from retrieval.documents import Document, Section, Span
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.evaluation import load_questions
from retrieval.index import EXACT_LIMIT, DenseIndex, IndexBundle, LexicalIndex
from retrieval.parsing import ParseError, parse_text
from retrieval.search import HybridSearcher, clean_question, model_profile
from retrieval.segments import VectorSegments
from retrieval.settings import BUNDLED_CORPUS, DEFAULT_MODEL, Settings
from retrieval.store import Store
from retrieval.writer import writing

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "eval/dev.jsonl"
LIMBURG = SHARED / "corpora/kamervragen-limburg/questions.csv"
VAC = SHARED / "corpora/rijksoverheid-vac/vacs_bzk.csv"
RESULTS = Path(__file__).resolve().parent / "results"

SIZES = {
    "bundled": 0,
    "shared": 0,
    "kamervragen": 0,
    "scale": 0,
    "100k": 100_000,
    "1m": 1_000_000,
}
MAX_BUILD_REPEATS = {"bundled": 3, "shared": 3, "kamervragen": 1, "scale": 1, "100k": 3, "1m": 1}
#: Levels of bench/corpora.py that are measured as built there (by bench/bench_ingest.py --sgd).
LEVELS = ("kamervragen", "scale")
SGD_QUESTIONS = REPO / "bench/questions/sgd-historisch.jsonl"
#: The scale size runs in two processes at once, each waiting here for the other before it
#: reports its memory: what two web workers on one generation hold.
BARRIER = "VRAAGBAAK_BENCH_BARRIER"
LATENCY_ROUNDS = 3  # passes over the dev questions per latency repeat
DIM = 512  # synthetic vectors: USE-multilingual's dimension
WORD = re.compile(r"\w+")


# --- small helpers --------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    """High-water resident set size of this process (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ratio(value: float, baseline: float | None, digits: int) -> str:
    text = f"{value:.{digits}f}"
    if baseline is None or baseline == 0:
        return f"{text} (—)"
    return f"{text} (×{value / baseline:.2f})"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def model_slug(model: str) -> str:
    name = Path(model).name if ("/" in model or Path(model).exists()) else model
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)


def bench_settings(data_dir: Path, model: str, **overrides: Any) -> Settings:
    """Settings isolated from the environment: own data dir and SQLite, the bundled corpus."""
    return Settings(
        data_dir=data_dir,
        database_url=None,
        corpus_dirs=[BUNDLED_CORPUS],
        embedding_model=model,
        **overrides,
    )


# --- the shared corpora ---------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def limburg_documents() -> tuple[list[Document], int]:
    """Parsed Kamervragen Limburg texts, and how many rows raised ParseError (skipped)."""
    documents, skipped = [], 0
    for row in read_csv(LIMBURG):
        try:
            documents.append(parse_text(row["text_content"], source_file=row["name"]))
        except ParseError:
            skipped += 1
    return documents, skipped


def vac_document(row: dict[str, str]) -> Document:
    """One rijksoverheid.nl Q&A page: a `text` section, labelled by its question."""
    question, answer = row["question"].strip(), row["reference_answer"].strip()
    text = f"{question}\n\n{answer}"
    return Document(
        doc_id=f"vac-{row['id']}",
        doc_type="webpagina",
        title=question,
        text=text,
        sections=[Section(label=question, kind="text", body=Span(len(question) + 2, len(text)))],
        date=row.get("lastmodified", "")[:10] or None,
        urls={"bron": row["canonical"]},
        publisher=row.get("authorities") or None,
    )


def shared_documents() -> tuple[list[Document], int]:
    documents, skipped = limburg_documents()
    return documents + [vac_document(row) for row in read_csv(VAC)], skipped


# --- speed: what a worker measures ----------------------------------------------------------


@dataclass
class SpeedResult:
    size: str
    chunks: int
    documents: int | None
    embedded_texts: int | None  # None: synthetic, nothing embedded
    index_type: str
    build_s: list[float]
    build_split: str
    latency_p50_ms: list[float]
    latency_p95_ms: list[float]
    rss_before_build_mib: float
    peak_rss_mib: float
    dense_mib: float
    bm25_mib: float
    notes: list[str] = field(default_factory=list)


def index_type(index: faiss.Index) -> str:
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is None:
        return f"{type(index).__name__} (exact)"
    return f"IVF{ivf.nlist},SQ8, nprobe {ivf.nprobe}"


def index_mib(bundle_dense: DenseIndex, lexical: LexicalIndex) -> tuple[float, float]:
    dense = faiss.serialize_index(bundle_dense.index).nbytes
    return dense / 2**20, lexical.nbytes / 2**20


def percentiles_ms(samples: Sequence[float]) -> tuple[float, float]:
    p50, p95 = np.percentile(np.asarray(samples) * 1000, [50, 95])
    return float(p50), float(p95)


def latency(
    ask: Callable[[str], object], questions: Sequence[str], repeats: int
) -> tuple[list[float], list[float]]:
    """p50 and p95 (ms) of one question at a time, per repeat; after one warm-up pass."""
    for q in questions:
        ask(q)
    p50s, p95s = [], []
    for _ in range(repeats):
        samples = []
        for _ in range(LATENCY_ROUNDS):
            for q in questions:
                start = time.perf_counter()
                ask(q)
                samples.append(time.perf_counter() - start)
        p50, p95 = percentiles_ms(samples)
        p50s.append(p50)
        p95s.append(p95)
    return p50s, p95s


class EmbedClock:
    """Seconds spent in `encode_documents`: the embedding share of an index build."""

    def __init__(self, embedder: Embedder) -> None:
        self.seconds = 0.0
        original = embedder.encode_documents

        def timed(texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
            start = time.perf_counter()
            try:
                return original(texts, batch_size)
            finally:
                self.seconds += time.perf_counter() - start

        embedder.encode_documents = timed  # type: ignore[method-assign]


# --- speed: real corpora (bundled, shared) --------------------------------------------------


def build_real(size: str, settings: Settings, embedder: Embedder) -> tuple[Engine, int, int]:
    """Parse, chunk, store, embed and index; the engine, document count and parse skips."""
    skipped = 0
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        writer.ingest_folders(settings.corpus_dirs)
        if size == "shared":
            documents, skipped = shared_documents()
            writer.ingest(documents)
        writer.publish()
    engine = Engine(settings, embedder=embedder)
    return engine, len(engine.documents()), skipped


def real_worker(size: str, model: str, repeats: int, questions: list[str]) -> SpeedResult:
    embedder = Embedder(model)
    clock = EmbedClock(embedder)
    rss_before = rss_mib()
    builds, embed_s = [], []
    n_builds = MAX_BUILD_REPEATS[size]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_builds):  # the last build's engine is the one queried
            settings = bench_settings(Path(tmp) / f"build-{i}", model)
            clock.seconds, embedded_before = 0.0, embedder.encoded_texts
            start = time.perf_counter()
            engine, documents, skipped = build_real(size, settings, embedder)
            builds.append(time.perf_counter() - start)
            embed_s.append(clock.seconds)
            embedded = embedder.encoded_texts - embedded_before
            log(f"{size}: build {i + 1}/{n_builds} {builds[-1]:.1f} s")
        p50s, p95s = latency(engine.search, questions, repeats)
    searcher = engine._loaded.searcher
    assert searcher is not None
    dense_mib, bm25_mib = index_mib(searcher.bundle.dense, searcher.bundle.lexical)
    notes = []
    if size == "shared":
        notes.append(f"shared: {skipped} Kamervragen Limburg rows raised ParseError (skipped)")
    share = statistics.median(embed_s) / statistics.median(builds)
    return SpeedResult(
        size=size,
        chunks=len(searcher.bundle.chunk_ids),
        documents=documents,
        embedded_texts=embedded,
        index_type=index_type(searcher.bundle.dense.index),
        build_s=builds,
        build_split=f"embedding {share:.0%}",
        latency_p50_ms=p50s,
        latency_p95_ms=p95s,
        rss_before_build_mib=rss_before,
        peak_rss_mib=peak_rss_mib(),
        dense_mib=dense_mib,
        bm25_mib=bm25_mib,
        notes=notes,
    )


# --- speed: synthetic corpora (100k, 1m) ----------------------------------------------------


@dataclass(frozen=True)
class WordModel:
    """Words of the real corpus with their frequencies, and real chunk lengths in words."""

    vocabulary: np.ndarray  # object array of str
    probabilities: np.ndarray
    lengths: np.ndarray


def corpus_chunk_texts() -> Iterator[str]:
    settings = bench_settings(Path(tempfile.gettempdir()), DEFAULT_MODEL)
    documents = load_corpus(BUNDLED_CORPUS)
    if LIMBURG.exists() and VAC.exists():
        documents += shared_documents()[0]
    for document in documents:
        for chunk in chunk_document(document, settings.chunk_chars, settings.chunk_overlap_chars):
            yield chunk.search_text


def word_model() -> WordModel:
    counts: Counter[str] = Counter()
    lengths = []
    for text in corpus_chunk_texts():
        words = WORD.findall(text)
        counts.update(words)
        lengths.append(len(words))
    vocabulary = np.array(list(counts), dtype=object)
    frequencies = np.array(list(counts.values()), dtype=np.float64)
    return WordModel(vocabulary, frequencies / frequencies.sum(), np.array(lengths))


def synthetic_texts(n: int, words: WordModel, rng: np.random.Generator) -> list[str]:
    lengths = rng.choice(words.lengths, size=n)
    ends = np.cumsum(lengths)
    texts = []
    step = 50_000  # texts per batch of drawn words, to bound memory
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        first = int(ends[lo - 1]) if lo else 0
        drawn = words.vocabulary[
            rng.choice(len(words.vocabulary), size=int(ends[hi - 1]) - first, p=words.probabilities)
        ]
        bounds = ends[lo:hi] - first
        starts = np.concatenate([[0], bounds[:-1]])
        texts += [" ".join(drawn[s:e]) for s, e in zip(starts, bounds, strict=True)]
    return texts


def synthetic_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def synthetic_bundle(dense: DenseIndex, lexical: LexicalIndex, n: int) -> IndexBundle:
    """An IndexBundle without sentences: chunk scores stand alone (no sentence rescoring).

    Per-row bookkeeping the search does not read gets placeholders; only the fields this
    version of IndexBundle declares are passed (the class is still changing).
    """
    values: dict[str, object] = {
        "fingerprint": "synthetic",
        "chunk_ids": [""] * n,
        "chunk_hashes": [""] * n,
        "record_ids": list(range(n)),
        "dense": dense,
        "lexical": lexical,
        "sentence_vectors": VectorSegments.of(np.zeros((0, DIM), dtype=np.float16)),
        "sentence_spans": np.zeros((0, 3), dtype=np.int32),
    }
    names = {f.name for f in dataclasses.fields(IndexBundle)}
    return IndexBundle(**{k: v for k, v in values.items() if k in names})  # type: ignore[arg-type]


def synthetic_worker(size: str, model: str, repeats: int, questions: list[str]) -> SpeedResult:
    n = SIZES[size]
    embedder = Embedder(model)
    rss_before = rss_mib()
    rng = np.random.default_rng(0)
    log(f"{size}: generating {n:,} vectors and texts")
    words = word_model()
    vectors = synthetic_vectors(n, rng)
    texts = synthetic_texts(n, words, rng)
    dense_s, bm25_s = [], []
    for i in range(MAX_BUILD_REPEATS[size]):
        start = time.perf_counter()
        dense = DenseIndex.build(vectors)
        dense_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        lexical = LexicalIndex.build(texts)
        bm25_s.append(time.perf_counter() - start)
        log(f"{size}: build {i + 1}: FAISS {dense_s[-1]:.1f} s, BM25 {bm25_s[-1]:.1f} s")
    del vectors, texts
    dense_mib, bm25_mib = index_mib(dense, lexical)
    settings = bench_settings(Path(tempfile.gettempdir()), model)
    bundle = synthetic_bundle(dense, lexical, n)
    searcher = HybridSearcher(embedder, bundle, settings.candidates, model_profile(settings))
    p50s, p95s = latency(
        lambda q: searcher.rank(clean_question(q, settings.max_question_chars)), questions, repeats
    )
    builds = [d + b for d, b in zip(dense_s, bm25_s, strict=True)]
    split = f"FAISS {statistics.median(dense_s):.1f} s + BM25 {statistics.median(bm25_s):.1f} s"
    return SpeedResult(
        size=size,
        chunks=n,
        documents=None,
        embedded_texts=None,
        index_type=index_type(dense.index),
        build_s=builds,
        build_split=split,
        latency_p50_ms=p50s,
        latency_p95_ms=p95s,
        rss_before_build_mib=rss_before,
        peak_rss_mib=peak_rss_mib(),
        dense_mib=dense_mib,
        bm25_mib=bm25_mib,
        notes=[],
    )


def memory_mib() -> dict[str, float]:
    """This process's resident memory now: anonymous (its own), file-backed (mapped index files
    and libraries, shared with every process that maps them) and PSS (each shared page divided
    by the processes sharing it), from /proc/self/smaps_rollup."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss", "Anonymous", "Shared_Clean", "Private_Clean"):
            fields[name] = int(rest.split()[0]) / 1024
    return fields


def scale_worker(size: str, model: str, repeats: int, questions: list[str]) -> SpeedResult:
    """Engine.search at a level built by bench/bench_ingest.py --sgd (not rebuilt here), in two
    processes at once; memory is read once both have answered every question."""
    from bench import corpora

    folder = corpora.data_dir(size, model)
    if not (folder / "build-time.json").exists():
        raise SystemExit(f"{folder} is not built: run `python -m bench.bench_ingest --sgd {size}`")
    build = json.loads((folder / "build-time.json").read_text())
    engine = Engine(bench_settings(folder, model))
    questions = questions + [q.question for q in load_questions(SGD_QUESTIONS)]
    p50s, p95s = latency(engine.search, questions, repeats)
    barrier = Path(os.environ[BARRIER])
    (barrier / str(os.getpid())).touch()
    while len(list(barrier.iterdir())) < 2:
        time.sleep(0.2)
    memory = memory_mib()
    searcher = engine._loaded.searcher
    assert searcher is not None
    dense_mib, bm25_mib = index_mib(searcher.bundle.dense, searcher.bundle.lexical)
    return SpeedResult(
        size=size,
        chunks=len(searcher.bundle.chunk_ids),
        documents=len(engine.documents()),
        embedded_texts=0,
        index_type=index_type(searcher.bundle.dense.index),
        build_s=[build["wall_s"]],
        build_split=f"{build['cpu_s'] / 60:.0f} min CPU, load {build['load_5min']:.1f}",
        latency_p50_ms=p50s,
        latency_p95_ms=p95s,
        rss_before_build_mib=0.0,
        peak_rss_mib=peak_rss_mib(),
        dense_mib=dense_mib,
        bm25_mib=bm25_mib,
        notes=[
            f"{size} (one of two processes at once, after every question): "
            + ", ".join(f"{k} {v:.0f} MiB" for k, v in memory.items())
        ],
    )


def worker(size: str, model: str, repeats: int) -> None:
    logging.getLogger("retrieval").setLevel(logging.ERROR)
    questions = [q.question for q in load_questions(DEV)]
    run = real_worker if SIZES[size] == 0 else synthetic_worker
    if size in LEVELS:
        run = scale_worker
    result = run(size, model, repeats, questions)
    print(json.dumps(result.__dict__))


# --- speed: the parent collects and reports -------------------------------------------------


def run_worker(size: str, model: str, repeats: int) -> SpeedResult | str:
    """The child's result, or why it failed."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", size]
    command += ["--model", model, "--repeats", str(repeats)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log(f"speed: {size} (child process)")
    if size in LEVELS:  # two at once, as two web workers
        with tempfile.TemporaryDirectory() as barrier:
            env[BARRIER] = barrier
            children = [
                subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
                for _ in range(2)
            ]
            outputs = [child.communicate()[0] for child in children]
        if any(child.returncode for child in children):
            return f"{size}: a worker failed (see stderr)"
        first, second = (SpeedResult(**json.loads(o.strip().splitlines()[-1])) for o in outputs)
        first.notes += second.notes
        return first
    done = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        return f"{size}: the worker failed (exit {done.returncode}; see stderr)"
    return SpeedResult(**json.loads(done.stdout.strip().splitlines()[-1]))


def speed_report(model: str, results: list[SpeedResult], failures: list[str], repeats: int) -> str:
    base = next((r for r in results if r.size == "bundled"), None)
    rows = [speed_row(r, base) for r in results]
    parts = [
        f"### Speed — `{model}` ({os.cpu_count()} cores, one question at a time)",
        "",
        f"Medians: builds of {MAX_BUILD_REPEATS['bundled']} runs (1 at 1m), latency of "
        f"{repeats} repeats of {LATENCY_ROUNDS} passes over the dev questions, each after a "
        "warm-up pass. Ratios (×) against the bundled row. Peak RSS is the child process's "
        "high-water mark (resource.getrusage; psutil is not installed), model included; "
        "'model loaded' is its RSS before the first build.",
        "",
        table(
            [
                "corpus",
                "chunks",
                "texts embedded",
                "FAISS index",
                "build s",
                "build split",
                "chunks/s",
                "p50 ms",
                "p95 ms",
                "peak RSS MiB",
                "model loaded MiB",
                "FAISS MiB",
                "BM25 MiB",
            ],
            rows,
        ),
        "",
        speed_targets_table(results),
        "",
        "Notes:",
        "",
        *[f"- {note}" for note in speed_notes(results) + failures],
    ]
    return "\n".join(parts)


def speed_row(r: SpeedResult, base: SpeedResult | None) -> list[str]:
    build = statistics.median(r.build_s)
    rate = r.chunks / build
    base_build = statistics.median(base.build_s) if base else None
    p50, p95 = statistics.median(r.latency_p50_ms), statistics.median(r.latency_p95_ms)
    corpus = r.size if r.documents is None else f"{r.size} ({r.documents} docs)"
    return [
        corpus if r.embedded_texts is not None else f"{r.size} (synthetic, ranking only)",
        f"{r.chunks:,}",
        f"{r.embedded_texts:,}" if r.embedded_texts is not None else "— (random vectors)",
        r.index_type,
        ratio(build, base_build, 1),
        r.build_split,
        ratio(rate, base.chunks / base_build if base and base_build else None, 0),
        ratio(p50, statistics.median(base.latency_p50_ms) if base else None, 1),
        ratio(p95, statistics.median(base.latency_p95_ms) if base else None, 1),
        ratio(r.peak_rss_mib, base.peak_rss_mib if base else None, 0),
        f"{r.rss_before_build_mib:.0f}",
        f"{r.dense_mib:.1f}",
        f"{r.bm25_mib:.1f}",
    ]


def speed_targets_table(results: list[SpeedResult]) -> str:
    """The targets are for one question end to end (Engine.search); the synthetic sizes time
    ranking only, so their row says so and is no verdict on the end-to-end target."""
    rows = []
    for size, limit in (("bundled", 50.0), ("kamervragen", 50.0), ("scale", 50.0), ("1m", 100.0)):
        r = next((x for x in results if x.size == size), None)
        p50 = statistics.median(r.latency_p50_ms) if r else None
        measured = f"{p50:.1f} ms" if p50 is not None else "not measured"
        end_to_end = r is None or r.embedded_texts is not None
        verdict = "—" if p50 is None else mark(p50 < limit)
        if not end_to_end:
            measured += " (ranking only: no sentence vectors, no passage composition)"
            verdict = "not measured end to end"
        rows.append([f"p50 < {limit:.0f} ms at {size}", measured, verdict])
    return table(["target (one question end to end)", "measured", ""], rows)


def speed_notes(results: list[SpeedResult]) -> list[str]:
    notes = [
        f"FAISS index: DenseIndex.build makes an exact IndexFlatIP below {EXACT_LIMIT:,} vectors "
        "(fastest to build, search is a brute-force scan that is still cheap at that size) and "
        "IVF(4·√n lists),SQ8 with nprobe 32 from there on (8-bit vectors: a quarter of the "
        "memory, and a search scans 32 lists instead of every vector).",
        "bundled/shared: build = parse + chunk + store (SQLite) + embed chunks and sentences + "
        "FAISS + BM25 + save, i.e. until Engine is ready; chunks/s counts chunks, while 'texts "
        "embedded' also counts their sentences. Latency = Engine.search(question) at the "
        "default top_k (language detection, query embedding, FAISS, BM25, fusion, sentence "
        "rescoring, passage composition).",
        "100k/1m (synthetic): random unit vectors (float32, dim 512) and texts drawn from the real "
        "corpus words with their frequencies and real chunk lengths; build = DenseIndex.build + "
        "LexicalIndex.build only (nothing embedded, so chunks/s is not comparable with the real "
        "rows). Latency = HybridSearcher.rank: language detection + real query embedding + "
        "FAISS + BM25 over all chunks + fusion on the candidates; no sentence vectors (the "
        "bundle has none) and no passage composition. Random vectors have no cluster structure, "
        "so IVF recall here says nothing about real data; only its speed is measured. Their "
        "peak RSS leaves out the sentence vectors an end-to-end index holds.",
    ]
    for r in results:
        notes += r.notes
    return list(dict.fromkeys(notes))


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="name or local path")
    parser.add_argument("--sizes", default="bundled,shared,scale,100k,1m")
    parser.add_argument("--repeats", type=int, default=5, help="latency repeats")
    parser.add_argument("--worker", choices=list(SIZES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if unknown := set(sizes) - set(SIZES):
        parser.error(f"unknown sizes {sorted(unknown)}; choose from {', '.join(SIZES)}")
    args.sizes = sizes
    return args


def speed_section(args: argparse.Namespace) -> str:
    results, failures = [], []
    sizes = list(args.sizes)
    if "shared" in sizes and not (LIMBURG.exists() and VAC.exists()):
        failures.append(f"shared: skipped, {LIMBURG.parent.parent} is missing")
        sizes.remove("shared")
    for size in sizes:
        outcome = run_worker(size, args.model, args.repeats)
        (failures.append if isinstance(outcome, str) else results.append)(outcome)
    return speed_report(args.model, results, failures, args.repeats)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args.worker, args.model, args.repeats)
        return
    logging.getLogger("retrieval").setLevel(logging.ERROR)
    command = "python -m bench.bench_retrieval " + " ".join(sys.argv[1:])
    sections = [f"## Retrieval benchmark — {time.strftime('%Y-%m-%d %H:%M')}", f"`{command}`"]
    sections.append(speed_section(args))
    report = "\n\n".join(sections) + "\n"
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"retrieval-{model_slug(args.model)}.md"
    out.write_text(report, encoding="utf-8")
    log(f"written to {out}")


if __name__ == "__main__":
    main()
