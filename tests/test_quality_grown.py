"""Quality at the grown corpus (bundled + ../shared/corpora Kamervragen and rijksoverheid.nl pages),
built with `vraagbaak add` as bench/corpora.py builds it: no later change may quietly undo it.

The floors are the README's figures (bench/bench_quality.py) less one question of slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import corpora
from retrieval.engine import Engine
from retrieval.evaluation import Scores, evaluate, load_questions
from tests.conftest import SHARED

pytestmark = pytest.mark.skipif(
    not corpora.LIMBURG.exists(), reason="../shared/corpora is not beside the repository"
)


@dataclass(frozen=True)
class Figures:
    hit_at_1: float
    hit_at_3: float
    off_corpus_declined: int
    answerable_declined: int


#: The README's table "Quality as the corpus grows", grown rows.
README = {
    "dev": Figures(0.75, 0.90, 2, 0),
    "dev-corpus": Figures(0.77, 0.87, 6, 0),
}


def scores(engine: Engine, name: str) -> Scores:
    questions = load_questions(SHARED / "eval" / f"{name}.jsonl")
    return evaluate(questions, lambda q: engine.search(q, k=10, keep_declined=True))


@pytest.mark.parametrize("name", sorted(README))
def test_the_grown_corpus_holds_the_readme_figures(grown: Engine, name: str) -> None:
    figures, got = README[name], scores(grown, name)
    slack = 1 / len([o for o in got.outcomes if o.question.answerable])
    assert got.hit_at(1) >= figures.hit_at_1 - slack - 1e-9
    assert got.hit_at(3) >= figures.hit_at_3 - slack - 1e-9
    off = [o for o in got.outcomes if not o.question.answerable]
    assert sum(not o.answered for o in off) >= figures.off_corpus_declined - 1
    assert got.answerable_declined <= figures.answerable_declined + 1


def test_declining_is_calibrated_on_the_corpus_itself(grown: Engine) -> None:
    decline = grown._loaded.searcher.decline
    assert "questions of this corpus" in decline.fitted_on
    assert all(w >= 0 for w in decline.weights)


def test_every_quote_is_verbatim(grown: Engine) -> None:
    for name in README:
        for question in load_questions(SHARED / "eval" / f"{name}.jsonl"):
            for p in grown.search(question.question, k=3, keep_declined=True).results:
                document = grown.document(p.doc_id)
                assert document is not None and document.text[p.span.start : p.span.end] == p.text
                assert p.quote.strip() and p.quote in p.text


def test_the_benchmark_builds_where_it_is_told(tmp_path: Path) -> None:
    files = corpora.grown_files(tmp_path)
    assert len(files) == 86 + 175 and all(f.parent == tmp_path for f in files)
