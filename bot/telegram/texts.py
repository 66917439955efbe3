"""Every UI string of the bot, in Dutch and English. Quotes stay in the document's language."""

from __future__ import annotations

from typing import Literal

Lang = Literal["nl", "en"]

MONTHS: dict[Lang, tuple[str, ...]] = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

_TEXTS: dict[str, dict[Lang, str]] = {
    "help": {
        "nl": (
            "Ik beantwoord vragen over {n} overheidsdocumenten (Kamervragen met de antwoorden "
            "van de ministers, Kamerbrieven, nota's en webpagina's) door de passage te citeren "
            "die het antwoord geeft, met de bron erbij.\n\n"
            "<b>Zo vraag je het</b>\n"
            "Stel je vraag gewoon als bericht, in het Nederlands of Engels. In een groep: "
            "<code>/ask je vraag</code>, noem mij met {mention}, of antwoord op een bericht "
            "van mij. In elk gesprek kun je ook {mention} <i>vraag</i> typen om een citaat "
            "te delen.\n\n"
            "<b>Voorbeeld</b>\n<code>{example}</code>\n\n"
            "/bronnen toont de documenten, /over vertelt hoe ik werk."
        ),
        "en": (
            "I answer questions about {n} Dutch government documents (parliamentary questions "
            "with the ministers' answers, letters to parliament, memos and web pages) by quoting "
            "the passage that answers them, with its source.\n\n"
            "<b>How to ask</b>\n"
            "Just send your question, in English or Dutch. In a group: "
            "<code>/ask your question</code>, mention me as {mention}, or reply to one of my "
            "messages. In any chat you can also type {mention} <i>question</i> to share a "
            "quote.\n\n"
            "<b>Example</b>\n<code>{example}</code>\n\n"
            "/sources lists the documents, /about explains how I work."
        ),
    },
    "example": {
        "nl": "Wil Nederland Rusland uitsluiten van INTERPOL?",
        "en": "Does the Netherlands want Russia excluded from INTERPOL?",
    },
    "about": {
        "nl": (
            "<b>Vraagbaak</b> zoekt in de documenten de passage die je vraag beantwoordt en "
            "citeert die letterlijk; de zinnen die het antwoord geven staan vet. Onder elk "
            "citaat staan het document, het onderdeel, de datum en de link naar de bron. "
            "Ik vat niets samen en verzin niets: staat het antwoord er niet in, dan zeg ik "
            "dat.\n\nMet 👍/👎 onder een antwoord help je de zoekresultaten te verbeteren; "
            "ik bewaar daarbij je vraag en de getoonde passages, nooit je naam."
        ),
        "en": (
            "<b>Vraagbaak</b> finds the passage in the documents that answers your question "
            "and quotes it verbatim; the sentences that answer it are in bold. Below each quote "
            "are the document, the section, the date and the link to the source. I do not "
            "summarise or make things up: if the answer is not in the documents, I say so."
            "\n\nThe 👍/👎 buttons under an answer help improve the results; they store your "
            "question and the passages shown, never your name."
        ),
    },
    "sources_header": {"nl": "<b>De {n} documenten</b>", "en": "<b>The {n} documents</b>"},
    "not_found": {
        "nl": (
            "Dit staat niet in de documenten die ik ken, dus ik citeer liever niets.\n\n"
            "Ik ken {n} documenten over onder meer: {topics}.\n/bronnen toont ze allemaal."
        ),
        "en": (
            "This is not in the documents I know, so I would rather not quote anything.\n\n"
            "I know {n} documents, on topics such as: {topics}.\n/sources lists them all."
        ),
    },
    "more_header": {"nl": "<b>Ook relevant</b>", "en": "<b>Also relevant</b>"},
    "page_header": {
        "nl": "<i>Resultaten {first}–{last}</i>",
        "en": "<i>Results {first}–{last}</i>",
    },
    "answered_by": {"nl": "beantwoord door {names}", "en": "answered by {names}"},
    "unanswered": {
        "nl": "vraag gesteld, nog niet beantwoord",
        "en": "question asked, not answered yet",
    },
    "no_link": {"nl": "geen link beschikbaar", "en": "no link available"},
    "btn_more": {"nl": "Meer resultaten ▸", "en": "More results ▸"},
    "btn_previous": {"nl": "◂ Vorige", "en": "◂ Previous"},
    "btn_full": {"nl": "Volledig antwoord", "en": "Full answer"},
    "btn_source": {"nl": "Bron 🔗", "en": "Source 🔗"},
    "no_more": {"nl": "Geen verdere resultaten.", "en": "No further results."},
    "expired": {
        "nl": "Deze vraag is verlopen; stel hem opnieuw.",
        "en": "This question has expired; please ask it again.",
    },
    "thanks": {"nl": "Bedankt voor je feedback!", "en": "Thanks for your feedback!"},
    "ask_usage": {
        "nl": "Stel je vraag achter het commando, bijvoorbeeld:\n<code>/ask {example}</code>",
        "en": "Put your question after the command, for example:\n<code>/ask {example}</code>",
    },
    "error": {
        "nl": "Er ging iets mis bij het beantwoorden. Probeer het zo nog eens.",
        "en": "Something went wrong while answering. Please try again in a moment.",
    },
    "admins_only": {
        "nl": "Dit commando is alleen voor beheerders.",
        "en": "This command is for administrators only.",
    },
    "stats": {
        "nl": (
            "<b>Statistieken</b>\nFeedback: {up} 👍, {down} 👎 van {users} gebruikers"
            "\nSinds de start: {asked} vragen, {answered} beantwoord, {not_found} niet gevonden, "
            "{inline} gedeeld via inline"
        ),
        "en": (
            "<b>Statistics</b>\nFeedback: {up} 👍, {down} 👎 from {users} users"
            "\nSince start: {asked} questions, {answered} answered, {not_found} not found, "
            "{inline} shared inline"
        ),
    },
    "inline_help": {"nl": "Typ een vraag over de documenten", "en": "Type a question"},
    "inline_nothing": {"nl": "Niet gevonden in de documenten", "en": "Not in the documents"},
    "cmd_start": {"nl": "Uitleg en voorbeeld", "en": "How to use the bot"},
    "cmd_ask": {"nl": "Stel een vraag (ook in groepen)", "en": "Ask a question (also in groups)"},
    "cmd_sources": {"nl": "De documenten met data en links", "en": "The documents with links"},
    "cmd_about": {"nl": "Hoe de bot werkt", "en": "How the bot works"},
    "console_intro": {
        "nl": "Vraagbaak-console (zonder Telegram-token). Stel een vraag; Ctrl-D stopt.",
        "en": "Vraagbaak console (no Telegram token). Ask a question; Ctrl-D quits.",
    },
}


def text(lang: Lang, key: str, **values: object) -> str:
    """The UI string `key` in `lang`, with `values` filled in (callers escape what they pass)."""
    template = _TEXTS[key][lang]
    return template.format(**values) if values else template


def ui_language(detected: str | None = None, language_code: str | None = None) -> Lang:
    """The question's detected language if known, else the Telegram user's, else Dutch."""
    for code in (detected, language_code):
        if code:
            return "nl" if code.lower().startswith("nl") else "en"
    return "nl"
