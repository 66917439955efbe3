"""Readers and a writer at once: `vraagbaak serve --workers 2` answers a stream of searches while
`vraagbaak add` and `vraagbaak remove` run in a loop beside it, as separate processes.

It counts what must never happen — a 5xx, an error or traceback in any process's log, an answer
that is not consistent (a document that is not in the corpus, a passage that is not its
document's text at its offsets, a quote outside its passage), a failed writer — and measures how
long after `add` (or `remove`) returns every answer holds (or has lost) the document, against
INDEX_RECHECK_SECONDS. tests/test_concurrency.py runs one cycle of it.

    nice .venv/bin/python -m bench.bench_concurrency [--cycles 5] [--recheck 2] [--clients 2]
                                                     [--pause 0.05]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.bench_web import VRAAGBAAK, free_port, start_server, vraagbaak_env, wait_ready
from retrieval.corpus import load_corpus
from retrieval.parsing import parse_file
from retrieval.settings import BUNDLED_CORPUS

ADDED = Path(__file__).parents[1] / "tests/fixtures/ah-tk-20232024-901.xml"
ADDED_QUESTION = "Mogen gemeenten binnendringen in telefoons van inwoners?"
QUESTIONS = [
    ADDED_QUESTION,
    "Wil Nederland Rusland uitsluiten van INTERPOL?",
    "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?",
    "Wat is spyware?",
    "Did the Netherlands export surveillance technology to Uzbekistan?",
]
IN_A_ROW = 8  # answers in a row that must agree before the change counts as seen by every worker
TROUBLE = ("ERROR", "Traceback", "CRITICAL")


@dataclass
class LoadReport:
    recheck: float
    searches: int = 0
    server_errors: list[str] = field(default_factory=list)  # 5xx, with their body
    unexpected: list[str] = field(default_factory=list)  # other non-200 answers
    inconsistent: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    writer_failures: list[str] = field(default_factory=list)
    writer_seconds: list[float] = field(default_factory=list)
    visible_after: list[float] = field(default_factory=list)  # add returned -> all answers hold it
    gone_after: list[float] = field(default_factory=list)  # remove returned -> none holds it
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (
            self.server_errors
            or self.unexpected
            or self.inconsistent
            or self.log_errors
            or self.writer_failures
        )


class Consistency:
    """Checks a search answer against the texts of every document the corpus can hold."""

    def __init__(self) -> None:
        added = parse_file(ADDED)
        self.texts = {d.doc_id: d.text for d in load_corpus(BUNDLED_CORPUS)}
        self.texts[added.doc_id] = added.text
        self.added_id = added.doc_id

    def problems(self, answer: dict[str, Any]) -> list[str]:
        found = []
        for p in answer["results"]:
            text = self.texts.get(p["doc_id"])
            if text is None:
                found.append(f"unknown document {p['doc_id']}")
            elif text[p["start"] : p["end"]] != p["text"]:
                found.append(f"{p['chunk_id']}: the passage is not its document's text")
            elif p["quote"] not in p["text"]:
                found.append(f"{p['chunk_id']}: the quote is not in the passage")
        return found


def search(client: httpx.Client, question: str) -> httpx.Response:
    return client.get("/api/search", params={"q": question, "k": 5})


def clients(
    base_url: str,
    count: int,
    pause: float,
    report: LoadReport,
    check: Consistency,
    stop: threading.Event,
) -> list[threading.Thread]:
    """Threads that search in turn until `stop`, `pause` seconds apart, a new connection each
    time (so that either worker may answer), and note everything wrong."""

    counted = threading.Lock()

    def run(offset: int) -> None:
        with httpx.Client(
            base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
        ) as client:
            n = offset
            while not stop.is_set():
                question = QUESTIONS[n % len(QUESTIONS)]
                n += 1
                response = search(client, question)
                with counted:
                    report.searches += 1
                if response.status_code >= 500:
                    report.server_errors.append(f"{response.status_code} {response.text[:200]}")
                elif response.status_code != 200:
                    report.unexpected.append(f"{response.status_code} {response.text[:200]}")
                else:
                    report.inconsistent.extend(check.problems(response.json()))
                stop.wait(pause)

    return [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]


def wait_until(base_url: str, holds: Callable[[dict[str, Any]], bool], timeout: float) -> float:
    """Seconds until IN_A_ROW answers in a row (new connections) to ADDED_QUESTION hold."""
    started, in_a_row = time.monotonic(), 0
    with httpx.Client(
        base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        first = None
        while in_a_row < IN_A_ROW:
            if time.monotonic() - started > timeout:
                return float("inf")
            response = search(client, ADDED_QUESTION)
            if response.status_code == 200 and holds(response.json()):
                first = time.monotonic() if in_a_row == 0 else first
                in_a_row += 1
            else:
                in_a_row = 0
                time.sleep(0.05)
    assert first is not None
    return first - started


def write(data_dir: Path, report: LoadReport, *args: str) -> None:
    """One `vraagbaak` writer process; its failures and log errors go into the report."""
    started = time.monotonic()
    done = subprocess.run(
        [str(VRAAGBAAK), *args],
        capture_output=True,
        text=True,
        env=vraagbaak_env(str(data_dir)),
        timeout=600,
    )
    report.writer_seconds.append(time.monotonic() - started)
    if done.returncode != 0:
        report.writer_failures.append(f"{' '.join(args)}: exit {done.returncode}: {done.stderr}")
    report.log_errors += [
        line for line in done.stderr.splitlines() if any(t in line for t in TROUBLE)
    ]


def run_load(
    data_dir: Path, cycles: int, recheck: float, client_count: int = 2, pause: float = 0.05
) -> LoadReport:
    """The service on `data_dir` (indexed with the bundled corpus), searched by `client_count`
    clients, `pause` seconds apart, while `cycles` add/remove pairs run; `recheck` is the
    service's INDEX_RECHECK_SECONDS."""
    report = LoadReport(recheck)
    check = Consistency()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = data_dir.parent / "serve.log"
    holds_added = lambda answer: any(p["doc_id"] == check.added_id for p in answer["results"])  # noqa: E731
    with log_path.open("wb") as log:
        server = start_server(port, 2, str(data_dir), log, INDEX_RECHECK_SECONDS=str(recheck))
    stop = threading.Event()
    threads = clients(base_url, client_count, pause, report, check, stop)
    started = time.monotonic()
    try:
        wait_ready(base_url, 2)
        for thread in threads:
            thread.start()
        for _ in range(cycles):
            write(data_dir, report, "add", str(ADDED))
            report.visible_after.append(wait_until(base_url, holds_added, 10 * recheck + 30))
            write(data_dir, report, "remove", check.added_id)
            gone = wait_until(base_url, lambda a: not holds_added(a), 10 * recheck + 30)
            report.gone_after.append(gone)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        report.seconds = time.monotonic() - started
        server.terminate()
        server.wait(30)
    report.log_errors += [
        line
        for line in log_path.read_text(errors="replace").splitlines()
        if any(t in line for t in TROUBLE)
    ]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=5, help="add/remove pairs")
    parser.add_argument("--recheck", type=float, default=2.0, help="INDEX_RECHECK_SECONDS")
    parser.add_argument("--clients", type=int, default=2, help="searching threads")
    parser.add_argument(
        "--pause", type=float, default=0.05, help="seconds between a client's searches"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run([str(VRAAGBAAK), "index"], env=vraagbaak_env(str(data_dir)), check=True)
        report = run_load(data_dir, args.cycles, args.recheck, args.clients, args.pause)

    def seconds(values: list[float]) -> str:
        return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s"

    rate = report.searches / report.seconds
    print(
        f"vraagbaak serve --workers 2, INDEX_RECHECK_SECONDS={args.recheck:g}, {args.clients} "
        f"searching clients ({args.pause:g} s apart, a new connection per search), "
        f"{args.cycles} add/remove cycles"
    )
    print("| what | figure |\n| --- | --- |")
    print(f"| searches answered | {report.searches} in {report.seconds:.0f} s ({rate:.0f}/s) |")
    print(f"| 5xx answers | {len(report.server_errors)} |")
    print(f"| other non-200 answers | {len(report.unexpected)} |")
    print(f"| inconsistent answers | {len(report.inconsistent)} |")
    print(f"| error lines in the logs | {len(report.log_errors)} |")
    print(f"| failed writers | {len(report.writer_failures)} |")
    print(f"| `vraagbaak add` / `remove`, each | {seconds(report.writer_seconds)} |")
    print(
        f"| added document in every answer, after add returned | {seconds(report.visible_after)} |"
    )
    print(
        f"| removed document in no answer, after remove returned | {seconds(report.gone_after)} |"
    )
    for problem in [*report.server_errors, *report.inconsistent, *report.log_errors][:20]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
