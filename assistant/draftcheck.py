"""Fact locking: placeholders rendered from the fact set, every number in a text traced, direction words checked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from assistant.factstore import period_matches
from assistant.numbers import SwedishNumber, canonical_unit, find_numbers, normalize_number_text, parse_period
from assistant.types import Fact, Finding, NumberTrace

PLACEHOLDER = re.compile(r"\{\{?\s*([FP]\d+)\s*\}?\}")
_DIRECTION = re.compile(
    r"(?<!\w)(?:(?P<change>ökade|ökat|ökar|ökning(?:en)?|minskade|minskat|minskar|minskning(?:en)?|sjönk|"
    r"oförändrad|oförändrat|oförändrade)|(?P<comp>högre|lägre)|"
    r"(?P<target>över|under|i nivå med)\s+mål(?:värdet|et|nivån|talet))(?!\w)",
    re.IGNORECASE,
)
_UP = ("ök", "hög", "över")
_DOWN = ("minsk", "sjönk", "läg", "under")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
_THAN = re.compile(r"(?<!\w)än(?!\w)", re.IGNORECASE)
_COMPARATOR = ("<", ">", "≤", "≥")
_DIRECTION_SV = {"upp": "en ökning", "ner": "en minskning", "lika": "oförändrat"}


def missing_text(fact: Fact) -> str:
    """How a fact without a value is stated: never as a number."""
    return "uppgift saknas (IU.)" if fact.status == "IU." else "uppgift saknas"


def comparable(fact: Fact) -> bool:
    """Whether a fact is a plain number that a direction word can be checked against."""
    return (fact.status == "ok" and fact.number is not None and fact.unit != "riktning"
            and not fact.value.lstrip().startswith(_COMPARATOR))


def _decimals(value: str) -> int:
    """Decimals of the first number in a value ('52,5 (plats 121)' → 1)."""
    found = find_numbers(value)
    return found[0][2].decimals if found else 0


def compare(a: Fact, b: Fact) -> str | None:
    """The direction from a to b at the precision they are written with: upp, ner, lika, or None."""
    if not (comparable(a) and comparable(b)):
        return None
    assert a.number is not None and b.number is not None
    diff = round(b.number - a.number, max(_decimals(a.value), _decimals(b.value)))
    return "lika" if diff == 0 else "upp" if diff > 0 else "ner"


def period_end(label: str) -> date:
    """When a period ends (unknown labels last)."""
    parsed = parse_period(label)
    return parsed.end if parsed else date.max


@dataclass(frozen=True)
class Protected:
    """A span written by code: a fact value (rendered or matched literally), a missing-value note, or a quote."""

    start: int
    end: int
    key: str
    kind: str  # fact, missing, quote
    how: str = "rendered"  # rendered, literal


@dataclass
class Scope:
    """What a text may contain: facts and quotes by key, periods, allowed numbers, names that hold digits."""

    facts: dict[str, Fact]
    quotes: dict[str, str] = field(default_factory=dict)
    years: set[int] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    allowed: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, facts: dict[str, Fact], period: str, allowed: Iterable[str] = (),
              quotes: dict[str, str] | None = None, labels: Iterable[str] = ()) -> Scope:
        """The scope of a draft: periods of the request and of every fact, names of tables and indicators."""
        years, dates = set(), set()
        for label in [period, *(f.period for f in facts.values())]:
            years |= {int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", label)}
            parsed = parse_period(label)
            if parsed and parsed.start == parsed.end:
                dates.add(parsed.start)
        names = {n for f in facts.values() for n in (f.indicator, f.table, *f.indicator.split(" – "))}
        names |= set(labels)
        # Names are written by code or copied from the table; digits and direction words in them are not claims.
        with_digits = sorted((n for n in names if len(n) >= 4 and re.search(r"[^\W\d_]", n)), key=len, reverse=True)
        return cls(facts=dict(facts), quotes=dict(quotes or {}), years=years, dates=dates,
                   allowed={normalize_number_text(a) for a in allowed if normalize_number_text(a)},
                   labels=with_digits)

    def sub(self, keys: Iterable[str]) -> Scope:
        """The same scope with only these facts."""
        return Scope({k: self.facts[k] for k in keys}, self.quotes, self.years, self.dates, self.allowed, self.labels)


@dataclass
class Rendered:
    """Text with its placeholders replaced, the spans code wrote, and placeholder problems."""

    text: str
    spans: list[Protected]
    findings: list[Finding] = field(default_factory=list)


def render(template: str, scope: Scope) -> Rendered:
    """Replace {F12} with the fact's value exactly as written (or 'uppgift saknas'), {P1} with the quote."""
    out: list[str] = []
    spans: list[Protected] = []
    findings: list[Finding] = []
    pos = length = 0
    for m in PLACEHOLDER.finditer(template):
        out.append(template[pos : m.start()])
        length += m.start() - pos
        key = m.group(1)
        fact, quote = scope.facts.get(key), scope.quotes.get(key)
        if fact is not None:
            text, kind = (fact.value, "fact") if fact.present else (missing_text(fact), "missing")
            mark = unreviewed_mark(fact, template, m.end())
        elif quote is not None:
            text, kind = quote, "quote"
        else:
            text, kind = f"[okänd uppgift {key}]", ""
            findings.append(Finding(kind="placeholder", text=m.group(0), start=length, end=length + len(text),
                                    reason=f"Platshållaren {m.group(0)} finns inte i faktatabellen.", fact_key=key))
        if kind:
            spans.append(Protected(length, length + len(text), key, kind))
        out.append(text)
        length += len(text)
        pos = m.end()
        if fact is not None and mark:
            unit, note = mark
            out.append(unit + note)
            length += len(unit) + len(note)
            pos += len(unit)
    out.append(template[pos:])
    return Rendered("".join(out), spans, findings)


