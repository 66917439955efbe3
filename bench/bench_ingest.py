"""Adding documents: chunks/s end to end, what a re-run costs, and updates at the sgd size.

Synthetic (the default): each run starts from an empty data directory, writes 1,000
Kamervraag-sized documents as page text files, adds them as `vraagbaak add` does (the writer's
lock, parse, store, embed, index and save a generation) and then adds the same files again,
which must change nothing. Prints medians over runs.

    .venv/bin/python bench/bench_ingest.py [--docs 1000] [--runs 3]

`--sgd LEVEL`: the `kamervragen` or `scale` level of bench/corpora.py (the grown corpus plus the
historical Kamervragen of ../shared/corpora/sgd-historisch, or plus all of it: 9,987 documents,
33 M characters). The grown level is built (untimed, its embedding cache reused) and copied, and
`vraagbaak add` of the level's collections is timed as a process (end to end: model loading and
the embedding processes included; wall and CPU time, since the machine is shared). Then, in that
index, one new Kamervraag-sized document is added, replaced (its text changed) and removed, each
timed as the writer's work in a process that has the model loaded (`Writer.add` / `remove` +
`publish`), and once as the whole `vraagbaak` process. The level is left as it was found.

    .venv/bin/python -m bench.bench_ingest --sgd kamervragen|scale [--updates 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import corpora
from retrieval.embedding import Embedder
from retrieval.generation import Generations
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


NEW_ID = "kv-tk-2030Z99999"  # the document added, replaced and removed


def vraagbaak(data_dir: Path, *args: str) -> float:
    """Seconds the `vraagbaak` command takes, as a person runs it."""
    env = {**os.environ, "VRAAGBAAK_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "VRAAGBAAK_CORPUS", "EMBEDDING_MODEL"):
        env.pop(name, None)
    start = time.perf_counter()
    subprocess.run([corpora.VRAAGBAAK, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def built_level(level: str) -> tuple[Path, dict[str, float]]:
    """The level's data directory, and how long adding its collections took (measured once):
    the grown level is built (untimed; its cache reused), copied, and then `vraagbaak add`
    of the level's sgd-historisch collections is timed, wall and CPU."""
    folder = corpora.data_dir(level, DEFAULT_MODEL)
    record = folder / "build-time.json"
    if not record.exists():
        if folder.exists():
            raise SystemExit(f"{folder} was built without timing: delete it to measure a build")
        shutil.copytree(corpora.build("grown", DEFAULT_MODEL), folder)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = vraagbaak(folder, "add", *map(str, corpora.collections(level)))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        load = os.getloadavg()[1]
        record.write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "load_5min": load}))
    return folder, json.loads(record.read_text())


def timed_update(settings: Settings, embedder: Embedder, change: str, path: Path) -> float:
    """Seconds of the writer's work for one change, the model already loaded."""
    store = Store(settings.sqlalchemy_url)
    start = time.perf_counter()
    with writing(settings, store, embedder) as writer:
        if change == "remove":
            report = writer.remove([NEW_ID])
        else:
            report = writer.add([str(path)], lambda p: parse_file(Path(p)))
        writer.publish()
    assert not report.failed and report.changed, report
    return time.perf_counter() - start


def sgd_main(level: str, updates: int) -> None:
    folder, build = built_level(level)
    settings = Settings(data_dir=folder, database_url=None)
    embedder = Embedder(DEFAULT_MODEL)
    with writing(settings, Store(settings.sqlalchemy_url), embedder) as writer:
        writer.publish()  # untimed: an index saved by an older version is brought up to date
    generations = Generations(settings.index_dir)
    manifest = generations.manifest(generations.current() or "")
    documents, chunks = len(manifest["documents"]), len(manifest["index"]["chunk_ids"])
    rng = random.Random(0)
    timings: dict[str, list[float]] = {"add": [], "replace": [], "remove": []}
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / f"{NEW_ID}.txt"
        for _ in range(updates):
            for change in timings:
                if change != "remove":  # new text each time: embedded, not found in the cache
                    page.write_text(kamervraag(99999, rng), encoding="utf-8")
                timings[change].append(timed_update(settings, embedder, change, page))
        page.write_text(kamervraag(99999, rng), encoding="utf-8")
        add_process = vraagbaak(folder, "add", str(page))
        remove_process = vraagbaak(folder, "remove", NEW_ID)
    print(
        f"\n{level} level: {documents:,} documents, {chunks:,} chunks; its collections added in "
        f"{build['wall_s'] / 60:.1f} min wall, {build['cpu_s'] / 60:.1f} min CPU (load average "
        f"{build['load_5min']:.1f} on {os.cpu_count()} cores); updates: medians of {updates}\n"
    )
    rows = [
        (
            f"`vraagbaak add {' '.join(c.name for c in corpora.collections(level))}` (process)",
            build["wall_s"],
            1200 if level == "scale" else None,
        ),
        ("add one document (writer, model loaded)", statistics.median(timings["add"]), 5),
        ("replace it (writer, model loaded)", statistics.median(timings["replace"]), 5),
        ("remove it (writer, model loaded)", statistics.median(timings["remove"]), 5),
        ("`vraagbaak add` one document (process)", add_process, None),
        ("`vraagbaak remove` it (process)", remove_process, None),
    ]
    print("| step | seconds | target |\n|---|---|---|")
    for label, seconds, target in rows:
        verdict = "" if target is None else f"< {target:,} s {'✓' if seconds < target else '✗'}"
        print(f"| {label} | {seconds:.1f} | {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sgd", choices=("kamervragen", "scale"), help="a level and updates in it")
    parser.add_argument("--updates", type=int, default=3, help="--sgd: each update this often")
    args = parser.parse_args()
    if args.sgd:
        sgd_main(args.sgd, args.updates)
        return
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
