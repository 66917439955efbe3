"""`vraagbaak add` as a user runs it: ids from where a format puts them, nothing replaced from
elsewhere without --replace, and refused input (file:// URLs, documents over the size limit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.settings import BUNDLED_CORPUS, Settings
from retrieval.store import Store
from tests.test_cli import run

# The note of issue 9: it mentions a Kamervraag, and used to replace it.
NOTE = (
    "Aantekening voor het teamoverleg\n\nIn de beantwoording van Kamervraag 2017Z04681 over "
    "Oezbekistan werd verwezen naar het Amnesty-rapport.\n"
)
KAMERVRAAG = "kv-tk-2017Z04681"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("add-data")


def stored(data_dir: Path, doc_id: str) -> str | None:
    document = Store(Settings(data_dir=data_dir).sqlalchemy_url).document(doc_id)
    return document.title if document else None


def test_a_note_that_mentions_a_kamervraag_is_its_own_document(
    data_dir: Path, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    done = run(data_dir, "add", str(note))
    assert done.returncode == 0, done.stderr
    assert "added     note" in done.stdout and KAMERVRAAG not in done.stdout
    assert stored(data_dir, KAMERVRAAG) == "Massasurveillance door de Oezbeekse overheid"
    assert stored(data_dir, "note") == "Aantekening voor het teamoverleg"


def test_refused_input_is_reported_and_the_rest_is_added(data_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "kopie" / f"{KAMERVRAAG}.txt"  # the Kamervraag page, retitled elsewhere
    copy.parent.mkdir()
    page = (BUNDLED_CORPUS / copy.name).read_text(encoding="utf-8")
    copy.write_text(page.replace("Massasurveillance", "Surveillance"), encoding="utf-8")
    big = tmp_path / "groot.txt"
    big.write_text("Een lange notitie over dijken.\n" * 300, encoding="utf-8")
    twins = [tmp_path / folder / "notitie.txt" for folder in ("x", "y")]
    for n, path in enumerate(twins):
        path.parent.mkdir()
        path.write_text(f"Notitie nummer {n} over de dijken\n\nTekst {n}.\n", encoding="utf-8")
    fine = tmp_path / "goed.txt"
    fine.write_text("Een goede notitie over dijken\n\nDe dijken zijn op orde.\n")
    items = ["file:///etc/passwd", str(big), str(copy), *map(str, twins), str(fine)]
    done = run(data_dir, "add", *items, env={"MAX_DOCUMENT_BYTES": "7000"})
    assert done.returncode == 1
    errors = dict(
        line.split(": ", 1) for line in done.stderr.split("\n") if line.startswith("failed")
    )
    assert errors["failed    file:///etc/passwd"] == (
        "file:///etc/passwd: file:// URLs are not accepted; give a file path or an http(s) URL"
    )
    assert errors[f"failed    {big}"] == (
        f"{big}: 9,300 bytes, over the limit of 7,000 bytes per document (MAX_DOCUMENT_BYTES)"
    )
    conflict = errors[f"failed    {copy.resolve()}"]
    assert str(BUNDLED_CORPUS / copy.name) in conflict and str(copy.resolve()) in conflict
    assert "--replace" in conflict and "“Surveillance door de Oezbeekse" in conflict
    for path, other in zip(twins, reversed(twins), strict=True):
        assert str(other.resolve()) in errors[f"failed    {path}"]
    assert "added     goed" in done.stdout
    assert "1 added, 0 updated, 0 unchanged, 0 removed, 5 failed" in done.stdout
    assert stored(data_dir, "notitie") is None
    assert stored(data_dir, KAMERVRAAG) == "Massasurveillance door de Oezbeekse overheid"

    done = run(data_dir, "add", "--replace", str(copy))
    assert done.returncode == 0, done.stderr
    assert f"updated   {KAMERVRAAG}" in done.stdout
    assert stored(data_dir, KAMERVRAAG) == "Surveillance door de Oezbeekse overheid"
