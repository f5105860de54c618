"""What a question asks, as far as code can tell: a figure or not, a trend, years, kinds of figures, a place.

Also the follow-up rule: a short question that leans on the previous turn gets that question as context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.compose import YEAR, counted_noun
from assistant.cover import EXPLAIN
from assistant.query import Filters

_NUMERIC = re.compile(
    r"\b(hur (många|mycket|stor|stort|höga?|hög|lång|långa?|låg)|vilket (värde|belopp|resultat|utfall)"
    r"|vad (var|blev|är)|vad (låg|landade|hamnade) \w+( \w+)*? på|andel|antal|\w*belopp|placering\w*|plats"
    r"|rank\w*|\w*budget\w*|\w*utfall\w*|\w*prognos\w*"
    r"|\w*resultat\w*|\w*index\w*|värde\w*|procent\w*|mkr|tkr|kronor|kosta(r|de|t)|spend|spent|cost(s|ed)?"
    r"|how (many|much|high|long|large)|what (was|is|were)|rate|percentage|amount|value|number of|share)\b",
    re.IGNORECASE,
)
# "Vad täcker individnämndens budget?", "Vad ingår i prognosen?": a question about what a figure covers, not the
# figure; a quantity word (hur mycket, andel, belopp …) still makes it numeric.
_ABOUT = re.compile(r"(?i)^\s*(?:vad|what)\s+(täck\w*|ingår|ingick|omfatta\w*|innefatta\w*|innehåll\w*|innebär\w*|"
                    r"reglera\w*|handlar|covers?|includes?|contains?)\b")
_QUANTITY = re.compile(
    r"(?i)\b(hur (många|mycket|stor|stort|stora|höga?|lång|långa?|låg)|vilket (värde|belopp)|andel|antal|"
    r"\w*belopp|procent\w*|mkr|tkr|kronor|kosta(r|de|t)|how (many|much|high|long|large)|percentage|amount|"
    r"number of)\b")
MEASURE = re.compile(r"(?i)\d\s*(%|procent\w*|dagar|veckor|månader|timmar|mkr|tkr|kr\b|kronor|miljoner|"
                      r"personer|stycken|st\b)")
_HOW_MUCH = re.compile(r"(?i)\b(hur (många|mycket|stor|stort|stora|hög|höga)|how (many|much))\b")
_TREND = re.compile(
    r"\b(utveckl\w*|förändr\w*|ökade|ökat|minskade|minskat|jämfört|trend\w*|över tid|mellan \d{4} och \d{4}"
    r"|från \d{4} till \d{4}|change[sd]?|develop\w*|increase[sd]?|decrease[sd]?|compared?|from \d{4} to \d{4})\b",
    re.IGNORECASE,
)
_KIND_OF = [("mål", r"\b(mål\w*|target\w*|goal\w*)\b"), ("prognos", r"\b(\w*prognos\w*|forecast\w*)\b"),
            ("budget", r"\bbudget\w*\b"), ("utfall", r"\b(utfall\w*|outcome\w*|blev|resultat\w*)\b"),
            # a deviation from budget or forecast; not the head of "läkemedelsavvikelser", which names a count
            ("avvikelse", r"\b((budget|helårs|prognos)?avvik\w*|\w*avvek\w*|deviat\w*|överskr\w*|overs(pent|hot)"
                          r"|exceed\w*)\b"),
            ("differens", r"\b(differens\w*)\b"),
            ("bokslut", r"\b(bokslut\w*)\b")]
OUTCOME_KINDS = ("utfall", "bokslut")
# "Vilken avdelning hade högst …": a comparison across rows, which no single fact row answers.
SUPERLATIVE = re.compile(r"(?i)\b(högst|störst|lägst|minst(?!\s+\d)|vanligast\w*|flest|mest|highest|largest|lowest|"
                          r"smallest|most|fewest)\b")
# Verbs of a question that its answer tends to repeat: "Vad visade kontrollen?" — "Kontrollen visade att …".
_RESULT_VERB = re.compile(r"(?i)\b(visade|visar|blev|uppgick|uppgår|innebar|innebär|konstaterade|bedömdes)\b")
_PLACE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+) (?:kommun|stad|municipality)\b|\bin ([A-ZÅÄÖ][a-zåäöé]+)\b")


@dataclass
class Analysis:
    """What the question asks for, as far as code can tell."""

    numeric: bool
    trend: bool
    counted: str | None
    years: list[str]
    kinds: list[str]
    filters: Filters
    unknown_place: str | None
    verbs: list[str] = field(default_factory=list)
    qualifiers: list[str] = field(default_factory=list)


def analyze(question: str, known_municipalities: set[str], filters: Filters) -> Analysis:
    """Numeric or not, trend or not, years and kinds asked for, and any municipality we hold no documents of."""
    unknown = None
    known = {m.lower().replace(" kommun", "").rstrip("s") for m in known_municipalities}
    for match in _PLACE.finditer(question):
        shown = match.group(1) or match.group(2) or ""
        if match.group(1) and shown.endswith("s") and not shown.endswith(("ås", "ös", "is", "us")):
            shown = shown[:-1]  # genitive: "Trollhättans kommun"
        name = shown.lower()
        if name in _NOT_PLACES:  # "Vilken kommun sköter …", "Samma kommun"
            continue
        if name and not any(name.startswith(k) or k.startswith(name) for k in known) and (
            match.group(1) or shown in _SWEDISH_PLACES
        ):
            unknown = shown
    return Analysis(
        # "Vad beror förseningen på enligt budget 2022?" asks for a reason, not a figure
        numeric=bool(_NUMERIC.search(question)) and not (EXPLAIN.search(question) and not _HOW_MUCH.search(question))
        and not (_ABOUT.search(question) and not _QUANTITY.search(question)),
        trend=bool(_TREND.search(question)),
        counted=counted_noun(question),
        years=YEAR.findall(question),
        kinds=[kind for kind, pattern in _KIND_OF if re.search(pattern, question, re.IGNORECASE)],
        filters=filters,
        unknown_place=unknown,
        verbs=[v.lower() for v in _RESULT_VERB.findall(question)],
        qualifiers=qualifiers(question),
    )


# A figure in the question that names which group, code or span is meant: "under 29 år", "§ 9.9", "dag 1–14",
# "mätetal 3:2". Years and dates only say when.
_FIGURE = re.compile(r"(?<![\w,.:-])\d+(?:\s?[.,:\-–]\s?\d+)*(?![\w])")
_DATE = re.compile(r"(?i)^\d{1,2}\s+(januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november"
                   r"|december|january|february|march|may|june|july|august|october|december)\b")
_ISO_DATE = re.compile(r"^(19|20)\d\d-\d\d(-\d\d)?$")
_SEPARATOR = r"\s?[.,:\-–]\s?"  # between the parts of one figure: "1–14", "9.9", "3:2"
_THOUSANDS = re.compile(r"(?<![\d,])(\d{1,3}) (?=\d{3}(?!\d))")


_NUMBER_WORDS = {
    "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "elva": 11,
    "tolv": 12, "fjorton": 14, "femton": 15, "tjugo": 20, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20,
}
# Only before a unit of time or a share: "minst fem år i yrket" is the row "minst 5 år"; "vilka tre …" counts.
_SPELLED_MEASURE = re.compile(
    rf"(?i)\b({'|'.join(_NUMBER_WORDS)})(?=\s+(år|dagar|dygn|veckor|månader|timmar|procent|years?|days?|weeks?"
    r"|months?|hours?|per\s?cent)\b)")


def with_digits(question: str) -> str:
    """A question with a measure's spelled-out number in digits, as tables write it ('fem år' → '5 år')."""
    return _SPELLED_MEASURE.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), question)


