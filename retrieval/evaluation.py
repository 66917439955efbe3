"""Scoring a question file (the format of shared/eval/dev.jsonl) against the search engine."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.results import Passage, SearchResult


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    lang: str
    answerable: bool
    must_contain: tuple[str, ...] = ()


@dataclass
class Outcome:
    question: EvalQuestion
    rank: int | None  # first rank whose passage holds every required phrase (answerable only)
    answered: bool  # False: the engine declined the question
    quoted: bool = False  # the found passage's quote (answering sentences) holds the phrases too


@dataclass
class Scores:
    outcomes: list[Outcome] = field(default_factory=list)

    def _answerable(self, lang: str | None) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.question.answerable and (lang is None or o.question.lang == lang)
        ]

    def hit_at(self, k: int, lang: str | None = None) -> float:
        rows = self._answerable(lang)
        return sum(o.rank is not None and o.rank <= k for o in rows) / len(rows) if rows else 0.0

    def mrr(self, lang: str | None = None, cutoff: int = 10) -> float:
        rows = self._answerable(lang)
        total = sum(1 / o.rank for o in rows if o.rank is not None and o.rank <= cutoff)
        return total / len(rows) if rows else 0.0

    @property
    def quote_accuracy(self) -> float:
        """Of the answerable questions whose passage was found, how many quotes hold the answer."""
        found = [o for o in self._answerable(None) if o.rank is not None]
        return sum(o.quoted for o in found) / len(found) if found else 0.0

    @property
    def decline_accuracy(self) -> float:
        rows = [o for o in self.outcomes if not o.question.answerable]
        return sum(not o.answered for o in rows) / len(rows) if rows else 1.0

    @property
    def answerable_declined(self) -> int:
        return sum(not o.answered for o in self._answerable(None))

    def languages(self) -> list[str]:
        return sorted({o.question.lang for o in self._answerable(None)})

    def to_json(self) -> dict[str, object]:
        by_lang = {
            lang: {
                "n": len(self._answerable(lang)),
                "hit@1": self.hit_at(1, lang),
                "hit@3": self.hit_at(3, lang),
                "mrr@10": self.mrr(lang),
            }
            for lang in self.languages()
        }
        return {
            "n": len(self._answerable(None)),
            "hit@1": self.hit_at(1),
            "hit@3": self.hit_at(3),
            "mrr@10": self.mrr(),
            "by_language": by_lang,
            "quote_accuracy": self.quote_accuracy,
            "decline_accuracy": self.decline_accuracy,
            "answerable_declined": self.answerable_declined,
            "misses": [
                {"id": o.question.id, "rank": o.rank, "answered": o.answered}
                for o in self.outcomes
                if (o.question.answerable and (o.rank != 1 or not o.answered))
                or (not o.question.answerable and o.answered)
            ],
        }


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                EvalQuestion(
                    id=str(row.get("id", n)),
                    question=row["question"],
                    lang=row.get("lang", "nl"),
                    answerable=bool(row.get("answerable", True)),
                    must_contain=tuple(row.get("must_contain", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a question record ({exc})") from exc
    return questions


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def first_hit(result: SearchResult, must_contain: tuple[str, ...]) -> Passage | None:
    """The first passage that contains every required phrase (whitespace-insensitive)."""
    return next((p for p in result.results if _contains(p.text, must_contain)), None)


def _contains(text: str, phrases: tuple[str, ...]) -> bool:
    squashed = _squash(text)
    return all(_squash(p) in squashed for p in phrases)


def evaluate(questions: list[EvalQuestion], search: Callable[[str], SearchResult]) -> Scores:
    """Ranking quality (hit@k, MRR) and declining, measured apart.

    `search` should return the ranking even for questions it declines (`answered=False`), so
    a declined answerable question shows as declined, not also as a ranking miss.
    """
    scores = Scores()
    for q in questions:
        result = search(q.question)
        hit = first_hit(result, q.must_contain) if q.answerable else None
        quoted = hit is not None and _contains(hit.quote, q.must_contain)
        scores.outcomes.append(Outcome(q, hit.rank if hit else None, result.answered, quoted))
    return scores
