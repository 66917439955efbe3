"""The corpora benchmarks measure at, built once and kept in bench/results/.

    bundled  the five documents in corpus/
    grown    bundled + every document of ../shared/corpora/kamervragen-limburg (each row as
             `<name>.txt`) and ../shared/corpora/rijksoverheid-vac (each page as `<id>.txt`:
             its question, a blank line, its answer), added with `vraagbaak add` as text files
    kamervragen  grown + the historical Kamervragen of ../shared/corpora/sgd-historisch (one
             JSONL collection: 1,179 pages, 4.3 M characters)
    scale    grown + ../shared/corpora/sgd-historisch (three JSONL collections)

A level is built by the `vraagbaak` command itself, in its own data directory; building again
re-parses every file but embeds only text the embedding cache lacks, so after a code change a
rebuild costs what the change touched.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
RESULTS = REPO / "bench" / "results"
LIMBURG = SHARED / "corpora/kamervragen-limburg/questions.csv"
VAC = SHARED / "corpora/rijksoverheid-vac/vacs_bzk.csv"
SGD = SHARED / "corpora/sgd-historisch"
EVAL = SHARED / "eval"
LEVELS = ("bundled", "grown", "kamervragen", "scale")
VRAAGBAAK = Path(sys.executable).parent / "vraagbaak"


def grown_files(folder: Path = RESULTS / "grown-files") -> list[Path]:
    """The grown corpus's text files, written once into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    csv.field_size_limit(1 << 30)
    files = []
    with LIMBURG.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            files.append(_write(folder / f"{row['name']}.txt", row["text_content"]))
    with VAC.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            files.append(
                _write(
                    folder / f"{row['id']}.txt", f"{row['question']}\n\n{row['reference_answer']}"
                )
            )
    return files


def _write(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def sources(level: str, folder: Path = RESULTS / "grown-files") -> list[Path]:
    """What `vraagbaak add` is given for a level, beyond the bundled corpus."""
    if level == "bundled":
        return []
    return grown_files(folder) + collections(level)


def collections(level: str) -> list[Path]:
    """The sgd-historisch collections a level holds beyond the grown corpus."""
    if level == "kamervragen":
        return [SGD / "kamervragen.jsonl.gz"]
    return sorted(SGD.glob("*.jsonl.gz")) if level == "scale" else []


def data_dir(level: str, model: str) -> Path:
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(model).name)
    return RESULTS / "corpora" / f"{level}-{slug}"


def build(level: str, model: str, *, folder: Path | None = None, files: Path | None = None) -> Path:
    """The level's data directory (`folder`, else one under bench/results/), brought up to date
    by `vraagbaak index` and `vraagbaak add`; the grown files are written into `files`."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {', '.join(LEVELS)}")
    if level != "bundled" and not LIMBURG.exists():
        raise SystemExit(f"{LIMBURG} is missing: the {level} corpus needs ../shared/corpora")
    folder = folder or data_dir(level, model)
    env = {**os.environ, "VRAAGBAAK_DATA_DIR": str(folder), "EMBEDDING_MODEL": model}
    env.pop("DATABASE_URL", None)
    env.pop("VRAAGBAAK_CORPUS", None)
    subprocess.run([VRAAGBAAK, "index"], env=env, check=True, stdout=subprocess.DEVNULL)
    added = sources(level, files or RESULTS / "grown-files")
    if added:
        command = [VRAAGBAAK, "add", *map(str, added)]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return folder
