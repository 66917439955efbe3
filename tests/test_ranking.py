"""Ranking details that hold at any size: answers before questions still waiting for theirs,
English questions read through the corpus's Dutch words."""

from __future__ import annotations

from pathlib import Path

from retrieval.engine import Engine
from retrieval.ingest import ingest_documents
from retrieval.parsing import parse_text
from retrieval.settings import Settings
from retrieval.terms import stem
from retrieval.vocabulary import Vocabulary, english_terms

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


def test_an_answer_outranks_the_question_waiting_for_it(engine: Engine, tmp_path: Path) -> None:
    mine = Engine(Settings(data_dir=tmp_path, corpus_dirs=[]), embedder=engine.embedder)
    ingest_documents(mine.store, mine.settings, [parse_text(ASKED, source_file="vraag.txt")])
    mine.reload()
    waiting = mine.search(QUESTION, keep_declined=True).results[0]
    assert waiting.unanswered and waiting.doc_id == "vraag"

    ingest_documents(mine.store, mine.settings, [parse_text(ANSWERED, source_file="antwoord.txt")])
    mine.reload()
    best, *rest = mine.search(QUESTION, keep_declined=True).results
    assert best.doc_id == "antwoord" and not best.unanswered
    assert "kosteloze toegang" in best.quote
    assert all(p.unanswered for p in rest if p.doc_id == "vraag")


def test_english_words_are_read_as_the_corpus_dutch_words(engine: Engine) -> None:
    texts = [
        "Het paspoort is tien jaar geldig. Een geldig paspoort is nodig.",
        "De verkiezingen voor de gemeenteraad. Bij verkiezingen stemt u.",
    ] * 2
    embed = engine.embedder.encode_documents
    vocabulary = Vocabulary.build(texts, embed, engine.embedder.dimension)
    terms = english_terms("How long is a passport valid?", vocabulary, embed)
    readings = {term for _, rs in terms.words for _, stems in rs for term in stems}
    assert set(stem(["paspoort", "geldig"])) <= readings
    assert not set(stem(["verkiezingen"])) & readings
