"""`vraagbaak add FILE.jsonl[.gz]`: a collection of documents with their metadata, one a line."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from retrieval.settings import Settings
from retrieval.sources.batch import add_each
from retrieval.store import Store
from tests.test_cli import run
from tests.test_historical import PAGE_1994, SGD


def line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def not_loaded(item: str) -> None:
    raise AssertionError(f"{item} is not a collection")


def test_records_with_metadata_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "collectie.jsonl.gz"
    lines = [
        line(
            id="sgd-1",
            type="kamervragen",
            title="Vragen over functies bij internationale organisaties",
            date="1994-09-23",
            url="https://zoek.officielebekendmakingen.nl/0000000417",
            submitters="Van Dam (GPV)",
            ministry="Algemene Zaken",
            text=PAGE_1994,
        ),
        "\n",
        "{not json\n",
        line(id="sgd-2", type="kamerstukken", date="1981-05-18", text="Een kamerstuk, kort."),
        line(id="sgd-3", text="   "),
        line(id="met spatie", text="Tekst."),
        line(id="sgd-4", date="18 mei 1981", text="Tekst."),
        line(id="sgd-5", type="roman", text="Tekst."),
        line(id="sgd-6", text="Lange tekst. " * 200),
        line(id="sgd-7", text="De eerste van twee regels met één id."),
        line(id="sgd-7", text="De tweede."),
        json.dumps(["een", "lijst"]) + "\n",
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(lines)
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[], max_document_bytes=2000)
    store = Store(settings.sqlalchemy_url)
    report = add_each(store, settings, [str(path)], not_loaded)

    assert report.added == ["sgd-1", "sgd-2"]
    failed = {key.rsplit(" ", 1)[-1]: why for key, why in report.failed.items()}
    assert failed == {
        "3": "not JSON (Expecting property name enclosed in double quotes at column 2)",
        "5": "sgd-3: no 'text'",
        "6": "no usable 'id' (letters, digits, '.', '-' and '_', at most 200): 'met spatie'",
        "7": "sgd-4: date '18 mei 1981' is not a date (YYYY-MM-DD)",
        "8": "sgd-5: unknown type 'roman'",
        "9": "sgd-6: 2,600 bytes, over the limit of 2,000 bytes per document (MAX_DOCUMENT_BYTES)",
        "10": f"sgd-7 is also claimed by {path} line 11; none of them was added",
        "11": f"sgd-7 is also claimed by {path} line 10; none of them was added",
        "12": "not a JSON object",
    }
    assert all(key.startswith(f"{path} line ") for key in report.failed)

    page = store.document("sgd-1")
    # the record states what the document is; the page says who asked and answered, and when
    assert (page.doc_type, page.title) == (
        "kamervraag",
        "Vragen over functies bij internationale organisaties",
    )
    assert page.urls == {"bron": "https://zoek.officielebekendmakingen.nl/0000000417"}
    assert page.submitters == ["Van Dam (GPV)", "De Vries (CDA)"]
    assert (page.ministry, page.answered, page.date) == ("Buitenlandse Zaken", *["1994-10-18"] * 2)
    assert page.section("Vraag 5").kind == "qa"
    assert page.source_file == "https://zoek.officielebekendmakingen.nl/0000000417"
    paper = store.document("sgd-2")
    assert (paper.doc_type, paper.date, paper.source_file) == (
        "kamerstuk",
        "1981-05-18",
        str(path.resolve()),
    )

    again = add_each(store, settings, [str(path)], not_loaded)
    assert again.unchanged == ["sgd-1", "sgd-2"] and not again.added


def test_a_damaged_collection_keeps_what_it_could_read(tmp_path: Path) -> None:
    whole = gzip.compress(
        "".join(line(id=f"d-{n}", text=f"Document nummer {n}.") for n in range(200)).encode()
    )
    path = tmp_path / "kapot.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    settings = Settings(data_dir=tmp_path / "data", corpus_dirs=[])
    report = add_each(Store(settings.sqlalchemy_url), settings, [str(path)], not_loaded)
    [(where, why)] = report.failed.items()
    assert where.startswith(f"{path} line ") and why.startswith("unreadable from here on")
    assert 0 < len(report.added) < 200


@pytest.mark.skipif(not SGD.is_dir(), reason="shared/corpora/sgd-historisch is absent")
def test_add_a_sample_of_the_sgd_collection(tmp_path: Path) -> None:
    """Real records through a real `vraagbaak add`: progress bar, summary, then searchable."""
    path = tmp_path / "sgd-sample.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for name, count in (("kamervragen", 10), ("kamerstukken", 2), ("handelingen", 2)):
            with gzip.open(SGD / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
                out.writelines(itertools.islice(handle, count))
    data = tmp_path / "data"
    done = run(data, "add", str(path), env={"VRAAGBAAK_CORPUS": ""})
    assert done.returncode == 0, done.stderr
    assert "Adding sgd-sample.jsonl.gz" in done.stderr  # the progress bar
    assert "14 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 14 documents indexed" in (
        done.stdout
    )
    done = run(
        data,
        "search",
        "--json",
        "Zijn er afspraken met het bedrijfsleven over kandidaten voor functies bij "
        "internationale organisaties?",
        env={"VRAAGBAAK_CORPUS": ""},
    )
    assert done.returncode == 0, done.stderr
    best = json.loads(done.stdout)["results"][0]
    assert (best["doc_id"], best["doc_type"], best["ministry"]) == (
        "sgd-0000000417",
        "kamervraag",
        "Buitenlandse Zaken",
    )
    assert best["section"].startswith("Vraag") and best["question"]
    assert best["url"] == "https://zoek.officielebekendmakingen.nl/0000000417"
