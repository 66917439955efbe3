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
            "<b>Tijd</b>\nNoem een periode in je vraag (<i>sinds 2020</i>, <i>in maart 2019</i>, "
            "<i>voor 2018</i>, <i>tussen 2015 en 2018</i>) om alleen documenten uit die tijd "
            "te doorzoeken. <code>/tijdlijn onderwerp</code> toont de antwoorden door de jaren "
            "heen; <code>/volg onderwerp</code> meldt nieuwe antwoorden (/gevolgd, /ontvolg).\n\n"
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
            "<b>Time</b>\nName a period in your question (<i>since 2020</i>, <i>in March "
            "2019</i>, <i>before 2018</i>, <i>between 2015 and 2018</i>) to search only the "
            "documents of that time. <code>/timeline topic</code> shows the answers through the "
            "years; <code>/follow topic</code> reports new answers (/following, /unfollow).\n\n"
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
    "period": {"nl": "Alleen documenten {period}", "en": "Only documents dated {period}"},
    "period_since": {"nl": "vanaf {since}", "en": "from {since} on"},
    "period_until": {"nl": "tot en met {until}", "en": "up to {until}"},
    "period_between": {
        "nl": "van {since} tot en met {until}",
        "en": "from {since} to {until}",
    },
    "newest_first": {"nl": "nieuwste eerst", "en": "newest first"},
    "undated_one": {
        "nl": "1 document zonder datum weggelaten",
        "en": "1 undated document left out",
    },
    "undated_many": {
        "nl": "{n} documenten zonder datum weggelaten",
        "en": "{n} undated documents left out",
    },
    "not_found_in_period": {
        "nl": (
            "Niets in de documenten uit deze periode beantwoordt je vraag, dus ik citeer liever "
            "niets. Stel hem zonder periode om alle documenten te doorzoeken."
        ),
        "en": (
            "Nothing in the documents of this period answers your question, so I would rather "
            "not quote anything. Ask it without a period to search every document."
        ),
    },
    "btn_newest": {"nl": "Nieuwste eerst", "en": "Newest first"},
    "btn_relevant": {"nl": "Meest relevant", "en": "Most relevant"},
    "btn_timeline": {"nl": "Tijdlijn", "en": "Timeline"},
    "btn_timeline_more": {"nl": "Meer ▸", "en": "More ▸"},
    "timeline_header": {"nl": "<b>Tijdlijn: {topic}</b>", "en": "<b>Timeline: {topic}</b>"},
    "timeline_count": {
        "nl": "Documenten {first}–{last} van {n}, oudste eerst",
        "en": "Documents {first}–{last} of {n}, oldest first",
    },
    "timeline_none": {
        "nl": "Geen document met een datum beantwoordt dit onderwerp.",
        "en": "No dated document answers this topic.",
    },
    "timeline_usage": {
        "nl": (
            "Zet het onderwerp achter het commando, bijvoorbeeld:\n"
            "<code>/tijdlijn export van surveillancetechnologie</code>"
        ),
        "en": (
            "Put the topic after the command, for example:\n"
            "<code>/timeline export of surveillance technology</code>"
        ),
    },
    "alert_header": {"nl": "🔔 Nieuw over <b>{topic}</b>", "en": "🔔 New on <b>{topic}</b>"},
    "follow_usage": {
        "nl": (
            "Zet het onderwerp achter het commando, bijvoorbeeld:\n"
            "<code>/volg export van surveillancetechnologie</code>"
        ),
        "en": (
            "Put the topic after the command, for example:\n"
            "<code>/follow export of surveillance technology</code>"
        ),
    },
    "follow_added": {
        "nl": (
            "Ik volg nu <b>{topic}</b> voor dit gesprek. Komen er documenten bij die erover "
            "antwoorden, dan stuur ik het citaat hierheen (hoogstens {per_day} per dag). "
            "/gevolgd toont wat je volgt."
        ),
        "en": (
            "I now follow <b>{topic}</b> for this chat. When documents arrive that answer it, "
            "I send the quote here (at most {per_day} a day). /following lists what you follow."
        ),
    },
    "follow_exists": {
        "nl": "Dit gesprek volgt <b>{topic}</b> al.",
        "en": "This chat already follows <b>{topic}</b>.",
    },
    "follow_limit": {
        "nl": "Dit gesprek volgt al {n} onderwerpen, het maximum. /ontvolg er eerst een.",
        "en": "This chat already follows {n} topics, the most it can. /unfollow one first.",
    },
    "following_none": {
        "nl": "Dit gesprek volgt geen onderwerpen. Begin met <code>/volg onderwerp</code>.",
        "en": "This chat follows no topics. Start with <code>/follow topic</code>.",
    },
    "following": {
        "nl": "<b>Gevolgde onderwerpen</b>\n{topics}\n\n<code>/ontvolg N</code> stopt er een.",
        "en": "<b>Followed topics</b>\n{topics}\n\n<code>/unfollow N</code> stops one.",
    },
    "unfollow_usage": {
        "nl": "Geef het nummer uit /gevolgd, bijvoorbeeld <code>/ontvolg 1</code>.",
        "en": "Give the number from /following, for example <code>/unfollow 1</code>.",
    },
    "unfollowed": {
        "nl": "Ik volg <b>{topic}</b> niet meer voor dit gesprek.",
        "en": "I no longer follow <b>{topic}</b> for this chat.",
    },
    "group_admins_only": {
        "nl": "In een groep kiezen alleen beheerders wat de groep volgt.",
        "en": "In a group, only its administrators choose what the group follows.",
    },
    "cmd_timeline": {"nl": "Antwoorden door de jaren heen", "en": "Answers through the years"},
    "cmd_follow": {"nl": "Volg een onderwerp", "en": "Follow a topic"},
    "cmd_following": {"nl": "Wat dit gesprek volgt", "en": "What this chat follows"},
    "cmd_unfollow": {"nl": "Stop met volgen", "en": "Stop following a topic"},
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
