"""A writer killed with SIGKILL, during the database writes and during the index save, again and
again: every time the next reader finds a whole index and an intact database, and the next
writer completes what the killed ones left (see tests/crash_writer.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.crash_writer import PER_STEP, note

PLAN = [
    ("commit", 2),  # in the middle of the second new document's transaction
    ("cache commit", 1),  # writing the embedding cache
    ("document file", 2),
    ("index file", 2),
    ("fsync", 5),
    ("rename", 1),  # the new generation complete, not yet in place
    ("pointer swap", 1),
    ("pruning", 1),  # CURRENT swapped, the old generations still there
]


def test_writers_killed_anywhere_leave_a_usable_index_and_an_intact_database(
    tmp_path: Path,
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    count = PER_STEP * (len(PLAN) + 1)
    for number in range(count):
        (files / f"kv-{number:03d}.txt").write_text(note(number), encoding="utf-8")
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.crash_writer", str(tmp_path / "data"), str(files),
         json.dumps(PLAN)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[1],
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    *steps, rerun = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(steps) == len(PLAN), done.stderr
    indexed = PER_STEP
    for step in steps:
        assert step["killed"], f"{step['point']} was never reached"
        assert "error" not in step, step
        assert step["fallback"] is None  # CURRENT always names a whole generation
        assert step["integrity"] == "ok"
        assert step["orphan_chunks"] == step["documents_without_chunks"] == 0
        assert step["answered"] == step["indexed"] >= indexed, step  # nothing indexed was lost
        indexed = step["indexed"]

    assert rerun["point"] == "re-run" and "error" not in rerun
    assert rerun["stored"] == rerun["indexed"] == rerun["answered"] == count
    assert rerun["integrity"] == "ok" and rerun["fallback"] is None
    assert rerun["leftovers"] == [] and rerun["generations"] == 2
