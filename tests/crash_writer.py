"""Writers that SIGKILL themselves at chosen points, and what is left after each: for test_crash.

    python -m tests.crash_writer DATA_DIR FILES_DIR PLAN_JSON

Loads the model once, then for each step of the plan ([point, n]) forks a child process that does
what `vraagbaak add` does (the writer's lock, the files into the database, the index published)
with three more files than the step before, and kills itself with SIGKILL the n-th time it reaches
`point`. After each death this process checks what a reader would find, and prints one JSON line
per step; last, it runs the writer once more with every file, unharmed, and reports that too.
Run with OMP_NUM_THREADS=1 so no thread pool is forked.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from retrieval import files as index_files
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.generation import Generations
from retrieval.parsing import parse_file
from retrieval.settings import Settings
from retrieval.store import EmbeddingRecord, Store
from retrieval.writer import writing

PER_STEP = 3  # files a step adds beyond the previous one's


def die_at(owner: object, name: str, n: int, when: Callable[..., bool] = lambda *a: True) -> None:
    """Replace owner.name by a wrapper that SIGKILLs the process on the n-th matching call."""
    original = getattr(owner, name)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if when(*args):
            calls += 1
            if calls == n:
                if name == "commit":  # inside the transaction: its writes sent, not committed
                    args[0].flush()
                os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


POINTS: dict[str, Callable[[int], None]] = {
    # the database writes: documents with their chunks, the embedding cache
    "commit": lambda n: die_at(Session, "commit", n),
    "cache commit": lambda n: die_at(
        Session, "commit", n, lambda s: any(isinstance(o, EmbeddingRecord) for o in s.new)
    ),
    # the index save: document files, index files, fsyncs, the folder rename, the CURRENT swap
    "document file": lambda n: die_at(index_files, "write_durably", n),
    "index file": lambda n: die_at(np, "save", n),
    "fsync": lambda n: die_at(index_files, "fsync", n),
    "rename": lambda n: die_at(os, "rename", n),
    "pointer swap": lambda n: die_at(
        os, "replace", n, lambda _, dst, *r: Path(dst).name == "CURRENT"
    ),
    "pruning": lambda n: die_at(Generations, "prune", n),
}


def write(settings: Settings, embedder: Embedder, files: list[Path]) -> None:
    with writing(settings, Store(settings.sqlalchemy_url), embedder, command="crash") as writer:
        writer.add([str(f) for f in files], lambda item: parse_file(Path(item)))
        writer.publish()


def note(number: int) -> str:
    return f"Kamervraag 2024Z{number:05d}\n\n• Vraag 1\n  Waarom {number}?\n\n  Daarom {number}.\n"


def answers_every_document(engine: Engine) -> int:
    """How many of the engine's documents its own question finds first."""
    answered = 0
    for info in engine.documents():
        document = engine.document(info.doc_id)
        assert document is not None
        number = int(re.search(r"Daarom (\d+)\.", document.text)[1])  # type: ignore[index]
        result = engine.search(f"Waarom {number}?")
        answered += bool(result.results) and result.results[0].doc_id == document.doc_id
    return answered


def inspect(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What the next reader finds: the index it loads, what it answers, the database's state."""
    found: dict[str, Any] = {}
    engine = Engine(settings, embedder=embedder)  # raises if no usable generation
    found["fallback"] = engine.fallback
    found["indexed"] = len(engine.documents())
    found["answered"] = answers_every_document(engine)
    with sqlite3.connect(settings.data_dir / "vraagbaak.db") as db:
        found["integrity"] = db.execute("PRAGMA integrity_check").fetchone()[0]
        found["orphan_chunks"] = db.execute(
            "SELECT count(*) FROM chunk WHERE doc_id NOT IN (SELECT doc_id FROM document)"
        ).fetchone()[0]
        found["documents_without_chunks"] = db.execute(
            "SELECT count(*) FROM document WHERE doc_id NOT IN (SELECT doc_id FROM chunk)"
        ).fetchone()[0]
        found["stored"] = db.execute("SELECT count(*) FROM document").fetchone()[0]
    return found


def main(data_dir: Path, files_dir: Path, plan: list[tuple[str, int]]) -> None:
    settings = Settings(data_dir=data_dir, corpus_dirs=[])
    embedder = Embedder(settings.embedding_model)
    embedder.encode_documents(["warm-up"])  # load the weights once, before forking
    files = sorted(files_dir.iterdir())
    write(settings, embedder, files[:PER_STEP])  # a first generation
    for step, (point, n) in enumerate(plan, start=2):
        sys.stdout.flush()
        child = os.fork()
        if child == 0:
            POINTS[point](n)
            write(settings, embedder, files[: PER_STEP * step])
            os._exit(0)  # the kill point was not reached
        _, status = os.waitpid(child, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        report = {"point": point, "n": n, "killed": killed}
        try:
            report |= inspect(settings, embedder)
        except Exception as exc:  # reported, for the test to show
            report["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(report), flush=True)
    write(settings, embedder, files)
    index_dir = settings.index_dir
    report = {"point": "re-run", **inspect(settings, embedder)}
    report["leftovers"] = [p.name for p in index_dir.iterdir() if p.name.startswith(".")]
    report["generations"] = len(Generations(index_dir).names())
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]))
