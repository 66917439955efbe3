"""Fitting the decline model on the corpus itself, when its index is built.

The corpus holds real question -> answer pairs: every Kamervraag's "Vraag N" with its answer,
every question-and-answer page's question with its answer. The short ones, worded as a person
would ask (a probe), are asked twice:

- with their whole document hidden from the search: what "the answer is not here" looks like at
  this corpus size, among this corpus's own distractors;
- with their answer present, but judged without the question's own text (which sits in its
  chunk's context and would match itself word for word): the answer's chunks are embedded and
  tokenised from their title, section and body only. That is what "the answer is here" looks
  like for a question worded apart from its answer, as a person's is.

`DeclineModel.fit` separates the two; its threshold answers `ANSWERED_PROBES` of the probes
whose answer is present. The weights depend on the corpus's size (the best cosine over many
chunks says less than over few), so even a handful of documents is calibrated on its own
questions: short ones first, longer ones too where the short ones are few. The weights are kept
non-negative and small, which keeps a fit on a dozen questions sane.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.answer import ChunkView
from retrieval.decline import DeclineModel, Signals
from retrieval.search import HybridSearcher, Query, clean_question
from retrieval.terms import index_tokens

log = logging.getLogger(__name__)

#: How many probes at most (each costs two searches and an embedding per answer chunk).
MAX_PROBES = 200
#: Below this many short probes, longer questions are taken too; below `MIN_PROBES` in all, the
#: model's default (calibrated on the grown corpus) holds.
ENOUGH_SHORT_PROBES = 40
MIN_PROBES = 8
#: The share of answerable probes the threshold answers, for a Dutch and an English question.
ANSWERED_PROBES = 0.95
ANSWERED_PROBES_ENGLISH = 0.99
#: A probe is as long as a person's question (longer Kamervragen carry a preamble no one asks);
#: a corpus with few of those is calibrated on its longer questions as well.
QUESTION_CHARS = (20, 120)
LONG_QUESTION_CHARS = 400
ANSWER_MIN_CHARS = 80
#: A generation keeps the decline model of the one before while fewer than this share of the
#: documents it was calibrated on have been added, changed or removed since: recalibrating costs
#: ~200 probe searches (half a minute at 40,000 chunks), and a few documents more or less do not
#: move what "not here" looks like.
RECALIBRATE_CHANGED = 0.05
#: Questions that only ask whether the minister has read something ("Bent u bekend met ...").
_FORMALITY = re.compile(
    r"^(?:bent u (?:bekend|op de hoogte)|kent u|heeft u kennis|hebt u kennis|"
    r"heeft u (?:het|de) .{0,60}(?:gelezen|gezien)|kunt u deze vragen)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Probe:
    question: str
    doc_id: str
    rows: tuple[int, ...]  # the chunks of its answer


def probes(
    views: Sequence[ChunkView], limit: int = MAX_PROBES, max_chars: int = QUESTION_CHARS[1]
) -> list[Probe]:
    """The corpus's own answered questions of at most `max_chars`, a deterministic sample of at
    most `limit`."""
    rows_of: dict[tuple[str, str], list[int]] = {}
    for row, view in enumerate(views):
        section = view.section
        if section.kind == "qa" and section.question is not None and section.answered_in is None:
            rows_of.setdefault((view.document.doc_id, section.label), []).append(row)
    found: dict[str, Probe] = {}
    for (doc_id, _), rows in rows_of.items():
        view = views[rows[0]]
        asked = view.section.question
        assert asked is not None
        question = _question_text(asked.of(view.document.text), max_chars)
        answer_chars = sum(len(views[r].chunk.text) for r in rows)
        if question and answer_chars >= ANSWER_MIN_CHARS:
            found.setdefault(question, Probe(question, doc_id, tuple(rows)))
    ordered = sorted(found.values(), key=lambda p: hashlib.sha256(p.question.encode()).digest())
    return ordered[:limit]


def _question_text(raw: str, max_chars: int) -> str | None:
    text = re.sub(r"(?<=[?.!])\d{1,2}\b", "", " ".join(raw.split()))  # footnote markers
    text = re.sub(r"^\d{1,2}[.)]?\s*", "", text)
    if not QUESTION_CHARS[0] <= len(text) <= max_chars or _FORMALITY.match(text):
        return None
    return text


def reusable(record: dict[str, object] | None, profile: str, changed: int) -> dict | None:
    """The calibration record of a generation whose decline model still holds after `changed`
    more documents were added, changed or removed (None: recalibrate); `profile` is the ranking
    profile's key, which must be the one it was calibrated with."""
    if not record or record.get("profile") != profile:
        return None
    total = int(record.get("changed", 0)) + changed  # type: ignore[call-overload]
    if total >= RECALIBRATE_CHANGED * int(record.get("documents", 0)):  # type: ignore[call-overload]
        return None
    return {**record, "changed": total}


