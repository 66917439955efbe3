"""The `vraagbaak` command as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.settings import BUNDLED_CORPUS
from tests.conftest import SHARED

VRAAGBAAK = Path(sys.executable).with_name("vraagbaak")


def run(
    data_dir: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "VRAAGBAAK_DATA_DIR": str(data_dir), **(env or {})}
    environ.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(VRAAGBAAK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-data")
    done = run(folder, "index")
    assert done.returncode == 0, done.stderr
    assert "5 documents indexed" in done.stdout
    assert "Embedding chunks" in done.stderr  # the progress bar of the first build
    return folder


def test_index_again_changes_nothing(data_dir: Path) -> None:
    done = run(data_dir, "index")
    assert done.returncode == 0
    assert "0 added, 0 updated, 5 unchanged" in done.stdout
    assert "Embedding" not in done.stderr


def test_ask_prints_quote_source_and_link(data_dir: Path) -> None:
    done = run(data_dir, "ask", "Is INTERPOL een politieke organisatie?")
    assert done.returncode == 0, done.stderr
    assert "apolitieke en neutrale organisatie" in done.stdout
    assert "De oproep om Rusland uit te sluiten van INTERPOL, Vraag 3, 2022-03-24" in done.stdout
    assert "https://zoek.officielebekendmakingen.nl/ah-tk-20212022-2218.html" in done.stdout


def test_ask_declines_off_corpus(data_dir: Path) -> None:
    done = run(data_dir, "ask", "How tall is the Eiffel Tower?")
    assert done.returncode == 0
    assert done.stdout.startswith("Not found in the documents.")
    assert "“" not in done.stdout


def test_search_json_shape(data_dir: Path) -> None:
    done = run(data_dir, "search", "Wat is spyware?", "--json", "-k", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) >= {"question", "answered", "results"}
    assert len(result["results"]) == 2
    first = result["results"][0]
    assert set(first) >= {"rank", "score", "doc_id", "title", "section", "url", "text", "quote"}
    assert first["quote"] in first["text"]


def test_search_reads_questions_from_stdin_one_json_line_each(data_dir: Path) -> None:
    questions = (
        "Wat is spyware?\n\nWat is Yandex NV?\n" + "x" * 5000 + "\nHow tall is the Eiffel Tower?\n"
    )
    done = run(data_dir, "search", "-", stdin=questions)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [bool(line.get("answered")) for line in lines] == [True, True, False, False]
    assert "characters long" in lines[2]["error"]
    assert done.returncode == 2  # one question could not be searched


@pytest.mark.parametrize(
    ("question", "message"), [("", "Empty question"), ("y" * 100_000, "characters long")]
)
def test_bad_questions_exit_non_zero_with_a_message(
    data_dir: Path, question: str, message: str
) -> None:
    done = run(data_dir, "ask", question)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreadable_corpus_file_fails_clearly_and_loses_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, broken)
    (broken / "kv-tk-2017Z04681.txt").write_bytes(b"\xff\xfe\x00\x01 not text")
    done = run(data_dir, "index", "--corpus", str(broken))
    assert done.returncode == 1
    assert "kv-tk-2017Z04681.txt" in done.stderr and "Traceback" not in done.stderr
    still = run(data_dir, "search", "Wat is spyware?", "--json")
    assert still.returncode == 0
    assert "spionagesoftware" in json.loads(still.stdout)["results"][0]["text"]


@pytest.mark.skipif(not (SHARED / "eval/dev.jsonl").exists(), reason="shared/eval is absent")
def test_eval_reports_scores_by_language(data_dir: Path) -> None:
    done = run(data_dir, "eval", str(SHARED / "eval/dev.jsonl"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["by_language"]) == {"nl", "en"}
    assert report["hit@1"] >= 0.8 and report["decline_accuracy"] == 1.0


def test_add_and_remove_a_document_from_the_command_line(data_dir: Path) -> None:
    fixture = Path(__file__).parent / "fixtures/ah-tk-20232024-901.xml"
    added = run(data_dir, "add", str(fixture))
    assert added.returncode == 0, added.stderr
    assert "1 added" in added.stdout and "6 documents indexed" in added.stdout
    question = "Mogen gemeenten binnendringen in telefoons van inwoners?"
    found = json.loads(run(data_dir, "search", question, "--json").stdout)
    assert found["answered"] and "Wetboek van Strafvordering" in found["results"][0]["text"]

    again = run(data_dir, "add", str(fixture))
    assert "0 added, 0 updated, 1 unchanged" in again.stdout and "Embedding" not in again.stderr

    broken = run(data_dir, "add", str(fixture.with_name("malformed.xml")))
    assert broken.returncode == 1 and "malformed.xml" in broken.stderr
    assert "Traceback" not in broken.stderr

    doc_id = found["results"][0]["doc_id"]
    removed = run(data_dir, "remove", doc_id)
    assert removed.returncode == 0 and f"removed   {doc_id}" in removed.stdout
    gone = json.loads(run(data_dir, "search", question, "--json").stdout)
    assert all(r["doc_id"] != doc_id for r in gone["results"])
