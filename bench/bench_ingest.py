"""Adding documents: chunks/s end to end, what a re-run costs, and updates at the sgd size.

Synthetic (the default): each run starts from an empty data directory, writes 1,000
Kamervraag-sized documents as page text files, adds them as `vraagbaak add` does (the writer's
lock, parse, store, embed, index and save a generation) and then adds the same files again,
which must change nothing. Prints medians over runs.

    .venv/bin/python bench/bench_ingest.py [--docs 1000] [--runs 3]

`--sgd`: the whole of ../shared/corpora/sgd-historisch (9,987 documents, 33 M characters) but one
held-out Kamervraag, added by the real command on top of the bundled corpus in a new data
directory (`vraagbaak index`, then `vraagbaak add kamervragen.jsonl.gz kamerstukken.jsonl.gz
handelingen.jsonl.gz`, timed as processes: end to end, model loading and the embedding processes
included), then, in that index, one document added (the held-out page, new text), replaced (the
same page with a sentence more) and removed, each timed as the writer's work in a process that
has the model loaded (`Writer.add` / `remove` + `publish`) and as the whole `vraagbaak` process.

    .venv/bin/python bench/bench_ingest.py --sgd [--runs 1] [--updates 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


SGD = Path(__file__).resolve().parents[2] / "shared/corpora/sgd-historisch"
VRAAGBAAK = Path(sys.executable).parent / "vraagbaak"
HELD_OUT = "sgd-0000027303"  # a Kamervraag with the minister's answer (dioxine, Hoogovens)


def vraagbaak(data_dir: Path, *args: str) -> float:
    """Seconds the `vraagbaak` command takes, as a person runs it."""
    env = {**os.environ, "VRAAGBAAK_DATA_DIR": str(data_dir)}
    for name in ("DATABASE_URL", "VRAAGBAAK_CORPUS", "EMBEDDING_MODEL"):
        env.pop(name, None)
    start = time.perf_counter()
    subprocess.run([VRAAGBAAK, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def collections_without(folder: Path, held_out: str) -> tuple[list[Path], dict, int]:
    """The sgd collections with one record left out (written to `folder`), that record, and the
    characters of text the others hold."""
    paths, record, characters = [], None, 0
    for source in sorted(SGD.glob("*.jsonl.gz")):
        target = folder / source.name
        with gzip.open(source, "rt", encoding="utf-8") as f, gzip.open(target, "wt") as out:
            for line in f:
                if json.loads(line)["id"] == held_out:
                    record = json.loads(line)
                else:
                    out.write(line)
                    characters += len(json.loads(line)["text"])
        paths.append(target)
    assert record is not None, f"{held_out} is not in {SGD}"
    return paths, record, characters


def timed_update(settings: Settings, embedder: Embedder, change: str, path: Path) -> float:
    """Seconds of the writer's work for one change, the model already loaded."""
    store = Store(settings.sqlalchemy_url)
    start = time.perf_counter()
    with writing(settings, store, embedder) as writer:
        if change == "remove":
            report = writer.remove([HELD_OUT])
        else:
            report = writer.add([str(path)], lambda p: parse_file(Path(p)))
        writer.publish()
    assert not report.failed and report.changed, report
    return time.perf_counter() - start


def sgd_run(embedder: Embedder, updates: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        files, record, characters = collections_without(Path(tmp), HELD_OUT)
        index_s = vraagbaak(data, "index")
        collection_s = vraagbaak(data, "add", *map(str, files))
        settings = Settings(data_dir=data, database_url=None)
        generations = Generations(settings.index_dir)
        manifest = generations.manifest(generations.current() or "")
        result: dict[str, object] = {
            "documents": len(manifest["documents"]),
            "chunks": len(manifest["index"]["chunk_ids"]),
            "characters": characters,
            "index_s": index_s,
            "collection_s": collection_s,
        }
        one = Path(tmp) / "one.jsonl"
        for change in ("add", "replace", "remove") * updates:
            text = record["text"] + ("\nDit is een zin meer." if change == "replace" else "")
            one.write_text(json.dumps({**record, "text": text}) + "\n", encoding="utf-8")
            result.setdefault(f"{change}_s", []).append(  # type: ignore[union-attr]
                timed_update(settings, embedder, change, one)
            )
        one.write_text(json.dumps(record) + "\n", encoding="utf-8")
        result["add_process_s"] = vraagbaak(data, "add", str(one))
        result["remove_process_s"] = vraagbaak(data, "remove", HELD_OUT)
        return result


def sgd_main(runs: int, updates: int) -> None:
    embedder = Embedder(DEFAULT_MODEL)
    results = []
    for n in range(runs):
        results.append(sgd_run(embedder, updates))
        print(f"run {n + 1}: {json.dumps(results[-1])}", flush=True)
    first = results[0]
    print(
        f"\nsgd-historisch less one page: {first['documents']:,} documents (bundled included), "
        f"{first['chunks']:,} chunks, {first['characters']:,} characters; medians of {runs} "
        f"run(s), updates {updates} times each per run\n"
    )
    rows = [
        ("`vraagbaak add` the three collections (process)", "collection_s", 20 * 60),
        ("add one document (writer, model loaded)", "add_s", 5),
        ("replace it (writer, model loaded)", "replace_s", 5),
        ("remove it (writer, model loaded)", "remove_s", 5),
        ("`vraagbaak add` one document (process)", "add_process_s", None),
        ("`vraagbaak remove` it (process)", "remove_process_s", None),
    ]
    print("| step | seconds | target |\n|---|---|---|")
    for label, key, target in rows:
        values = [v for r in results for v in np.atleast_1d(r[key])]  # type: ignore[arg-type]
        seconds = statistics.median(values)
        verdict = "" if target is None else f"< {target:,} s {'✓' if seconds < target else '✗'}"
        print(f"| {label} | {seconds:.1f} | {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sgd", action="store_true", help="the sgd-historisch corpus and updates")
    parser.add_argument("--updates", type=int, default=3, help="--sgd: each update this often")
    args = parser.parse_args()
    if args.sgd:
        sgd_main(args.runs, args.updates)
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
