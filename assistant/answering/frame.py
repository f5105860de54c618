"""The question frame: what a question asks (intents, kinds, periods, places, qualifiers, parts, topic terms).

Every word the frame reacts to comes from the lexicon files; the frame is plain data for the later stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language import Lexicon, Term, WordMatcher, is_english, translate

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_NUMBER = re.compile(r"(?<![\w,])(\d+(?:[,.]\d+)?)(?:\s*[-–]\s*(\d+))?")


def _part_split(lexicon: Lexicon) -> re.Pattern[str]:
    """Where a question splits into parts: after a question mark, or at a joiner ('och', 'samt') that a question
    word follows ('…, och vad förklarar avvikelsen')."""
    joiners = "|".join(re.escape(j) for j in lexicon.part_joiners)
    openers = "|".join(re.escape(w) for w in lexicon.question_words)
    return re.compile(rf"\?\s+(?=\S)|,?\s+(?:{joiners})\s+(?=(?:{openers})\b)", re.IGNORECASE)


@dataclass
class Part:
    """One sub-question ('…, och vad förklarar avvikelsen?') and its topic terms."""

    text: str
    terms: list[Term]


@dataclass
class Frame:
    """A question as the answering stages read it."""

    question: str
    english: bool
    terms: list[Term]
    intents: set[str]
    kinds: set[str]
    years: list[str]
    months: list[int]
    numeric: bool
    qualifiers: list[str]
    parts: list[Part]
    places: list[str] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    unknown_place: str = ""
    followup: bool = False
    entities: list[list[Term]] = field(default_factory=list)

    @property
    def asked(self) -> list[str]:
        """The intents in a stable order, for features and notes."""
        return sorted(self.intents)


def topic_terms(text: str, matcher: WordMatcher, lexicon: Lexicon, english: bool) -> list[Term]:
    """The question's topic words as terms: frame words, question words, years and numbers left out; an
    English question's words through the glossary (untranslated content words kept as written)."""
    source = translate(text, lexicon=lexicon).text if english else text
    return [t for t in matcher.terms(source) if t.word not in lexicon.frame_words and not _YEAR.fullmatch(t.word)
            and not t.word.isdigit()]


def years_of(text: str) -> list[str]:
    """The years a question names, in order, each once."""
    return list(dict.fromkeys(_YEAR.findall(text)))


def months_of(text: str, lexicon: Lexicon) -> list[int]:
    """The months a question names ('per augusti', 'jan–apr'), the first half-year as June."""
    months = [lexicon.months[w] for w in re.findall(r"[^\W\d_]+", text.lower()) if w in lexicon.months and len(w) > 3]
    if lexicon.first_half.find(text):
        months.append(6)
    return months


def qualifiers_of(text: str, lexicon: Lexicon) -> list[str]:
    """Figures that name the group asked about ('under 29 år', 'dag 1–14', '60 dagar eller mer'), not answers."""
    spelled = _spell_out(text, lexicon)
    out: list[str] = []
    for match in _NUMBER.finditer(spelled):
        if _YEAR.fullmatch(match.group(1)):
            continue
        before = spelled[max(0, match.start() - 14):match.start()]
        after = spelled[match.end():match.end() + 12]
        if lexicon.qualifier_before.find(before.split()[-1] if before.split() else "") or lexicon.qualifier_after.find(
                after.split()[0] if after.split() else ""):
            out.append(match.group(0).replace(" ", ""))
    return list(dict.fromkeys(out))


def _spell_out(text: str, lexicon: Lexicon) -> str:
    """Number words as digits ('minst fem år' → 'minst 5 år')."""
    return re.sub(r"\b\w+\b", lambda m: str(lexicon.number_words.get(m.group(0).lower(), m.group(0)))
                  if m.group(0).lower() in lexicon.number_words and m.group(0).lower() not in ("en", "ett")
                  else m.group(0), text)


def parts_of(text: str, matcher: WordMatcher, lexicon: Lexicon, english: bool) -> list[Part]:
    """The question's parts, each with its own topic terms (one part for a simple question)."""
    pieces = [p.strip(" ,?") for p in _part_split(lexicon).split(text) if p and p.strip(" ,?")]
    return [Part(p, topic_terms(p, matcher, lexicon, english)) for p in pieces] or [
        Part(text, topic_terms(text, matcher, lexicon, english))]


def unknown_place(text: str, lexicon: Lexicon, known: set[str]) -> str:
    """A Swedish municipality or region the question names that no document we hold is from ('' if none)."""
    folded_known = {_place_key(k, lexicon) for k in known}
    for name in [*lexicon.regioner, *lexicon.kommuner]:
        if _place_key(name, lexicon) in folded_known:
            continue
        if _names_place(text, name, name in lexicon.ambiguous_places, lexicon):
            return name
    return ""


def _place_key(name: str, lexicon: Lexicon) -> str:
    """A place name without its place words, lower case and without a genitive s."""
    name = " ".join(w for w in name.lower().split() if w not in lexicon.place_words)
    return re.sub(r"s$", "", name) if not name.endswith("ss") else name


