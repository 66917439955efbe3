"""Calibrate the decline threshold: confidence of answerable dev questions vs off-corpus ones.

Off-corpus questions are the dev file's `answerable: false` ones plus the 175 rijksoverheid.nl
questions of ../shared/corpora/rijksoverheid-vac (other ministries' topics). Prints both
distributions and, per candidate threshold, how many of each side it would decline.

    .venv/bin/python bench/calibrate.py [--model NAME_OR_PATH] [--data-dir DIR]

`--data-dir` reuses an index and embedding cache (a slow model then embeds only the questions).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.evaluation import load_questions
from retrieval.search import clean_question
from retrieval.settings import Settings
from retrieval.writer import index_folders

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="use-multilingual")
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary folder")
    args = parser.parse_args()
    csv.field_size_limit(1 << 30)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        settings = Settings(data_dir=data_dir, embedding_model=args.model)
        embedder = Embedder(args.model)
        index_folders(settings, embedder, progress=True)
        engine = Engine(settings, embedder=embedder)
        searcher = engine._loaded.searcher
        assert searcher is not None

        def confidence(q: str) -> float:
            return searcher.rank(clean_question(q, 4096)).confidence

        dev = load_questions(SHARED / "eval/dev.jsonl")
        answerable = np.array([confidence(q.question) for q in dev if q.answerable])
        off = [q.question for q in dev if not q.answerable]
        vac_file = SHARED / "corpora/rijksoverheid-vac/vacs_bzk.csv"
        if vac_file.exists():
            with vac_file.open(encoding="utf-8") as f:
                off += [row["question"] for row in csv.DictReader(f)]
        unanswerable = np.array([confidence(q) for q in off])

    print(f"model {args.model}")
    print(f"{'':<14}{'n':>5}{'min':>8}{'p5':>8}{'p50':>8}{'p95':>8}{'max':>8}")
    for name, xs in (("answerable", answerable), ("off-corpus", unanswerable)):
        p5, p50, p95 = np.percentile(xs, [5, 50, 95])
        print(
            f"{name:<14}{len(xs):>5}{xs.min():>8.3f}{p5:>8.3f}{p50:>8.3f}{p95:>8.3f}{xs.max():>8.3f}"
        )
    print(f"\n{'threshold':>10}{'answerable declined':>22}{'off-corpus answered':>22}")
    for t in np.arange(0.15, 0.45, 0.02):
        print(f"{t:>10.2f}{int((answerable < t).sum()):>22}{int((unanswerable >= t).sum()):>22}")


if __name__ == "__main__":
    main()
