"""The JSON API through a real `vraagbaak serve` process on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from bot.web.security import TOO_LARGE
from retrieval.embedding import Embedder
from retrieval.engine import Engine
from tests.conftest import WebServer

QUESTION = "Heeft Nederland vergunningen verleend voor surveillancetechnologie naar Oezbekistan?"
OFF_CORPUS = "What is a good recipe for apple pie with cinnamon?"


def assert_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["detail"]


def test_health_and_readiness(web: httpx.Client) -> None:
    assert web.get("/healthz").json() == {"status": "ok"}
    assert web.get("/readyz").json() == {"status": "ready", "documents": 5}


def test_search_is_the_cli_json(
    web: httpx.Client, web_server: WebServer, embedder: Embedder
) -> None:
    """GET /api/search and POST /api/ask give what the engine gives `vraagbaak search --json`."""
    engine = Engine(web_server.settings, embedder, permalink_base=web_server.base_url)
    expected = engine.search(QUESTION, k=4).to_json()
    assert web.get("/api/search", params={"q": QUESTION, "k": 4}).json() == expected
    assert web.post("/api/ask", json={"question": QUESTION, "k": 4}).json() == expected
    assert len(expected["results"]) == 4


def test_results_quote_the_documents_verbatim(web: httpx.Client, web_server: WebServer) -> None:
    result = web.get("/api/search", params={"q": QUESTION, "k": 5}).json()
    assert result["answered"] and result["results"]
    for passage in result["results"]:
        text = web.get(f"/api/documents/{passage['doc_id']}").json()["text"]
        assert text[passage["start"] : passage["end"]] == passage["text"]
        assert passage["quote"] in passage["text"]
        ref = f"{passage['start']}-{passage['end']}"
        assert passage["permalink"] == (
            f"{web_server.base_url}/d/{passage['doc_id']}?p={ref}#p-{ref}"
        )


def test_offset_pages_through_results(web: httpx.Client) -> None:
    first = web.get("/api/search", params={"q": QUESTION, "k": 4}).json()["results"]
    second = web.get("/api/search", params={"q": QUESTION, "k": 2, "offset": 2}).json()["results"]
    assert [p["chunk_id"] for p in second] == [p["chunk_id"] for p in first[2:]]


def test_off_corpus_question_is_declined(web: httpx.Client) -> None:
    result = web.get("/api/search", params={"q": OFF_CORPUS}).json()
    assert result["answered"] is False and result["results"] == []


@pytest.mark.parametrize("k", [0, 51, -1, "drie"])
def test_k_out_of_bounds(web: httpx.Client, k: object) -> None:
    detail = assert_error(web.get("/api/search", params={"q": QUESTION, "k": k}), 422)
    assert detail.startswith("k: ")
    assert_error(web.post("/api/ask", json={"question": QUESTION, "k": k}), 422)


def test_k_at_its_bounds(web: httpx.Client) -> None:
    assert len(web.get("/api/search", params={"q": QUESTION, "k": 1}).json()["results"]) == 1
    assert web.get("/api/search", params={"q": QUESTION, "k": 50}).status_code == 200


@pytest.mark.parametrize("question", ["", "   \n "])
def test_empty_question(web: httpx.Client, question: str) -> None:
    assert_error(web.get("/api/search", params={"q": question}), 422)
    assert_error(web.post("/api/ask", json={"question": question}), 422)


def test_missing_or_malformed_input(web: httpx.Client) -> None:
    assert assert_error(web.get("/api/search"), 422) == "q: Field required"
    bad_json = web.post(
        "/api/ask", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(bad_json, 422)
    assert_error(web.post("/api/ask", json=["a list"]), 422)
    not_utf8 = web.post("/api/ask", content=b"\xff", headers={"content-type": "application/json"})
    assert_error(not_utf8, 400)  # a status the schema lists (the fuzz pass found it missing)
    assert "400" in web.get("/openapi.json").json()["paths"]["/api/ask"]["post"]["responses"]


def test_huge_questions_are_refused_and_the_server_stays_up(
    web: httpx.Client, web_server: WebServer
) -> None:
    huge = "spyware " * 12_500  # 100 kB
    # httpx refuses URLs this long; http.client sends them as they are
    url = urlsplit(web_server.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request("GET", "/api/search?" + urlencode({"q": huge}))
    raw = connection.getresponse()
    body = raw.read()
    connection.close()
    assert raw.status == 422 and raw.getheader("content-type") == "application/json"
    detail = json.loads(body)["detail"]
    assert "4,096" in detail and huge[:100] not in detail
    assert_error(web.post("/api/ask", json={"question": huge}), 422)
    too_big = web.post("/api/ask", json={"question": "x" * 2_000_000})
    assert assert_error(too_big, 413) == TOO_LARGE
    assert web.get("/healthz").status_code == 200
    assert web_server.process.poll() is None


def test_documents(web: httpx.Client) -> None:
    documents = web.get("/api/documents").json()
    assert len(documents) == 5
    by_id = {d["doc_id"]: d for d in documents}
    kamervraag = by_id["kv-tk-2022Z04503"]
    assert kamervraag["doc_type"] == "kamervraag"
    assert kamervraag["url"] == kamervraag["urls"]["antwoord"]
    vraag_3 = next(s for s in kamervraag["sections"] if s["label"] == "Vraag 3")
    assert (
        vraag_3["anchor"] == "vraag-3" and vraag_3["question"]["start"] < vraag_3["body"]["start"]
    )
    assert all("text" not in d and "source_file" not in d for d in documents)

    full = web.get("/api/documents/kv-tk-2022Z04503").json()
    assert full["sections"] == kamervraag["sections"]
    body = vraag_3["body"]
    assert full["text"][body["start"] : body["end"]].strip()


def test_unknown_document_and_route(web: httpx.Client) -> None:
    assert assert_error(web.get("/api/documents/does-not-exist"), 404) == "No such document."
    assert_error(web.get("/api/nothing-here"), 404)
    assert_error(web.delete("/api/search"), 405)


def test_openapi_docs(web: httpx.Client) -> None:
    assert "swagger" in web.get("/docs").text.lower()
    schema = web.get("/openapi.json").json()
    assert {"/api/search", "/api/ask", "/api/documents", "/api/documents/{doc_id}"} <= set(
        schema["paths"]
    )
    assert not any(path.startswith(("/telegram", "/d/")) for path in schema["paths"])
    assert "PassageOut" in schema["components"]["schemas"]


TOPIC = "export van surveillancetechnologie"


def test_search_filters_are_query_parameters(
    web: httpx.Client, web_server: WebServer, embedder: Embedder
) -> None:
    params = {"q": TOPIC, "k": 3, "since": "2019-01-01", "type": ["kamerbrief"], "sort": "date"}
    result = web.get("/api/search", params=params).json()
    assert result["filters"]["since"] == "2019-01-01" and result["sort"] == "date"
    assert {r["doc_type"] for r in result["results"]} == {"kamerbrief"}
    assert len(result["results"]) == 3
    body = {
        "question": TOPIC,
        "k": 3,
        "since": "2019-01-01",
        "type": ["kamerbrief"],
        "sort": "date",
    }
    assert web.post("/api/ask", json=body).json() == result
    dated = web.get("/api/search", params={"q": TOPIC, "until": "2018-12-31"}).json()
    assert dated["undated_excluded"] == 1
    assert {r["doc_id"] for r in dated["results"]} == {"kv-tk-2017Z04681"}
    person = web.get("/api/search", params={"q": TOPIC, "person": "Kaag", "k": 2}).json()
    assert {r["doc_id"] for r in person["results"]} == {"kv-tk-2019Z15231"}


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"since": "2019-1-1"}, "since must be a date written YYYY-MM-DD"),
        ({"until": "2019-02-30"}, "until: 2019-02-30 is not a day of the calendar."),
        ({"since": "2020-01-01", "until": "2019-01-01"}, "since (2020-01-01) is after until"),
        ({"type": "brief"}, "Unknown document type 'brief'"),
        ({"sort": "oldest"}, "sort: Input should be 'relevance' or 'date'"),
        ({"person": "x" * 300}, "person: String should have at most 200 characters"),
    ],
)
def test_malformed_filters_are_422(web: httpx.Client, params: dict, detail: str) -> None:
    for path in ("/api/search", "/api/timeline"):
        if path == "/api/timeline" and "sort" in params:
            continue
        assert assert_error(web.get(path, params={"q": TOPIC, **params}), 422).startswith(detail)


def test_timeline_is_the_cli_json(
    web: httpx.Client, web_server: WebServer, embedder: Embedder
) -> None:
    engine = Engine(web_server.settings, embedder, permalink_base=web_server.base_url)
    expected = engine.timeline(TOPIC, k=10).to_json()
    found = web.get("/api/timeline", params={"q": TOPIC, "k": 10}).json()
    assert found == expected
    ids = [e["doc_id"] for e in found["entries"]]
    assert ids.index("kv-tk-2017Z04681") < ids.index("kv-tk-2019Z15231")
    assert assert_error(web.get("/api/timeline", params={"q": TOPIC, "k": 101}), 422)
    assert web.get("/api/timeline", params={"q": OFF_CORPUS}).json()["entries"] == []
