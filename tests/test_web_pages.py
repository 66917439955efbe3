"""The pages people open, served by a real `vraagbaak serve` process."""

from __future__ import annotations

import re

import httpx
from markupsafe import escape

from tests.conftest import WebServer

QUESTION = "Wil Nederland Rusland uitsluiten van INTERPOL?"
INJECTION = '<script>alert("x")</script><b>INTERPOL</b> & "Rusland"'


def meta(page: str, prop: str) -> str:
    match = re.search(rf'<meta property="{prop}" content="([^"]*)">', page)
    assert match, f"no {prop}"
    return match[1]


def test_search_page_without_a_question(web: httpx.Client) -> None:
    page = web.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert re.search(r'<form class="search" method="get" action="[^"]*/"', page.text)
    assert 'name="q"' in page.text and '<meta name="viewport"' in page.text
    assert "<script" not in page.text  # usable without JavaScript: there is none


def test_search_page_shows_quotes_with_sources(web: httpx.Client) -> None:
    page = web.get("/", params={"q": QUESTION}).text
    results = web.get("/api/search", params={"q": QUESTION, "k": 5}).json()["results"]
    assert page.count('<li class="result">') == len(results) == 5
    for passage in results:
        ref = f"{passage['start']}-{passage['end']}"
        assert f"<blockquote>{escape(passage['quote'])}</blockquote>" in page
        assert f'href="/d/{passage["doc_id"]}?p={ref}#p-{ref}"' in page
        assert str(escape(passage["section"])) in page
        if passage["official_url"]:
            assert f'href="{passage["official_url"]}"' in page


def test_html_in_the_question_is_escaped(web: httpx.Client) -> None:
    page = web.get("/", params={"q": INJECTION}).text
    assert "<script>" not in page and "<b>INTERPOL" not in page
    assert str(escape(INJECTION)) in page  # in the title and the search box


def test_unusable_questions_get_a_message(web: httpx.Client) -> None:
    page = web.get("/", params={"q": "x" * 5000})
    assert page.status_code == 400 and 'class="notice"' in page.text
    declined = web.get("/", params={"q": "What is a good recipe for apple pie with cinnamon?"})
    assert "Geen passage in de documenten" in declined.text


def test_passage_page_marks_exactly_the_passage(web: httpx.Client, web_server: WebServer) -> None:
    passage = web.get("/api/search", params={"q": QUESTION, "k": 1}).json()["results"][0]
    ref = f"{passage['start']}-{passage['end']}"
    page = web.get(f"/d/{passage['doc_id']}", params={"p": ref}).text
    assert page.count("<mark") == 1
    assert f'<mark id="p-{ref}">{escape(passage["text"])}</mark>' in page
    # Open Graph: a card with the title, the section and the quoted passage
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:title") == str(escape(f"{passage['title']} — {passage['section']}"))
    description = meta(page, "og:description")
    assert len(description) <= 201 and description.endswith("…")
    assert " ".join(passage["text"].split()).startswith(description[:-1])
    assert meta(page, "og:url") == f"{web_server.base_url}/d/{passage['doc_id']}?p={ref}"


def test_document_page_anchors_every_section(web: httpx.Client) -> None:
    document = web.get("/api/documents/kv-tk-2022Z04503").json()
    page = web.get("/d/kv-tk-2022Z04503").text
    for section in document["sections"]:
        assert f'<span class="anchor" id="{section["anchor"]}"></span>' in page
        assert f'href="#{section["anchor"]}"' in page  # the table of contents
    for url in document["urls"].values():
        assert f'href="{url}"' in page  # the official sources beside the page
    assert "<mark" not in page and meta(page, "og:title") == str(escape(document["title"]))
    visible = re.sub(r"<[^>]+>", "", page.split('<div class="text">')[1].split("</div>")[0])
    assert visible == str(escape(document["text"]))  # the whole text, escaped, nothing added


def test_a_passage_that_is_no_longer_there(web: httpx.Client) -> None:
    for ref in ("999999-1000000", "20-10", "abc", "5-5"):
        page = web.get("/d/kv-tk-2022Z04503", params={"p": ref})
        assert page.status_code == 200 and "<mark" not in page.text
        assert "niet meer in het document" in page.text


def test_unknown_document(web: httpx.Client) -> None:
    page = web.get("/d/does-not-exist", headers={"accept": "text/html"})
    assert page.status_code == 404 and "<h1>404</h1>" in page.text
    api = web.get("/d/does-not-exist")
    assert api.status_code == 404 and api.json()["detail"]


def test_stylesheet(web: httpx.Client) -> None:
    css = web.get("/static/style.css")
    assert css.status_code == 200 and "mark" in css.text


def test_search_page_filters_and_timeline_work_without_script(web: httpx.Client) -> None:
    topic = "export van surveillancetechnologie"
    page = web.get("/", params={"q": topic, "since": "2018-01-01", "sort": "date"}).text
    assert '<details class="filters" open>' in page  # the form shows what was asked
    assert 'name="since" type="date" value="2018-01-01"' in page
    assert '<option value="date" selected>' in page
    assert "1 document zonder datum is weggelaten." in page
    dates = re.findall(r'<time datetime="([\d-]+)">', page)
    assert dates and dates == sorted(dates, reverse=True) and min(dates) >= "2018-01-01"
    assert "<script" not in page and "style=" not in page  # the CSP allows neither inline

    timeline = web.get("/", params={"q": topic, "view": "timeline", "type": "kamervraag"}).text
    assert "Tijdlijn: " in timeline and 'value="kamervraag" checked' in timeline
    assert re.findall(r'<li class="entry">', timeline)
    assert "Massasurveillance door de Oezbeekse overheid" in timeline
    bad = web.get("/", params={"q": topic, "until": "2018-02-30"})
    assert bad.status_code == 400 and "is not a day of the calendar" in bad.text
