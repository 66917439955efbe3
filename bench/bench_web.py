"""Load `/api/search` of `vraagbaak serve --workers 2` on loopback and print a table.

Uses Debian's `wrk` (cycling through real questions with a Lua script) and reports the median
over several runs of p50/p95 latency and requests per second, plus the memory (RSS) of one
worker. Run: `.venv/bin/python bench/bench_web.py [--runs 5] [--seconds 10]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx

QUESTIONS = [
    "Wil Nederland Rusland uitsluiten van INTERPOL?",
    "Welke maatregelen zijn tegen NCB Moskou genomen?",
    "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?",
    "Wat wil Amnesty met gezichtsherkenningstechnologie?",
    "Hoeveel vergunningen hebben EU-landen afgewezen?",
    "Wat is spyware?",
    "Does the Netherlands want Russia excluded from INTERPOL?",
    "Did the Netherlands export surveillance technology to Uzbekistan?",
    "Is a human rights test mandatory for exporting companies?",
    "What is a good recipe for apple pie with cinnamon?",  # declined: also a real request
]
LUA = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50=%%f p95=%%f requests=%%d errors=%%d seconds=%%f\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, summary.duration / 1e6))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


VRAAGBAAK = Path(sys.executable).with_name("vraagbaak")
#: Settings of the environment that would make the benchmark measure something else.
CLEARED = (
    "TELEGRAM_BOT_TOKEN",
    "WEBHOOK_SECRET",
    "WEBHOOK_URL",
    "DATABASE_URL",
    "VRAAGBAAK_CORPUS",
)


def vraagbaak_env(data_dir: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return env | {"VRAAGBAAK_DATA_DIR": data_dir} | settings


def start_server(
    port: int,
    workers: int,
    data_dir: str,
    log: IO[bytes] | int = subprocess.DEVNULL,
    **settings: str,
) -> subprocess.Popen[bytes]:
    """`vraagbaak serve` on loopback; its output goes to `log`, `settings` into its environment."""
    command = [str(VRAAGBAAK), "serve", "--port", str(port), "--workers", str(workers)]
    env = vraagbaak_env(data_dir, **settings)
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base_url: str, workers: int, timeout: float = 300) -> None:
    """Until /readyz answers 200 from (very likely) every worker."""
    deadline, ready_in_a_row = time.monotonic() + timeout, 0
    while ready_in_a_row < 10 * workers:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not get ready")
        try:
            ok = httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            ok = False
        ready_in_a_row = ready_in_a_row + 1 if ok else 0
        time.sleep(0.05 if ok else 0.5)


def worker_rss_mb(parent: int) -> list[float]:
    """RSS of each uvicorn worker (spawned children of `parent`, not the resource tracker)."""
    rss = []
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        if b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            continue
        status = Path(f"/proc/{pid}/status").read_text()
        if match := re.search(r"VmRSS:\s+(\d+) kB", status):
            rss.append(int(match[1]) / 1024)
    return rss


def run_wrk(base_url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (.*)", output)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    values = dict(part.split("=") for part in match[1].split())
    result = {k: float(v) for k, v in values.items()}
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[2, 4, 8], help="Concurrency levels"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data-dir", help="Reuse an indexed data dir (default: a new one)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "questions.lua"
        paths = ", ".join(f'"/api/search?q={quote(q)}"' for q in QUESTIONS)
        script.write_text(LUA % paths)
        server = start_server(port, args.workers, args.data_dir or str(Path(tmp) / "data"))
        try:
            wait_ready(base_url, args.workers)
            run_wrk(base_url, script, 3, max(args.connections))  # warm-up
            rows = [
                (c, [run_wrk(base_url, script, args.seconds, c) for _ in range(args.runs)])
                for c in args.connections
            ]
            rss = worker_rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)

    print(
        f"/api/search: {len(QUESTIONS)} questions in turn, {args.workers} workers, wrk on "
        f"loopback, {os.cpu_count()} CPUs; medians of {args.runs} runs of {args.seconds} s"
    )
    print(f"{'connections':>11} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'errors':>7}")
    for connections, runs in rows:
        p50, p95, rps = (statistics.median(r[key] for r in runs) for key in ("p50", "p95", "rps"))
        errors = sum(r["errors"] for r in runs)
        print(f"{connections:>11} {p50:>8.1f} {p95:>8.1f} {rps:>8.1f} {errors:>7.0f}")
    print(f"RSS per worker: {', '.join(f'{m:.0f} MB' for m in rss)}")


if __name__ == "__main__":
    main()