def calibrate(searcher: HybridSearcher, views: Sequence[ChunkView]) -> DeclineModel | None:
    """A decline model fitted on this corpus's questions; None when it has too few of them.

    The probes and their answers are embedded in two batches by the searcher's embedder (the
    writer's goes through the embedding cache, so a rebuild embeds nothing twice)."""
    found = probes(views)
    if len(found) < ENOUGH_SHORT_PROBES:
        found = probes(views, max_chars=LONG_QUESTION_CHARS)
    if len(found) < MIN_PROBES:
        log.info("Too few questions in the corpus (%d) to calibrate declining", len(found))
        return None
    answered, declined = probe_signals(searcher, views, found)
    model = DeclineModel.fit(answered, declined, (ANSWERED_PROBES, ANSWERED_PROBES_ENGLISH), "")
    hidden_declined = np.mean(
        [not model.answers(model.probability(Signals(*row)), 0.0) for row in declined]
    )
    fitted = (
        f"{len(found)} questions of this corpus: answers {ANSWERED_PROBES:.0%} of them with their "
        f"answer present, declines {hidden_declined:.0%} with their document hidden"
    )
    log.info("Declining calibrated on %s", fitted)
    return DeclineModel(
        model.weights, model.intercept, model.threshold, model.english_threshold, fitted
    )


def probe_signals(
    searcher: HybridSearcher,
    views: Sequence[ChunkView],
    found: Sequence[Probe],
) -> tuple[np.ndarray, np.ndarray]:
    """The signals of each probe with its answer present, and with its document hidden."""
    rows_of_doc: dict[str, list[int]] = {}
    for row, view in enumerate(views):
        rows_of_doc.setdefault(view.document.doc_id, []).append(row)
    lexical = searcher.bundle.lexical
    answered, declined = [], []
    questions = [clean_question(p.question, LONG_QUESTION_CHARS * 2) for p in found]
    embedder = searcher.embedder
    answers = embedder.encode_documents([t for probe in found for t in _answer_texts(views, probe)])
    offset = 0
    for probe, question, vector in zip(
        found, questions, embedder.encode_queries(questions), strict=True
    ):
        query = searcher.analyse(question, vector)
        hidden = np.asarray(rows_of_doc[probe.doc_id])
        allowed = np.ones(len(views), dtype=bool)
        allowed[hidden] = False
        outside = {
            term
            for term in query.terms.weights
            if lexical.used_outside(lexical.term_id(term), hidden)
        }
        rest = searcher.rank_query(query, allowed).signals
        rest = Signals(rest.dense, rest.key_covered, query.terms.present(outside.__contains__))
        declined.append(rest.vector())
        answer = _answer_signals(
            searcher, query, views, probe, outside, answers[offset : offset + len(probe.rows)]
        )
        offset += len(probe.rows)
        answered.append(Signals.strongest(rest, answer).vector())
    return np.array(answered), np.array(declined)


def _answer_texts(views: Sequence[ChunkView], probe: Probe) -> list[str]:
    """The probe's answer chunks without the question: title, section label and text."""
    return [
        f"{views[r].document.title}\n{views[r].section.label}\n{views[r].chunk.text}"
        for r in probe.rows
    ]


def _answer_signals(
    searcher: HybridSearcher,
    query: Query,
    views: Sequence[ChunkView],
    probe: Probe,
    outside: set[str],
    vectors: np.ndarray,
) -> Signals:
    """The signals of the probe's answer chunks (`vectors`: theirs, read without the probe's
    question); `outside` are the question's terms the rest of the corpus uses."""
    texts = _answer_texts(views, probe)
    chunk = vectors @ query.vector
    sentence, _ = searcher.sentence_scores(query.vector, np.asarray(probe.rows), chunk)
    alpha = searcher.profile.sentence_weight
    tokens = [set(t) for t in index_tokens(texts)]
    key = query.terms.key()
    key_covered = key.covered(lambda term: np.array([term in t for t in tokens]), len(tokens)).max()
    known = outside.union(*tokens)
    return Signals(
        float(((1 - alpha) * chunk + alpha * sentence).max()),
        float(key_covered),
        query.terms.present(known.__contains__),
    )
