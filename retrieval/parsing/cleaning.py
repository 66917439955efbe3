"""Text cleaning shared by the format parsers.

Cleaning may move, join or drop whole lines (page furniture, bullets, duplicate captions) but never
changes a word: every quote we show must be findable in the source document.
"""

from __future__ import annotations

import re

_BLANK_RUNS = re.compile(r"\n{3,}")
# A paragraph that stops mid-sentence (no closing punctuation) and a next paragraph that starts in
# lower case are one sentence cut by a page break.
_PAGE_BROKEN = re.compile(r"(?<=[^\s.?!:;)\]”’'\"])\n\n(?=[a-zà-ÿ])")


def normalize(raw: str) -> str:
    """Unify line ends, drop trailing whitespace, a BOM and runs of blank lines."""
    text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return collapse_blank_lines(text)


def collapse_blank_lines(text: str) -> str:
    """At most one blank line between paragraphs, none at either end."""
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def join_page_broken_sentences(text: str) -> str:
    """Rejoin sentences a page break split in two ("aan een\\n\\nvergunningplicht?")."""
    return _PAGE_BROKEN.sub(" ", text)


def unwrap_lines(lines: list[str]) -> str:
    """Join the hard-wrapped lines of one paragraph with spaces, and hyphenated line ends.

    A line ending in a letter plus "-" before a lower-case line is a word split by wrapping
    ("verant-" + "woordelijk"): the hyphen goes. Before an upper-case line ("EU-" + "Lidstaten")
    the hyphen belongs to the word and stays, without a space.
    """
    joined = ""
    for line in (part.strip() for part in lines):
        if not line:
            continue
        if re.search(r"[^\W\d_]-$", joined):
            joined = (joined[:-1] if line[0].islower() else joined) + line
        else:
            joined = f"{joined} {line}" if joined else line
    return joined


def slug(name: str) -> str:
    """A stable, readable id from a file name or title ("Vragen_over X.pdf" -> "vragen-over-x")."""
    stem = re.sub(r"\.(txt|pdf|docx?|html?)$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^0-9a-z]+", "-", stem.lower()).strip("-") or "document"
