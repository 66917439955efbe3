"""What `vraagbaak add` accepts, turned into Documents: file paths, URLs and publication ids."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from retrieval.documents import Document
from retrieval.parsing import ParseError, parse_bytes, parse_file
from retrieval.parsing.xml_officiele import OWN_ID
from retrieval.settings import Settings
from retrieval.sources.fetch import Fetcher
from retrieval.sources.officiele import fetch_publication

#: An officielebekendmakingen link names its publication: <id>.html or <id>.xml.
_PUBLICATION_URL = re.compile(r"/((?:kv|ah)-tk-[\w-]+)\.(?:html|xml|pdf)$")
#: A URL of any scheme ("file:///etc/passwd", "ftp://…").
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_publication_id(item: str) -> bool:
    return bool(OWN_ID.match(item))


def load_item(item: str, settings: Settings, fetcher: Fetcher) -> Document:
    """A document from a path, a URL (publication links through their XML) or a publication id.

    Its `source_file` is where it was read from: the file's absolute path or the URL. Raises
    ParseError (unreadable content, too large, a URL scheme other than http(s)) or SourceError
    (network).
    """
    if is_publication_id(item):
        return fetch_publication(fetcher, settings.officielebekendmakingen_url, item)
    scheme = urlparse(item).scheme
    if scheme in ("http", "https"):
        path = urlparse(item).path
        if (named := _PUBLICATION_URL.search(path)) and is_publication_id(named[1]):
            return fetch_publication(fetcher, settings.officielebekendmakingen_url, named[1])
        response = fetcher.get(item)
        name = path.rstrip("/").rsplit("/", 1)[-1] or urlparse(item).netloc
        if "html" in response.headers.get("content-type", "") and "." not in name:
            name += ".html"
        return replace(parse_bytes(response.content, name), source_file=item)
    if _URL.match(item):  # file://, ftp://…: only http(s) is fetched
        raise ParseError(
            f"{item}: {scheme}:// URLs are not accepted; give a file path or an http(s) URL"
        )
    return parse_file(Path(item), settings.max_document_bytes)
