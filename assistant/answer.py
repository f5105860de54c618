"""Answering: fact lookup first, then extractive answers from retrieved passages, refusal when unsupported.

Correctness never depends on an LLM: the composed answer is built from exact spans of the cleaned
documents and cites them. An optional LLM rewrites it for fluency; its text is checked (citation keys
mapped back to spans, every number present in a cited passage) and replaced by the composed answer if not.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable

from assistant.compose import (
    CITATION_KEY,
    INSTRUCTION,
    Candidate,
    column_header,
    compose,
    has_answer_number,
    is_figures_row,
    is_prose,
    number_near,
    passage_candidates,
    with_values,
    without_instructions,
)
from assistant.cover import (
    EXPLAIN,
    LABEL,
    Clause,
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
from assistant.evidence import BULLET, Unit, UnitScorer, split_units
from assistant.factanswer import FactAnswerer, row_of, states
from assistant.factstore import FactStore
from assistant.llm import LLM, LLMError
from assistant.numbers import find_numbers, normalize_number_text
from assistant.prompts import CANNOT_ANSWER, load_prompt
from assistant.query import Filters, expand_english, is_english, meta_matches
from assistant.question import MEASURE, SUPERLATIVE, Analysis, analyze, carries, contextualize, with_digits, without
from assistant.retrieve import Retriever, ScoredChunk
from assistant.service import AskRequest
from assistant.settings import AnswerSettings
from assistant.types import Answer, Citation, Fact, SourceDocument

_MARKER = re.compile(r"(?<!\*)(\*{1,3})(?!\*)")  # footnote markers: *, **, ***


_YEAR_END = re.compile(r"(?i)\b(års)?bokslut\w*|\bhelårs(utfall|resultat)\w*|\bårsredovisning\w*")


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
        self.fact_lookup = FactAnswerer(facts, documents, settings, retriever.glossary, self._municipalities,
                                        lambda question, chunks, reason: self._refuse(question, chunks, reason))

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
            # the largest of a table's column; "minst fem år" is "at least 5 years", no superlative
            if SUPERLATIVE.search(with_digits(question)) and self.settings.use_facts:
                facts = self.fact_lookup.extreme(request, question, analysis, chunks, result.filters)
            elif (analysis.numeric or analysis.years or analysis.trend) and self.settings.use_facts:
                places = result.filters.get("balanced") or []
                if len(places) >= 2:
                    def within(place: str) -> list[ScoredChunk]:
                        only = dataclasses.replace(filters, municipality=place)
                        found = self.retriever.search(question, k=self.settings.candidates, filters=only)
                        return [c for c in found.chunks if self._allowed(c, request)]
                    facts = self.fact_lookup.per_place(request, question, analysis, chunks, result.filters, places,
                                                       within)
                else:
                    facts = self.fact_lookup.answer(request, question, analysis, chunks, result.filters)
            if facts is not None and facts.refused and not analysis.numeric:
                facts = None  # "Vad heter … som skulle börja 23 augusti 2021?" asks no figure: a row is no reason
            if facts is not None and facts.refused:
                answer = facts  # the indicator is there, the asked period is not: say so, do not guess
            else:
                answer = self._from_passages(request, question, analysis, chunks, already=facts,
                                             balanced=result.filters.get("balanced"))
            if facts is None and self.settings.use_facts and (
                    analysis.numeric if not answer.refused else analysis.numeric or analysis.years):
                answer = self._figure_of_the_asked(request, question, analysis, answer, result.filters, filters)
            answer = self._of_the_asked_group(request.question, analysis, answer, chunks)
        timings["compose"] = (time.perf_counter() - start) * 1000
        if self.llm is not None and not answer.refused:
            start = time.perf_counter()
            answer = self._polish(answer, chunks[: request.k])
            timings["llm"] = (time.perf_counter() - start) * 1000
        answer.timings_ms = {**{f"retrieve.{k}": v for k, v in result.timings_ms.items()}, **timings}
        return answer

    def _figure_of_the_asked(self, request: AskRequest, question: str, analysis: Analysis, answer: Answer,
                             applied: dict, filters: Filters) -> Answer:
        """A figure quoted from passages that never name what the question asks about ('sjukfrånvaron … juni
        2021' answered by 'tilldelades 215 233 tkr … i juni 2021') is a misplaced figure. When the fact set has a
        row of that name, retrieve again with the row's name: if its row then lies in a top passage, answer from
        it; else refuse rather than quote the unrelated figure. A refusal gets the same second look: retrieval
        may have missed the row ('sjukfrånvaron' is not stemmed as 'Sjukfrånvaro'), and stays a refusal if that
        finds nothing."""
        self.scorer.refresh(self.retriever.index.lexical.records, self.retriever.index.lexical.generation)
        key = self.scorer.key_term(self.scorer.terms(question, None, self._municipalities()))
        quoted = " ".join(c.quote for c in answer.citations)
        if key is None or self._mentions(key, quoted):
            return answer
        named = self.fact_lookup.best_named(question, applied)
        if not named or not self._mentions(key, named):
            return answer
        found = self.retriever.search(f"{question} {named}", k=self.settings.candidates, filters=filters)
        chunks = [c for c in found.chunks if self._allowed(c, request)]
        facts = self.fact_lookup.answer(request, question, analysis, chunks, applied)
        if answer.refused:  # only a found figure replaces a refusal (another row's missing year would mislead)
            return facts if facts is not None and not facts.refused else answer
        if facts is not None:
            return facts
        return self._refuse(request.question, chunks, "de citerade styckena nämner inte det som frågan gäller",
                            f"inget citerat stycke nämner '{key}'")

    def _of_the_asked_group(self, question: str, analysis: Analysis, answer: Answer,
                            chunks: list[ScoredChunk]) -> Answer:
        """A question that names its group, span or code by a figure ('under 29 år', 'dag 1–14', '§ 9.9') is
        answered only by evidence carrying that figure; otherwise the answer speaks of another group."""
        if answer.refused:
            return answer
        evidence = " ".join([answer.answer, *(c.quote for c in answer.citations)])
        missing = [figure for figure in analysis.qualifiers if not carries(evidence, figure)]
        if not missing:
            return answer
        return self._refuse(question, chunks, f"de närmaste styckena gäller inte det som frågan avgränsar med "
                            f"”{missing[0]}”", f"'{missing[0]}' står inte i något stycke som svaret citerade")

    def _mentions(self, stem: str, text: str) -> bool:
        """Whether a text speaks of a question word, in any form ('sjukfrånvaron' of 'Total sjukfrånvaro')."""
        if self.scorer.matched({stem: 1.0}, text, ""):
            return True
        return any(stem.startswith(s) and len(stem) - len(s) <= 3 for s in self.scorer.analyzer.stems(text)
                   if len(s) >= 5)

    # --- access -------------------------------------------------------------------------------------------
    def _allowed(self, chunk: ScoredChunk, request: AskRequest) -> bool:
        return chunk.meta.access in request.roles or "admin" in request.roles

    def _municipalities(self) -> set[str]:
        return {m.municipality for m in self.retriever.index.documents_meta().values() if m.municipality}

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
        self.scorer.refresh(self.retriever.index.lexical.records, self.retriever.index.lexical.generation)
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
        parts = clauses(question, terms, self.scorer,
                        lambda text: expand_english(text, self.retriever.glossary) if expansions else [])
        explain = bool(EXPLAIN.search(question))
        elsewhere = len(balanced or []) >= 2 or len(parts) > 1 and "respektive" in question.lower()
        coverer = Coverer(self.scorer, terms, self._following, preceding=self._paragraph_before,
                          notes=lambda pick: self._footnotes([pick], [], [], terms, pick.found))
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
            carried = coverer.best_carried(pool, terms, explain, self.settings.min_coverage)
            if carried is None:
                return self._refuse(request.question, chunks, self._kind_note(analysis))
            first = carried.cand
            if first.own(terms, total) < self.settings.min_first_coverage:
                detail = (f"bästa stycke täcker {first.own(terms, total):.0%} av frågans ord "
                          f"(krav {self.settings.min_first_coverage:.0%})")
                return self._refuse(request.question, chunks, "de närmaste styckena i dokumenten tar inte upp det "
                                    "som frågan gäller", detail)
            picks.append(carried)
            listed, count = asks_for_list(question)
            doc = self.documents(first.chunk.chunk.document)
            if listed and doc is not None and introduces(first.unit):
                intro, items = list_items(doc.text, first.unit, count)
                if items:  # "Vilka prioriterade inriktningar …": the items the introduction announces
                    # a heading stays, and so does a sentence whose total the items make up
                    lead = [] if is_prose(intro.text) and not has_answer_number(intro.text) else [
                        Pick(first, intro, first.found)]
                    covered.update(first.found)  # what found the list still counts as answered
                    picks = [*lead, *(Pick(first, item, self.scorer.matched(terms, item.text, "")) for item in items)]
        elif explain:  # the fact gives the figure; the reason is in the text of the same document
            pool = [c for c in candidates if any(c.chunk.chunk.document == d for d, _ in anchors)
                    and not any(overlaps(c.unit, u) for u in cited)]
            reason = coverer.best(pool, terms, {}, floor=self.settings.min_coverage)
            if reason is not None:
                picks.append(coverer.carry_on(reason, covered, True))
        restated = False
        if already is not None:  # the text may say the fact in words: then quote the words, not the table
            told = self._restating(candidates, already, parts[0].terms, anchors, analysis.kinds)
            if told is not None:
                picks = [coverer.carry_on(told, {}, explain), *(p for p in picks if not overlaps(p.unit, told.unit))]
                covered, anchors, cited, already, restated = {}, [], [], None, True
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
            best_yet = max([share(part.terms, covered), *(share(part.terms, p.found) for p in picks)])
            floor = max(self.settings.min_coverage, best_yet + 0.01)
            # the question's own passages first; the part's own retrieval when they have no answer, or always
            # when the part names another body or municipality ("… respektive individnämnd")
            units = candidates if not elsewhere else [
                *candidates, *self._part_candidates(request, part.text, terms, analysis, group)]
            cand = coverer.best(self._answering(units, part, part_analysis, taken, spots, found, elsewhere),
                                part.terms, {}, floor=floor)
            if cand is None and not elsewhere:
                own = self._part_candidates(request, part.text, terms, analysis, group)
                cand = coverer.best(self._answering(own, part, part_analysis, taken, spots, found, elsewhere),
                                    part.terms, {}, floor=floor)
            if cand is not None:  # a unit that answers this part better than what is already chosen
                owner[index] = len(picks)
                picks.append(coverer.carry_on(cand, found, explain))
            elif picks and back_reference(part.text) and not EXPLAIN.search(part.text):
                # "… och vad ska de användas till?": read on after the answer
                onward = self._next_on_topic(picks[0], taken)
                if onward is not None:
                    picks.append(onward)
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
        notes = self._footnotes(picks, [f for f in already.facts] if already else [], cited, terms,
                                coverer.found(picks, covered))
        union = share(terms, coverer.found([*picks, *notes], covered))  # the row found the note: both count
        if notes and not analysis.numeric:  # "Varifrån kommer …?": the row's note answers, not its figures
            picks = [p for p in picks if not (is_figures_row(p.unit.text) and any(n.cand is p.cand for n in notes))]
        picks += notes
        if already is not None:
            if not picks:
                return already
            text, citations = compose(picks, offset=len(already.citations))
            return already.model_copy(update={"answer": f"{already.answer}\n\n{text}",
                                              "citations": [*already.citations, *citations]})
        if union < self.settings.min_coverage and not restated:  # a sentence stating the fact's value stands
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

    def _answering(self, units: list[Candidate], part: Clause, analysis: Analysis, taken: list[Unit],
                   spots: list[tuple[str, int]], found: dict[str, float], elsewhere: bool) -> list[Candidate]:
        """Units that may answer one part: not yet quoted, of the right kind, near the chosen units (or anywhere
        for another body or municipality), and bringing something the chosen units lack — the other body's
        sentence repeats "stärks", "ramen", "2024" but must also name its body."""
        return [c for c in units if not any(overlaps(c.unit, u) for u in taken)
                and self._answers_kind(c.unit, c.chunk, analysis)
                and (near(c, spots) or elsewhere or (c.rank < 3 and any(c.chunk.chunk.document == d for d, _ in spots)))
                and any(v > found.get(t, 0.0) for t, v in c.found.items() if t in part.terms)]

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
        # "avvek med hur mycket", "överskred budgeten": the deviation, not the budget it deviates from
        asked = [f for f in fact_answer.facts if f.kind in kinds and not (f.kind == "budget" and "avvikelse" in kinds)]
        stated = asked or [f for f in fact_answer.facts if f.kind != "differens"] or fact_answer.facts
        values = {abs(f.number) for f in stated if f.number is not None}
        if not values:
            return None
        documents = {d for d, _ in anchors}
        total = sum(terms.values())
        # A sentence that names the fact and says its value in words of its own ("Personalkostnaderna avviker
        # negativt med 19,8 mkr" for the row's -19 795 tkr) is as good as the question's words ("överskred"
        # is none of its words); a table row, which writes the value as the fact does, is not such a sentence.
        names = [s for s in self.scorer.analyzer.stems(row_of(stated[0])) if len(s) >= 4]

        def in_words(text: str) -> bool:
            return bool(names) and not any(f.value in text for f in stated) and all(
                self._mentions(n, text) for n in names)

        pool = [c for c in candidates if c.chunk.chunk.document in documents and is_prose(c.unit.text)
                and all(states(c.unit.text, v) for v in values)
                and (c.own(terms, total) >= self.settings.min_coverage or in_words(c.unit.text))]
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

    def _paragraph_before(self, cand: Candidate, most: int = 2) -> Unit | None:
        """A unit with the sentences before it in its paragraph (at most two), for a sentence that leans on them;
        for a field ('Bedömning: …') that opens its paragraph, the paragraph before it (the goal it assesses)."""
        doc = self.documents(cand.chunk.chunk.document)
        if doc is None:
            return None
        start = doc.text.rfind("\n\n", 0, cand.unit.start)
        start = 0 if start < 0 else start + 2
        if LABEL.match(cand.unit.text) and not doc.text[start:cand.unit.start].strip():
            text = doc.text[:cand.unit.start].rstrip()
            start = text.rfind("\n\n")
            start = 0 if start < 0 else start + 2
            if len(text) - start > 400:
                return None
        before = [u for u in split_units(doc.text[start:cand.unit.start], start) if u.text.strip()]
        if not before or len(before) > most or not all(is_prose(u.text) for u in before):
            return None
        return Unit(before[0].start, cand.unit.end, doc.text[before[0].start:cand.unit.end])

    def _following(self, cand: Candidate, unit: Unit) -> tuple[Unit, Unit] | None:
        """What comes after a unit, and the two together: the values of a table row that stand on lines of their
        own (when the unit has none), else the next sentence of the same paragraph — or, after a one-line prose
        sentence that ends its paragraph, the first sentence of the next paragraph if that is prose too."""
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
        if nxt is None and "\n" not in unit.text and is_prose(unit.text) and text[unit.end:stop].strip() == "":
            # PDF text often sets each sentence as a paragraph of its own: a prose sentence right after a prose
            # sentence still continues it ('… nära vård …' / 'Fortsatt samverkan kommer att ske via NOSAM …')
            after = text.find("\n\n", stop + 2)
            units = split_units(text[stop:len(text) if after < 0 else after], stop)
            nxt = units[0] if units and is_prose(units[0].text) and not BULLET.match(units[0].text) else None
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
        if analysis.numeric and not has_answer_number(without(unit.text, analysis.qualifiers)):
            return False  # the question's own figure ("minst 5 år") is not an answer to it
        if analysis.counted and not number_near(unit.text, analysis.counted):
            return False
        if "bokslut" in analysis.kinds and not _YEAR_END.search(unit.text):
            return False  # a year-end result: a part-year account ("delårsbokslut per augusti") is not one
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
            if MEASURE.search(text):  # "6 dagar", "9,0 procent" answer; "1 december 2023" dates
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
        used = list(dict.fromkeys(CITATION_KEY.findall(reply)))
        return composed.model_copy(update={"answer": reply, "citations": [by_key[k] for k in used]})


def check_llm_answer(reply: str, passages: list[Citation]) -> list[str]:
    """Why an LLM answer cannot be shown: no or unknown keys, or a number that no cited passage holds."""
    if CANNOT_ANSWER in reply:
        return ["språkmodellen vägrade trots stöd i underlaget; sammanställt svar används"]
    by_key = {p.key: p for p in passages}
    keys = CITATION_KEY.findall(reply)
    problems = [f"okänd källnyckel [{k}] i modellens svar" for k in keys if k not in by_key]
    cited = [by_key[k] for k in keys if k in by_key]
    if not cited:
        problems.append("modellens svar saknar källhänvisning")
    allowed = {normalize_number_text(n.raw) for c in cited for _, _, n in find_numbers(c.quote)}
    for _, _, number in find_numbers(CITATION_KEY.sub(" ", reply)):
        if normalize_number_text(number.raw) not in allowed:
            problems.append(f"siffran {number.raw} finns inte i någon citerad källa")
    return problems