UNREVIEWED = " [ej granskad]"


def unreviewed_mark(fact: Fact, template: str, after: int) -> tuple[str, str] | None:
    """For a value nobody has reviewed: the unit the template writes after it (kept before the mark) and the mark."""
    if fact.reviewed or not fact.present:
        return None
    unit = fact.unit.strip()
    for written in (f" {unit}", unit) if unit else ():
        end = after + len(written)
        if template.startswith(written, after) and not template[end:end + 1].isalnum():
            return written, UNREVIEWED
    return "", UNREVIEWED


def join_rendered(pieces: list[Rendered], sep: str = "") -> Rendered:
    """Concatenate rendered texts, shifting their spans."""
    out, spans, offset = [], [], 0
    for i, piece in enumerate(pieces):
        if i and sep:
            out.append(sep)
            offset += len(sep)
        spans += [Protected(p.start + offset, p.end + offset, p.key, p.kind, p.how) for p in piece.spans]
        out.append(piece.text)
        offset += len(piece.text)
    return Rendered("".join(out), spans)


@dataclass(frozen=True)
class Ref:
    """A fact the text states, and where."""

    start: int
    end: int
    key: str
    fact: Fact


@dataclass
class CheckResult:
    """Every number traced or rejected, the findings, and the facts the text refers to."""

    numbers: list[NumberTrace]
    findings: list[Finding]
    refs: list[Ref]
    literal: list[Protected] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True with no findings."""
        return not self.findings


def _label_spans(text: str, labels: list[str], taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Occurrences of names that hold digits ('3:2 Sjukfrånvaro (%)'), outside code-written spans."""
    found: list[tuple[int, int, str]] = []
    lowered = text.casefold()
    for label in labels:
        needle, start = label.casefold(), 0
        while (i := lowered.find(needle, start)) >= 0:
            j = i + len(needle)
            if not any(s < j and i < e for s, e in taken) and not any(s <= i and j <= e for s, e, _ in found):
                found.append((i, j, label))
            start = i + 1
    return found


def _fact_numbers(fact: Fact) -> list[SwedishNumber]:
    """The numbers written in a fact's value ('116 st (38% av brukarna)' → 116 st, 38%)."""
    return [n for _, _, n in find_numbers(fact.value) if n.value is not None] if fact.status == "ok" else []


def _same_number(token: SwedishNumber, written: SwedishNumber) -> bool:
    """Whether a token is a fact's number: same digits and sign, and no unit the fact does not have."""
    same = normalize_number_text(token.raw) == normalize_number_text(written.raw)
    return same and token.comparator == written.comparator and (not token.unit or token.unit == written.unit)


def _literal(token: SwedishNumber, start: int, text: str, scope: Scope, refs: list[Ref]) -> tuple[str, Fact] | None:
    """The fact a literally written number copies; ties go to the indicator and year named nearby."""
    candidates = [(k, f) for k, f in scope.facts.items() if any(_same_number(token, n) for n in _fact_numbers(f))]
    if not candidates:
        return None
    para_start = text.rfind("\n\n", 0, start) + 1
    para_end = len(text) if (e := text.find("\n\n", start)) < 0 else e
    paragraph = text[para_start:para_end].casefold()
    near = text[max(0, start - 25) : start + len(token.raw) + 15]
    nearby = {r.fact.indicator for r in refs if para_start <= r.start < para_end}

    def score(item: tuple[str, Fact]) -> tuple[int, int]:
        fact = item[1]
        named = fact.indicator in nearby or fact.indicator.casefold()[:30] in paragraph
        year = any(y in near for y in re.findall(r"(?:19|20)\d{2}", fact.period))
        return (-(2 * named + year), int(item[0][1:]))

    return min(candidates, key=score)