def qualifiers(question: str) -> list[str]:
    """The figures of a question that say which row or group it asks about, neither year nor date: an answer
    whose evidence never carries them is about another group ('Kvinnor 9,0 %' for 'under 29 år')."""
    text = _THOUSANDS.sub(r"\1", with_digits(question))  # "2 420 tkr" is one figure
    found = []
    for match in _FIGURE.finditer(text):
        figure = match.group(0)
        parts = re.split(_SEPARATOR, figure)
        if all(YEAR.fullmatch(p) for p in parts) or _ISO_DATE.match(figure) or _DATE.match(text[match.start():]):
            continue
        found.append(figure)
    return found


def _written(figure: str) -> re.Pattern[str]:
    """A question's figure in any of its written forms ('1–14' as 'Dag 1-14', '9.9' as '§ 9.9', '29' as
    '<29 år', '2420' as '2 420')."""
    parts = re.split(_SEPARATOR, figure)
    digits = _SEPARATOR.join(" ?".join(part) if len(part) > 3 else part for part in parts)
    return re.compile(rf"(?<![\d,.]){digits}(?!\d|[,.]\d)")


def carries(text: str, figure: str) -> bool:
    """Whether a text holds a question's qualifying figure."""
    return _written(figure).search(text) is not None


def without(text: str, figures: list[str]) -> str:
    """A text without the question's own figures: 'minst 5 år i yrket' answers no 'hur stor andel … minst 5 år'."""
    for figure in figures:
        text = _written(figure).sub(" ", text)
    return text


# Swedish places an English question may name with "in X" (no "kommun" to go by).
_NOT_PLACES = {"vilken", "vilket", "vilka", "vilkens", "samma", "varje", "någon", "annan", "egen", "hela", "vår",
               "er", "which", "what", "each", "every", "the", "same", "another", "other", "that", "this", "a"}
_SWEDISH_PLACES = {"Stockholm", "Gothenburg", "Göteborg", "Malmö", "Uppsala", "Borås", "Trollhättan", "Vänersborg",
                   "Partille", "Mölndal", "Kungälv", "Vårgårda", "Vara", "Ulricehamn", "Skövde", "Lidköping"}




def contextualize(question: str, history: list[tuple[str, str]]) -> str:
    """A follow-up that leans on the previous turn ('och 2022?', 'varför då?') gets that question as context."""
    if not history:
        return question
    words = question.split()
    leaning = len(words) <= 6 or re.match(r"(?i)^(och|men|vad|hur|varför|then|and|what about)\b", question)
    pronoun = re.search(r"(?i)\b(det|den|dessa|detta|de|samma|it|that|those|they)\b", question)
    if leaning or pronoun:
        return f"{history[-1][0]} {question}"
    return question
