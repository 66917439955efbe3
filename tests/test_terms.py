"""Lexical terms: Dutch compound parts, question word weights, key words and their presence."""

from __future__ import annotations

import numpy as np

from retrieval.index import LexicalIndex
from retrieval.terms import compound_parts, index_tokens, question_terms, stem


def test_compounds_split_into_their_parts() -> None:
    assert compound_parts("rookgasafvoer") == ("rook", "gas", "afvoer")
    assert compound_parts("defensiebeurs") == ("defensie", "beurs")
    assert compound_parts("paspoortnummer") == ("paspoort", "nummer")  # fewest parts win
    assert compound_parts("rijksoverheid") == ("rijk", "overheid")  # the linking -s- goes


def test_common_and_short_words_stay_whole() -> None:
    assert compound_parts("vergunning") == ()  # not "ver" + "gunning"
    assert compound_parts("kabinet") == ()
    assert compound_parts("nis2") == ()


def test_a_compound_question_finds_the_text_that_names_its_parts() -> None:
    texts = [
        "De afvoer van rookgas uit de ketel moet goed geregeld zijn.",
        "Gas en rook zijn gevaarlijk, schreef de krant.",
        "Een tekst over iets heel anders, de gemeenteraad.",
    ]
    assert set(stem(["rook", "gas", "afvoer"])) <= set(index_tokens(texts)[0])
    index = LexicalIndex.build(texts)
    scores = index.scores(question_terms("Hoe werkt een rookgasafvoer?").weights)
    assert int(np.argmax(scores)) == 0


def test_rare_words_weigh_more_and_name_the_question() -> None:
    terms = question_terms("Komt er een kilometerheffing voor elektrische auto's?")
    weight = {readings[0][1][0]: w for w, readings in terms.words}
    assert weight[stem(["kilometerheffing"])[0]] > weight[stem(["auto"])[0]] > weight["komt"]
    key = terms.key()
    assert stem(["kilometerheffing"])[0] in {r[0][1][0] for _, r in key.words}
    assert "komt" not in {r[0][1][0] for _, r in key.words}


def test_a_word_found_only_through_its_parts_counts_half() -> None:
    terms = question_terms("pensioenhervorming")
    parts = set(stem(["pensioen", "hervorming"]))
    assert terms.present(lambda term: term in parts) == 0.5
    assert terms.present(lambda term: term == stem(["pensioenhervorming"])[0]) == 1.0
    assert terms.present(lambda term: False) == 0.0