def _names_place(text: str, name: str, ambiguous: bool, lexicon: Lexicon) -> bool:
    pattern = re.escape(name) + r"(?:s)?(?!\w)"
    place_word = re.compile(r"\s+(?:" + "|".join(map(re.escape, lexicon.place_words)) + r")\b", re.IGNORECASE)
    for match in re.finditer(r"(?<!\w)" + pattern, text, re.IGNORECASE):
        written = match.group(0)
        followed = place_word.match(text, match.end()) is not None
        if not ambiguous and (written[:1].isupper() or followed):
            return True
        if ambiguous and (followed or (written[:1].isupper() and match.start() > 0)):
            return True
    return False


def _bound_only(question: str, lexicon: Lexicon) -> bool:
    """Every comparison cue stands right before a figure ('minst 5 år', 'högst tre dagar')."""
    spelled = _spell_out(question, lexicon)
    spans = lexicon.intents["compare"].spans(spelled)
    text = " ".join(spelled.lower().replace("–", "-").split())
    return bool(spans) and all(re.match(r"\s*\d", text[end:]) for _, end, _ in spans)


def _place_terms(terms: list[Term], known: set[str], lexicon: Lexicon) -> set[str]:
    """Stems of the terms that name a place (a municipality of the index or of the list): metadata, not topic."""
    names = {_place_key(p, lexicon) for p in [*known, *lexicon.kommuner, *lexicon.regioner]}
    return {t.stem for t in terms if _place_key(t.word, lexicon) in names}


_NAME = re.compile(r"(?<![.?!] )(?<!^)\b([A-ZÅÄÖ][\wåäöé-]*(?:\s*&\s*[A-ZÅÄÖa-zåäö][\wåäö-]*|\s+[A-ZÅÄÖ][\wåäöé-]*)*)")
_ACRONYM = re.compile(r"\b([A-ZÅÄÖ]{2,6})\b")


def entities_of(question: str, matcher: WordMatcher, lexicon: Lexicon, names: set[str]) -> list[list[Term]]:
    """The names the question asks about ('Fritid & mötesplatser', 'Distrikt Väst', 'NKI'), each as its terms;
    municipality and body names are left out (metadata filters serve them)."""
    found: list[list[Term]] = []
    for match in [*_NAME.finditer(question), *_ACRONYM.finditer(question)]:
        terms = [t for t in matcher.terms(match.group(1))
                 if t.word not in names and matcher.stem(t.word) not in names and not lexicon.is_stopword(t.word)]
        if terms and all(t.stem not in {x.stem for e in found for x in e} for t in terms):
            found.append(terms)
    return found


def is_followup(question: str, terms: list[Term], lexicon: Lexicon) -> bool:
    """A question that leans on the previous turn: opens like a follow-up ('och 2022?') or is short and points
    back ('Varför då?'). A complete question is never a follow-up, however it opens."""
    words = re.findall(r"\w+", question.lower())
    if len(terms) >= 3:
        return False
    opener = lexicon.followup_openers.starts(question)
    pointing = any(w in lexicon.anaphora for w in words)
    return opener or (pointing and len(terms) <= 1) or (not terms and bool(words))


def build_frame(question: str, matcher: WordMatcher, lexicon: Lexicon, known_places: set[str],
                history: list[tuple[str, str]] | None = None, known_bodies: set[str] | None = None) -> Frame:
    """The frame of a question (with the previous question's topic when it is a follow-up)."""
    english = is_english(question, lexicon)
    terms = topic_terms(question, matcher, lexicon, english)
    followup = bool(history) and is_followup(question, terms, lexicon)
    text = question
    if followup and history:
        previous = history[-1][0]
        terms = terms + [t for t in topic_terms(previous, matcher, lexicon, is_english(previous, lexicon))
                         if t.stem not in {x.stem for x in terms}]
        text = f"{previous} {question}"
    intents = {name for name, cues in lexicon.intents.items() if cues.find(question)}
    if "compare" in intents and _bound_only(question, lexicon):
        intents.discard("compare")  # "minst fem år": a bound on the group asked about, no comparison
    kinds = {name for name, cues in lexicon.question_kinds.items() if cues.find(question)}
    if not kinds and lexicon.outcome_verbs.find(question):
        kinds = {"utfall"}
    places = _place_terms(terms, known_places, lexicon)
    terms = [t for t in terms if t.stem not in places]
    names = {form for p in [*known_places, *(known_bodies or set())] for w in re.findall(r"\w+", p.lower())
             for form in (w, matcher.stem(w))} | lexicon.body_generic
    numeric = "value" in intents or "trend" in intents or bool(lexicon.figure_words.find(question))
    return Frame(
        question=question, english=english, terms=terms, intents=intents, kinds=kinds, places=sorted(places),
        years=years_of(text), months=months_of(text, lexicon), numeric=numeric,
        qualifiers=qualifiers_of(question, lexicon), parts=parts_of(question, matcher, lexicon, english),
        unknown_place=unknown_place(question, lexicon, known_places), followup=followup,
        entities=[] if english else entities_of(question, matcher, lexicon, names),
    )
