"""What `vraagbaak add` accepts, turned into Documents: file paths, URLs and publication ids."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from retrieval.documents import Document
from retrieval.parsing import parse_bytes, parse_file
from retrieval.parsing.xml_officiele import OWN_ID
from retrieval.settings import Settings
from retrieval.sources.fetch import Fetcher
from retrieval.sources.officiele import fetch_publication

#: An officielebekendmakingen link names its publication: <id>.html or <id>.xml.
_PUBLICATION_URL = re.compile(r"/((?:kv|ah)-tk-[\w-]+)\.(?:html|xml|pdf)$")


def is_publication_id(item: str) -> bool:
    return bool(OWN_ID.match(item))


def load_item(item: str, settings: Settings, fetcher: Fetcher) -> Document:
    """A document from a path, a URL (publication links through their XML) or a publication id.

    Raises ParseError (unreadable content) or SourceError (network).
    """
    if is_publication_id(item):
        return fetch_publication(fetcher, settings.officielebekendmakingen_url, item)
    if urlparse(item).scheme in ("http", "https"):
        path = urlparse(item).path
        if (named := _PUBLICATION_URL.search(path)) and is_publication_id(named[1]):
            return fetch_publication(fetcher, settings.officielebekendmakingen_url, named[1])
        response = fetcher.get(item)
        name = path.rstrip("/").rsplit("/", 1)[-1] or urlparse(item).netloc
        if "html" in response.headers.get("content-type", "") and "." not in name:
            name += ".html"
        return parse_bytes(response.content, name)
    return parse_file(Path(item))
