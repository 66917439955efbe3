"""`vraagbaak` commands of the retrieval core: index, add, remove, sync, ask, search, eval.

Thin by design: each command parses its arguments, calls the Engine and prints. The adapters add
their own commands (`bot`, `serve`) in `bot/cli.py`, which is the installed entry point.
"""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from retrieval.engine import Engine, get_engine
from retrieval.evaluation import evaluate, load_questions
from retrieval.ingest import IngestReport, ingest_folders, remove_documents
from retrieval.parsing import ParseError
from retrieval.results import Passage, QuestionError, SearchResult
from retrieval.settings import Settings, get_settings
from retrieval.sources.batch import add_each
from retrieval.sources.fetch import Fetcher, SourceError
from retrieval.sources.resolve import load_item
from retrieval.sources.sync import sync as sync_sources

app = typer.Typer(
    help="Quoted answers from Dutch government documents.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets such as the bot token
)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def engine_or_exit(settings: Settings | None = None) -> Engine:
    try:
        return get_engine(settings, progress=True)
    except ParseError as exc:
        raise fail(f"Cannot read the corpus: {exc}") from exc


@app.command()
def index(
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="Corpus folder(s) with a manifest.toml")
    ] = None,
) -> None:
    """Build or refresh the index (only new or changed text is embedded)."""
    settings = get_settings()
    engine = engine_or_exit(settings)
    try:
        report = ingest_folders(engine.store, settings, corpus or settings.corpus_dirs)
    except (ParseError, OSError) as exc:
        raise fail(f"Nothing was changed: {exc}") from exc
    finish(engine, report)


@app.command()
def add(
    items: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files (text, HTML, PDF, officielebekendmakingen XML, JSONL collections) or URLs"
        ),
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option("--id", help="A publication id to fetch: kv-tk-2017Z04681, ah-tk-…"),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Replace stored documents of the same id read from elsewhere"
        ),
    ] = False,
) -> None:
    """Add documents; unchanged ones are left alone, changed ones replaced."""
    wanted = [*(items or []), *(ids or [])]
    if not wanted:
        raise fail("Nothing to add: give files, URLs or --id.", code=2)
    settings = get_settings()
    engine = engine_or_exit(settings)
    with Fetcher(settings) as fetcher:
        report = add_each(
            engine.store,
            settings,
            wanted,
            lambda item: load_item(item, settings, fetcher),
            replace=replace,
            progress=True,
        )
    finish(engine, report)


@app.command()
def remove(doc_ids: Annotated[list[str], typer.Argument(help="Document ids")]) -> None:
    """Remove documents with their passages from the database and the index."""
    engine = engine_or_exit()
    finish(engine, remove_documents(engine.store, doc_ids))


@app.command()
def sync(
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    query: Annotated[str | None, typer.Option(help="Only publications with this text")] = None,
) -> None:
    """Fetch the Kamervragen and answers published since a date, and add them."""
    settings = get_settings()
    engine = engine_or_exit(settings)
    try:
        report = sync_sources(engine.store, settings, since.date(), query)
    except (SourceError, ParseError) as exc:
        raise fail(f"Nothing was fetched: {exc}") from exc
    finish(engine, report)


#: Documents listed by id per status after add/remove/sync; failures are always all listed.
LISTED = 50


def finish(engine: Engine, report: IngestReport) -> None:
    """Index what changed, print the report, and exit 1 when anything failed."""
    if report.changed:
        engine.reload(progress=True)
    for status in ("added", "updated", "removed"):
        doc_ids = getattr(report, status)
        for doc_id in doc_ids[:LISTED]:
            typer.echo(f"{status:<10}{doc_id}")
        if len(doc_ids) > LISTED:
            typer.echo(f"{status:<10}… and {len(doc_ids) - LISTED:,} more")
    for item, why in report.failed.items():
        typer.secho(f"{'failed':<10}{item}: {why}", err=True, fg=typer.colors.RED)
    typer.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed, "
        f"{len(report.failed)} failed; {len(engine.documents())} documents indexed."
    )
    if report.failed:
        raise typer.Exit(1)


