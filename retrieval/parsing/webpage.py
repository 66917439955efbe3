"""NGO web pages copied as text: headings on their own line, image captions printed around a
"© maker" credit line, and link-list junk at the end."""

from __future__ import annotations

import re

from retrieval.documents import Document, Section, Span
from retrieval.parsing.cleaning import collapse_blank_lines, normalize, slug
from retrieval.parsing.errors import ParseError
from retrieval.parsing.layout import paragraphs

_CREDIT = re.compile(r"^©")
# Navigation left at the end of a copied page.
_TRAILING_JUNK = ("Meer over dit onderwerp", "Lees meer", "Deel dit artikel", "Gerelateerd")
_PUBLISHERS = ("Amnesty International",)


def matches(text: str) -> bool:
    return bool(re.search(r"^©", text, re.MULTILINE)) or text.rstrip().endswith(_TRAILING_JUNK)


def clean(raw: str) -> tuple[str, list[str]]:
    """The page without credit lines, duplicate captions and trailing junk; also the captions."""
    lines = normalize(raw).split("\n")
    kept: list[str] = []
    captions: list[str] = []
    skip_next = False
    for index, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        if _CREDIT.match(line.strip()):
            caption = kept[-1].strip() if kept else ""
            if caption:
                captions.append(caption)
            following = lines[index + 1].strip() if index + 1 < len(lines) else ""
            skip_next = bool(caption) and following == caption
            kept.append("")  # the caption becomes a paragraph of its own
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].strip() in _TRAILING_JUNK):
        kept.pop()
    return collapse_blank_lines("\n".join(kept)), captions


def _is_heading(text: str) -> bool:
    return (
        "\n" not in text
        and len(text.split()) <= 10
        and text[0].isupper()
        and not re.search(r"[.?!:;,]$", text)
    )


def parse(raw: str, source_file: str | None) -> Document:
    text, captions = clean(raw)
    blocks = paragraphs(text)
    if not blocks:
        raise ParseError(f"{source_file or 'text'}: empty web page")
    sections: list[Section] = []
    label, body = "Inleiding", None
    caption_count = 0

    def close() -> None:
        if body:
            sections.append(Section(label, "text", body))

    for block in blocks:
        content = block.of(text)
        if content in captions:
            close()
            caption_count += 1
            sections.append(Section(f"Bijschrift {caption_count}", "text", block))
            label, body = label if body is None else f"{label} (vervolg)", None
        elif _is_heading(content):
            close()
            label, body = content, None
        else:
            body = Span(body.start, block.end) if body else block
    close()
    headings = [s.label for s in sections if not s.label.startswith(("Bijschrift", "Inleiding"))]
    title = headings[0] if headings else blocks[0].of(text)[:80]
    return Document(
        doc_id=slug(source_file) if source_file else slug(title),
        doc_type="webpagina",
        title=title,
        text=text,
        sections=sections,
        publisher=next((p for p in _PUBLISHERS if p in raw), None),
        source_file=source_file,
    )
