"""Fit the fusion weights (retrieval/search.py PROFILES) on the corpus's own question -> answer
pairs, never on the evaluation questions.

    nice -n 10 .venv/bin/python -m bench.fit_fusion [--model NAME] [--level grown]

The corpus's questions (`calibration.probes`: every "Vraag N" with its answer, every Q&A page's
question, as short as a person's question) would find their own chunks word for word, since a
chunk's context holds its question. So the level's documents are indexed once more with every
answer's question taken out (and a page title that repeats it), and each question is asked of
that index: its answer then has to be found from its title, section and text, as for a person's
question. Every combination of the weights below is scored by the mean reciprocal rank of the
answer's first chunk (cut at 10) and hit@1/hit@3. The optimum is flat, so the weights chosen are
the most balanced ones (dense weight nearest to a half) within `TOLERANCE` of the best MRR: where
the corpus's questions cannot tell combinations apart, neither signal is trusted over the other.
The candidate depth each signal needs to reach the answers is printed too.

The English dense weight cannot be fitted on Dutch questions; it stays as set in PROFILES.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.corpora import RESULTS, build
from retrieval.calibration import probes
from retrieval.documents import Document
from retrieval.engine import Engine
from retrieval.search import clean_question
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.store import Store
from retrieval.writer import writing

SENTENCE = (0.0, 0.25, 0.5, 0.75, 1.0)
DENSE = tuple(np.round(np.arange(0.0, 0.91, 0.1), 2))
COVERAGE = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
UNANSWERED = (0.0, 0.1, 0.2, 0.3, 0.5)
DEPTHS = (10, 20, 50, 100, 200)
TOLERANCE = 0.01  # of the best MRR


def stripped(document: Document) -> Document:
    """The document with its answers' questions taken out of what is searched."""
    questions = {s.question.of(document.text) for s in document.sections if s.question}
    title = "" if document.title in questions else document.title
    return replace(
        document,
        title=title,
        sections=[replace(s, question=None) for s in document.sections],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--level", default="grown")
    args = parser.parse_args()
    source = Engine(Settings(data_dir=build(args.level, args.model), embedding_model=args.model))
    pairs = probes(source._loaded.views, limit=10_000)
    target_ids = {
        p.question: {source._loaded.views[r].chunk.chunk_id for r in p.rows} for p in pairs
    }
    folder = RESULTS / "corpora" / f"{args.level}-stripped-{Path(args.model).name}"
    settings = Settings(
        data_dir=folder, embedding_model=args.model, database_url=None, candidates=max(DEPTHS)
    )
    store = Store(settings.sqlalchemy_url)
    with writing(settings, store, source.embedder, progress=True) as writer:
        writer.ingest([stripped(d) for d, _ in source.store.documents().values()])
        writer.publish()
    loaded = Engine(settings, source.embedder, store)._loaded
    searcher = loaded.searcher
    row_of = {v.chunk.chunk_id: row for row, v in enumerate(loaded.views)}
    alpha0 = searcher.profile.sentence_weight
    cases = []
    for probe in pairs:
        query = searcher.analyse(clean_question(probe.question, 4096))
        found = searcher.candidates_for(query)
        targets = {row_of[c] for c in target_ids[probe.question] if c in row_of}
        chunk = (found.dense - alpha0 * found.sentence) / (1 - alpha0)
        cases.append((found, chunk, np.isin(found.rows, list(targets)), query.p_english))
    print(f"{len(cases)} questions of the {args.level} corpus, asked of its answers without them")
    results = []
    sentences = SENTENCE if alpha0 > 0 else (0.0,)  # a passage encoder stores no sentence vectors
    for alpha, dense, coverage, unanswered in itertools.product(
        sentences, DENSE, COVERAGE, UNANSWERED
    ):
        ranks = []
        for found, chunk, is_target, _ in cases:
            fused = (
                dense * ((1 - alpha) * chunk + alpha * found.sentence)
                + (1 - dense) * found.lexical
                + coverage * found.coverage
                - unanswered * found.unanswered
            )
            order = np.argsort(-fused)
            hit = np.flatnonzero(is_target[order])
            ranks.append(hit[0] + 1 if len(hit) else 1_000)
        ranks_arr = np.array(ranks)
        mrr = float(np.mean(np.where(ranks_arr <= 10, 1 / ranks_arr, 0)))
        results.append(
            (
                mrr,
                (ranks_arr == 1).mean(),
                (ranks_arr <= 3).mean(),
                alpha,
                dense,
                coverage,
                unanswered,
            )
        )
    results.sort(reverse=True)
    print("MRR@10  hit@1  hit@3  sentence  dense  coverage  unanswered")
    for r in results[:10]:
        print("  ".join(f"{v:.3f}" if i < 3 else f"{v:>8}" for i, v in enumerate(r)))
    near = [r for r in results if r[0] >= (1 - TOLERANCE) * results[0][0]]
    best = min(near, key=lambda r: (abs(r[4] - 0.5), abs(r[3] - 0.5), -r[0]))
    print("\ncandidate depth: share of answers among each signal's top k")
    for depth in DEPTHS:
        dense_hits = lexical_hits = 0
        for found, _, is_target, _ in cases:
            dense_hits += is_target[np.argsort(-found.dense)[:depth]].any()
            lexical_hits += is_target[np.argsort(-found.lexical)[:depth]].any()
        dense_share, lexical_share = dense_hits / len(cases), lexical_hits / len(cases)
        print(f"  k={depth:>4}: dense {dense_share:.2f}  lexical {lexical_share:.2f}")
    print(
        f"\nchosen (MRR {best[0]:.3f}, hit@1 {best[1]:.2f}, hit@3 {best[2]:.2f}; {len(near)} "
        f"combinations within {TOLERANCE:.0%} of the best): sentence_weight={best[3]} "
        f"Fusion(dense_dutch={best[4]}, coverage={best[5]}, unanswered={best[6]})"
    )


if __name__ == "__main__":
    main()