def run_search(engine: Engine, question: str, k: int | None = None) -> SearchResult:
    try:
        return engine.search(question, k=k)
    except QuestionError as exc:
        raise fail(str(exc), code=2) from exc


@app.command()
def ask(question: Annotated[str, typer.Argument(help="A question in Dutch or English")]) -> None:
    """Answer a question with quotes and their sources."""
    engine = engine_or_exit()
    result = run_search(engine, question)
    if not result.answered:
        titles = "; ".join(d.title for d in engine.documents())
        typer.echo(f"Not found in the documents. They cover: {titles}")
        return
    best, *more = result.results
    typer.echo(format_passage(best))
    if more:
        typer.echo("\nAlso:")
        for p in more:
            typer.echo(f"  {p.rank}. {p.title} — {p.section}: {shorten(p.quote, 160)}")
            typer.echo(f"     {p.link or ''}".rstrip())


def format_passage(p: Passage) -> str:
    quote = textwrap.fill(f"“{p.quote}”", width=100, subsequent_indent=" ")
    section = p.section + (f" / {p.answer_heading}" if p.answer_heading else "")
    source = ", ".join(x for x in (p.title, section, p.date) if x)
    lines = [quote, f"  — {source}"]
    if p.ministers:
        lines.append(f"    {', '.join(p.ministers)}")
    if p.link:
        lines.append(f"    {p.link}")
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    return textwrap.shorten(text, width=width, placeholder=" …")


@app.command()
def search(
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Number of passages")] = 3,
) -> None:
    """Ranked passages for a question; with '-', one JSON line per question read from stdin."""
    engine = engine_or_exit()
    questions = (line for line in sys.stdin if line.strip()) if question == "-" else [question]
    failed = False
    for q in questions:
        try:
            result = engine.search(q, k=k)
        except QuestionError as exc:
            if question != "-":
                raise fail(str(exc), code=2) from exc
            failed = True
            typer.echo(json.dumps({"question": q.strip(), "error": str(exc)}, ensure_ascii=False))
            continue
        if as_json or question == "-":
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            for p in result.results:
                typer.echo(
                    f"{p.rank}. [{p.score:.3f}] {p.doc_id} {p.section}: {shorten(p.text, 200)}"
                )
            if not result.answered:
                typer.echo("Not found in the documents.")
    if failed:
        raise typer.Exit(2)


@app.command("eval")
def eval_command(
    path: Annotated[
        Path, typer.Argument(help="Question file (.jsonl)", exists=True, dir_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Score a question file: hit@1, hit@3, MRR@10 by language, and decline accuracy.

    Ranking and declining are scored apart: hit@k counts the ranking of every answerable
    question; the last lines count the off-corpus questions declined and the answerable ones
    declined by mistake.
    """
    try:
        questions = load_questions(path)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    engine = engine_or_exit()
    scores = evaluate(questions, lambda q: engine.search(q, k=10, keep_declined=True))
    report = scores.to_json()
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'language':<10}{'n':>4}{'hit@1':>8}{'hit@3':>8}{'MRR@10':>8}")
    for lang, row in report["by_language"].items():
        typer.echo(
            f"{lang:<10}{row['n']:>4}{row['hit@1']:>8.2f}{row['hit@3']:>8.2f}{row['mrr@10']:>8.2f}"
        )
    typer.echo(
        f"{'all':<10}{report['n']:>4}{report['hit@1']:>8.2f}{report['hit@3']:>8.2f}{report['mrr@10']:>8.2f}"
    )
    typer.echo(f"quotes holding the answer (of passages found): {scores.quote_accuracy:.2f}")
    typer.echo(
        f"declined off-corpus: {scores.decline_accuracy:.2f}; "
        f"answerable declined: {scores.answerable_declined}"
    )
    for miss in report["misses"]:
        typer.echo(f"  miss {miss['id']}: rank {miss['rank']}, answered {miss['answered']}")
