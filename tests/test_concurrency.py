"""Processes at once: two web workers answer searches while `vraagbaak add` and `remove` run
beside them (one cycle of bench/bench_concurrency.py, which runs more)."""

from __future__ import annotations

from pathlib import Path

from bench.bench_concurrency import run_load
from retrieval.embedding import Embedder
from retrieval.settings import Settings
from tests.conftest import build_index

RECHECK = 2.0  # INDEX_RECHECK_SECONDS of the service
LOADING = 2.0  # on top of it: one reload of the index on a busy 2-core machine


def test_searches_stay_consistent_while_a_writer_adds_and_removes(
    tmp_path: Path, embedder: Embedder
) -> None:
    data_dir = tmp_path / "data"
    build_index(Settings(data_dir=data_dir), embedder)
    report = run_load(data_dir, cycles=1, recheck=RECHECK, pause=0.1)  # about 20 searches/s
    assert report.searches >= 50
    assert report.server_errors == []
    assert report.unexpected == []
    assert report.inconsistent == []
    assert report.log_errors == []
    assert report.writer_failures == []
    assert max(report.visible_after) <= RECHECK + LOADING, report.visible_after
    assert max(report.gone_after) <= RECHECK + LOADING, report.gone_after
