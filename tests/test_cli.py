"""The `vraagbaak` command as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.lock import WriterLock
from retrieval.settings import BUNDLED_CORPUS
from tests.conftest import SHARED, VRAAGBAAK

#: Settings a developer's environment may hold that would change what these tests see.
CLEARED = ("DATABASE_URL", "VRAAGBAAK_CORPUS", "EMBEDDING_MODEL", "PUBLIC_BASE_URL")


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    return env | {"VRAAGBAAK_DATA_DIR": str(data_dir)} | extra


def run(
    data_dir: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VRAAGBAAK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(data_dir, **(env or {})),
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-data")
    done = run(folder, "index")
    assert done.returncode == 0, done.stderr
    assert "5 documents indexed" in done.stdout
    assert "Embedding chunks" in done.stderr  # the progress bar of the first build
    assert "WARNING" not in done.stderr and "Traceback" not in done.stderr  # a normal first run
    return folder


def test_help_loads_neither_the_model_nor_the_index_libraries() -> None:
    probe = (
        "import sys; from typer.testing import CliRunner; from bot.cli import app; "
        "runs = [CliRunner().invoke(app, args) for args in (['--help'], ['ask', '--help'])]; "
        "assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_second_writer_waits_or_with_no_wait_fails_at_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "kv-tk-2022Z04503.txt"
    shutil.copy(BUNDLED_CORPUS / name, corpus / name)
    (corpus / "manifest.toml").write_text(f'[[document]]\nfile = "{name}"\n')
    data = tmp_path / "data"
    with WriterLock(data, "vraagbaak add") as lock:  # another writer at work
        lock.acquire(wait=False, on_wait=print)
        refused = run(data, "index", "--corpus", str(corpus), "--no-wait")
        assert refused.returncode == 75
        assert refused.stderr.startswith("Another vraagbaak process is changing the index")
        assert f"vraagbaak add, pid {os.getpid()}" in refused.stderr
        waiting = subprocess.Popen(
            [str(VRAAGBAAK), "index", "--corpus", str(corpus)],
            env=cli_env(data),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiting.stderr is not None
        assert waiting.stderr.readline().startswith("Waiting for another vraagbaak process")
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    # a fresh data directory indexed with --corpus holds that corpus, not the bundled one
    assert out.splitlines() == [
        "added     kv-tk-2022Z04503",
        "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 1 documents indexed.",
    ]


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
    added = run(data_dir, "--verbose", "add", str(fixture))
    assert added.returncode == 0, added.stderr
    assert "1 added" in added.stdout and "6 documents indexed" in added.stdout
    assert "Updating the search index: 1 documents added, 0 changed, 0 removed" in added.stderr
    assert "model" not in added.stderr.lower() and "WARNING" not in added.stderr
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


def test_search_filters_sort_and_timeline_from_the_command_line(data_dir: Path) -> None:
    topic = "export van surveillancetechnologie"
    done = run(
        data_dir, "search", topic, "--json", "-k", "4", "--since", "2019-01-01",
        "--type", "kamerbrief", "--type", "beslisnota", "--sort", "date",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["filters"]["types"] == ["beslisnota", "kamerbrief"]
    assert result["sort"] == "date"
    assert result["undated_excluded"] == 0  # the undated web page is no letter or memo anyway
    dates = [r["date"] for r in result["results"]]
    assert dates == sorted(dates, reverse=True) and min(dates) >= "2019-01-01"
    assert all({"date", "doc_type", "ministry", "ministers"} <= r.keys() for r in result["results"])

    timeline = run(data_dir, "timeline", topic, "--json", "-k", "5")
    assert timeline.returncode == 0, timeline.stderr
    found = json.loads(timeline.stdout)
    assert found["topic"] == topic
    ids = [e["doc_id"] for e in found["entries"]]
    assert ids.index("kv-tk-2017Z04681") < ids.index("kv-tk-2019Z15231")
    text = run(data_dir, "timeline", topic, "--until", "2018-12-31")
    assert text.stdout.startswith("2017-10-09  Massasurveillance door de Oezbeekse overheid")
    assert "(1 document without a date left out)" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2019-13-01"], "since: 2019-13-01 is not a day of the calendar."),
        (["--until", "gisteren"], "until must be a date written YYYY-MM-DD, not 'gisteren'."),
        (["--type", "brief"], "Unknown document type 'brief'"),
        (["--since", "2020-01-01", "--until", "2019-01-01"], "since (2020-01-01) is after until"),
        (["--sort", "oldest"], "Invalid value for '--sort'"),
    ],
)
def test_malformed_filters_exit_2_before_anything_loads(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = run(tmp_path / "never-made", "search", "spyware", *args)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.replace("│", " ").split())
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "never-made").exists()  # failed before anything was opened
