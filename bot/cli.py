"""The `vraagbaak` command, and the program's composition root.

`Root` reads the settings once, and builds the database store, the model and the engine once per
process, when a command first needs them; the commands hand them to the core (index, add, remove,
sync, ask, search, eval), the Telegram bot or console chat (bot) and the HTTP service (serve).
Logging is set up here and nowhere else. Heavy modules (torch, the model, FAISS) are imported by
the commands that use them, so `vraagbaak --help` answers at once.

Commands that change documents are writers: they hold the writer's lock in the data directory
(`retrieval.writer`). Commands that answer questions are readers; before loading, they let a
writer do the first-run indexing or finish an interrupted one (`Root.prepare_index`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar, get_args

import typer

from bot.logs import configure_logging, redact
from retrieval.documents import DocType

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.settings import AdapterSettings
    from retrieval.embedding import Embedder
    from retrieval.engine import Engine
    from retrieval.filters import SearchFilter
    from retrieval.ingest import IngestReport
    from retrieval.results import Passage, SearchResult
    from retrieval.settings import Settings
    from retrieval.store import Store
    from retrieval.writer import Writer

log = logging.getLogger("vraagbaak")

#: Exit status when another process holds the writer's lock and --no-wait was given (EX_TEMPFAIL).
BUSY = 75

app = typer.Typer(
    help="Quoted answers from Dutch government documents.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets such as the bot token
)

NoWait = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="Fail at once if another process is changing the index, instead of waiting",
    ),
]


class Root:
    """What a process's commands share, each part built on first use and only once."""

    def __init__(self, command: str = "vraagbaak") -> None:
        self.command = command  # shown to a writer that waits for this one

    @cached_property
    def settings(self) -> Settings:
        from retrieval.settings import Settings

        return _validated(Settings)

    @cached_property
    def adapters(self) -> AdapterSettings:
        from bot.settings import AdapterSettings

        adapters = _validated(AdapterSettings)
        if adapters.telegram_bot_token is not None:
            redact(adapters.telegram_bot_token.get_secret_value())
        return adapters

    @cached_property
    def store(self) -> Store:
        from retrieval.store import Store

        return Store(self.settings.sqlalchemy_url, self.settings.database_setting)

    @cached_property
    def embedder(self) -> Embedder:
        from retrieval.embedding import Embedder

        return Embedder(self.settings.embedding_model, self.settings.embedding_processes)

    @contextmanager
    def writer(self, wait: bool) -> Iterator[Writer]:
        """The writer, holding the lock: waits for another writer, or with `wait` False fails."""
        from retrieval.writer import writing

        with writing(
            self.settings,
            self.store,
            lambda: self.embedder,
            command=self.command,
            wait=wait,
            on_wait=lambda message: typer.echo(message, err=True),
            progress=True,
        ) as writer:
            yield writer

    def prepare_index(self, force: bool = False) -> None:
        """The writer's part of starting a reader: the first run's indexing, or finishing what an
        interrupted writer left, with a progress bar. Skipped when the index is up to date;
        when another writer is at work and there is an index, readers answer from that one."""
        from retrieval.errors import WriterBusy
        from retrieval.generation import Generations, index_status
        from retrieval.parsing import ParseError

        reason = "the index is damaged" if force else index_status(self.settings, self.store)
        if reason is None:
            return
        has_index = Generations(self.settings.index_dir).current() is not None
        try:
            with self.writer(wait=force or not has_index) as writer:
                log.info("Bringing the index up to date: %s", reason)
                writer.seed_if_new()
                writer.publish()
        except WriterBusy as busy:
            log.info("%s Answering from the current index meanwhile.", busy)
        except ParseError as exc:
            raise fail(f"Cannot read the corpus: {exc}") from exc

    def reader(self) -> Engine:
        """A new engine over the index as it is (the web workers' start)."""
        from retrieval.engine import Engine

        return Engine(self.settings, self.embedder, self.store, self.adapters.public_base_url)

    @cached_property
    def engine(self) -> Engine:
        """The engine of a command that answers questions, after `prepare_index`."""
        from retrieval.errors import IndexUnavailable

        self.adapters  # noqa: B018 - a bad adapter setting fails before any indexing
        self.prepare_index()
        try:
            engine = self.reader()
        except IndexUnavailable:
            self.prepare_index(force=True)
            return self.reader()
        if engine.fallback:  # the current generation is damaged: rebuilt, then loaded
            self.prepare_index(force=True)
            engine.reload()
        return engine


