"""Answers from the reviewed fact set: the table row a question names, the periods and kinds it asks for.

A row is used only if retrieval agrees it lies in a top passage; a period the row does not have is a refusal
with the reason, never a neighbouring figure. Every value is cited by its span in the cleaned document,
from the table's column header line so that the years the answer names are inside the quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.compose import CITATION_KEY, YEAR
from assistant.factstore import FactStore, period_matches
from assistant.numbers import find_numbers
from assistant.query import Filters, drop_english_stopwords, expand_english, is_english, meta_matches
from assistant.question import OUTCOME_KINDS, Analysis, carries, qualifiers, with_digits
from assistant.retrieve import ScoredChunk
from assistant.service import AskRequest
from assistant.settings import AnswerSettings
from assistant.types import Answer, Citation, Fact, SourceDocument


class FactAnswerer:
    """Numeric questions answered from the fact set (None when no agreeing row is found)."""

    def __init__(
        self, facts: FactStore, documents: Callable[[str], SourceDocument | None], settings: AnswerSettings,
        glossary: dict[str, str], municipalities: Callable[[], set[str]],
        refuse: Callable[[str, list[ScoredChunk], str], Answer],
    ) -> None:
        self.facts, self.documents, self.settings, self.glossary = facts, documents, settings, glossary
        self.municipalities, self.refuse = municipalities, refuse

    def answer(
        self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk], applied: dict
    ) -> Answer | None:
        """A numeric question answered from the reviewed fact set, if retrieval agrees on where the row is."""
        rows = self._fact_rows(question, chunks, applied)
        if not rows:
            return None
        row = full = self._base_row(question, self._named_column(question, rows[0]))
        best = row[0]
        if "bokslut" in analysis.kinds and not any(f.kind == "bokslut" for f in row):
            # a year-end result: an outcome for the whole year stands in for it, a part-year one does not
            row = [f for f in row if f.kind != "utfall" or re.fullmatch(r"\d{4}", f.period)]
        chosen = row
        if analysis.years:
            years = analysis.years
            if analysis.trend and len(years) >= 2:  # "2021–2023": every year between
                years = [str(y) for y in range(int(min(years)), int(max(years)) + 1)]
            elif analysis.trend:  # "förändrades under 2024": from the year before
                years = [str(int(years[0]) - 1), years[0]]
            chosen = [f for f in row if any(period_matches(f.period, y) for y in years)]
            kinds = list(analysis.kinds)
            if "budget" in kinds and len(kinds) >= 2 and "avvikelse" not in kinds:
                kinds.append("avvikelse")  # a forecast or result against the budget: the deviation says how far
            wanted_kinds = [k for k in kinds if any(f.kind == k for f in row)]
            if wanted_kinds:  # the outcome is always wanted beside a target or forecast
                chosen = [f for f in chosen if f.kind in {*wanted_kinds, *OUTCOME_KINDS}]
            elif any(f.kind in OUTCOME_KINDS for f in chosen) and not analysis.trend:
                chosen = [f for f in chosen if f.kind in {*OUTCOME_KINDS, "mål"}]  # not differences or forecasts
            elif not analysis.trend:  # differences and deviations only when asked for
                chosen = [f for f in chosen if f.kind not in ("differens", "avvikelse")] or chosen
            if not chosen or (all(f.status != "ok" for f in chosen) and not any(
                    f.status.rstrip(".").lower() in ("saknas", "iu") for f in chosen)):
                return self.refuse(request.question, chunks, self._missing_note(best, chosen, full, analysis))
            if any(f.status.rstrip(".").lower() in ("saknas", "iu") for f in chosen) and all(
                    f.status != "ok" for f in chosen):  # the table says in words that the value is missing
                answer = self._fact_answer(request.question, best, chosen, analysis)
                note = (f" Dokumentet redovisar inget värde för {', '.join(analysis.years)} "
                        f"(i tabellen står {', '.join(sorted({f.value for f in chosen}))}).")
                return answer.model_copy(update={"answer": answer.answer + note})
            outcomes = [f for f in chosen if f.kind == "utfall"]
            implicit = not {"mål", "prognos", "budget", "avvikelse", "differens"} & set(analysis.kinds)
            if implicit and any(f.kind == "utfall" for f in row) and (
                not outcomes or all(f.status != "ok" for f in outcomes)
            ):  # the outcome is what was asked for, and it is missing: a target or forecast is no answer
                return self.refuse(request.question, chunks, self._missing_note(best, outcomes, full, analysis))
        elif analysis.kinds:  # "… och vad är målet?": the target with the outcomes it is measured against
            chosen = [f for f in row if f.kind in {*analysis.kinds, *OUTCOME_KINDS}] or row
        answer = self._fact_answer(request.question, best, chosen, analysis)
        asked = {(f.kind, f.period) for f in chosen}
        columns = self._columns(chosen or [best])
        swedish = self._indicator_words(self._in_swedish(question))
        named = self._head_named(swedish, columns)
        if len(columns) > 1 and (len(named) > 1 or not any(names_any(swedish, c) for c in columns)):
            # "budgeten för Myndighet" names the row and none of its columns: every column, not the first;
            # "total bruttokostnad och budgeterat resultat" names two: both
            every = [f for column, facts in columns.items() if len(named) < 2 or column in named
                     for f in facts if (f.kind, f.period) in asked and (f.status == "ok" or f in chosen)]
            return self._fact_answer(request.question, best, every or chosen, analysis)
        if not qualifiers(question):  # "hemtjänst i Herrljunga": three unit rows answer alike; none is "the" one
            words = self._indicator_words(question)
            same = [r for r in rows[1:6] if (r[0].document, r[0].table) == (best.document, best.table)
                    and row_of(r[0]) != row_of(best) and self._alike(words, question, r[0], best)]
            for other in same:
                also = [f for f in other if (f.kind, f.period) in asked and f.status == "ok"]
                if also:
                    answer = joined(answer, self._fact_answer(request.question, other[0], also, analysis))
            if same:
                return answer
        for other in rows[1:3]:  # "arbetsskador och tillbud": a second row of the same table that the first misses
            if (other[0].document, other[0].table) != (best.document, best.table) or _row_name(other[0]) == _row_name(
                    best) or not (
                    asked_words(question, other[0].indicator) - asked_words(question, best.indicator)):
                continue
            also = [f for f in other if (f.kind, f.period) in asked and f.status == "ok"]
            if also:
                answer = joined(answer, self._fact_answer(request.question, other[0], also, analysis))
            break
        return answer

    def per_place(
        self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk], applied: dict,
        places: list[str], search: Callable[[str], list[ScoredChunk]] | None = None,
    ) -> Answer | None:
        """'Jämför sjukfrånvaron i Alingsås 2024 med Herrljunga juni 2021': each municipality's own row, side by
        side (a comparison across municipalities is no trend within one). None unless a row is found for one.

        search(place), when given, ranks passages within one municipality: its row must lie among its own top
        passages, which a ranking over both municipalities may not show."""
        side = Analysis(**{**analysis.__dict__, "trend": False})
        answers: list[Answer] = []
        for place in places:
            own = search(place) if search else [c for c in chunks if meta_matches(c.meta, Filters(municipality=place))]
            found = self.answer(request, question, side, own, {**applied, "municipality": place})
            if found is not None and not found.refused:
                answers.append(found)
        if not answers:
            return None
        answer = answers[0]
        for more in answers[1:]:
            answer = joined(answer, more)
        return answer

    def _columns(self, facts: list[Fact]) -> dict[str, list[Fact]]:
        """The facts of every column on the table lines of 'row – column' facts, by column, in table order
        (a budget line holds its periods too; a table of units per half-year has a line per period). Sub-rows
        written the same way ('Total sjukfrånvaro – Kvinnor') stand on lines of their own and are not columns."""
        lines = {(f.document, f.table, f.start, row_of(f)) for f in facts if _column(f)}
        columns: dict[str, list[Fact]] = {}
        for f in self.facts.facts:
            if _column(f) and (f.document, f.table, f.start, row_of(f)) in lines:
                columns.setdefault(_column(f), []).append(f)
        return columns

    def _named_column(self, question: str, row: list[Fact]) -> list[Fact]:
        """The column whose head word the question names ('intäkter' → 'brutto intäkt'), when the words that put
        another column first were only its modifiers ('budgeterat' of 'budgeterat resultat')."""
        columns = self._columns(row[:1])
        named = self._head_named(self._indicator_words(self._in_swedish(question)), columns)
        if len(named) == 1 and _column(row[0]) not in named:
            return columns[named[0]]
        return row

    @staticmethod
    def _head_named(asked: str, columns: dict[str, list[Fact]]) -> list[str]:
        """The columns whose head word (a column name's last word: 'kostnad' of 'brutto kostnad') the asked
        indicator words name."""
        return [c for c in columns if names_any(asked, c.split()[-1])]

    def _base_row(self, question: str, row: list[Fact]) -> list[Fact]:
        """'Total sjukfrånvaro – Dag 59>' for a question that does not name 'Dag 59>': the table's own row
        'Total sjukfrånvaro', when it has one (a passage may hold only the sub-row of a split table)."""
        column = _column(row[0])
        if not column or names_any(question, column) or is_english(question):  # "among men" names "Män" too
            return row
        name = row_of(row[0])
        base = [f for f in self.facts.facts
                if (f.document, f.table, f.indicator) == (row[0].document, row[0].table, name)]
        return base or row

    def extreme(self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk],
                applied: dict) -> Answer | None:
        """'Vilket produktionsområde har störst bruttokostnad i budget 2024?': of the rows of one table with the
        asked column ('– brutto kostnad'), period and kind, the one with the largest (or smallest) value.

        Only when the question names the column, the table has at least three rows besides its total, and the
        values share a sign (costs are negative: the largest cost is the largest amount). Else None."""
        said = HIGH.search(question) or LOW.search(question)
        if said is None:
            return None
        high = bool(HIGH.search(question))
        rows = self._fact_rows(question, chunks, applied)
        named = next((r for r in rows if _column(r[0]) and names_all(question, _column(r[0]))), None)
        if named is None:
            return None
        best = named[0]
        same = [f for f in self.facts.facts if (f.document, f.table) == (best.document, best.table)
                and _column(f) == _column(best) and f.status == "ok" and f.number is not None
                and not _TOTAL.match(_row_name(f))]
        if analysis.years:
            same = [f for f in same if any(period_matches(f.period, y) for y in analysis.years)]
        kinds = [k for k in analysis.kinds if any(f.kind == k for f in same)]
        if kinds:
            same = [f for f in same if f.kind in kinds]
        if len({(f.period, f.kind) for f in same}) != 1 or len({_row_name(f) for f in same}) < 3:
            return None  # one column of one period: else the comparison is not the one asked for
        numbers = [f.number for f in same if f.number is not None]
        if min(numbers) < 0 < max(numbers):
            return None
        top = (max if high else min)(same, key=lambda f: abs(f.number or 0.0))
        answer = self._fact_answer(request.question, top, [top], analysis)
        lead = f"{row_of(top)} har {said.group(0).lower()} {_column(top)} av raderna i tabellen. "
        return answer.model_copy(update={"answer": lead + answer.answer})

    def _fact_rows(self, question: str, chunks: list[ScoredChunk], applied: dict) -> list[list[Fact]]:
        """Table rows (facts of one indicator) that match the question and lie in a top passage, best first."""
        asked = [question]
        if is_english(question):  # the fact set is Swedish: ask in the glossary's Swedish terms first
            asked.insert(0, self._in_swedish(question))
        for text in asked:
            scored = self.facts.search_scored(
                self._indicator_words(text), municipality=applied.get("municipality") or None,
                body=applied.get("body") or None, limit=400, ignore_unknown=True,
            )
            rows = self._agreeing_rows(text, scored, chunks)  # ranked by the words searched
            if rows:
                return rows
        return []

    def _in_swedish(self, question: str) -> str:
        """An English question with the glossary's Swedish terms added ('cost' → 'kostnad'); Swedish as it is."""
        if not is_english(question):
            return question
        return " ".join([drop_english_stopwords(question), *expand_english(question, self.glossary)])

    def _indicator_words(self, text: str) -> str:
        """The words of a question that may name an indicator (see fact_query), municipality names left out."""
        places = {m.split()[0].rstrip("s").lower() for m in self.municipalities() if m}
        return " ".join(w for w in fact_query(text).split() if w.lower().rstrip("s") not in places)

    def best_named(self, question: str, applied: dict) -> str:
        """The name of the row that best matches the question's indicator words (within the applied filters), or
        '' when none matches well enough."""
        scored = self.facts.search_scored(self._indicator_words(question),
                                          municipality=applied.get("municipality") or None,
                                          body=applied.get("body") or None, limit=1, ignore_unknown=True)
        if not scored or scored[0][1] < self.settings.fact_min_coverage:
            return ""
        return row_of(scored[0][0])

    def _agreeing_rows(self, question: str, scored: list[tuple[Fact, float]],
                       chunks: list[ScoredChunk]) -> list[list[Fact]]:
        """The matched facts grouped by table row, kept if a top passage holds the row, best first."""
        top = chunks[: self.settings.fact_agreement_k]
        groups: dict[tuple[str, str, str], list[Fact]] = {}
        coverage: dict[tuple[str, str, str], float] = {}
        figures = qualifiers(question)  # "under 29 år": the row "<29 år" before its table's total

        def carried(indicator: str) -> int:
            return sum(carries(indicator, f) for f in figures)

        for fact, cov in scored:
            # the store weighs words only; a row carrying every figure the question names has one word more
            if cov < self.settings.fact_min_coverage and not (figures and carried(fact.indicator) == len(figures)):
                continue
            key = (fact.document, fact.table, fact.indicator)
            groups.setdefault(key, []).append(fact)
            coverage[key] = max(coverage.get(key, 0.0), cov)

        def agrees(facts: list[Fact]) -> bool:
            return any(c.chunk.document == f.document and c.chunk.start < f.end and f.start < c.chunk.end
                       for f in facts for c in top)  # a passage may cut a row: overlapping is agreeing

        words = self._indicator_words(question)
        ranked = sorted(
            (key for key in groups if agrees(groups[key])),
            key=lambda key: (-carried(key[2]), *_word_rank(words, question, key[2]), -coverage[key], key),
        )
        return [groups[key] for key in ranked]

    @staticmethod
    def _alike(words: str, question: str, one: Fact, other: Fact) -> bool:
        """Two rows the question cannot tell apart: the same asked words, each with words of its own that were
        not asked ('443 Hemtjänst Ljung', '441 Hemtjänst Herrljunga Landsbygd' for 'hemtjänst i Herrljunga').
        No asked word at all is alike too: the question named the table ("ramhöjningar för politiska
        prioriteringar"), so its rows (at most six) are the answer."""
        (recall, precision, digits), (recall2, precision2, digits2) = (
            _word_rank(words, question, one.indicator), _word_rank(words, question, other.indicator))
        return recall == recall2 and digits == digits2 and precision > -1 and precision2 > -1

    @staticmethod
    def _missing_note(best: Fact, chosen: list[Fact], row: list[Fact], analysis: Analysis) -> str:
        asked = ", ".join(analysis.years)
        if chosen:
            values = "; ".join(f"{f.kind} {f.period}: {f.value}" for f in chosen)
            return f"dokumentet anger ingen siffra för {asked} för {best.indicator} ({values})"
        periods = ", ".join(sorted({f"{f.kind} {f.period}" for f in row}))
        return f"{best.indicator} redovisas inte för {asked}; dokumentet har {periods}"

    def _fact_answer(self, question: str, best: Fact, facts: list[Fact], analysis: Analysis) -> Answer:
        facts = sorted(facts, key=lambda f: (f.period, f.kind))  # stable: columns stay in table order
        citations = self._fact_citations(facts)
        key_of = {f.id: c.key for c in citations for f in facts if f.start < c.end and c.start < f.end}
        columns = len({f.indicator for f in facts}) > 1  # several columns of one line: "Myndighet — brutto …"
        parts = [f"{_column(f) + ', ' if columns else ''}{f.kind} {f.period}: {f.value} [{key_of[f.id]}]"
                 for f in facts]
        name = row_of(best) if columns else best.indicator
        text = f"{name} ({best.municipality}, {best.body}) — " + "; ".join(parts) + "."
        numeric = [f for f in facts if f.number is not None and f.kind == "utfall"]
        if analysis.trend and len(numeric) >= 2:
            first, last = numeric[0], numeric[-1]
            comparison = self.facts.compare(first, last)
            if comparison.direction:
                text += (f" Värdet {comparison.direction} från {first.value} ({first.period}) "
                         f"till {last.value} ({last.period}).")
        return Answer(question=question, answer=text, refused=False, citations=citations, facts=facts)

    def _fact_citations(self, facts: list[Fact]) -> list[Citation]:
        spans: list[tuple[str, int, int]] = []
        for f in sorted(facts, key=lambda f: (f.document, f.start)):
            if spans and spans[-1][0] == f.document and f.start <= spans[-1][2]:
                spans[-1] = (f.document, spans[-1][1], max(spans[-1][2], f.end))
            else:
                spans.append((f.document, f.start, f.end))
        citations = []
        for i, (name, start, end) in enumerate(spans, start=1):
            doc = self.documents(name)
            if doc is None:
                continue
            # The periods come from the table's column header: cite from that header line, so that every year
            # the answer names is inside the quote.
            years = {y for f in facts if f.document == name for y in YEAR.findall(f.period)}
            start = table_header_start(doc.text, start, years)
            citations.append(Citation(
                key=f"K{i}", document=name, title=doc.meta.title, start=start, end=end,
                section=doc.section_at(start), page=doc.page_at(start), quote=doc.text[start:end],
            ))
        return citations


_FACT_NOISE = re.compile(
    r"\b(19|20)\d\d\b|\b(vilket|vilken|vilka|vad|hur|värdet?|redovisa[ds]?|visade?|var|blev|hade|har|gav|fick"
    r"|uppgick|stor|stort|höga?|hög|låg|i|enligt|under|år(et)?|placering(en)?|plats(en)?"
    r"|och|de|det|den|dem|från|för|av|till|med|om|på|mycket|stora|varför|mellan|så|bland|ökar|minskar|ökade|minskade|ökat|minskat|kraftigt"
    r"|inom|vid|per|jämfört|jämförelse|målet|målvärdet|första|andra|halvåret|halvår|helåret|delåret"
    r"|what|was|the|in|of|how|did|is|and|to|for|with|by|much|many)\b"
    # Which column (budget, bokslut, prognos, avvikelse) is a kind of fact, not part of the indicator's name.
    r"|\b(budget|budgeten|bokslut\w*|helårsprognos\w*|prognos\w*|prognostiser\w*|avvek|avvikelse\w*"
    r"|helårsavvikelse\w*)\b"
    # Who reports is a filter, not part of the indicator: "vård- och omsorgsförvaltningen", "Lerums kommun".
    r"|\b[\wåäö]+- och [\wåäö]+(nämnd|förvaltning)\w*|\b[\wåäö]*(nämnd|förvaltning)\w*|\b\w+s? kommun(?:en|s|ens)?\b",
    re.IGNORECASE,
)


def fact_query(question: str) -> str:
    """The indicator words of a question: 'hur många' means antal; years and question words go; 'fem år' is
    '5 år' as tables write it."""
    text = re.sub(r"(?i)\bhur många\b|\bhow many\b|\bnumber of\b", " antal ", with_digits(question))
    return " ".join(_FACT_NOISE.sub(" ", text).split())


HIGH = re.compile(r"(?i)\b(högst|störst|flest|mest|highest|largest|most)\b")
LOW = re.compile(r"(?i)\b(lägst|minst(?!\s+\d)|färst|lowest|smallest|fewest)\b")
_TOTAL = re.compile(r"(?i)^(totalt?|summa|s:a|totala)\b")


def _column(fact: Fact) -> str:
    """The column of a 'row – column' fact ('brutto kostnad' of 'Äldreboende – brutto kostnad'), or ''."""
    return fact.indicator.split(" – ", 1)[1].strip() if " – " in fact.indicator else ""


def names_all(question: str, words: str) -> bool:
    """Whether the question names every word of a column name (compounds count: 'bruttokostnad')."""
    asked = re.findall(r"[^\W\d_]{3,}", question.lower())
    return all(any(w[:5] in a for a in asked) for w in re.findall(r"[^\W\d_]{3,}", words.lower()))


def _word_rank(words: str, question: str, indicator: str) -> tuple[int, float, int]:
    """How well a row's name answers the question's indicator words (place names already out: 'Ljung' of a unit
    is not named by 'Herrljunga'): more asked words, then fewer unasked ones, then the area before its account
    (whose code is looked for in the whole question)."""
    return (-indicator_recall(words, indicator), -indicator_precision(words, indicator),
            _account_digits(question, indicator))


def _account_digits(question: str, indicator: str) -> int:
    """Digits of a leading account code: a budget table's area ('42 Individ och familjeomsorg', or the name alone)
    comes before its sub-account ('420 Individ och familjeomsorg') when the question names only the area; the row
    whose code the question names comes first (-1)."""
    code = re.match(r"\d+(?=\s)", indicator)
    if code is None:
        return 0
    return -1 if re.search(rf"(?<![\d,.]){code.group(0)}(?![\d,.])", question) else len(code.group(0))


def names_any(question: str, words: str) -> bool:
    """Whether the question names a word of a column or sub-row name ('män' of 'Total sjukfrånvaro – Män')."""
    asked = re.findall(r"[^\W\d_]{2,}", question.lower())
    return any(any(w[:5] in a for a in asked) for w in re.findall(r"[^\W\d_]{2,}", words.lower()))


def row_of(fact: Fact) -> str:
    """The row of a 'row – column' fact as written ('Totalt' of 'Totalt – brutto kostnad'), or its indicator."""
    return fact.indicator.split(" – ", 1)[0].strip()


def _row_name(fact: Fact) -> str:
    """The row a fact stands in, for comparing rows ('totalt' of 'Totalt – brutto kostnad')."""
    return row_of(fact).lower()


def asked_words(question: str, indicator: str) -> set[str]:
    """The question's indicator words that the indicator has (compounds count)."""
    words = {w[:5] for w in re.findall(r"[^\W\d_]{4,}", indicator.lower())}
    asked = set(re.findall(r"[^\W\d_]{4,}", fact_query(question).lower()))
    return {a for a in asked if any(w in a or a[:5] in w for w in words)}


def indicator_recall(question: str, indicator: str) -> int:
    """How many of the question's indicator words the indicator has: 'total sjukfrånvaro' names more of
    'den totala sjukfrånvaron' than 'Totalt – totalt' does."""
    return len(asked_words(question, indicator))


def joined(first: Answer, second: Answer) -> Answer:
    """Two answers as one, the second's citation keys numbered on from the first's."""
    offset = len(first.citations)
    text = CITATION_KEY.sub(lambda m: f"[K{int(m.group(1)[1:]) + offset}]", second.answer)
    citations = [c.model_copy(update={"key": f"K{int(c.key[1:]) + offset}"}) for c in second.citations]
    return first.model_copy(update={"answer": f"{first.answer} {text}", "citations": [*first.citations, *citations],
                                    "facts": [*first.facts, *second.facts]})


def indicator_precision(question: str, indicator: str) -> float:
    """Share of the indicator's words the question mentions: breaks ties between rows. An indicator word inside
    an asked compound counts ('kostnad' of 'bruttokostnad'); an asked word inside a longer indicator word counts
    only at its start ('sjukfrånvaro' is not 'långtidssjukfrånvaro')."""
    words = [w for w in re.findall(r"[^\W\d_]{3,}", indicator.lower())]
    asked = re.findall(r"[^\W\d_]{3,}", fact_query(question).lower())
    if not words:
        return 0.0
    hit = sum(1 for w in words if any(w[:5] in a or w.startswith(a[:5]) for a in asked))
    return hit / len(words)


_NUMBER_WORDS = {"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9,
                 "tio": 10, "elva": 11, "tolv": 12}


def stated_values(text: str) -> set[float]:
    """The numbers a sentence states, in figures or as words ('tre personer'), without sign."""
    values = {abs(n.value) for _, _, n in find_numbers(text) if n.value is not None}
    values |= {float(_NUMBER_WORDS[w]) for w in re.findall(r"\w+", text.lower()) if w in _NUMBER_WORDS}
    return values


def states(text: str, value: float) -> bool:
    """Whether a sentence states a value: as written, or a table's thousands of kronor in millions
    ('48 372' tkr is '48,4 mkr')."""
    told = stated_values(text)
    return value in told or (value >= 1000 and any(abs(value / 1000 - v) <= 0.051 for v in told if v < value))




def table_header_start(text: str, row_start: int, years: set[str], reach: int = 1500) -> int:
    """Start of the nearest line above a table row that names all the years (its column header), else the row."""
    if not years:
        return row_start
    window_start = max(0, row_start - reach)
    lines = list(re.finditer(r"[^\n]+", text[window_start:row_start]))
    for line in reversed(lines):
        if all(y in line.group(0) or y[2:] in line.group(0) for y in years):
            return window_start + line.start()
    return row_start
