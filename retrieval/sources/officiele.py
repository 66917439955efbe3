"""officielebekendmakingen: a publication's XML and metadata by id, and SRU search for ids.

Publications live at `<base>/<id>.xml`, their metadata at `<base>/<id>/metadata.xml`. The SRU
service answers a bad query with HTTP 200 and `<diagnostics>`, which is raised as an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from lxml import etree

from retrieval.documents import Document
from retrieval.parsing import ParseError
from retrieval.parsing.xml_officiele import OWN_ID, parse, read_metadata, read_xml
from retrieval.sources.fetch import Fetcher, SourceError

SRU_PAGE = 100
#: The publications that hold Kamervragen and their answers.
PUBLICATIONS = ("Kamervragen (Tweede Kamer)", "Aanhangsel van de Handelingen")


def fetch_publication(fetcher: Fetcher, base_url: str, doc_id: str) -> Document:
    """The Kamervraag or Aanhangsel `doc_id` (kv-tk-…, ah-tk-…), parsed with its metadata."""
    base = base_url.rstrip("/")
    url = f"{base}/{doc_id}.xml"
    data = fetcher.get(url).content
    try:
        meta_xml = fetcher.get(f"{base}/{doc_id}/metadata.xml").content
        metadata = read_metadata(read_xml(meta_xml, f"{doc_id}/metadata.xml"))
    except (SourceError, ParseError):  # the publication itself is enough; metadata only adds
        metadata = {}
    return replace(parse(data, f"{doc_id}.xml", metadata), source_file=url)


def search_ids(fetcher: Fetcher, sru_url: str, since: dt.date, text: str | None) -> list[str]:
    """Ids of Kamervragen and Aanhangsels available since `since` (matching `text`), via SRU."""
    names = " OR ".join(f'w.publicatienaam=="{name}"' for name in PUBLICATIONS)
    query = f"c.product-area==officielepublicaties AND ({names}) AND dt.available>={since}"
    if text:
        query += ' AND cql.textAndIndexes="{}"'.format(text.replace('"', " "))
    ids: list[str] = []
    start = 1
    while True:
        params = {
            "operation": "searchRetrieve",
            "version": "2.0",
            "recordSchema": "gzd",
            "query": query,
            "startRecord": str(start),
            "maximumRecords": str(SRU_PAGE),
        }
        root = read_xml(fetcher.get(sru_url, params).content, "SRU response")
        for diagnostic in root.iter("{*}diagnostic"):
            why = _local(diagnostic, "message") + _local(diagnostic, "details") or ["no reason"]
            raise SourceError(f"SRU refused the query: {'; '.join(why)}")
        for record in root.iter("{*}recordData"):
            found = [i for i in _local(record, "identifier") if OWN_ID.match(i)]
            ids.extend(found[:1])
        following = _local(root, "nextRecordPosition")
        if not following or int(following[0]) <= start:
            return list(dict.fromkeys(ids))
        start = int(following[0])


def _local(element: etree._Element, name: str) -> list[str]:
    """Texts of the descendants named `name` in any namespace."""
    return [" ".join(e.text.split()) for e in element.iter(f"{{*}}{name}") if e.text]
