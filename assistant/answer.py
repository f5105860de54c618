"""Answering: fact lookup first, then extractive answers from retrieved passages, refusal when unsupported.

Correctness never depends on an LLM: the composed answer is built from exact spans of the cleaned
documents and cites them. An optional LLM rewrites it for fluency; its text is checked (citation keys
mapped back to spans, every number present in a cited passage) and replaced by the composed answer if not.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.compose import (
    INSTRUCTION,
    YEAR,
    Candidate,
    column_header,
    compose,
    counted_noun,
    has_answer_number,
    is_prose,
    number_near,
    passage_candidates,
    with_values,
    without_instructions,
)
from assistant.cover import (
    EXPLAIN,
    Coverer,
    Pick,
    asks_for_list,
    back_reference,
    clauses,
    introduces,
    list_items,
    near,
    overlaps,
    share,
)
from assistant.evidence import Unit, UnitScorer, split_units
from assistant.factstore import FactStore, period_matches
from assistant.llm import LLM, LLMError
from assistant.numbers import find_numbers, normalize_number_text
from assistant.prompts import CANNOT_ANSWER, load_prompt
from assistant.query import Filters, drop_english_stopwords, expand_english, is_english, meta_matches
from assistant.retrieve import Retriever, ScoredChunk
from assistant.service import AskRequest
from assistant.settings import AnswerSettings
from assistant.types import Answer, Citation, Fact, SourceDocument

_NUMERIC = re.compile(
    r"\b(hur (många|mycket|stor|stort|höga?|hög|lång|långa?|låg)|vilket (värde|belopp|resultat|utfall)"
    r"|vad (var|blev|är)|andel|antal|\w*belopp|placering\w*|plats|rank\w*|\w*budget\w*|\w*utfall\w*|\w*prognos\w*"
    r"|\w*resultat\w*|\w*index\w*|värde\w*|procent\w*|mkr|tkr|kronor"
    r"|how (many|much|high|long|large)|what (was|is|were)|rate|percentage|amount|value|number of|share)\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(r"(?i)\d\s*(%|procent\w*|dagar|veckor|månader|timmar|mkr|tkr|kr\b|kronor|miljoner|"
                      r"personer|stycken|st\b)")
_HOW_MUCH = re.compile(r"(?i)\b(hur (många|mycket|stor|stort|stora|hög|höga)|how (many|much))\b")
_TREND = re.compile(
    r"\b(utveckl\w*|förändr\w*|ökade|ökat|minskade|minskat|jämfört|trend\w*|över tid|mellan \d{4} och \d{4}"
    r"|från \d{4} till \d{4}|change[sd]?|develop\w*|increase[sd]?|decrease[sd]?|compared?|from \d{4} to \d{4})\b",
    re.IGNORECASE,
)
_KIND_OF = [("mål", r"\b(mål\w*|target\w*|goal\w*)\b"), ("prognos", r"\b(\w*prognos\w*|forecast\w*)\b"),
            ("budget", r"\bbudget\w*\b"), ("utfall", r"\b(utfall\w*|outcome\w*|blev|resultat\w*)\b"),
            ("avvikelse", r"\b(\w*avvik\w*|\w*avvek\w*|deviat\w*)\b"), ("differens", r"\b(differens\w*)\b"),
            ("bokslut", r"\b(bokslut\w*)\b")]
_OUTCOME = ("utfall", "bokslut")
# "Vilken avdelning hade högst …": a comparison across rows, which no single fact row answers.
_SUPERLATIVE = re.compile(r"(?i)\b(högst|störst|lägst|minst(?!\s+\d)|vanligast\w*|flest|mest|highest|largest|lowest|"
                          r"smallest|most|fewest)\b")
# Verbs of a question that its answer tends to repeat: "Vad visade kontrollen?" — "Kontrollen visade att …".
_RESULT_VERB = re.compile(r"(?i)\b(visade|visar|blev|uppgick|uppgår|innebar|innebär|konstaterade|bedömdes)\b")
_MARKER = re.compile(r"(?<!\*)(\*{1,3})(?!\*)")
_PLACE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+) (?:kommun|stad|municipality)\b|\bin ([A-ZÅÄÖ][a-zåäöé]+)\b")
_KEY = re.compile(r"\[(K\d+)\]")


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


def analyze(question: str, known_municipalities: set[str], filters: Filters) -> Analysis:
    """Numeric or not, trend or not, years and kinds asked for, and any municipality we hold no documents of."""
    unknown = None
    known = {m.lower().replace(" kommun", "").rstrip("s") for m in known_municipalities}
    for match in _PLACE.finditer(question):
        shown = match.group(1) or match.group(2) or ""
        if match.group(1) and shown.endswith("s") and not shown.endswith(("ås", "ös", "is", "us")):
            shown = shown[:-1]  # genitive: "Trollhättans kommun"
        name = shown.lower()
        if name and not any(name.startswith(k) or k.startswith(name) for k in known) and (
            match.group(1) or shown in _SWEDISH_PLACES
        ):
            unknown = shown
    return Analysis(
        # "Vad beror förseningen på enligt budget 2022?" asks for a reason, not a figure
        numeric=bool(_NUMERIC.search(question)) and not (EXPLAIN.search(question) and not _HOW_MUCH.search(question)),
        trend=bool(_TREND.search(question)),
        counted=counted_noun(question),
        years=YEAR.findall(question),
        kinds=[kind for kind, pattern in _KIND_OF if re.search(pattern, question, re.IGNORECASE)],
        filters=filters,
        unknown_place=unknown,
        verbs=[v.lower() for v in _RESULT_VERB.findall(question)],
    )


# Swedish places an English question may name with "in X" (no "kommun" to go by).
_SWEDISH_PLACES = {"Stockholm", "Gothenburg", "Göteborg", "Malmö", "Uppsala", "Borås", "Trollhättan", "Vänersborg",
                   "Partille", "Mölndal", "Kungälv", "Vårgårda", "Vara", "Ulricehamn", "Skövde", "Lidköping"}


class Answerer:
    """Question → Answer with citations (or a refusal), from facts and passages; an LLM only polishes."""

    def __init__(
        self,
        retriever: Retriever,
        facts: FactStore,
        documents: Callable[[str], SourceDocument | None],
        settings: AnswerSettings,
        llm: LLM | None = None,
    ) -> None:
        self.retriever, self.facts, self.documents, self.settings, self.llm = (
            retriever, facts, documents, settings, llm
        )
        self.scorer = UnitScorer(retriever.index.analyzer)

    def __call__(self, request: AskRequest) -> Answer:
        """Answer one request; every stage is timed."""
        timings: dict[str, float] = {}
        start = time.perf_counter()
        question = contextualize(request.question, request.history)
        filters = Filters(municipality=request.municipality or "", body=request.body or "",
                          period=request.period or "", access=tuple(request.roles))
        result = self.retriever.search(question, k=max(request.k, self.settings.candidates), filters=filters)
        timings["retrieve"] = (time.perf_counter() - start) * 1000
        chunks = [c for c in result.chunks if self._allowed(c, request)]
        known = {c.meta.municipality for c in chunks} | set(self._municipalities())
        analysis = analyze(question, known, filters)
        start = time.perf_counter()
        if analysis.unknown_place:
            note = f"det finns inga dokument från {analysis.unknown_place} i underlaget"
            answer = self._refuse(request.question, chunks, note)
        else:
            facts = None
            if (analysis.numeric or analysis.years) and self.settings.use_facts and not _SUPERLATIVE.search(
                    question):
                places = result.filters.get("balanced") or []
                if len(places) >= 2:
                    facts = self._from_facts_per_place(request, question, analysis, chunks, result.filters, places)
                else:
                    facts = self._from_facts(request, question, analysis, chunks, result.filters)
            if facts is not None and facts.refused:
                answer = facts  # the indicator is there, the asked period is not: say so, do not guess
            else:
                answer = self._from_passages(request, question, analysis, chunks, already=facts,
                                             balanced=result.filters.get("balanced"))
        timings["compose"] = (time.perf_counter() - start) * 1000
        if self.llm is not None and not answer.refused:
            start = time.perf_counter()
            answer = self._polish(answer, chunks[: request.k])
            timings["llm"] = (time.perf_counter() - start) * 1000
        answer.timings_ms = {**{f"retrieve.{k}": v for k, v in result.timings_ms.items()}, **timings}
        return answer

    # --- access -------------------------------------------------------------------------------------------
    def _allowed(self, chunk: ScoredChunk, request: AskRequest) -> bool:
        return chunk.meta.access in request.roles or "admin" in request.roles

    def _municipalities(self) -> set[str]:
        return {m.municipality for m in self.retriever.index.documents_meta().values() if m.municipality}

    # --- facts --------------------------------------------------------------------------------------------
    def _from_facts(
        self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk], applied: dict
    ) -> Answer | None:
        """A numeric question answered from the reviewed fact set, if retrieval agrees on where the row is."""
        rows = self._fact_rows(question, chunks, applied)
        if not rows:
            return None
        row = full = rows[0]
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
                chosen = [f for f in chosen if f.kind in {*wanted_kinds, *_OUTCOME}]
            elif any(f.kind in _OUTCOME for f in chosen) and not analysis.trend:
                chosen = [f for f in chosen if f.kind in {*_OUTCOME, "mål"}]  # not differences or forecasts
            elif not analysis.trend:  # differences and deviations only when asked for
                chosen = [f for f in chosen if f.kind not in ("differens", "avvikelse")] or chosen
            if not chosen or (all(f.status != "ok" for f in chosen) and not any(
                    f.status.rstrip(".").lower() in ("saknas", "iu") for f in chosen)):
                return self._refuse(request.question, chunks, self._missing_note(best, chosen, full, analysis))
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
                return self._refuse(request.question, chunks, self._missing_note(best, outcomes, full, analysis))
        elif analysis.kinds:
            chosen = [f for f in row if f.kind in analysis.kinds] or row
        answer = self._fact_answer(request.question, best, chosen, analysis)
        asked = {(f.kind, f.period) for f in chosen}
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

    def _from_facts_per_place(
        self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk], applied: dict,
        places: list[str],
    ) -> Answer | None:
        """'Jämför sjukfrånvaron i Alingsås 2024 med Herrljunga juni 2021': each municipality's own row, side by
        side (a comparison across municipalities is no trend within one). None unless a row is found for one."""
        side = Analysis(**{**analysis.__dict__, "trend": False})
        answers: list[Answer] = []
        for place in places:
            own = [c for c in chunks if meta_matches(c.meta, Filters(municipality=place))]
            found = self._from_facts(request, question, side, own, {**applied, "municipality": place})
            if found is not None and not found.refused:
                answers.append(found)
        if not answers:
            return None
        answer = answers[0]
        for more in answers[1:]:
            answer = joined(answer, more)
        return answer

    def _fact_rows(self, question: str, chunks: list[ScoredChunk], applied: dict) -> list[list[Fact]]:
        """Table rows (facts of one indicator) that match the question and lie in a top passage, best first."""
        places = {m.split()[0].rstrip("s").lower() for m in self._municipalities() if m}
        asked = [question]
        if is_english(question):  # the fact set is Swedish: then ask in the glossary's Swedish terms too
            asked.append(" ".join([drop_english_stopwords(question),
                                   *expand_english(question, self.retriever.glossary)]))
        for text in asked:
            query = " ".join(w for w in fact_query(text).split() if w.lower().rstrip("s") not in places)
            scored = self.facts.search_scored(
                query, municipality=applied.get("municipality") or None,
                body=applied.get("body") or None, limit=400, ignore_unknown=True,
            )
            rows = self._agreeing_rows(question, scored, chunks)
            if rows:
                return rows
        return []

    def _agreeing_rows(self, question: str, scored: list[tuple[Fact, float]],
                       chunks: list[ScoredChunk]) -> list[list[Fact]]:
        """The matched facts grouped by table row, kept if a top passage holds the row, best first."""
        top = chunks[: self.settings.fact_agreement_k]
        groups: dict[tuple[str, str, str], list[Fact]] = {}
        coverage: dict[tuple[str, str, str], float] = {}
        for fact, cov in scored:
            if cov < self.settings.fact_min_coverage:
                continue
            key = (fact.document, fact.table, fact.indicator)
            groups.setdefault(key, []).append(fact)
            coverage[key] = max(coverage.get(key, 0.0), cov)

        def agrees(facts: list[Fact]) -> bool:
            return any(c.chunk.document == f.document and c.chunk.start < f.end and f.start < c.chunk.end
                       for f in facts for c in top)  # a passage may cut a row: overlapping is agreeing

        ranked = sorted(
            (key for key in groups if agrees(groups[key])),
            key=lambda key: (-indicator_recall(question, key[2]), -indicator_precision(question, key[2]),
                             -coverage[key], key),
        )
        return [groups[key] for key in ranked]

    @staticmethod
    def _missing_note(best: Fact, chosen: list[Fact], row: list[Fact], analysis: Analysis) -> str:
        asked = ", ".join(analysis.years)
        if chosen:
            values = "; ".join(f"{f.kind} {f.period}: {f.value}" for f in chosen)
            return f"dokumentet anger ingen siffra för {asked} för {best.indicator} ({values})"
        periods = ", ".join(sorted({f"{f.kind} {f.period}" for f in row}))
        return f"{best.indicator} redovisas inte för {asked}; dokumentet har {periods}"

    def _fact_answer(self, question: str, best: Fact, facts: list[Fact], analysis: Analysis) -> Answer:
        facts = sorted(facts, key=lambda f: (f.period, f.kind))
        citations = self._fact_citations(facts)
        key_of = {f.id: c.key for c in citations for f in facts if f.start < c.end and c.start < f.end}
        parts = [f"{f.kind} {f.period}: {f.value} [{key_of[f.id]}]" for f in facts]
        text = f"{best.indicator} ({best.municipality}, {best.body}) — " + "; ".join(parts) + "."
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

    # --- passages -----------------------------------------------------------------------------------------
    def _from_passages(
        self, request: AskRequest, question: str, analysis: Analysis, chunks: list[ScoredChunk],
        already: Answer | None = None, balanced: list[str] | None = None,
    ) -> Answer:
        """Answer each part of the question with the sentence, row or list that covers it best.

        The first unit answers the whole question; a further part ("…, och hur många patienter gällde det?",
        "… respektive individnämnd") gets its own unit near the first (or from the other body or municipality
        it names); a unit is carried on by the sentences that continue it. A fact answer (already) gets passages
        only for the parts it leaves open, or for the reason when the question asks why.
        """
        top = chunks[: max(request.k, self.settings.candidates)]
        self.scorer.refresh(self.retriever.index.lexical.records)
        expansions = expand_english(question, self.retriever.glossary) if is_english(question) else []
        terms = self.scorer.terms(question, expansions, self._municipalities())
        if not sum(terms.values()):
            return already or self._refuse(request.question, chunks, "frågans ord förekommer inte i dokumenten")
        places = balanced or []

        def group_of(municipality: str) -> str:
            return next((p for p in places if p.lower().rstrip("s") in municipality.lower()), "")

        def group(chunk: ScoredChunk) -> str:
            return next((p for p in places if meta_matches(chunk.meta, Filters(municipality=p))), "")
        candidates = passage_candidates(top, self.documents, self.scorer, terms,
                                        lambda text: self._bonus(text, analysis), group)
        known = self._municipalities()
        parts = clauses(question, terms, self.scorer)
        explain = bool(EXPLAIN.search(question))
        elsewhere = len(balanced or []) >= 2 or len(parts) > 1 and "respektive" in question.lower()
        coverer = Coverer(self.scorer, terms, self.settings.min_coverage, self._following)
        covered: dict[str, float] = {}
        said = [f"{f.indicator} {f.kind} {f.period}" for f in already.facts] if already else []
        said += [c.quote for c in already.citations] if already else []  # the rows with their header lines
        for text in said:
            for term, value in self.scorer.matched(terms, text, "").items():
                covered[term] = max(covered.get(term, 0.0), value)
        anchors = [(f.document, f.start) for f in already.facts] if already else []
        cited = [Unit(c.start, c.end, c.quote) for c in already.citations] if already else []
        picks: list[Pick] = []
        total = sum(terms.values())
        if already is None:
            pool = [c for c in candidates if self._answers_kind(c.unit, c.chunk, analysis)]
            first = coverer.best(pool, terms, {})
            if first is None:
                return self._refuse(request.question, chunks, self._kind_note(analysis))
            if first.own(terms, total) < self.settings.min_first_coverage:
                detail = (f"bästa stycke täcker {first.own(terms, total):.0%} av frågans ord "
                          f"(krav {self.settings.min_first_coverage:.0%})")
                return self._refuse(request.question, chunks, "de närmaste styckena i dokumenten tar inte upp det "
                                    "som frågan gäller", detail)
            picks.append(coverer.carry_on(first, {}, explain))
            listed, count = asks_for_list(question)
            doc = self.documents(first.chunk.chunk.document)
            if listed and doc is not None and introduces(first.unit):
                intro, items = list_items(doc.text, first.unit, count)
                if items:  # "Vilka prioriterade inriktningar …": the items the introduction announces
                    lead = [] if is_prose(intro.text) else [Pick(first, intro, first.found)]  # a heading stays
                    covered.update(first.found)  # what found the list still counts as answered
                    picks = [*lead, *(Pick(first, item, self.scorer.matched(terms, item.text, "")) for item in items)]
        elif explain:  # the fact gives the figure; the reason is in the text of the same document
            pool = [c for c in candidates if any(c.chunk.chunk.document == d for d, _ in anchors)
                    and not any(overlaps(c.unit, u) for u in cited)]
            reason = coverer.best(pool, terms, {}, floor=self.settings.min_coverage)
            if reason is not None:
                picks.append(coverer.carry_on(reason, covered, True))
        if already is not None:  # the text may say the fact in words: then quote the words, not the table
            told = self._restating(candidates, already, parts[0].terms, anchors, analysis.kinds)
            if told is not None:
                picks = [coverer.carry_on(told, {}, explain), *(p for p in picks if not overlaps(p.unit, told.unit))]
                covered, anchors, cited, already = {}, [], [], None
        # Each part is answered by a unit of its own: the sentence that answers "hur mycket kunde tillgodoräknas"
        # does not also answer "hur mycket ansöktes", though it shares most of its words.
        owner: dict[int, int] = {}
        if picks and len(parts) > 1:
            owner[max(range(len(parts)), key=lambda j: share(parts[j].terms, picks[0].found))] = 0
        for index, part in enumerate(parts if len(parts) > 1 else []):
            found = coverer.found(picks, covered)
            # a unit that covers this part almost fully answers it too, even if it answers another part
            free = [i for i, p in enumerate(picks) if (i not in owner.values() and share(
                part.terms, p.found) >= self.settings.min_part_coverage) or share(part.terms, p.found) >= 0.85]
            if free:
                owner[index] = free[0]
            if index in owner or share(part.terms, covered) >= self.settings.min_part_coverage or (
                    len(picks) >= self.settings.max_units):
                continue
            part_analysis = analyze(part.text, known, analysis.filters)
            taken = [*cited, *(p.unit for p in picks)]
            spots = anchors + [(p.cand.chunk.chunk.document, p.unit.start) for p in picks]
            pool = [c for c in [*candidates, *self._part_candidates(request, part.text, terms, analysis, group)]
                    if not any(overlaps(c.unit, u) for u in taken)
                    and self._answers_kind(c.unit, c.chunk, part_analysis)
                    and (near(c, spots) or elsewhere or (c.rank < 3 and any(
                        c.chunk.chunk.document == d for d, _ in spots)))]
            # A part is answered on its own (the other body's sentence repeats "stärks", "ramen", "2024"),
            # by a unit that brings something the chosen units lack.
            pool = [c for c in pool if any(v > found.get(t, 0.0) for t, v in c.found.items() if t in part.terms)]
            best_yet = max([share(part.terms, covered), *(share(part.terms, p.found) for p in picks)])
            cand = coverer.best(pool, part.terms, {}, floor=max(self.settings.min_coverage, best_yet + 0.01))
            if cand is not None:  # a unit that answers this part better than what is already chosen
                owner[index] = len(picks)
                picks.append(coverer.carry_on(cand, found, explain))
            elif picks and back_reference(part.text) and not EXPLAIN.search(part.text):
                # "… och vad ska de användas till?": read on after the answer
                more = self._next_on_topic(picks[0], taken)
                if more is not None:
                    picks.append(more)
        for place in balanced or [] if len(balanced or []) >= 2 else []:  # each municipality asked about
            answered = [p.cand.group for p in picks] + [group_of(f.municipality) for f in already.facts] if (
                already) else [p.cand.group for p in picks]
            if len(picks) >= self.settings.max_units or place in answered:
                continue
            pool = [c for c in candidates if c.group == place and self._answers_kind(c.unit, c.chunk, analysis)
                    and not any(overlaps(c.unit, u) for u in [*cited, *(p.unit for p in picks)])]
            cand = coverer.best(pool, terms, {}, floor=self.settings.min_coverage)
            if cand is not None:
                picks.append(coverer.carry_on(cand, {}, explain))
        picks += self._footnotes(picks, [f for f in already.facts] if already else [], cited, terms,
                                 coverer.found(picks, covered))
        union = share(terms, coverer.found(picks, covered))
        if already is not None:
            if not picks:
                return already
            text, citations = compose(picks, offset=len(already.citations))
            return already.model_copy(update={"answer": f"{already.answer}\n\n{text}",
                                              "citations": [*already.citations, *citations]})
        if union < self.settings.min_coverage:
            detail = (f"valda stycken täcker tillsammans {union:.0%} av frågans ord "
                      f"(krav {self.settings.min_coverage:.0%})")
            return self._refuse(request.question, chunks, "de närmaste styckena i dokumenten tar inte upp det "
                                "som frågan gäller", detail)
        text, citations = compose(picks)
        return Answer(question=request.question, answer=text, refused=False, citations=citations,
                      notes=[f"stöd {union:.2f}"])

    def _footnotes(self, picks: list[Pick], facts: list[Fact], cited: list[Unit], terms: dict[str, float],
                   found_terms: dict[str, float]) -> list[Pick]:
        """The footnotes ('*Nytt produktionsområde från 2024 …') that a quoted row or fact row points to, when
        they speak to something the question asks that the answer does not yet cover."""
        marked: list[tuple[Candidate | None, str, Unit]] = [
            (p.cand, p.cand.chunk.chunk.document, p.unit) for p in picks]
        for fact in facts:  # a fact row's footnote is quoted beside a passage of the same document
            doc = self.documents(fact.document)
            same = next((p.cand for p in picks if p.cand.chunk.chunk.document == fact.document), None)
            if doc is not None and same is not None:
                marked.append((same, fact.document, Unit(fact.start, fact.end, doc.text[fact.start:fact.end])))
        notes: list[Pick] = []
        for cand, name, unit in marked:
            doc = self.documents(name)
            if doc is None or cand is None:
                continue
            for marker in sorted(set(_MARKER.findall(unit.text))):
                pattern = re.compile(rf"(?m)^[ \t]*{re.escape(marker)}(?!\*)[ \t]*[A-ZÅÄÖa-zåäö][^\n]{{3,}}$")
                hit = pattern.search(doc.text, unit.end, unit.end + 2500)
                if hit is None:
                    continue
                note = Unit(hit.start(), hit.end(), hit.group(0))
                says = self.scorer.matched(terms, note.text, "")
                if not any(v >= 1.0 and found_terms.get(t, 0.0) < 1.0 for t, v in says.items()) or any(
                        overlaps(note, u) for u in [*cited, *(p.unit for p in picks), *(n.unit for n in notes)]):
                    continue
                notes.append(Pick(cand, note, says))
        return notes

    def _part_candidates(self, request: AskRequest, text: str, terms: dict[str, float], analysis: Analysis,
                         group: Callable[[ScoredChunk], str]) -> list[Candidate]:
        """Units of the passages retrieved for one part of the question on its own ('… respektive individnämnd'
        finds the other body's document), within the same filters and access rights."""
        result = self.retriever.search(text, k=self.settings.candidates, filters=analysis.filters)
        chunks = [c for c in result.chunks if self._allowed(c, request)]
        found = passage_candidates(chunks, self.documents, self.scorer, terms, lambda t: self._bonus(t, analysis),
                                   group)
        for cand in found:  # ranked after the question's own passages, so that only a near one is taken
            cand.rank += self.settings.candidates
        return found

    def _restating(self, candidates: list[Candidate], fact_answer: Answer, terms: dict[str, float],
                   anchors: list[tuple[str, int]], kinds: list[str]) -> Candidate | None:
        """A sentence of the fact's document that states every value of the fact answer and answers the question."""
        asked = [f for f in fact_answer.facts if f.kind in kinds]  # "avvek med hur mycket": the deviation
        stated = asked or [f for f in fact_answer.facts if f.kind != "differens"] or fact_answer.facts
        values = {abs(f.number) for f in stated if f.number is not None}
        if not values:
            return None
        documents = {d for d, _ in anchors}
        total = sum(terms.values())
        pool = [c for c in candidates if c.chunk.chunk.document in documents and is_prose(c.unit.text)
                and all(states(c.unit.text, v) for v in values)
                and c.own(terms, total) >= self.settings.min_coverage]
        return max(pool, key=lambda c: c.own(terms, total) / (1 + 0.05 * c.rank), default=None)

    def _next_on_topic(self, pick: Pick, taken: list[Unit]) -> Pick | None:
        """The next sentence after a chosen unit, in this paragraph or the next, if it is still about what the unit
        answered (it repeats two of its question terms): 'Riktade resurser 2024: 2 miljoner kronor' —
        'Nya riktade resurser 2024 innefattar …'."""
        doc = self.documents(pick.cand.chunk.chunk.document)
        if doc is None:
            return None
        topic = {t for t, v in pick.found.items() if v >= 1.0}
        units = split_units(doc.text[pick.unit.end:pick.unit.end + 800], pick.unit.end)[:2]
        for unit in units:
            says = self.scorer.matched(dict.fromkeys(topic, 1.0), unit.text, "")
            if sum(1 for v in says.values() if v >= 1.0) >= 2 and not INSTRUCTION.search(unit.text) and not any(
                    overlaps(unit, u) for u in taken):
                return Pick(pick.cand, unit, self.scorer.matched(dict.fromkeys(pick.found, 1.0), unit.text, ""))
        return None

    def _following(self, cand: Candidate, unit: Unit) -> tuple[Unit, Unit] | None:
        """What comes after a unit, and the two together: the values of a table row that stand on lines of their
        own (when the unit has none), else the next sentence of the same paragraph."""
        doc = self.documents(cand.chunk.chunk.document)
        if doc is None:
            return None
        text = doc.text
        extended = with_values(unit, text, 0)
        if extended.end > unit.end:
            return Unit(unit.end, extended.end, text[unit.end:extended.end]), extended
        stop = text.find("\n\n", unit.end)
        stop = len(text) if stop < 0 else stop
        units = split_units(text[unit.end:stop], unit.end)
        nxt = units[0] if units else None
        if nxt is None or INSTRUCTION.search(nxt.text):
            return None
        return nxt, Unit(unit.start, nxt.end, text[unit.start:nxt.end])

    @staticmethod
    def _kind_note(analysis: Analysis) -> str:
        """Why no passage can answer: the asked number or year is not there."""
        if analysis.numeric and analysis.years:
            return f"dokumenten redovisar ingen sådan siffra för {' och '.join(analysis.years)}"
        return "dokumenten redovisar ingen siffra som svarar på frågan" if analysis.numeric else ""

    def _answers_kind(self, unit: Unit, chunk: ScoredChunk, analysis: Analysis) -> bool:
        """Whether a sentence can answer this kind of question (a count needs a number, a year must match;
        a table row's year may stand in its column header)."""
        if analysis.numeric and not has_answer_number(unit.text):
            return False
        if analysis.counted and not number_near(unit.text, analysis.counted):
            return False
        if analysis.numeric and analysis.years:
            where = f"{unit.text} {chunk.chunk.header} {chunk.meta.period}"
            if not is_prose(unit.text) and not column_header(unit.text, len(unit.text)):  # its own header, or
                doc = self.documents(chunk.chunk.document)
                if doc is not None:
                    where += " " + column_header(doc.text, unit.start)
            return any(year in where for year in analysis.years)
        return True

    def _bonus(self, text: str, analysis: Analysis) -> float:
        bonus = 0.0
        if analysis.verbs and re.search(rf"(?i)\b({'|'.join(analysis.verbs)})\b", text):
            bonus += self.settings.verb_bonus  # "Vad visade granskningen?" — "Granskningen visade att …"
        if analysis.numeric and find_numbers(text):
            bonus += self.settings.number_bonus
            if _MEASURE.search(text):  # "6 dagar", "9,0 procent" answer; "1 december 2023" dates
                bonus += self.settings.number_bonus / 2
        if analysis.counted and number_near(text, analysis.counted, window=1):
            bonus += self.settings.number_bonus  # "tre produktionsområden" answers "hur många produktionsområden"
        if analysis.years and any(y in text for y in analysis.years):
            bonus += self.settings.year_bonus
        return bonus

    def _refuse(self, question: str, chunks: list[ScoredChunk], reason: str, detail: str = "") -> Answer:
        """A refusal that says why (shown to the user) and keeps the closest passages as related reading."""
        related = [c.citation(f"R{i}") for i, c in enumerate(chunks[:3], start=1)]
        text = CANNOT_ANSWER + (f" {reason[0].upper()}{reason[1:]}" if reason else "")
        if reason and not text.endswith("."):
            text += "."
        return Answer(question=question, answer=text, refused=True, related=related,
                      notes=[n for n in (f"vägrat: {reason}" if reason else "vägrat", detail) if n])

    # --- LLM ----------------------------------------------------------------------------------------------
    def _polish(self, composed: Answer, chunks: list[ScoredChunk]) -> Answer:
        """Let the LLM write the answer from numbered passages; keep it only if keys and numbers check out."""
        assert self.llm is not None
        passages = [c.citation(f"K{i}") for i, c in enumerate(chunks, start=1)]
        for extra in composed.citations:  # the composed answer's exact spans are passages too
            if not any(p.document == extra.document and p.start <= extra.start <= extra.end <= p.end
                       for p in passages):
                passages.append(extra.model_copy(update={"key": f"K{len(passages) + 1}"}))
        shown = [p.model_copy(update={"quote": without_instructions(p.quote)}) for p in passages]
        block = "\n\n".join(f"[{p.key}] ({p.title}, {p.section})\n\"\"\"\n{p.quote}\n\"\"\"" for p in shown)
        prompt = load_prompt("answer").render(question=composed.question, passages=block,
                                              cannot_answer=CANNOT_ANSWER)
        system = load_prompt("answer_system").render(cannot_answer=CANNOT_ANSWER)
        try:
            reply = self.llm.complete(prompt, system=system).strip()
        except LLMError as exc:
            return composed.model_copy(update={"notes": [*composed.notes, f"språkmodellen svarade inte: {exc}"]})
        problems = check_llm_answer(reply, shown)
        if problems:
            return composed.model_copy(update={"notes": [*composed.notes, *problems]})
        by_key = {p.key: p for p in passages}
        used = list(dict.fromkeys(_KEY.findall(reply)))
        return composed.model_copy(update={"answer": reply, "citations": [by_key[k] for k in used]})


def check_llm_answer(reply: str, passages: list[Citation]) -> list[str]:
    """Why an LLM answer cannot be shown: no or unknown keys, or a number that no cited passage holds."""
    if CANNOT_ANSWER in reply:
        return ["språkmodellen vägrade trots stöd i underlaget; sammanställt svar används"]
    by_key = {p.key: p for p in passages}
    keys = _KEY.findall(reply)
    problems = [f"okänd källnyckel [{k}] i modellens svar" for k in keys if k not in by_key]
    cited = [by_key[k] for k in keys if k in by_key]
    if not cited:
        problems.append("modellens svar saknar källhänvisning")
    allowed = {normalize_number_text(n.raw) for c in cited for _, _, n in find_numbers(c.quote)}
    for _, _, number in find_numbers(_KEY.sub(" ", reply)):
        if normalize_number_text(number.raw) not in allowed:
            problems.append(f"siffran {number.raw} finns inte i någon citerad källa")
    return problems


_FACT_NOISE = re.compile(
    r"\b(19|20)\d\d\b|\b(vilket|vilken|vilka|vad|hur|värdet?|redovisa[ds]?|visade?|var|blev|hade|har|gav|fick"
    r"|uppgick|stor|stort|höga?|hög|låg|i|enligt|under|år(et)?|placering(en)?|plats(en)?"
    r"|och|de|det|den|dem|från|för|av|till|med|om|på|mycket|stora"
    r"|what|was|the|in|of|how|did|is|and|to|for|with|by|much|many)\b"
    # Which column (budget, bokslut, prognos, avvikelse) is a kind of fact, not part of the indicator's name.
    r"|\b(budget|budgeten|bokslut\w*|helårsprognos\w*|prognos\w*|prognostiser\w*|avvek|avvikelse\w*"
    r"|helårsavvikelse\w*)\b"
    # Who reports is a filter, not part of the indicator: "vård- och omsorgsförvaltningen", "Lerums kommun".
    r"|\b[\wåäö]+- och [\wåäö]+(nämnd|förvaltning)\w*|\b[\wåäö]*(nämnd|förvaltning)\w*|\b\w+s? kommun\w*",
    re.IGNORECASE,
)


def fact_query(question: str) -> str:
    """The indicator words of a question: 'hur många' means antal; years and question words go."""
    text = re.sub(r"(?i)\bhur många\b|\bhow many\b|\bnumber of\b", " antal ", question)
    return " ".join(_FACT_NOISE.sub(" ", text).split())


def _row_name(fact: Fact) -> str:
    """The row a fact stands in ('Totalt' of 'Totalt – brutto kostnad')."""
    return fact.indicator.split(" – ")[0].strip().lower()


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
    text = _KEY.sub(lambda m: f"[K{int(m.group(1)[1:]) + offset}]", second.answer)
    citations = [c.model_copy(update={"key": f"K{int(c.key[1:]) + offset}"}) for c in second.citations]
    return first.model_copy(update={"answer": f"{first.answer} {text}", "citations": [*first.citations, *citations],
                                    "facts": [*first.facts, *second.facts]})


def indicator_precision(question: str, indicator: str) -> float:
    """Share of the indicator's words the question mentions (compounds count): breaks ties between rows."""
    words = [w for w in re.findall(r"[^\W\d_]{3,}", indicator.lower())]
    asked = re.findall(r"[^\W\d_]{3,}", fact_query(question).lower())
    if not words:
        return 0.0
    hit = sum(1 for w in words if any(w[:5] in a or a[:5] in w for a in asked))
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