SettingsT = TypeVar("SettingsT")


def _validated(settings_class: type[SettingsT]) -> SettingsT:
    from pydantic import ValidationError

    from retrieval.settings import setting_error

    try:
        return settings_class()
    except ValidationError as exc:
        raise setting_error(exc, settings_class) from None  # type: ignore[arg-type]


def root(ctx: typer.Context) -> Root:
    return ctx.ensure_object(Root)


@app.callback()
def main_options(
    ctx: typer.Context, verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False
) -> None:
    configure_logging(logging.INFO if verbose else logging.WARNING)
    ctx.obj = Root(f"vraagbaak {ctx.invoked_subcommand or ''}".strip())


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def main() -> None:
    """The installed entry point: the app, with the problems a person must fix as one line."""
    from retrieval.errors import IndexUnavailable, SettingError, WriterBusy

    try:
        app()
    except (SettingError, IndexUnavailable) as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        sys.exit(1)
    except WriterBusy as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        sys.exit(BUSY)


# --- writers ----------------------------------------------------------------------------------
@app.command()
def index(
    ctx: typer.Context,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--corpus", help="Corpus folder(s) with a manifest.toml; default: VRAAGBAAK_CORPUS"
        ),
    ] = None,
    no_wait: NoWait = False,
) -> None:
    """Add a corpus (the configured one, or --corpus) and bring the index up to date."""
    from retrieval.parsing import ParseError

    r = root(ctx)
    with r.writer(wait=not no_wait) as writer:
        try:
            report = writer.ingest_folders(corpus or r.settings.corpus_dirs)
        except (ParseError, OSError) as exc:
            raise fail(f"Nothing was changed: {exc}") from exc
        finish(report, len(writer.publish().documents))


@app.command()
def add(
    ctx: typer.Context,
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
    no_wait: NoWait = False,
) -> None:
    """Add documents; unchanged ones are left alone, changed ones replaced."""
    from retrieval.sources.fetch import Fetcher
    from retrieval.sources.resolve import load_item

    wanted = [*(items or []), *(ids or [])]
    if not wanted:
        raise fail("Nothing to add: give files, URLs or --id.", code=2)
    r = root(ctx)
    settings = r.settings
    with r.writer(wait=not no_wait) as writer:
        writer.seed_if_new()
        with Fetcher(settings) as fetcher:
            report = writer.add(
                wanted, lambda item: load_item(item, settings, fetcher), replace=replace
            )
        finish(report, len(writer.publish().documents))


@app.command()
def remove(
    ctx: typer.Context,
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids")],
    no_wait: NoWait = False,
) -> None:
    """Remove documents with their passages from the database and the index."""
    with root(ctx).writer(wait=not no_wait) as writer:
        report = writer.remove(doc_ids)
        finish(report, len(writer.publish().documents))


@app.command()
def sync(
    ctx: typer.Context,
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    query: Annotated[str | None, typer.Option(help="Only publications with this text")] = None,
    no_wait: NoWait = False,
) -> None:
    """Fetch the Kamervragen and answers published since a date, and add them."""
    from retrieval.parsing import ParseError
    from retrieval.sources.fetch import SourceError
    from retrieval.sources.sync import sync as sync_sources

    r = root(ctx)
    with r.writer(wait=not no_wait) as writer:
        writer.seed_if_new()
        try:
            report = sync_sources(r.store, r.settings, since.date(), query)
        except (SourceError, ParseError) as exc:
            raise fail(f"Nothing was fetched: {exc}") from exc
        finish(report, len(writer.publish().documents))


