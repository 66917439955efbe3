"""Answer quality as the corpus grows: the same questions at the bundled, grown and scale sizes.

    nice -n 10 .venv/bin/python -m bench.bench_quality [--levels bundled,grown] [--model NAME]
        [--signals hybrid,dense,lexical]

For each corpus level (see bench/corpora.py; built once, then only changed text is embedded) and
each question set (../shared/eval/dev.jsonl: questions about the bundled documents;
dev-corpus.jsonl: questions written for the grown corpus; bench/questions/sgd-historisch.jsonl, at
the scale level: our own researcher's questions about historical Kamervragen), every question goes
through
`Engine.search` — what `vraagbaak search --json` prints — and is scored by
`retrieval.evaluation`: hit@1, hit@3 and MRR@10 by language (a hit: a required phrase is in the
passage text), the off-corpus questions declined, the answerable ones declined, and quote
accuracy (the quote itself holds the required phrases, of the passages found). Ranking and
declining are measured apart: hit@k counts every answerable question's ranking. None of these
questions was used to fit anything: fusion weights come from bench/fit_fusion.py and the decline
model is calibrated on each corpus's own questions when its index is built.

A question set is scored only at the levels whose corpus holds its documents (dev-corpus needs
the grown corpus). `--signals dense` or `lexical` ranks by one signal alone, for comparison.
Tables go to stdout and bench/results/quality-<model>.md.
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from bench.corpora import EVAL, LEVELS, RESULTS, VAC, build
from retrieval.engine import Engine
from retrieval.evaluation import Scores, evaluate, load_questions
from retrieval.sentences import sentence_spans
from retrieval.settings import DEFAULT_MODEL, Settings

#: Question files and the levels whose corpus holds their documents; sgd-historisch.jsonl is ours
#: (bench/questions/): researcher's questions about historical Kamervragen, and off-corpus ones.
SETS = {
    EVAL / "dev.jsonl": ("bundled", "grown", "kamervragen", "scale"),
    EVAL / "dev-corpus.jsonl": ("grown", "kamervragen", "scale"),
    Path(__file__).parent / "questions/sgd-historisch.jsonl": ("kamervragen", "scale"),
}


def score(folder: Path, model: str, signals: str, questions: Path) -> Scores:
    settings = Settings(data_dir=folder, embedding_model=model, fusion=signals, database_url=None)
    engine = Engine(settings)
    return evaluate(load_questions(questions), lambda q: engine.search(q, k=10, keep_declined=True))


def row(level: str, name: str, signals: str, scores: Scores) -> list[str]:
    report = scores.to_json()
    by = report["by_language"]
    lang = " ".join(f"{k} {v['hit@1']:.2f}/{v['hit@3']:.2f}" for k, v in sorted(by.items()))
    off = [o for o in scores.outcomes if not o.question.answerable]
    declined = sum(not o.answered for o in off)
    return [
        name,
        level,
        signals,
        f"{report['hit@1']:.2f}",
        f"{report['hit@3']:.2f}",
        f"{report['mrr@10']:.2f}",
        lang,
        f"{declined}/{len(off)}",
        f"{scores.answerable_declined}/{report['n']}",
        f"{scores.quote_accuracy:.2f}",
    ]


def faq_pages(folder: Path, model: str) -> str:
    """The rijksoverheid.nl pages asked their own question: is the page first, and does its quote
    hold the answer's first sentence (which alone holds a person's marked answer on two of
    three such pages)?"""
    engine = Engine(Settings(data_dir=folder, embedding_model=model, database_url=None))
    csv.field_size_limit(1 << 30)
    with VAC.open(encoding="utf-8") as handle:
        pages = list(csv.DictReader(handle))
    first_page = quoted = 0
    for page in pages:
        start, end = sentence_spans(page["reference_answer"])[0]
        opening = " ".join(page["reference_answer"][start:end].split())
        top = engine.search(page["question"], k=1, keep_declined=True).results[0]
        first_page += top.doc_id == page["id"]
        quoted += top.doc_id == page["id"] and opening in " ".join(top.quote.split())
    n = len(pages)
    return (
        f"rijksoverheid.nl pages asked their own question ({n}): the page first "
        f"{first_page / n:.2f}, its quote holds the answer's first sentence {quoted / n:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="bundled,grown")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--signals", default="hybrid")
    args = parser.parse_args()
    levels = [lv for lv in args.levels.split(",") if lv]
    for level in levels:
        if level not in LEVELS:
            parser.error(f"unknown level {level}")
    header = [
        "questions",
        "corpus",
        "signals",
        "hit@1",
        "hit@3",
        "MRR@10",
        "by language (hit@1/@3)",
        "off-corpus declined",
        "answerable declined",
        "quote holds answer",
    ]
    rows = []
    os.environ.pop("MIN_CONFIDENCE", None)
    for level in levels:
        folder = build(level, args.model)
        for questions, where in SETS.items():
            if level not in where:
                continue
            for signals in args.signals.split(","):
                scores = score(folder, args.model, signals, questions)
                rows.append(row(level, questions.stem, signals, scores))
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(r) + " |" for r in sorted(rows, key=lambda r: (r[0], r[2]))]
    )
    if "grown" in levels:
        table += "\n\n" + faq_pages(build("grown", args.model), args.model)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"quality-{Path(args.model).name}.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
