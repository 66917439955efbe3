"""Lexical terms: Dutch compound parts, question word weights, key words and their presence."""

from __future__ import annotations

import bm25s
import numpy as np

from retrieval.index import LexicalIndex
from retrieval.terms import compound_parts, index_tokens, question_terms, stem
from retrieval.vocabulary import Vocabulary


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


def test_bm25_scores_are_bm25s_and_rows_change_in_place() -> None:
    """The postings index scores as bm25s does (Lucene's BM25), and dropping and adding rows
    gives the index built anew over the same rows."""
    texts = [
        "De minister antwoordt dat de subsidie voor de consulenten wordt voortgezet.",
        "Het gymnastieklokaal in Raamsdonk krijgt een urgentieverklaring van de minister.",
        "De sinterfabriek stoot circa 24 gram dioxine per jaar uit.",
        "Een rookgasafvoer voert rookgas af; de minister kent het rapport.",
        "De subsidie voor plattelandsvrouwen wordt niet beëindigd.",
    ]
    weights = question_terms("Wordt de subsidie van de minister voortgezet?").weights
    ours = LexicalIndex.build(texts)
    reference = bm25s.BM25()
    reference.index(index_tokens(texts), show_progress=False)
    expected = np.zeros(len(texts), dtype=np.float32)
    matrix = reference.scores
    for term, weight in weights.items():
        if (term_id := reference.vocab_dict.get(term)) is not None:
            lo, hi = matrix["indptr"][term_id], matrix["indptr"][term_id + 1]
            expected[matrix["indices"][lo:hi]] += weight * matrix["data"][lo:hi]
    assert np.allclose(ours.scores(weights), expected, atol=1e-5) and expected.max() > 0
    keep = np.array([True, False, True, True, False])
    updated = ours.updated(keep, [texts[1], "Een nieuwe tekst over subsidie."])
    anew = LexicalIndex.build(
        [texts[0], texts[2], texts[3], texts[1], "Een nieuwe tekst over subsidie."]
    )
    assert np.allclose(updated.scores(weights), anew.scores(weights))
    assert ours.updated(np.array([True] * 4 + [False]), []).term_id("plattelandsvrouw") is None


def test_postings_updated_in_place_score_as_an_index_built_anew() -> None:
    """Rows dropped and added over many updates, against an index of the same texts built anew:
    every term scores every row alike."""
    rng = np.random.default_rng(3)
    pool = [
        "minister",
        "subsidie",
        "dioxine",
        "sinterfabriek",
        "gemeente",
        "paspoort",
        "rookgas",
        "kamer",
        "vraag",
    ]

    def text() -> str:
        return " ".join(rng.choice(pool, size=int(rng.integers(1, 9))))

    texts = [text() for _ in range(12)]
    index = LexicalIndex.build(texts)
    for _ in range(25):
        keep = rng.random(len(texts)) > 0.3
        added = [text() for _ in range(int(rng.integers(0, 4)))]
        if rng.random() < 0.2:
            added.append(f"nieuw{rng.integers(100)} woord")
        texts = [t for t, k in zip(texts, keep, strict=True) if k] + added
        index = index.updated(keep, added)
        anew = LexicalIndex.build(texts)
        assert index.size == len(texts) and np.array_equal(index.lengths, anew.lengths)
        for term in set(index.terms) | set(anew.terms):
            assert np.allclose(index.scores({term: 1.0}), anew.scores({term: 1.0}), atol=1e-6)
            assert (index.term_id(term) is None) == (anew.term_id(term) is None)


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


def test_a_vocabulary_updated_holds_the_words_one_built_anew_holds() -> None:
    """Words counted out and in over several updates: the same stems, each by the same form with
    the same vector, as a vocabulary built from the resulting texts; only new forms embedded."""
    rng = np.random.default_rng(5)
    pool = [
        "paspoort",
        "paspoorten",
        "geldig",
        "geldige",
        "minister",
        "ministers",
        "subsidie",
        "dioxine",
        "gemeente",
        "gemeenten",
    ]
    vectors = {word: rng.standard_normal(8).astype(np.float32) for word in pool}
    embedded: list[str] = []

    def embed(words: list[str]) -> np.ndarray:
        embedded.extend(words)
        return np.array([vectors[w] for w in words])

    def text() -> str:
        return " ".join(rng.choice(pool, size=int(rng.integers(2, 7))))

    texts = [text() for _ in range(10)]
    vocabulary = Vocabulary.build(texts, embed, 8)
    for _ in range(15):
        keep = rng.random(len(texts)) > 0.3
        added = [text() for _ in range(int(rng.integers(0, 4)))]
        gone = [t for t, k in zip(texts, keep, strict=True) if not k]
        texts = [t for t, k in zip(texts, keep, strict=True) if k] + added
        before = set(vocabulary.words)
        embedded.clear()
        vocabulary = vocabulary.updated(gone, added, embed)
        assert set(embedded) <= set(vocabulary.words) - before
        anew = Vocabulary.build(texts, lambda words: np.array([vectors[w] for w in words]), 8)
        assert dict(zip(vocabulary.stems, vocabulary.words, strict=True)) == dict(
            zip(anew.stems, anew.words, strict=True)
        )
        assert (vocabulary.counts, vocabulary.common) == (anew.counts, anew.common)
        for word, vector in zip(vocabulary.words, vocabulary.vectors, strict=True):
            assert np.array_equal(vector, vectors[word])
