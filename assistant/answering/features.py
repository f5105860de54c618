"""Named features of a candidate for a question: each a small, tested function returning a number in 0..1.

The scorer combines them with fitted weights; no feature names a phrase of a document or a question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.answering.frame import Frame
from assistant.answering.units import DocumentUnits
from assistant.language import Lexicon, Term, WordMatcher
from assistant.types import Candidate, SourceDocument, Table

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_FIGURE = re.compile(r"(?<![\w,])[-−–]?\d[\d\s]*(?:,\d+)?\s?%?")
_NAME = re.compile(r"(?<=[a-zåäö,] )[A-ZÅÄÖ][a-zåäöé]+(?: [A-ZÅÄÖ][a-zåäöé]+)*")

FEATURES = (
    "cov_unit", "cov_ctx", "cov_label", "cov_section", "cov_header", "density", "key", "key2", "miss_key", "entity",
    "entity_miss", "rank", "r_bm25", "r_ngram", "r_dense", "row_hit", "inside", "num_match", "num_missing",
    "asks_year", "year_match", "year_other", "kind_match", "cell_match", "cell_unmet", "unit_match", "unit_mismatch",
    "qual_match", "qual_missing",
    "total_row", "dim_mismatch", "is_row", "is_item", "is_heading", "why_cause", "who_name", "when_date",
    "list_item", "trend_series", "length", "english_dense", "u_dense", "u_dense_rel",
)


class Idf:
    """Inverse document frequencies of stems over the indexed chunks, recomputed when the index changes."""

    def __init__(self) -> None:
        self._df: Counter[str] = Counter()
        self._n = 1
        self._generation: object = None

    def refresh(self, records: dict[str, dict[str, Any]], generation: object) -> None:
        """Count each stem once per chunk (only when the index generation changed)."""
        if generation == self._generation:
            return
        df: Counter[str] = Counter()
        for record in records.values():
            df.update(set(record.get("stems", ())))
        self._df, self._n, self._generation = df, max(1, len(records)), generation

    def weight(self, stem: str) -> float:
        """log((N+1)/(df+0.5)); a stem no chunk has weighs most."""
        return math.log((self._n + 1) / (self._df.get(stem, 0) + 0.5))


@dataclass
class Context:
    """What a candidate is read with: the texts around it, the question's weighted terms, and the cosine
    similarity of the question to each unit (by document and span; empty without unit vectors)."""

    frame: Frame
    weights: dict[str, float]
    matcher: WordMatcher
    lexicon: Lexicon
    units: Callable[[str], DocumentUnits | None]
    similarity: dict[tuple[str, int, int], float] = field(default_factory=dict)


def weighted_terms(terms: list[Term], idf: Idf) -> dict[str, float]:
    """Each term's share of the question's weight (idf-weighted, summing to 1)."""
    raw = {t.stem: idf.weight(t.stem) for t in terms}
    total = sum(raw.values()) or 1.0
    return {k: v / total for k, v in raw.items()}


def coverage(terms: list[Term], weights: dict[str, float], matched: dict[str, float]) -> float:
    """The weighted share of the terms a text matches (graded)."""
    return sum(weights.get(t.stem, 0.0) * matched.get(t.stem, 0.0) for t in terms)


def table_of(candidate: Candidate, document: SourceDocument | None) -> Table | None:
    """The table a row candidate stands in."""
    if document is None or candidate.unit.table < 0 or candidate.unit.table >= len(document.tables):
        return None
    return document.tables[candidate.unit.table]


def header_text(table: Table | None) -> str:
    """A table's caption and column headers."""
    if table is None:
        return ""
    return " ".join([table.caption, *(c.header for c in table.columns)])


