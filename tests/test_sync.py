"""`vraagbaak sync` and `add --id` against a real HTTP server on 127.0.0.1 standing in for
officielebekendmakingen, the SRU service and the Tweede Kamer OData API."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from retrieval.settings import Settings
from retrieval.sources.fetch import Fetcher, SourceError
from retrieval.sources.officiele import search_ids
from retrieval.sources.resolve import load_item
from retrieval.sources.sync import sync
from retrieval.sources.tweedekamer import changed_ids
from retrieval.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SINCE = dt.date(2024, 1, 1)


def odata_page(items: list[dict[str, object]], next_link: str | None) -> bytes:
    page: dict[str, object] = {"value": items}
    if next_link:
        page["@odata.nextLink"] = next_link
    return json.dumps(page).encode()


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[Counter[str]] = Counter()
    sru_body: ClassVar[bytes] = b""

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.hits[url.path] += 1
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if url.path == "/odata/Document":
            query = parse_qs(url.query)
            if "page2" in query:
                items = [
                    {
                        "Soort": "Antwoord schriftelijke vragen",
                        "Vergaderjaar": "2023-2024",
                        "Aanhangselnummer": "202320240901",
                        "Zaak": [],
                    }
                ]
                return self.send(odata_page(items, None), "application/json")
            assert "Verwijderd eq false" in query["$filter"][0]
            items = [
                {"Soort": "Schriftelijke vragen", "Zaak": [{"Nummer": "2024Z00001"}]},
                {"Soort": "Schriftelijke vragen", "Zaak": [{"Nummer": "2024Z00500"}]},
                {"Soort": "Schriftelijke vragen", "Zaak": [{"Nummer": "2024Z00502"}]},
                {"Soort": "Schriftelijke vragen", "Zaak": [{"Nummer": "2024Z00503"}]},
            ]
            return self.send(
                odata_page(items, f"{base}/odata/Document?page2=1"), "application/json"
            )
        if url.path == "/sru":
            return self.send(self.sru_body, "text/xml")
        name = url.path.strip("/")
        if name == "kv-tk-2024Z00500.xml":
            return self.send(b"boom", "text/plain", status=500)
        if name == "kv-tk-2024Z00502.xml":
            time.sleep(1.0)
        if name == "kv-tk-2024Z00503.xml":
            return self.send((FIXTURES / "malformed.xml").read_bytes(), "text/xml")
        if name == "ah-tk-20232024-901/metadata.xml":
            return self.send(
                (FIXTURES / "metadata-ah-tk-20232024-901.xml").read_bytes(), "text/xml"
            )
        if name == "zonder-lengte.txt":  # a body without Content-Length, read until closed
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Een notitie over dijken.\n" * 40)
            return None
        if (FIXTURES / name).is_file():
            return self.send((FIXTURES / name).read_bytes(), "text/xml")
        return self.send(b"not found", "text/plain", status=404)

    def send(self, body: bytes, kind: str, status: int = 200) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def settings(server: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        corpus_dirs=[],
        officielebekendmakingen_url=server,
        sru_url=f"{server}/sru",
        tk_odata_url=f"{server}/odata",
        http_timeout=0.3,
        http_retries=1,
    )


def test_odata_pages_give_question_and_answer_ids(settings: Settings) -> None:
    with Fetcher(settings) as fetcher:
        ids = changed_ids(fetcher, settings.tk_odata_url, SINCE)
    assert ids[0] == "kv-tk-2024Z00001"
    assert ids[-1] == "ah-tk-20232024-901"  # from the second page; answers after questions


def test_sync_adds_merges_and_reports_failures(settings: Settings) -> None:
    store = Store(settings.sqlalchemy_url)
    report = sync(store, settings, SINCE)
    # The answer (ah-tk) names its question, so it updates kv-tk-2024Z00001 in place.
    assert report.added == ["kv-tk-2024Z00001"]
    assert report.updated == ["kv-tk-2024Z00001"]
    assert set(report.failed) == {"kv-tk-2024Z00500", "kv-tk-2024Z00502", "kv-tk-2024Z00503"}
    assert "HTTP 500" in report.failed["kv-tk-2024Z00500"]
    assert "timed out" in report.failed["kv-tk-2024Z00502"]
    assert "malformed XML" in report.failed["kv-tk-2024Z00503"]
    assert Handler.hits["/kv-tk-2024Z00500.xml"] == 2  # one retry, then give up
    [(document, _)] = store.documents().values()
    assert document.doc_id == "kv-tk-2024Z00001"
    assert set(document.urls) == {"vraag", "antwoord"}
    assert document.section("Vraag 2").answer_heading == "Antwoord 2 en 3"
    again = sync(store, settings, SINCE)
    assert again.unchanged == ["kv-tk-2024Z00001", "kv-tk-2024Z00001"]
    assert not again.added and not again.updated


def test_add_by_id_and_by_url(settings: Settings, server: str) -> None:
    with Fetcher(settings) as fetcher:
        by_id = load_item("ah-tk-20232024-901", settings, fetcher)
        by_url = load_item(f"{server}/kv-tk-2024Z00001.html", settings, fetcher)
        with pytest.raises(SourceError, match="HTTP 404"):
            load_item("kv-tk-2024Z09999", settings, fetcher)
    assert by_id.doc_id == by_url.doc_id == "kv-tk-2024Z00001"
    assert by_id.submitted == "2024-01-08"
    assert by_id.urls["antwoord"].endswith("/ah-tk-20232024-901.html")


def test_downloads_over_the_size_limit_are_refused(settings: Settings, server: str) -> None:
    small = settings.model_copy(update={"max_document_bytes": 500})
    limit = r"over the limit of 500 bytes per document \(MAX_DOCUMENT_BYTES\)"
    with Fetcher(small) as fetcher:
        with pytest.raises(SourceError, match=rf"kv-tk-2024Z00001\.xml: [\d,]+ bytes, {limit}"):
            load_item(f"{server}/kv-tk-2024Z00001.html", small, fetcher)
        with pytest.raises(
            SourceError, match=rf"zonder-lengte\.txt: [\d,]+ bytes or more, {limit}"
        ):
            load_item(f"{server}/zonder-lengte.txt", small, fetcher)
    with Fetcher(settings) as fetcher:
        assert "dijken" in load_item(f"{server}/zonder-lengte.txt", settings, fetcher).text


SRU_OK = b"""<?xml version="1.0" encoding="UTF-8"?>
<sru:searchRetrieveResponse xmlns:sru="http://docs.oasis-open.org/ns/search-ws/sruResponse"
    xmlns:gzd="http://standaarden.overheid.nl/sru" xmlns:dcterms="http://purl.org/dc/terms/">
  <sru:numberOfRecords>2</sru:numberOfRecords>
  <sru:records>
    <sru:record><sru:recordData><gzd:gzd><gzd:originalData><dcterms:identifier>ah-tk-20232024-901</dcterms:identifier></gzd:originalData></gzd:gzd></sru:recordData></sru:record>
    <sru:record><sru:recordData><gzd:gzd><gzd:originalData><dcterms:identifier>kv-tk-2024Z00001</dcterms:identifier></gzd:originalData></gzd:gzd></sru:recordData></sru:record>
  </sru:records>
</sru:searchRetrieveResponse>"""

SRU_BAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<sru:searchRetrieveResponse xmlns:sru="http://docs.oasis-open.org/ns/search-ws/sruResponse">
  <sru:diagnostics><diag:diagnostic xmlns:diag="http://docs.oasis-open.org/ns/search-ws/diagnostic">
    <diag:uri>info:srw/diagnostic/1/10</diag:uri><diag:message>Query syntax error</diag:message>
  </diag:diagnostic></sru:diagnostics>
</sru:searchRetrieveResponse>"""


def test_sync_with_query_uses_sru(settings: Settings) -> None:
    Handler.sru_body = SRU_OK
    store = Store(settings.sqlalchemy_url)
    report = sync(store, settings, SINCE, query="spyware")
    assert report.added == ["kv-tk-2024Z00001"] and report.updated == ["kv-tk-2024Z00001"]
    Handler.sru_body = SRU_BAD
    with Fetcher(settings) as fetcher, pytest.raises(SourceError, match="Query syntax error"):
        search_ids(fetcher, settings.sru_url, SINCE, "spyware")
