"""A terminal chat showing the bot's replies as plain text: try vraagbaak without a token.

Reads one question (or /help, /bronnen, /over, /tijdlijn TOPIC) per line from stdin until end
of input.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

from bot.telegram.answers import answer_question, timeline_messages
from bot.telegram.render import about_html, help_html, sources_html, to_plain
from bot.telegram.texts import Lang, text, ui_language

if TYPE_CHECKING:
    from retrieval.engine import Engine

CONSOLE_NAME = "vraagbaak"  # stands in for the bot's @username in the help text


def reply(engine: Engine, line: str, lang: Lang) -> list[str]:
    """The bot's reply to one line, as Telegram HTML messages."""
    command = line.split(maxsplit=1)[0].lower() if line.startswith("/") else ""
    if command in ("/start", "/help"):
        return [help_html(lang, engine.documents(), CONSOLE_NAME)]
    if command in ("/bronnen", "/sources"):
        return sources_html(lang, engine.documents())
    if command in ("/over", "/about"):
        return [about_html(lang)]
    if command in ("/tijdlijn", "/timeline"):
        topic = line[len(command) :].strip()
        return (
            timeline_messages(engine, topic, lang)[0] if topic else [text(lang, "timeline_usage")]
        )
    if command in ("/ask", "/vraag"):
        line = line[len(command) :]
    return [answer_question(engine, line, lang).html]


def run_console(engine: Engine, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Answer each line of `stdin` on `stdout` until end of input (or Ctrl-C)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    lang = ui_language(None, os.environ.get("LANG"))
    interactive = stdin.isatty()
    print(text(lang, "console_intro"), file=stdout)
    try:
        while True:
            if interactive:
                print("\n> ", end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line:
                break
            if line.strip():
                for message in reply(engine, line.strip(), lang):
                    print(f"\n{to_plain(message)}", file=stdout, flush=True)
    except KeyboardInterrupt:
        pass
    print(file=stdout)