def context_text(candidate: Candidate, doc: DocumentUnits | None, lexicon: Lexicon) -> str:
    """The unit's section, and for a row its table's caption, headers and group; for a list item its lead-in."""
    unit = candidate.unit
    parts = [unit.section]
    if doc is not None:
        heading = next((u for u in reversed(doc.before(unit, 12)) if u.kind == "heading"), None)
        parts.append(heading.text if heading is not None else "")  # the nearest heading above: the local topic
    table = table_of(candidate, doc.document if doc else None)
    if table is not None:
        parts += [header_text(table), table.rows[unit.row].group if unit.row < len(table.rows) else ""]
    elif doc is not None and unit.kind == "item":
        lead = [u for u in doc.before(unit, 6) if u.kind != "item"]
        parts.append(lead[-1].text if lead else "")
    elif doc is not None and unit.kind == "sentence" and lexicon.continuation.starts(unit.text):
        before = doc.before(unit, 1)  # 'Det beror på …' leans on the sentence before it
        parts.append(before[-1].text if before else "")
    return " ".join(p for p in parts if p)


def lexical(candidate: Candidate, ctx: Context, doc: DocumentUnits | None) -> dict[str, float]:
    """Coverage of the question's terms in the unit, its context, its section and its table header."""
    terms, weights, matcher = ctx.frame.terms, ctx.weights, ctx.matcher
    own = matcher.match(terms, candidate.unit.text)
    around = matcher.match(terms, context_text(candidate, doc, ctx.lexicon))
    both = {k: max(own.get(k, 0.0), around.get(k, 0.0)) for k in {*own, *around}}
    ranked = sorted(terms, key=lambda t: -weights.get(t.stem, 0.0))
    key = both.get(ranked[0].stem, 0.0) if ranked else 0.0
    top2 = sum(both.get(t.stem, 0.0) for t in ranked[:2]) / max(1, len(ranked[:2]))
    missing_top = sum(1 for t in ranked[:2] if both.get(t.stem, 0.0) == 0.0)
    table = table_of(candidate, doc.document if doc else None)
    label = own
    if table is not None and candidate.unit.row < len(table.rows):
        row = table.rows[candidate.unit.row]
        label = matcher.match(terms, f"{row.group} {row.label}")
    words = max(1, len(matcher.content_words(candidate.unit.text)))
    entities = [min(1.0, sum(matcher.match(e, f"{candidate.unit.text} {context_text(candidate, doc, ctx.lexicon)}")
                             .values()) / len(e)) for e in ctx.frame.entities]
    return {
        "entity": sum(entities) / len(entities) if entities else 0.0,
        "entity_miss": 1.0 if entities and max(entities) < 0.5 else 0.0,
        "cov_unit": coverage(terms, weights, own), "cov_ctx": coverage(terms, weights, both),
        "cov_label": coverage(terms, weights, label),
        "density": coverage(terms, weights, own) / math.log2(2 + words),
        "cov_section": coverage(terms, weights, matcher.match(terms, candidate.unit.section)),
        "cov_header": coverage(terms, weights, matcher.match(terms, header_text(table))) if table else 0.0,
        "key": key, "key2": top2, "miss_key": 1.0 if ranked[:2] and missing_top == len(ranked[:2]) else 0.0,
    }


def retrieval(candidate: Candidate, frame: Frame) -> dict[str, float]:
    """How highly retrieval ranked the candidate's passage, overall and by each ranker."""
    def inverse(name: str) -> float:
        rank = candidate.ranks.get(name)
        return 1.0 / (1.0 + math.log1p(rank)) if rank else 0.0
    dense = inverse("dense")
    passage = candidate.source == "passage"
    return {"rank": 1.0 / (1.0 + candidate.rank) if passage else 0.0, "r_bm25": inverse("bm25"),
            "r_ngram": inverse("ngram"), "r_dense": dense, "inside": candidate.features.get("inside", 0.0),
            "row_hit": candidate.features.get("row_hit", 0.0),
            "english_dense": dense if frame.english else 0.0}


def figures_of(text: str) -> list[str]:
    """The figures of a text that are not years."""
    return [m.group(0).strip() for m in _FIGURE.finditer(text) if not _YEAR.fullmatch(m.group(0).strip())]


