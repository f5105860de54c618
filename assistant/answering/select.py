"""Selection: the best candidate, what continues it (list items, the reason, the sentence it leans on), and one
candidate for each part of the question or each place compared that the first does not answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answering.frame import Frame
from assistant.answering.units import DocumentUnits
from assistant.language import Lexicon, Term, WordMatcher
from assistant.types import Candidate, Unit

MAX_ITEMS = 12
MAX_PICKS = 4
KEY_FOR_PLACE = 0.5  # a unit for a further place compared must match the question's key term at least this well
FOOTNOTE_REACH = 30  # units after a marked row or sentence where its footnote may stand (below the table)
_MARK = re.compile(r"[^\W\d_] ?(\*{1,3}|[¹²³⁴⁵])(?=\s|$)")


@dataclass
class Pick:
    """A unit chosen for the answer, the candidate it came from, and why it was chosen."""

    unit: Unit
    candidate: Candidate
    role: str  # main, part, place, item, reason, lead


def overlaps(a: Unit, b: Unit) -> bool:
    """Two units of one document that share characters."""
    return a.document == b.document and a.start < b.end and b.start < a.end


def _list_after(doc: DocumentUnits, unit: Unit) -> list[Unit]:
    items = []
    for nxt in doc.after(unit, MAX_ITEMS):
        if nxt.kind != "item":
            break
        items.append(nxt)
    return items


def _list_around(doc: DocumentUnits, unit: Unit) -> list[Unit]:
    """The whole list an item belongs to, with its lead-in line."""
    before = doc.before(unit, MAX_ITEMS)
    start = len(before)
    while start > 0 and before[start - 1].kind == "item":
        start -= 1
    lead = [before[start - 1]] if start > 0 and before[start - 1].kind != "row" else []
    return [*lead, *before[start:], unit, *_list_after(doc, unit)]


def footnote(doc: DocumentUnits, unit: Unit) -> Unit | None:
    """The footnote a unit's marker points to: 'Arbetsliv och Stöd* 0 0 -11,3' → the line below the table that
    starts with the same marker ('*Nytt produktionsområde från 2024 …'); None without a marker or a note."""
    found = _MARK.search(unit.text)
    if found is None:
        return None
    mark = found.group(1)
    for nxt in doc.after(unit, FOOTNOTE_REACH):
        text = nxt.text.lstrip()
        if text.startswith(mark) and text[len(mark):len(mark) + 1] not in ("*", ""):
            return nxt
    return None


def expand(pick: Pick, frame: Frame, doc: DocumentUnits | None, lexicon: Lexicon) -> list[Pick]:
    """A chosen unit with what belongs to it: the items it introduces, the reason that follows, the sentence a
    continuing sentence leans on, the footnote its marker points to."""
    if doc is None:
        return [pick]
    unit, out = pick.unit, [pick]
    if unit.kind != "row" and (unit.text.rstrip().endswith(":") or ("list" in frame.intents and unit.kind != "item")):
        out += [Pick(u, pick.candidate, "item") for u in _list_after(doc, unit)]
    elif unit.kind == "item" and "list" in frame.intents:
        out = [Pick(u, pick.candidate, "item" if u is not unit else pick.role) for u in _list_around(doc, unit)]
    if unit.kind == "sentence" and lexicon.continuation.starts(unit.text):
        before = [u for u in doc.before(unit, 1) if u.kind == "sentence"]
        out = [Pick(u, pick.candidate, "lead") for u in before] + out
    if "why" in frame.intents and not lexicon.causal.find(unit.text):
        reason = next((u for u in doc.after(unit, 2) if u.kind == "sentence" and lexicon.causal.find(u.text)), None)
        if reason is not None:
            out.append(Pick(reason, pick.candidate, "reason"))
    note = footnote(doc, unit)
    if note is not None and not any(overlaps(note, p.unit) for p in out):
        out.append(Pick(note, pick.candidate, "note"))
    return out


def _covered(picks: list[Pick], terms: list[Term], matcher: WordMatcher, context: Callable[[Candidate], str]) -> float:
    text = " ".join(f"{p.unit.text} {context(p.candidate)}" for p in picks)
    found = matcher.match(terms, text)
    return sum(found.values()) / len(terms) if terms else 1.0


@dataclass
class Selector:
    """Chooses the answer's units from ranked candidates."""

    matcher: WordMatcher
    lexicon: Lexicon
    units: Callable[[str], DocumentUnits | None]
    context: Callable[[Candidate], str]
    second: float = 0.0  # a second unit of the same document is quoted when it scores this share of the best

    def choose(self, ranked: list[Candidate], frame: Frame, answerable: bool, part_threshold: float,
               rescore: Callable[[list[Candidate], list[Term]], list[Candidate]],
               places: list[str]) -> list[Pick]:
        """The picks, best first; [] when the question is judged not answered by the documents."""
        if not ranked or not answerable:
            return []
        best = ranked[0]
        picks = expand(Pick(best.unit, best, "main"), frame, self.units(best.unit.document), self.lexicon)
        second = self._best_new(ranked[1:], picks, self.second * best.score) if self.second else None
        if second is not None and second.unit.document == best.unit.document:
            picks += expand(Pick(second.unit, second, "second"), frame, self.units(second.unit.document), self.lexicon)
        for part in frame.parts[1:] if len(frame.parts) > 1 else []:
            if _covered(picks, part.terms, self.matcher, self.context) >= 0.6 or len(picks) >= MAX_PICKS + MAX_ITEMS:
                continue
            extra = self._best_new(rescore(ranked, part.terms), picks, part_threshold * best.score)
            if extra is not None:
                picks += expand(Pick(extra.unit, extra, "part"), frame, self.units(extra.unit.document), self.lexicon)
        for place in places:
            if any(_of_place(p.candidate, place) for p in picks):
                continue
            # each place compared gets its own best unit; when none scores near the first place's (a year said
            # for the first place weighs on the other's units), the best that carries the question's key term
            of_place = [c for c in ranked if _of_place(c, place)]
            extra = self._best_new(of_place, picks, part_threshold * best.score) or self._best_new(
                [c for c in of_place if c.features.get("key", 0.0) >= KEY_FOR_PLACE], picks, 0.0)
            if extra is not None:
                picks.append(Pick(extra.unit, extra, "place"))
        return picks

    @staticmethod
    def _best_new(ranked: list[Candidate], picks: list[Pick], floor: float) -> Candidate | None:
        return next((c for c in ranked if c.score >= floor and not any(overlaps(c.unit, p.unit) for p in picks)),
                    None)


def _of_place(candidate: Candidate, place: str) -> bool:
    folded = place.lower().rstrip("s")
    return folded in candidate.meta.municipality.lower() or folded in candidate.meta.body.lower()
