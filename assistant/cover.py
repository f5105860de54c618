"""Which sentences answer a question: its clauses, the best unit for each, and the sentences that carry them on.

A question often asks two things ("Hur många fallolyckor registrerades, och hur många patienter gällde det?",
"… stöd- och omsorgsnämnd respektive individnämnd?", "… och vad förklarar det?"). Each clause is answered by
its own unit, and a unit is carried on by the sentence after it when that sentence continues it ("Av dessa …",
"När dessa medel inkluderas …") or answers what is still open. Units that merely share a word with the question
are not added: every citation must answer part of what was asked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.compose import VALUES, Candidate
from assistant.evidence import BULLET, PARTIAL_WEIGHT, Unit, UnitScorer
from assistant.retrieve import ScoredChunk

_WH = r"(?:hur|vad|vilk(?:en|et|a)|var|när|varför|vem|vems|how|what|which|why|when|who)"
# ", och hur …", " och vad …", ", and how …": a new question joined to the first.
_JOIN = re.compile(rf"(?i)(?:\s*,\s*(?:och|samt|and)?|\s+(?:och|samt|and))\s+(?={_WH}\b)")
# "stöd- och omsorgsnämnd respektive individnämnd": the same question about two subjects.
_RESPECTIVE = re.compile(r"(?i)\s+respektive\s+")
# Words that end the left subject of 'A respektive B', reading back from 'respektive': prepositions, verbs of
# being and question words ('inom särskilt boende respektive hemtjänst' → 'särskilt boende').
_SUBJECT_STOPS = frozenset({
    "i", "inom", "för", "av", "till", "på", "med", "mellan", "om", "hos", "vid", "under", "enligt", "från", "kring",
    "bland", "efter", "per", "är", "var", "har", "hade", "blev", "den", "det", "de", "en", "ett", "vad", "hur",
    "vilken", "vilket", "vilka", "som", "och", "samt", "in", "for", "of", "at", "between", "is", "was", "are"})
_MAX_SUBJECT_WORDS = 3
EXPLAIN = re.compile(
    r"(?i)\b(varför|förklar\w*|beror\w*|berodde|anledning\w*|skälet|why|explain\w*|reasons?|due to)\b")
# A sentence that leans on the one before it: it can only be read with it.
_LEANS = re.compile(
    r"^(?:[-–•*]\s*)?(Av dessa|Av detta|Av dem|När dessa|I dessa|I detta|Dessa|Detta|Denna|Det|Den|De|Därmed|"
    r"Därför|Därtill|Orsaken|Anledningen|Skälet|Avvikelsen|Granskningen|Kontrollen|Uppföljningen|Utfallet|"
    r"Underskottet|Överskottet|Ökningen|Minskningen|Förändringen|Enheten|Resultatet|"
    r"Den största delen|Som en följd|Till följd|Vilket|This|These|It)\b")
# A field of the statement above it: "Vård- och omsorgsnämndens mål 1 – …" / "Bedömning: Helt uppfyllt".
LABEL = re.compile(r"^(Bedömning|Kommentar|Analys|Måluppfyllelse|Status|Assessment)\s*:")
_BACK = re.compile(r"(?i)\b(det|den|de|dem|dessa|detta|denna|it|they|them|those|this)\b")
_NEAR_CHARS = 2500  # a further clause is answered near the first answer, in the same document


@dataclass(frozen=True)
class Clause:
    """One part of a question, with the question terms it is about."""

    text: str
    terms: dict[str, float]


def split_clauses(question: str) -> list[str]:
    """The parts of a question: joined questions and 'A respektive B' give one part each."""
    respective = _respective(question)
    if respective:
        return respective
    cuts = [(m.start(), m.end()) for m in _JOIN.finditer(question)]
    starts = [0, *(end for _, end in cuts)]
    ends = [*(start for start, _ in cuts), len(question)]
    spans: list[list[int]] = []
    for start, end in zip(starts, ends, strict=True):
        if spans:
            previous = question[spans[-1][0]:spans[-1][1]].strip(" ,")
            # "Varför och när stängdes …" and "In Lerum's 2024 plan, what share …" are one question each
            if re.fullmatch(rf"(?i){_WH}", previous) or not re.search(rf"(?i)\b{_WH}\b", previous):
                spans[-1][1] = end
                continue
        spans.append([start, end])
    parts = [question[a:b].strip(" ,") for a, b in spans]
    return [p for p in parts if re.search(r"\w{3,}", p)] or [question]


def _respective(question: str) -> list[str]:
    """'… inom särskilt boende respektive hemtjänst?' → the question about each subject, with the shared words.

    The left subject reaches back to a preposition, verb or question word (at most three words; 'stöd- och
    omsorgsnämnd' is one); a municipality's genitive before it stays shared ('Lerums stöd- och omsorgsnämnd
    respektive individnämnd') unless the right subject starts with one too ('Alingsås verksamhetsberättelse 2024
    respektive Herrljungas delårsrapport 2021'). The right subject runs to punctuation or a preposition; a year
    after it stays shared when the left subject has none ('kvinnor respektive män 2023')."""
    match = _RESPECTIVE.search(question)
    if match is None:
        return []
    head, tail = question[: match.start()], question[match.end():]
    left = list(re.finditer(r"\S+-\s+(?:och|eller)\s+\S+|\S+", head))
    taken: list[re.Match[str]] = []
    for word in reversed(left):
        text = word.group(0)
        if text.lower().strip("–-:,") in _SUBJECT_STOPS or re.search(r"[,:;–]$|^[–-]$", text) or (
                len(taken) >= _MAX_SUBJECT_WORDS):
            break
        taken.insert(0, word)
    right_words = re.match(r"[^?,.;:!]*", tail)
    right: list[re.Match[str]] = []
    for word in re.finditer(r"\S+-\s+(?:och|eller)\s+\S+|\S+", right_words.group(0) if right_words else ""):
        if word.group(0).lower() in _SUBJECT_STOPS:
            break
        right.append(word)
    if right and taken and taken[0].group(0)[0].isupper() and not right[0].group(0)[0].isupper() and (
            len(taken) > 1):
        taken = taken[1:]  # "Lerums stöd- och omsorgsnämnd respektive individnämnd": Lerums is shared
    while len(right) > len(taken) and re.fullmatch(r"\d[\d:–-]*", right[-1].group(0)):
        right.pop()  # "kvinnor respektive män 2023": the year is shared
    if not taken or not right:
        return []
    before, after = head[: taken[0].start()], tail[right[-1].end():]
    first, second = head[taken[0].start():], tail[: right[-1].end()]
    return [f"{before}{first}{after}", f"{before}{second}{after}"]


def clauses(question: str, terms: dict[str, float], scorer: UnitScorer,
            expand: Callable[[str], list[str]] | None = None) -> list[Clause]:
    """Each part of the question with its own terms. In 'A respektive B' the term only one part has weighs fully
    in that part: it is what tells the parts apart, even a body's name that otherwise counts for little.

    expand gives the Swedish words for a part's English phrases ('average' → 'medelvärde genomsnitt'), so that
    they belong to the part that says them."""
    texts = split_clauses(question)
    if len(texts) == 1:
        return [Clause(question, terms)]
    stems = [set(scorer.analyzer.stems(" ".join([t, *(expand(t) if expand else [])]))) for t in texts]
    respective = bool(_respective(question))
    out = []
    for i, (text, own) in enumerate(zip(texts, stems, strict=True)):
        others = set().union(*(s for j, s in enumerate(stems) if j != i))
        weights = {t: (scorer.idf(t) if respective and t not in others else w) for t, w in terms.items() if t in own}
        if i and back_reference(text):  # "… och hur mycket är budgeterat för dem?": what the first part is about
            weights.update({t: w / 2 for t, w in terms.items() if t in stems[0] and t not in weights})
        out.append(Clause(text, weights))
    return out


def back_reference(text: str) -> bool:
    """A part of a question that points back at the first ('vad ska de användas till?')."""
    return bool(_BACK.search(text))


def share(terms: dict[str, float], found: dict[str, float]) -> float:
    """Weighted share of terms that found covers."""
    total = sum(terms.values())
    return sum(terms[t] * found.get(t, 0.0) for t in terms) / total if total else 1.0


@dataclass
class Pick:
    """A chosen unit, possibly carried on by the sentences after it (one citation)."""

    cand: Candidate
    unit: Unit
    found: dict[str, float]

    @property
    def chunk(self) -> ScoredChunk:
        return self.cand.chunk


class Coverer:
    """Chooses the units of a composed answer."""

    def __init__(self, scorer: UnitScorer, terms: dict[str, float],
                 following: Callable[[Candidate, Unit], tuple[Unit, Unit] | None], max_continue: int = 2,
                 preceding: Callable[[Candidate], Unit | None] | None = None,
                 notes: Callable[[Pick], list[Pick]] | None = None) -> None:
        self.scorer, self.terms = scorer, terms
        self.following, self.max_continue = following, max_continue
        self.preceding, self.notes = preceding, notes

    def lean_back(self, cand: Candidate) -> Candidate | None:
        """A sentence that leans on what comes before it ('I dessa siffror är … inkluderad med 5 200 tkr.'), read
        together with the sentences before it in its paragraph (see preceding)."""
        if self.preceding is None or not (_LEANS.match(cand.unit.text) or LABEL.match(cand.unit.text)):
            return None
        unit = self.preceding(cand)
        if unit is None or unit.start >= cand.unit.start:
            return None
        found = dict(cand.found)
        for term, value in self.scorer.matched(self.terms, unit.text, "").items():
            found[term] = max(found.get(term, 0.0), value)
        return dataclasses.replace(cand, unit=unit, found=found)

    def found(self, picks: list[Pick], covered: dict[str, float] | None = None) -> dict[str, float]:
        out = dict(covered or {})
        for pick in picks:
            for term, value in pick.found.items():
                out[term] = max(out.get(term, 0.0), value)
        return out

    def carry_on(self, cand: Candidate, covered: dict[str, float], explain: bool) -> Pick:
        """The unit with the sentences after it that lean on it, answer an open term, or give the reason asked."""
        unit, found = cand.unit, dict(cand.found)
        for _ in range(self.max_continue):
            step = self.following(cand, unit)
            if step is None:
                break
            nxt, merged = step
            nxt_found = self.scorer.matched(self.terms, nxt.text, "")
            opened = {**covered, **found}
            # what the sentence adds: a question word it says (a compound part or word form counts), not the
            # municipality or body named again
            new = sum(self.terms[t] * max(0.0, v - opened.get(t, 0.0)) for t, v in nxt_found.items()
                      if v >= PARTIAL_WEIGHT and not self.scorer.is_context(t, self.terms[t]))
            if BULLET.match(nxt.text) and new <= 0:
                break  # the next item of a list is not the reason for this one
            if not (_LEANS.match(nxt.text) or self._resumes(unit.text, nxt.text) or explain or new > 0
                    or VALUES.match(nxt.text.strip())):
                break
            unit = merged
            for term, value in nxt_found.items():
                found[term] = max(found.get(term, 0.0), value)
            if not _LEANS.match(nxt.text) and not explain:
                break
        return Pick(cand, unit, found)

    def _resumes(self, text: str, following: str) -> bool:
        """The next sentence opens with a word of this one in definite form: 'en kontrollpunkt har genomförts
        med anmärkning. Anmärkningen avser …'."""
        first = re.match(r"\s*([A-ZÅÄÖ][a-zåäö]{4,}(?:en|et|na|n))\b", following)
        if first is None:
            return False
        stems = set(self.scorer.analyzer.stems(text))
        return any(s in stems for s in self.scorer.analyzer.stems(first.group(1)))

    def best(self, pool: list[Candidate], terms: dict[str, float], covered: dict[str, float],
             floor: float = 0.0) -> Candidate | None:
        """Of the units that cover at least floor of these terms, the one that adds most of them; among equals,
        the one that fits the whole question better, then the better-ranked passage and the bonus."""
        pool = [c for c in pool if share(terms, c.found) >= floor]
        def gain(c: Candidate, weights: dict[str, float]) -> float:
            return sum(weights[t] * max(0.0, c.found.get(t, 0.0) - covered.get(t, 0.0)) for t in weights)

        scored = [((gain(c, terms) + 0.1 * gain(c, self.terms)) * (1 + c.bonus) / (1 + 0.05 * c.rank), c)
                  for c in pool if gain(c, terms) > 0]
        scored = [(s, c) for s, c in scored if s > 0]
        return max(scored, key=lambda sc: sc[0])[1] if scored else None

    def best_carried(self, pool: list[Candidate], terms: dict[str, float], explain: bool, enough: float,
                     width: int = 8, margin: float = 0.05) -> Pick | None:
        """The best unit read on with the sentences that continue it (see carry_on). When that covers less than
        enough of the question, one of the next best units whose continuation covers clearly more wins:
        'I omställningen till nära vård …' followed by 'Fortsatt samverkan kommer att ske via NOSAM …' answers
        what neither sentence answers alone; a table row marked '**' with its footnote '**Uppgift publiceras v 25
        år 2025' answers 'När publiceras uppgiften som saknas?'."""
        first = best = self.best(pool, terms, {})
        if first is None:
            return None
        if LABEL.match(first.unit.text):  # "Bedömning: Helt uppfyllt" answers nothing without its goal
            first = self.lean_back(first) or first
        pick = self.carry_on(first, {}, explain)
        if share(terms, pick.found) >= enough:
            return pick
        # only a unit nearly as good alone: a continuation does not make a weak sentence the answer; and only
        # what a continuation says counts, not that it follows a question asking why
        least = share(terms, first.found) - margin
        rest = [c for c in pool if c is not best and share(terms, c.found) >= least]
        rest.sort(key=lambda c: -share(terms, c.found))
        backs = [back for c in [first, *rest[:width]] if (back := self.lean_back(c)) is not None]

        def reach(cand: Candidate) -> float:  # what the unit answers read on, with the footnotes it points to
            carried = self.carry_on(cand, {}, False)
            return share(terms, self.found([carried, *(self.notes(carried) if self.notes else [])]))

        chosen, most = first, reach(first)
        for cand in [*backs, *rest[:width]]:
            covers = reach(cand)
            if covers >= most + margin:
                chosen, most = cand, covers
        return pick if chosen is first else self.carry_on(chosen, {}, explain)


def near(cand: Candidate, anchors: list[tuple[str, int]]) -> bool:
    """In the same document as an anchor (a chosen unit or fact row) and close to it."""
    return any(cand.chunk.chunk.document == document and abs(cand.unit.start - position) <= _NEAR_CHARS
               for document, position in anchors)


def overlaps(a: Unit, b: Unit) -> bool:
    return a.start < b.end and b.start < a.end


_LIST_QUESTION = re.compile(r"(?i)^\s*(vilka|which|what are|list)\b|\bvilka (två|tre|fyra|fem|sex|sju|\d+)\b"
                            r"|\bvilka (delar|poster)\b|\bbestår\b[^?]*\bav\b")
# "… stärks med totalt 44,3 miljoner kronor år 2024." followed by bullets: the parts of the total
_INTRO = re.compile(r"(?i)\b(nedan följer|följande|nedan|totalt)\b")
_COUNT_WORDS = {"två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "two": 2, "three": 3, "four": 4,
                "five": 5}
_MAX_ITEMS = 8


def asks_for_list(question: str) -> tuple[bool, int | None]:
    """Whether the question asks for several things ('Vilka tre framgångsfaktorer …'), and how many if it says."""
    if not _LIST_QUESTION.search(question):
        return False, None
    match = re.search(r"(?i)\b(vilka|which|what are the)\s+(\w+)", question)
    word = match.group(2).lower() if match else ""
    return True, int(word) if word.isdigit() else _COUNT_WORDS.get(word)


def _heading(line: str) -> bool:
    stripped = line.strip()
    return 0 < len(stripped) < 90 and not stripped.endswith((".", ":", ",", ";")) and stripped[0].isupper()


def list_items(text: str, intro: Unit, count: int | None) -> tuple[Unit, list[Unit]]:
    """The items a list introduction announces, read from the document after it: bullet lines (skipping the
    text between them, up to the next heading), or, when the question says how many, the sub-headings.

    Returns the introduction (its first line when it was read together with what follows) and the items."""
    first_line = text[intro.start:intro.end].split("\n", 1)[0]
    head = Unit(intro.start, intro.start + len(first_line.rstrip()), first_line.rstrip())
    lines = [(head.end + m.start(), head.end + m.end()) for m in re.finditer(r"[^\n]+", text[head.end:head.end + 4000])
             if m.group(0).strip()]
    if not lines:
        return intro, []
    if (len(lines) > 1 and lines[0][0] < intro.end and not BULLET.match(text[lines[0][0]:lines[0][1]])
            and BULLET.match(text[lines[1][0]:lines[1][1]])):
        # a heading, then the sentence the bullets make up ("… stärks med totalt 44,3 miljoner kronor"): both lead
        head = Unit(intro.start, lines[0][1], text[intro.start:lines[0][1]])
        lines = lines[1:]
    items: list[Unit] = []
    if BULLET.match(text[lines[0][0]:lines[0][1]]):
        for a, b in lines:
            line = text[a:b]
            if BULLET.match(line):
                items.append(Unit(a, b, line.strip()))
            elif _heading(line):
                break
            if len(items) >= (count or _MAX_ITEMS):
                break
        return (intro if len(items) < 2 else head), (items if len(items) >= 2 else [])
    if count and _heading(text[lines[0][0]:lines[0][1]]):
        for a, b in lines:
            if _heading(text[a:b]):
                items.append(Unit(a, b, text[a:b].strip()))
            if len(items) >= count:
                break
        if len(items) == count:
            return head, items
    return intro, []


def introduces(unit: Unit) -> bool:
    """A unit that announces a list (a heading, a line ending in a colon, 'Nedan följer …') and does not
    already hold it."""
    if sum(1 for line in unit.text.splitlines() if BULLET.match(line)) >= 2:
        return False
    first = unit.text.split("\n", 1)[0]
    return bool(_INTRO.search(first)) or first.rstrip().endswith(":") or _heading(first)