def periods_of(candidate: Candidate, table: Table | None) -> set[str]:
    """The years a unit speaks of: in its text, its table's columns, or (for prose) its document's period."""
    years = set(_YEAR.findall(candidate.unit.text))
    if table is not None:
        row = table.rows[candidate.unit.row] if candidate.unit.row < len(table.rows) else None
        used = {c.column for c in row.cells} if row else set()
        years |= {table.columns[i].period[:4] for i in used if 0 <= i < len(table.columns) and table.columns[i].period}
        years |= set(_YEAR.findall(" ".join(c.header for c in table.columns)))
    return years


def _cell_agreement(candidate: Candidate, table: Table | None, frame: Frame) -> dict[str, float]:
    """For a row, when the question asks a kind and a year: whether the row has a cell under a column of that kind
    and year ('Bokslut 2025' asked, and the row has only 'Budget 2025' and 'Bokslut 2024': unmet)."""
    if table is None or not (frame.kinds and frame.years) or candidate.unit.row >= len(table.rows):
        return {"cell_match": 0.0, "cell_unmet": 0.0}
    columns = [table.columns[c.column] for c in table.rows[candidate.unit.row].cells
               if 0 <= c.column < len(table.columns)]
    met = any(c.kind in frame.kinds and c.period[:4] in frame.years for c in columns)
    return {"cell_match": 1.0 if met else 0.0, "cell_unmet": 0.0 if met else 1.0}


def agreement(candidate: Candidate, ctx: Context, doc: DocumentUnits | None) -> dict[str, float]:
    """Whether the unit has the kind of answer asked: a figure, the year, the kind, the unit, the group."""
    frame, text = ctx.frame, candidate.unit.text
    table = table_of(candidate, doc.document if doc else None)
    figures = figures_of(text)
    years = periods_of(candidate, table) | ({candidate.meta.period[:4]} if candidate.unit.kind != "row" else set())
    asked = set(frame.years)
    kinds = {c.kind for c in table.columns} if table is not None else {
        k for k, cues in ctx.lexicon.question_kinds.items() if cues.find(text)}
    units_asked = {u for u, cues in ctx.lexicon.units.items() if u in ("%", "tkr", "mkr") and cues.find(frame.question)}
    carried = [q for q in frame.qualifiers if q in text.replace(" ", "")]
    label = table.rows[candidate.unit.row].label if table is not None and candidate.unit.row < len(table.rows) else ""
    return {
        **_row_agreement(label, frame, ctx.lexicon),
        **_cell_agreement(candidate, table, frame),
        "unit_mismatch": _unit_mismatch(frame, figures, ctx.lexicon),
        "num_match": 1.0 if frame.numeric and figures else 0.0,
        "num_missing": 1.0 if frame.numeric and not figures else 0.0,
        "asks_year": 1.0 if asked else 0.0,
        "year_match": len(asked & years) / len(asked) if asked else 0.0,
        "year_other": 1.0 if asked and years and not asked & years else 0.0,
        "kind_match": 1.0 if frame.kinds and frame.kinds & kinds else 0.0,
        "unit_match": 1.0 if units_asked and any(ctx.lexicon.units[u].find(f"{text} {header_text(table)}")
                                                 for u in units_asked) else 0.0,
        "qual_match": 1.0 if frame.qualifiers and len(carried) == len(frame.qualifiers) else 0.0,
        "qual_missing": 1.0 if frame.qualifiers and len(carried) < len(frame.qualifiers) else 0.0,
    }


