"""Adding 1,000 Kamervraag-sized documents: chunks/s end to end, and what a re-run costs.

Each run starts from an empty data directory, writes the documents as Kamervraag page text
files, adds them as `vraagbaak add` does (the writer's lock, parse, store, embed, index and save
a generation) and then adds the same files again, which must change nothing. Prints medians over
runs.

    .venv/bin/python bench/bench_ingest.py [--docs 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from retrieval.embedding import Embedder
from retrieval.parsing import parse_file
from retrieval.settings import DEFAULT_MODEL, Settings
from retrieval.store import Store
from retrieval.writer import writing

VOCABULARY = (
    "minister kabinet gemeente toezicht privacy gegevens spyware politie justitie veiligheid "
    "surveillance export vergunning mensenrechten journalisten onderzoek rapport wetgeving "
    "Europese Unie lidstaten maatregelen inlichtingendiensten rechter bevoegdheid afspraken "
    "ambassade bewindspersoon begroting middelen capaciteit cybersecurity software telefoons "
    "burgers organisaties evaluatie overleg Kamer beleid uitvoering risico sancties"
)
WORDS = VOCABULARY.split()


def sentence(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return body[0].upper() + body[1:]


def kamervraag(n: int, rng: random.Random) -> str:
    """A Kamervraag page (the bundled format) of about 5,000 characters, 6-9 questions."""
    lines = [
        f"Kamervraag 2030Z{n:05d}",
        "",
        f"{sentence(rng, 8)}",
        "",
        "Ingediend 3 maart 2030",
        "Beantwoord 24 maart 2030 (na 21 dagen)",
        "Indieners Eerste Lid (D66), Tweede Lid (CDA)",
        "Beantwoord door Een Minister (minister justitie en veiligheid) (VVD)",
    ]
    for q in range(1, rng.randint(6, 9) + 1):
        answer = ". ".join(sentence(rng, rng.randint(10, 22)) for _ in range(rng.randint(3, 7)))
        lines += [
            f" • Vraag {q}",
            f"  {sentence(rng, rng.randint(12, 25))}?",
            "",
            f"  {answer}.",
            "",
        ]
    return "\n".join(lines)


def run(docs: int, embedder: Embedder, seed: int) -> tuple[int, float, float]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        paths = []
        for n in range(docs):
            path = folder / f"kv-{n:05d}.txt"
            path.write_text(kamervraag(n, rng), encoding="utf-8")
            paths.append(str(path))
        settings = Settings(data_dir=Path(tmp) / "data", corpus_dirs=[])
        store = Store(settings.sqlalchemy_url)
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            with writing(settings, store, embedder) as writer:
                report = writer.add(paths, lambda p: parse_file(Path(p)))
                generation = writer.publish()
            timings.append(time.perf_counter() - start)
        assert not report.failed and len(report.unchanged) == docs
        return len(generation.chunks), timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    embedder = Embedder(DEFAULT_MODEL)
    rows = []
    header = ("run", "docs", "chunks", "first s", "chunks/s", "re-run s", "ratio")
    print("".join(f"{h:>{w}}" for h, w in zip(header, (4, 7, 8, 10, 10, 10, 8), strict=True)))
    for seed in range(args.runs):
        chunks, first, again = run(args.docs, embedder, seed)
        rows.append((chunks, first, again))
        print(
            f"{seed + 1:>4}{args.docs:>7}{chunks:>8}{first:>10.1f}{chunks / first:>10.1f}"
            f"{again:>10.2f}{again / first:>8.1%}"
        )
    chunks = statistics.median(r[0] for r in rows)
    first = statistics.median(r[1] for r in rows)
    again = statistics.median(r[2] for r in rows)
    ratio = statistics.median(r[2] / r[1] for r in rows)
    print(
        f"{'med':>4}{args.docs:>7}{chunks:>8.0f}{first:>10.1f}{chunks / first:>10.1f}"
        f"{again:>10.2f}{ratio:>8.1%}   (target: re-run < 5% of the first run)"
    )


if __name__ == "__main__":
    main()
