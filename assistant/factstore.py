"""Look up indicator facts by words (Swedish stemming), municipality, body, period and kind; compare periods."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import Stemmer

from assistant.facts import read_facts_csv
from assistant.numbers import format_number, parse_period, try_parse_number
from assistant.types import Fact

# English (and colloquial) phrases → the Swedish words the tables use. Longest phrases are replaced first.
SYNONYMS: dict[str, str] = {
    "sick leave": "sjukfrånvaro",
    "sickness absence": "sjukfrånvaro",
    "sjukskrivning": "sjukfrånvaro",
    "home care index": "hemtjänstindex",
    "home care": "hemtjänst",
    "home-care": "hemtjänst",
    "nursing homes": "särskilt boende",
    "nursing home": "särskilt boende",
    "säbo": "särskilt boende",
    "waiting time": "väntetid",
    "staff turnover": "personalomsättning",
    "turnover": "personalomsättning",
    "work injuries": "arbetsskador",
    "work injury": "arbetsskador",
    "incidents": "tillbud",
    "personnel costs": "personalkostnader",
    "staff costs": "personalkostnader",
    "municipal allocation": "kommunbidrag",
    "user assessment": "brukarbedömning",
    "user satisfaction": "brukarbedömning",
    "daily activities": "daglig verksamhet",
    "medication errors": "läkemedelsavvikelser",
    "falls": "fallolyckor",
    "deviations": "avvikelser",
    "complaints": "klagomål",
    "employees": "anställda",
    "overtime": "övertid",
    "full-time": "heltid",
    "full time": "heltid",
    "average age": "medelålder",
    "employment rate": "sysselsättningsgrad",
    "investments": "investeringar",
    "revenue": "intäkter",
    "income": "intäkter",
    "costs": "kostnader",
    "result": "resultat",
    "forecast": "prognos",
    "target": "mål",
    "outcome": "utfall",
    "försörjningsstöd": "ekonomiskt bistånd",  # the usual name of the same benefit (SoL 4 kap. 1 §)
    "women": "kvinnor",
    "men": "män",
}
_STOP_WORDS = """i och av för till på med som om den det en ett är var vad hur många mycket har hade blev vilken
vilket vilka inom under mellan från år året åren andel antal the of in for what how was is and to a an did many
much which were are by at kommun kommunen kommuns nämnd nämnden"""
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"\d+:\d+|[^\W_]+")  # "3:2" is a row number worth matching


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
    """The fixed fact set, searchable by fuzzy indicator words and exact filters."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = list(facts)
        self._stemmer = Stemmer.Stemmer("swedish")
        self._terms = [self._tokens(f"{f.indicator} {f.table} {f.kolada_id}") for f in self.facts]
        names = " ".join({f.municipality for f in self.facts} | {f.body for f in self.facts})
        self._names = {s for w, s in self._tokens(names) if w not in ("och", "vård", "stöd", "omsorg")}

    @classmethod
    def from_csv(cls, path: Path) -> FactStore:
        """A store over the facts of a CSV written by write_facts_csv."""
        return cls(read_facts_csv(path))

    def _tokens(self, text: str) -> list[tuple[str, str]]:
        """Words of a text with their Swedish stems (numbers left out)."""
        words = [w for w in _WORD.findall(text.casefold()) if not w.isdigit()]
        return list(zip(words, self._stemmer.stemWords(words), strict=True))

    def _query_terms(self, query: str) -> list[tuple[str, str]]:
        """The words of a query that can match an indicator (synonyms applied, names and stop words out)."""
        text = query.casefold()
        for phrase in sorted(SYNONYMS, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", SYNONYMS[phrase], text)
        return [(w, s) for w, s in self._tokens(text) if w not in _STOP and s not in self._names]

    @staticmethod
    def _match(word: str, stem: str, terms: list[tuple[str, str]]) -> float:
        """How well one query word matches an indicator: 1 same stem, 0.9 a longer form of it, 0.8 prefix, 0.6
        inside a compound."""
        best = 0.0
        for t_word, t_stem in terms:
            if stem == t_stem or word == t_word:
                return 1.0
            if len(t_stem) >= 5 and stem.startswith(t_stem) and len(stem) - len(t_stem) <= 3:
                best = max(best, 0.9)  # a definite form Snowball keeps: "sjukfrånvaron" asked, "sjukfrånvaro" there
            elif len(stem) >= 4 and t_stem.startswith(stem):
                best = max(best, 0.8)  # "hemtjänst" finds "hemtjänsten"
            elif len(stem) >= 6 and stem[-1] in "dt" and t_stem[-1] in "dt" and stem[:-1] == t_stem[:-1]:
                best = max(best, 0.9)  # an adjective's forms: "särskilda" (särskild) finds "särskilt"
            elif len(stem) == 4 and t_word.startswith(stem) and len(t_word) >= 8:
                best = max(best, 0.6)  # a short stem heading a compound: "brukarna" (bruk) in "brukarbedömning"
            elif len(stem) >= 5 and stem in t_word:
                best = max(best, 0.6)  # compounds: "sjukfrånvaro" in "långtidssjukfrånvaro"
            elif len(t_stem) >= 5 and word.startswith(t_stem) and _compound_of(word, terms):
                best = max(best, 0.5)  # the other way: "bruttokostnad" asked, "brutto kostnad" in the table
        return best

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
                      period: str | None = None, kind: str | None = None, limit: int = 20,
                      ignore_unknown: bool = False) -> list[tuple[Fact, float]]:
        """Like search, with each fact's coverage: the idf-weighted share of query words its indicator matches."""
        words = self._query_terms(query) if query else []
        if query and not words:
            return []
        # Rarer words weigh more: "väntetid" says more than "boende".
        per_word = [[self._match(w, s, terms) for terms in self._terms] for w, s in words]
        if ignore_unknown:
            # Words no indicator has ("blev", "anmäldes", "utfallet") say nothing about which indicator is meant.
            per_word = [col for col in per_word if any(col)]
            if not per_word:
                return []
            words = words[: len(per_word)]
        weights = [math.log(1 + len(self.facts) / max(1, sum(1 for x in col if x))) for col in per_word]
        ranked: list[tuple[float, float, int, Fact]] = []
        for i, fact in enumerate(self.facts):
            if not self._filters(fact, municipality, body, period, kind):
                continue
            scores = [col[i] for col in per_word]
            if words and not all(scores) and len(words) <= 2 and not ignore_unknown:
                continue
            coverage = sum(w for w, x in zip(weights, scores, strict=True) if x) / sum(weights) if words else 1.0
            if coverage < 0.5:
                continue
            score = sum(w * x for w, x in zip(weights, scores, strict=True))
            ranked.append((-round(coverage, 6), -score, i, fact))
        ranked.sort(key=lambda r: r[:3])
        return [(fact, -cov) for cov, _score, _i, fact in ranked[:limit]]

    def periods_for(self, indicator: str, municipality: str | None = None, body: str | None = None,
                    kind: str | None = None) -> list[str]:
        """The periods that have a fact for this exact indicator name, oldest first."""
        found = {
            f.period
            for f in self.facts
            if fold(f.indicator) == fold(indicator) and self._filters(f, municipality, body, None, kind)
        }
        return sorted(found, key=_period_key)

    def compare(self, a: Fact, b: Fact) -> Comparison:
        """The change from fact a to fact b (b minus a), in words."""
        name = a.indicator
        if a.number is None or b.number is None:
            text = f"{name}: kan inte jämföras ({a.period}: {a.value}, {b.period}: {b.value})."
            return Comparison(None, None, text)
        diff = b.number - a.number
        decimals = max(_decimals(a.value), _decimals(b.value))
        diff = round(diff, decimals)
        if diff == 0:
            text = f"{name} var oförändrad: {a.value} ({a.period}) och {b.value} ({b.period})."
            return Comparison(0.0, "oförändrad", text)
        direction = "ökade" if diff > 0 else "minskade"
        unit = " procentenheter" if (a.unit or b.unit) == "%" else f" {a.unit or b.unit}" if (a.unit or b.unit) else ""
        change = format_number(abs(diff), decimals) + unit
        text = f"{name} {direction} från {a.value} ({a.period}) till {b.value} ({b.period}), med {change}."
        return Comparison(diff, direction, text)


def _compound_of(word: str, terms: list[tuple[str, str]]) -> bool:
    """Whether a word is two of the indicator's words written together ("brutto" + "kostnad")."""
    for cut in range(4, len(word) - 3):
        head, tail = word[:cut], word[cut:]
        if any(w.startswith(head) for w, _ in terms) and any(
                w.startswith(tail) or (len(w) >= 4 and tail.startswith(w)) for w, _ in terms):  # "intäkt|er"
            return True
    return False


def _decimals(value: str) -> int:
    """How many decimals a value is written with."""
    number = try_parse_number(value)
    return number.decimals if number else 0


def _period_key(label: str) -> tuple[date, str]:
    """Sort key: when the period ends."""
    period = parse_period(label)
    return (period.end if period else date.max, label)


def period_matches(fact_period: str, wanted: str) -> bool:
    """Whether a fact's period falls under the wanted one ('2021' covers '2021-08-31' and '2021-H1')."""
    parsed = parse_period(wanted)
    label = parsed.label if parsed else wanted.strip()
    return fact_period == label or fact_period.startswith(f"{label}-") or label in fact_period.split("/")