#: Documents listed by id per status after index/add/remove/sync; failures are always all listed.
LISTED = 50


def finish(report: IngestReport, documents: int) -> None:
    """Print what changed, and exit 1 when anything failed."""
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
        f"{len(report.failed)} failed; {documents} documents indexed."
    )
    if report.failed:
        raise typer.Exit(1)


# --- readers ----------------------------------------------------------------------------------
class SortOrder(StrEnum):
    relevance = "relevance"
    date = "date"


Since = Annotated[
    str | None,
    typer.Option(
        help="Only documents dated on or after this day (YYYY-MM-DD); undated ones are left out"
    ),
]
Until = Annotated[
    str | None, typer.Option(help="Only documents dated on or before this day (YYYY-MM-DD)")
]
Types = Annotated[
    list[str] | None,
    typer.Option(
        "--type", help=f"Only this document type (repeatable): {', '.join(get_args(DocType))}"
    ),
]
Ministry = Annotated[
    str | None, typer.Option(help="Only documents of this ministry, e.g. 'Buitenlandse Zaken'")
]
Person = Annotated[
    str | None,
    typer.Option(help="Only documents this person asked or answered (a name, e.g. 'Koenders')"),
]
Sorted = Annotated[
    SortOrder,
    typer.Option(
        "--sort", case_sensitive=False, help="date: newest first among the passages that answer"
    ),
]


def search_filter(
    since: str | None,
    until: str | None,
    types: list[str] | None,
    ministry: str | None,
    person: str | None,
) -> SearchFilter:
    """The filter the options ask for; exit 2 with the reason when a value cannot be used (before
    anything is loaded)."""
    from retrieval.filters import FilterError, SearchFilter

    try:
        return SearchFilter.parse(since, until, types, ministry, person)
    except FilterError as exc:
        raise fail(str(exc), code=2) from exc


def undated_note(count: int) -> str:
    return f"({count} document{'s' if count != 1 else ''} without a date left out)"


def run_search(engine: Engine, question: str, filters: SearchFilter | None = None) -> SearchResult:
    from retrieval.errors import QuestionError

    try:
        return engine.search(question, filters=filters)
    except QuestionError as exc:
        raise fail(str(exc), code=2) from exc


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="A question in Dutch or English")],
    since: Since = None,
    until: Until = None,
    types: Types = None,
    ministry: Ministry = None,
    person: Person = None,
) -> None:
    """Answer a question with quotes and their sources."""
    filters = search_filter(since, until, types, ministry, person)
    engine = root(ctx).engine
    result = run_search(engine, question, filters)
    if result.undated_excluded:
        typer.echo(undated_note(result.undated_excluded))
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
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, or - to read one per line")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Number of passages")] = 3,
    since: Since = None,
    until: Until = None,
    types: Types = None,
    ministry: Ministry = None,
    person: Person = None,
    sort: Sorted = SortOrder.relevance,
) -> None:
    """Ranked passages for a question; with '-', one JSON line per question read from stdin."""
    from retrieval.errors import QuestionError

    filters = search_filter(since, until, types, ministry, person)
    engine = root(ctx).engine
    questions = (line for line in sys.stdin if line.strip()) if question == "-" else [question]
    failed = False
    for q in questions:
        try:
            result = engine.search(q, k=k, filters=filters, sort=sort.value)
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
                facts = ", ".join(x for x in (p.date or "undated", p.doc_type) if x)
                typer.echo(
                    f"{p.rank}. [{p.score:.3f}] {p.doc_id} {p.section} ({facts}): "
                    f"{shorten(p.text, 200)}"
                )
            if not result.answered:
                typer.echo("Not found in the documents.")
            if result.undated_excluded:
                typer.echo(undated_note(result.undated_excluded))
    if failed:
        raise typer.Exit(2)