def _row_agreement(label: str, frame: Frame, lexicon: Lexicon) -> dict[str, float]:
    """A total row for a question about the whole; a row of one group ('Kvinnor') the question does not name."""
    if not label:
        return {"total_row": 0.0, "dim_mismatch": 0.0}
    groups = groups_named(label, lexicon)
    asked = groups_named(frame.question, lexicon, frame.english)
    total = bool(lexicon.table_total.find(label)) or "totalt" in groups
    parts = groups - {"totalt"}
    return {"total_row": 1.0 if total and ("total" in frame.intents or not asked - {"totalt"}) else 0.0,
            "dim_mismatch": 1.0 if parts and not parts & asked else 0.0}


def groups_named(text: str, lexicon: Lexicon, english: bool = False) -> set[str]:
    """The groups (kvinnor, män, flickor, pojkar, totalt) a text names in any form."""
    forms = lexicon.dimension_forms_en if english else lexicon.dimension_forms
    named = {group for group, phrases in lexicon.dimension_forms.items() if phrases.find(text)}
    return named | ({group for group, phrases in forms.items() if phrases.find(text)} if english else set())


def _unit_mismatch(frame: Frame, figures: list[str], lexicon: Lexicon) -> float:
    """A count asked and only shares given, or a share asked and no share given."""
    if not figures:
        return 0.0
    shares = sum(f.endswith("%") for f in figures)
    asks_share = bool(lexicon.units["%"].find(frame.question))
    asks_count = bool(lexicon.units["antal"].find(frame.question))
    if asks_count and not asks_share and shares == len(figures):
        return 1.0
    return 1.0 if asks_share and not asks_count and shares == 0 else 0.0


@lru_cache(maxsize=4)
def _dates(months: tuple[str, ...]) -> re.Pattern[str]:
    """A date as written: '3 maj', '15 januari 2024' (the lexicon's month words) or 2024-05-03."""
    names = "|".join(sorted(map(re.escape, months), key=len, reverse=True))
    return re.compile(rf"\b\d{{1,2}} (?:{names})\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.IGNORECASE)


def shape(candidate: Candidate, ctx: Context) -> dict[str, float]:
    """What kind of unit it is, and whether that suits what the question asks (why, who, when, list, trend)."""
    unit, frame, lex = candidate.unit, ctx.frame, ctx.lexicon
    text = unit.text
    return {
        "is_row": 1.0 if unit.kind == "row" else 0.0,
        "is_item": 1.0 if unit.kind == "item" else 0.0,
        "is_heading": 1.0 if unit.kind == "heading" else 0.0,
        "why_cause": 1.0 if "why" in frame.intents and lex.causal.find(text) else 0.0,
        "who_name": 1.0 if "who" in frame.intents and _NAME.search(text) else 0.0,
        "when_date": 1.0 if "when" in frame.intents and (_dates(tuple(lex.months)).search(text) or _YEAR.search(text))
        else 0.0,
        "list_item": 1.0 if "list" in frame.intents and (unit.kind == "item" or text.rstrip().endswith(":")) else 0.0,
        "trend_series": 1.0 if "trend" in frame.intents and len(figures_of(text)) >= 2 else 0.0,
        "length": min(1.0, len(text) / 400),
    }


def semantic(candidate: Candidate, ctx: Context, best: float) -> dict[str, float]:
    """The question's cosine similarity to the unit itself, and how far it lies below the best unit's."""
    similarity = ctx.similarity.get((candidate.unit.document, candidate.unit.start, candidate.unit.end))
    if similarity is None:
        return {"u_dense": 0.0, "u_dense_rel": -0.2}
    return {"u_dense": similarity, "u_dense_rel": similarity - best}


def featurize(candidates: list[Candidate], ctx: Context) -> None:
    """Compute every named feature of every candidate (in place)."""
    best = max(ctx.similarity.values(), default=0.0)
    for candidate in candidates:
        doc = ctx.units(candidate.unit.document)
        values = {**lexical(candidate, ctx, doc), **retrieval(candidate, ctx.frame), **agreement(candidate, ctx, doc),
                  **shape(candidate, ctx), **semantic(candidate, ctx, best)}
        candidate.features = {name: float(values.get(name, 0.0)) for name in FEATURES}
