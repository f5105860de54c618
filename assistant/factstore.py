"""Look up facts by indicator words (the one word matcher, the one glossary), municipality, body, period and kind;
compare two periods of one indicator."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.facts import read_facts_csv
from assistant.language import GRADES, Term, WordMatcher, is_english, load_lexicon, translate
from assistant.numbers import format_number, parse_period, try_parse_number
from assistant.types import Fact

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lowercase without diacritics, for tolerant name matching ('Alingsås' ≈ 'alingsas')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _place(name: str) -> str:
    """A municipality name folded and without "kommun"."""
    return re.sub(r"\s+kommun$", "", fold(name).strip())


@dataclass(frozen=True)
class Comparison:
    """The change between two facts: difference (later minus earlier), direction and a Swedish sentence."""

    difference: float | None
    direction: str | None  # ökade, minskade, oförändrad
    text: str


class FactStore:
    """A set of facts, searchable by indicator words (graded matching) and exact filters."""

    def __init__(self, facts: list[Fact], matcher: WordMatcher | None = None) -> None:
        self.facts = list(facts)
        self.matcher = matcher or WordMatcher()
        self._texts = [f"{f.indicator} {f.group} {f.table} {f.kolada_id}" for f in self.facts]

    @classmethod
    def from_csv(cls, path: Path) -> FactStore:
        """A store over the facts of a CSV written by write_facts_csv."""
        return cls(read_facts_csv(path))

    def _query_terms(self, query: str) -> list[Term]:
        """The words of a query that can name an indicator (English through the glossary; frame words out)."""
        lexicon = self.matcher.lexicon
        translation = translate(query, lexicon=lexicon)
        glossed = translation.swedish and not [w for w in translation.untranslated if not w.isdigit()]
        text = translation.text if glossed or is_english(query, lexicon) else query  # 'sick leave' is all glossary
        return [t for t in self.matcher.terms(text) if t.word not in lexicon.frame_words]

    def _filters(self, f: Fact, municipality: str | None, body: str | None, period: str | None,
                 kind: str | None) -> bool:
        """Whether a fact passes the municipality, body, period and kind filters."""
        if municipality:
            q, m = _place(municipality), _place(f.municipality)
            if not (m.startswith(q) or q.startswith(m)):
                return False
        if body:
            body_words = _WORD.findall(fold(f.body))
            if not all(any(b.startswith(w) for b in body_words) for w in _WORD.findall(fold(body))):
                return False
        if period and not period_matches(f.period, period):
            return False
        return not kind or fold(kind) == fold(f.kind)

    def search(self, query: str | None = None, municipality: str | None = None, body: str | None = None,
               period: str | None = None, kind: str | None = None, limit: int = 20) -> list[Fact]:
        """Facts matching the filters, ranked by how well the indicator matches the query words."""
        return [fact for fact, _ in self.search_scored(query, municipality, body, period, kind, limit)]

    def search_scored(self, query: str | None = None, municipality: str | None = None, body: str | None = None,
                      period: str | None = None, kind: str | None = None,
                      limit: int = 20) -> list[tuple[Fact, float]]:
        """Facts with their coverage: the idf-weighted share of the query words their indicator matches (≥ 0.5)."""
        terms = self._query_terms(query) if query else []
        if query and not terms:
            return []
        phrase = fold(query or "").strip()  # ties go to the indicator that holds the query as written ('3:2 …')
        # a query compound only partly in a name ('hemtjänstindex' ~ 'hemtjänst') names a different, wider indicator
        grades = [{s: g for s, g in self.matcher.match(terms, text).items() if g >= GRADES["tail"]}
                  for text in self._texts]
        weights = {t.stem: math.log(1 + len(self.facts) / max(1, sum(1 for g in grades if g.get(t.stem))))
                   for t in terms}
        total = sum(weights.values()) or 1.0
        ranked: list[tuple[float, bool, int, Fact]] = []
        for i, fact in enumerate(self.facts):
            if not self._filters(fact, municipality, body, period, kind):
                continue
            coverage = sum(weights[s] * g for s, g in grades[i].items()) / total if terms else 1.0
            if coverage >= 0.5:
                ranked.append((-round(coverage, 6), phrase not in fold(self._texts[i]), i, fact))
        ranked.sort(key=lambda r: r[:3])
        return [(fact, -cov) for cov, _phrase, _i, fact in ranked[:limit]]

    def periods_for(self, indicator: str, municipality: str | None = None, body: str | None = None,
                    kind: str | None = None) -> list[str]:
        """The periods that have a fact for this exact indicator name, oldest first."""
        found = {f.period for f in self.facts
                 if fold(f.indicator) == fold(indicator) and self._filters(f, municipality, body, None, kind)}
        return sorted(found, key=_period_key)

    def compare(self, a: Fact, b: Fact) -> Comparison:
        """The change from fact a to fact b (b minus a), in words."""
        name = a.indicator
        if a.number is None or b.number is None:
            text = f"{name}: kan inte jämföras ({a.period}: {a.value}, {b.period}: {b.value})."
            return Comparison(None, None, text)
        decimals = max(_decimals(a.value), _decimals(b.value))
        diff = round(b.number - a.number, decimals)
        if diff == 0:
            text = f"{name} var oförändrad: {a.value} ({a.period}) och {b.value} ({b.period})."
            return Comparison(0.0, "oförändrad", text)
        direction = "ökade" if diff > 0 else "minskade"
        unit = " procentenheter" if (a.unit or b.unit) == "%" else f" {a.unit or b.unit}" if (a.unit or b.unit) else ""
        change = format_number(abs(diff), decimals) + unit
        text = f"{name} {direction} från {a.value} ({a.period}) till {b.value} ({b.period}), med {change}."
        return Comparison(diff, direction, text)


def _decimals(value: str) -> int:
    """How many decimals a value is written with."""
    number = try_parse_number(value)
    return number.decimals if number else 0


def _period_key(label: str) -> tuple[date, str]:
    """Sort key: when the period ends."""
    period = parse_period(label)
    return (period.end if period else date.max, label)


def period_matches(fact_period: str, wanted: str) -> bool:
    """Whether a fact's period falls under the wanted one ('2021' covers '2021-08' and the change '2020/2021')."""
    parsed = parse_period(wanted)
    label = parsed.label if parsed else wanted.strip()
    if len(label) == 10 and label[4] == "-":  # a date asks for its month: 2021-08-31 → 2021-08
        label = label[:7]
    return fact_period == label or fact_period.startswith(f"{label}-") or label in fact_period.split("/")


__all__ = ["Comparison", "FactStore", "fold", "load_lexicon", "period_matches"]