@app.command()
def timeline(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="A topic or question, Dutch or English")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="At most this many documents")] = 20,
    since: Since = None,
    until: Until = None,
    types: Types = None,
    ministry: Ministry = None,
    person: Person = None,
) -> None:
    """The documents that answer a topic, oldest first, each with its best answering quote."""
    from retrieval.errors import QuestionError

    filters = search_filter(since, until, types, ministry, person)
    engine = root(ctx).engine
    try:
        found = engine.timeline(topic, k=k, filters=filters)
    except QuestionError as exc:
        raise fail(str(exc), code=2) from exc
    if as_json:
        typer.echo(json.dumps(found.to_json(), ensure_ascii=False))
        return
    if not found.entries:
        typer.echo("Not found in the documents.")
    for entry in found.entries:
        typer.echo(f"{entry.date}  {entry.title} — {entry.section}")
        typer.echo(textwrap.indent(textwrap.fill(f"“{entry.quote}”", width=96), "  "))
        if entry.ministers:
            typer.echo(f"  {', '.join(entry.ministers)}")
        if entry.link:
            typer.echo(f"  {entry.link}")
        typer.echo()
    if found.undated_excluded:
        typer.echo(undated_note(found.undated_excluded))


@app.command("eval")
def eval_command(
    ctx: typer.Context,
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
    from retrieval.evaluation import evaluate, load_questions

    try:
        questions = load_questions(path)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    engine = root(ctx).engine
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


# --- adapters ---------------------------------------------------------------------------------
@app.command()
def bot(ctx: typer.Context) -> None:
    """Run the Telegram bot (long polling); without TELEGRAM_BOT_TOKEN, a chat on the console."""
    from bot.console import run_console

    r = root(ctx)
    adapters = r.adapters
    if adapters.telegram_bot_token is None:
        run_console(r.engine)
        return
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram.app import run_polling

    configure_logging(logging.INFO)  # the bot's own lines, the token kept out of them
    r.store.check_writable()  # answer buttons and feedback are kept in the database
    engine = r.engine
    try:
        run_polling(adapters, engine)
    except InvalidToken as exc:
        raise fail(f"The Bot API refused TELEGRAM_BOT_TOKEN ({exc}): check the token.") from exc
    except TelegramError as exc:
        where = adapters.telegram_api_base_url or "api.telegram.org"
        raise fail(
            f"Cannot use the Bot API at {where} ({exc}): check TELEGRAM_API_BASE_URL and the "
            "network."
        ) from exc


@app.command()
def serve(
    ctx: typer.Context,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    webhook_url: str | None = None,
) -> None:
    """Run the HTTP service: search API, passage pages and (with a bot token) the webhook.

    --webhook-url is this service's public URL; the bot's webhook is set under it on start.
    """
    from bot.web.serve import run_server

    r = root(ctx)
    configure_logging(logging.INFO)
    if webhook_url is not None:
        if not r.adapters.webhook_enabled:
            raise fail("--webhook-url needs TELEGRAM_BOT_TOKEN and WEBHOOK_SECRET.")
        os.environ["WEBHOOK_URL"] = webhook_url  # for the adapters' settings, in every worker
        r.adapters = r.adapters.model_copy(update={"webhook_url": webhook_url})
    r.prepare_index()  # the first run's indexing, once, before any worker loads
    if r.adapters.webhook_enabled:
        r.store.check_writable()  # answer buttons and feedback are kept in the database
    run_server("bot.cli:web_app" if workers > 1 else service(r), host, port, workers)


def service(r: Root) -> FastAPI:
    from bot.web.app import create_app

    return create_app(r.adapters, r.reader)


def web_app() -> FastAPI:
    """The app factory each worker of `vraagbaak serve --workers N` calls: wired as `serve` is."""
    configure_logging(logging.INFO)
    return service(Root("vraagbaak serve"))
