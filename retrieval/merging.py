"""One Kamervraag, two publications: the question (kv-tk-…) and, later, its answer (ah-tk-…).

Both parse to the document of the question (the answer names it), so whichever arrives second
updates that document in place: the version that holds the answers gives the text and sections,
and the links and metadata of both are kept.
"""

from __future__ import annotations

from dataclasses import replace

from retrieval.documents import Document


def question_and_answer(a: Document, b: Document) -> bool:
    """Whether `a` and `b` are the question and the answered version of one Kamervraag: the
    same official question link, and exactly one of them holds the answer."""
    question = a.urls.get("vraag")
    return (
        a.doc_type == b.doc_type == "kamervraag"
        and question is not None
        and question == b.urls.get("vraag")
        and ("antwoord" in a.urls) != ("antwoord" in b.urls)
    )


def merge_versions(stored: Document | None, incoming: Document) -> Document:
    """`incoming` as it should be stored, given the stored version of the same document."""
    if stored is None or stored.doc_type != "kamervraag" or incoming.doc_type != "kamervraag":
        return incoming
    keep_stored = "antwoord" in stored.urls and "antwoord" not in incoming.urls
    base, other = (stored, incoming) if keep_stored else (incoming, stored)
    return replace(
        base,
        urls={**other.urls, **base.urls},
        submitted=base.submitted or other.submitted,
        answered=base.answered or other.answered,
        date=base.date or other.date,
        submitters=base.submitters or other.submitters,
        ministers=base.ministers or other.ministers,
        ministry=base.ministry or other.ministry,
    )