def _period(token: SwedishNumber, scope: Scope) -> bool:
    """Whether a token is a year or date within the draft's periods."""
    if token.unit == "datum":
        parsed = parse_period(token.raw)
        return parsed is not None and parsed.start in scope.dates
    if token.value is None or token.unit or token.decimals or token.comparator or token.value < 0:
        return False
    raw = token.raw  # years and dates are written without spaces: '2 024' is a count, not the year 2024
    if len(raw) == 4:
        return int(raw) in scope.years
    if len(raw) == 6 and (parsed := parse_period(raw)) is not None:
        return parsed.start in scope.dates
    return False


def _sentences(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans; a full stop inside a name or value does not end a sentence."""
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(text)))
    return [b for b in bounds if text[b[0] : b[1]].strip()]


def _previous(fact: Fact, scope: Scope) -> Fact | None:
    """The same indicator's value of the same kind for the period before."""
    earlier = [f for f in scope.facts.values() if (f.document, f.table, f.indicator, f.kind)
               == (fact.document, fact.table, fact.indicator, fact.kind) and period_end(f.period) < period_end(
                   fact.period)]
    return max(earlier, key=lambda f: period_end(f.period), default=None)


def _target(subject: Fact, inside: list[Ref], scope: Scope) -> Fact | None:
    """The target value (mål) a value is measured against: in the sentence, else the indicator's for that period."""
    goals = [r.fact for r in inside if r.fact.kind == "mål"]
    goals += [f for f in scope.facts.values() if f.kind == "mål" and (f.document, f.table, f.indicator) ==
              (subject.document, subject.table, subject.indicator) and period_matches(subject.period, f.period)]
    same = [g for g in goals if g.indicator == subject.indicator]
    return next(iter(same or goals), None)


def _judge(m: re.Match[str], text: str, sentence: tuple[int, int], refs: list[Ref], scope: Scope
           ) -> tuple[str | None, Fact | None, Fact | None]:
    """What the facts say the direction is, and between which two facts (None when they cannot tell)."""
    inside = [r for r in refs if sentence[0] <= r.start < sentence[1]]
    if not inside:
        return None, None, None
    if m.group("target"):
        before = [r for r in inside if r.start < m.start() and r.fact.kind != "mål"]
        candidates = before or [r for r in inside if r.fact.kind != "mål"]
        subject = candidates[-1] if candidates else None
        goal = _target(subject.fact, inside, scope) if subject else None
        return (compare(goal, subject.fact), goal, subject.fact) if subject and goal else (None, None, None)
    than = _THAN.search(text, m.end(), sentence[1]) if m.group("comp") else None
    if than:
        before = [r for r in inside if r.start < than.start()]
        after = [r for r in inside if r.start > than.end()]
        if before and after:
            return compare(after[0].fact, before[-1].fact), after[0].fact, before[-1].fact
    anchor = min(inside, key=lambda r: min(abs(r.start - m.end()), abs(m.start() - r.end)))
    row = (anchor.fact.document, anchor.fact.table, anchor.fact.indicator, anchor.fact.kind)
    same = sorted({r.key: r.fact for r in inside if (r.fact.document, r.fact.table, r.fact.indicator, r.fact.kind)
                   == row}.values(), key=lambda f: period_end(f.period))
    first, last = (same[0], same[-1]) if len(same) > 1 else (_previous(anchor.fact, scope), anchor.fact)
    return (compare(first, last), first, last) if first else (None, None, last)


def _describe(fact: Fact, key: str) -> str:
    """'F2 (80 %, 2023)'."""
    return f"{key} ({fact.value}, {fact.period})"


def check_directions(text: str, refs: list[Ref], scope: Scope, taken: list[tuple[int, int]]) -> list[Finding]:
    """Every direction word outside names and values must agree with the facts of its sentence."""
    keys = {id(f): k for k, f in scope.facts.items()}
    findings = []
    sentences = _sentences(text, taken)
    for m in _DIRECTION.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        sentence = next((s for s in sentences if s[0] <= m.start() < s[1]), (0, len(text)))
        word = m.group(0).casefold()
        said = ("upp" if word.startswith(_UP) else "ner" if word.startswith(_DOWN) else "lika")
        actual, a, b = _judge(m, text, sentence, refs, scope)
        if actual == said:
            continue
        if actual is None:
            reason = f"Riktningsordet ”{m.group(0)}” kan inte kontrolleras: meningen har inga jämförbara värden."
        else:
            assert a is not None and b is not None
            reason = (f"Riktningsordet ”{m.group(0)}” stämmer inte med fakta: från {_describe(a, keys.get(id(a), ''))} "
                      f"till {_describe(b, keys.get(id(b), ''))} är {_DIRECTION_SV[actual]}.")
        findings.append(Finding(kind="direction", text=m.group(0), start=m.start(), end=m.end(), reason=reason,
                                fact_id=b.id if b else "", fact_key=keys.get(id(b), "") if b else ""))
    return findings


def check(text: str, spans: list[Protected], scope: Scope, *, literal: bool = True,
          require: Iterable[tuple[str, str]] = ()) -> CheckResult:
    """Trace every number to a code-written value, a name, a period or the request; check direction words."""
    refs = [Ref(p.start, p.end, p.key, scope.facts[p.key]) for p in spans
            if p.kind in ("fact", "missing") and p.key in scope.facts]
    written = [(p.start, p.end) for p in spans]
    labels = _label_spans(text, scope.labels, written)
    numbers: list[NumberTrace] = []
    findings: list[Finding] = []
    literal_spans: list[Protected] = []
    for start, end, token in find_numbers(text):
        trace = NumberTrace(text=token.raw, start=start, end=end, source="rejected")
        holder = next((p for p in spans if p.start <= start < p.end or p.start < end <= p.end), None)
        label = next((lb for lb in labels if lb[0] <= start and end <= lb[1]), None)
        if holder is not None:
            tail = text[holder.end : end].strip()
            fact = scope.facts.get(holder.key)
            unit_ok = not tail or (fact is not None and canonical_unit(tail) == fact.unit != "")
            if start < holder.start or not unit_ok:
                trace.reason = (f"Enheten ”{tail}” står inte i faktat." if start >= holder.start and tail else
                                "Talet går utanför det inlagda värdet.")
            else:
                source = "quote" if holder.kind == "quote" else "fact"
                how = "skrivet som siffra" if holder.how == "literal" else "inlagt av programmet"
                trace = trace.model_copy(update={"source": source, "fact_key": holder.key, "fact_id": fact.id if fact
                                                 else "", "reason": "citat ur källan" if fact is None else how})
        elif label is not None:
            trace.source, trace.reason = "label", f"del av namnet ”{label[2]}”"
        elif _period(token, scope):
            trace.source, trace.reason = "period", "period i underlaget"
        elif literal and (hit := _literal(token, start, text, scope, refs)) is not None:
            key, fact = hit
            refs.append(Ref(start, end, key, fact))
            literal_spans.append(Protected(start, end, key, "fact", "literal"))
            trace = trace.model_copy(update={"source": "fact", "fact_key": key, "fact_id": fact.id,
                                             "reason": "skrivet som siffra"})
        elif normalize_number_text(token.raw) in scope.allowed:
            trace.source, trace.reason = "allowed", "tillåtet i beställningen"
        else:
            trace.reason = "Talet finns inte bland fakta för nämnden och är ingen period i underlaget."
        numbers.append(trace)
        if trace.source == "rejected":
            findings.append(Finding(kind="number", text=token.raw, start=start, end=end, reason=trace.reason))
    taken = written + [(s, e) for s, e, _ in labels] + [(p.start, p.end) for p in literal_spans]
    findings += check_directions(text, refs, scope, taken)
    stated = {(r.fact.table, r.fact.indicator) for r in refs}
    for table, name in require:
        if (table, name) not in stated:
            findings.append(Finding(kind="missing_indicator", text=name, section=table,
                                    reason=f"Nyckeltalet ”{name}” ({table}) saknas i texten."))
    findings.sort(key=lambda f: (f.start < 0, f.start))
    return CheckResult(numbers, findings, sorted(refs, key=lambda r: r.start), literal_spans)


def findings_text(findings: list[Finding]) -> str:
    """Findings as a numbered Swedish list (the repair prompt's feedback)."""
    return "\n".join(f"{i}. {f.reason} (”{f.text}”)" for i, f in enumerate(findings, start=1))
