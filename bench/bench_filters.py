"""Query latency with filters against without, at the grown corpus (bench/corpora.py), and a
topic's timeline; optionally the timelines of topics that span decades in sgd-historisch.

    nice .venv/bin/python -m bench.bench_filters [--runs 5] [--model NAME]
    nice .venv/bin/python -m bench.bench_filters --historical   # + sgd-historisch Kamervragen

Every configuration answers the same questions (the dev sets' questions) once per run, runs
interleaved so the machine's load falls on all alike; each figure is the median over the runs of
that run's p50 (p95). A filter's mask is computed on its first use and kept with the loaded
generation, as in a running bot or service: its first use is timed apart. The target: p50 with
a filter within 20% of p50 without.

`--historical` builds a data directory of the bundled corpus plus the 1,179 OCR'd Kamervragen
pages of ../shared/corpora/sgd-historisch (kamervragen.jsonl.gz, 1900s–1995; in
bench/results/) and prints the timelines of topics that span decades, checking their order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

from bench import corpora
from retrieval.engine import Engine
from retrieval.filters import SearchFilter
from retrieval.settings import DEFAULT_MODEL, Settings

CONFIGS: dict[str, tuple[SearchFilter | None, str]] = {
    "no filter": (None, "relevance"),
    "--since 2024-01-01": (SearchFilter.parse(since="2024-01-01"), "relevance"),
    "--until 2019-12-31": (SearchFilter.parse(until="2019-12-31"), "relevance"),
    "--type kamervraag": (SearchFilter.parse(types=["kamervraag"]), "relevance"),
    "--ministry 'Justitie en Veiligheid'": (
        SearchFilter.parse(ministry="Justitie en Veiligheid"),
        "relevance",
    ),
    "--since 2024-11-18 --type kamervraag": (
        SearchFilter.parse(since="2024-11-18", types=["kamervraag"]),
        "relevance",
    ),
    "--sort date": (None, "date"),
}
HISTORICAL_TOPICS = ("kwik", "dioxine", "asielzoekers")


def questions() -> list[str]:
    found = []
    for name in ("dev.jsonl", "dev-corpus.jsonl"):
        path = corpora.EVAL / name
        if path.exists():
            found += [json.loads(line)["question"] for line in path.open() if line.strip()]
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(engine: Engine, asked: list[str], runs: int) -> None:
    first_use = {}
    for name, (search_filter, _) in CONFIGS.items():
        started = time.perf_counter()
        engine._loaded.catalog.select(search_filter)
        first_use[name] = (time.perf_counter() - started) * 1000
    for question in asked:  # warm up: the model, the caches
        engine.search(question)
    p50s: dict[str, list[float]] = {name: [] for name in CONFIGS}
    p95s: dict[str, list[float]] = {name: [] for name in CONFIGS}
    timeline: list[float] = []
    for _ in range(runs):
        for name, (search_filter, sort) in CONFIGS.items():
            times = []
            for question in asked:
                started = time.perf_counter()
                engine.search(question, filters=search_filter, sort=sort)  # type: ignore[arg-type]
                times.append((time.perf_counter() - started) * 1000)
            p50s[name].append(percentile(times, 0.5))
            p95s[name].append(percentile(times, 0.95))
        times = []
        for question in asked:
            started = time.perf_counter()
            engine.timeline(question)
            times.append((time.perf_counter() - started) * 1000)
        timeline.append(percentile(times, 0.5))
    base = statistics.median(p50s["no filter"])
    print(f"\n{len(asked)} questions, {runs} runs, {len(engine.documents())} documents\n")
    print("| query | p50 | p95 | p50 vs no filter | mask, first use | within 20% |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in CONFIGS:
        p50, p95 = statistics.median(p50s[name]), statistics.median(p95s[name])
        ratio = p50 / base
        verdict = "—" if name == "no filter" else ("✓" if ratio <= 1.2 else "✗")
        print(
            f"| {name} | {p50:.1f} ms | {p95:.1f} ms | ×{ratio:.2f} | "
            f"{first_use[name]:.1f} ms | {verdict} |"
        )
    print(f"| timeline (k=20) | {statistics.median(timeline):.1f} ms | | "
          f"×{statistics.median(timeline) / base:.2f} | | |")  # fmt: skip


def historical(model: str) -> None:
    folder = corpora.RESULTS / "corpora" / "historical-kamervragen"
    env = {**os.environ, "VRAAGBAAK_DATA_DIR": str(folder), "EMBEDDING_MODEL": model}
    env.pop("DATABASE_URL", None)
    env.pop("VRAAGBAAK_CORPUS", None)
    vraagbaak = str(corpora.VRAAGBAAK)
    subprocess.run([vraagbaak, "index"], env=env, check=True, stdout=subprocess.DEVNULL)
    collection = corpora.SGD / "kamervragen.jsonl.gz"
    subprocess.run(
        [vraagbaak, "add", str(collection)], env=env, check=True, stdout=subprocess.DEVNULL
    )
    engine = Engine(Settings(data_dir=folder, database_url=None, embedding_model=model))
    for topic in HISTORICAL_TOPICS:
        found = engine.timeline(topic, k=15)
        dates = [entry.date for entry in found.entries]
        ordered = "in date order ✓" if dates == sorted(dates) else "NOT in date order ✗"
        span = f"{dates[0][:4]}–{dates[-1][:4]}" if dates else "—"  # type: ignore[index]
        left_out = f"{found.undated_excluded} undated left out"
        print(f"\n### {topic}: {len(dates)} documents, {span}, {ordered}, {left_out}")
        for entry in found.entries:
            quote = " ".join(entry.quote.split())
            print(f"- {entry.date} {entry.title[:70]} — “{quote[:110]}…”")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--historical", action="store_true")
    args = parser.parse_args()
    folder = corpora.build("grown", args.model)
    engine = Engine(Settings(data_dir=Path(folder), database_url=None, embedding_model=args.model))
    measure(engine, questions(), args.runs)
    if args.historical:
        historical(args.model)


if __name__ == "__main__":
    main()
