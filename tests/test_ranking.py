"""Ranking details that hold at any size: answers before questions still waiting for theirs,
English questions read through the corpus's Dutch words."""

from __future__ import annotations

from pathlib import Path

from retrieval.embedding import Embedder
from retrieval.engine import Engine
from retrieval.parsing import parse_text
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.terms import stem
from retrieval.vocabulary import Vocabulary, english_terms
from retrieval.writer import writing

ASKED = """\
Vragen van het lid Jansen (D66) aan de minister van Landbouw over paardenpaspoorten
(ingezonden 1 oktober 2024).

1. Kunnen buitenlandse slachthuizen controleren of een Nederlands paardenpaspoort echt is?
2. Hoeveel valse paardenpaspoorten zijn er in 2023 ontdekt?
"""

ANSWERED = """\
Antwoord van minister Wiersma (Landbouw) op vragen van het lid Jansen (D66) over
paardenpaspoorten (ontvangen 1 november 2024).

Vraag 1
Kunnen buitenlandse slachthuizen controleren of een Nederlands paardenpaspoort echt is?

Antwoord 1
Buitenlandse slachthuizen hebben kosteloze toegang tot de centrale database, waarin zij de
echtheid van een Nederlands paardenpaspoort kunnen nagaan.

Vraag 2
Hoeveel valse paardenpaspoorten zijn er in 2023 ontdekt?

Antwoord 2
In 2023 zijn twaalf valse paardenpaspoorten ontdekt.
"""

QUESTION = "Kan een slachthuis in het buitenland nagaan of een paardenpaspoort echt is?"


def publish(settings: Settings, embedder: Embedder, text: str, name: str) -> Engine:
    """`text` added as the file `name`, the index brought up to date: a reader over it."""
    store = Store(settings.sqlalchemy_url)
    with writing(settings, store, embedder) as writer:
        writer.ingest([parse_text(text, source_file=name)])
        writer.publish()
    return Engine(settings, embedder, store)


def test_an_answer_outranks_the_question_waiting_for_it(embedder: Embedder, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, corpus_dirs=[])
    waiting = publish(settings, embedder, ASKED, "vraag.txt").search(QUESTION, keep_declined=True)
    assert waiting.results[0].unanswered and waiting.results[0].doc_id == "vraag"

    answered = publish(settings, embedder, ANSWERED, "antwoord.txt")
    best, *rest = answered.search(QUESTION, keep_declined=True).results
    assert best.doc_id == "antwoord" and not best.unanswered
    assert "kosteloze toegang" in best.quote
    assert all(p.unanswered for p in rest if p.doc_id == "vraag")


def test_english_words_are_read_as_the_corpus_dutch_words(embedder: Embedder) -> None:
    texts = [
        "Het paspoort is tien jaar geldig. Een geldig paspoort is nodig.",
        "De verkiezingen voor de gemeenteraad. Bij verkiezingen stemt u.",
    ] * 2
    embed = embedder.encode_documents
    vocabulary = Vocabulary.build(texts, embed, embedder.dimension)
    terms = english_terms("How long is a passport valid?", vocabulary, embed)
    readings = {term for _, rs in terms.words for _, stems in rs for term in stems}
    assert set(stem(["paspoort", "geldig"])) <= readings
    assert not set(stem(["verkiezingen"])) & readings
