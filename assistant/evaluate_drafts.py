"""Draft evaluation: every number in the final texts re-traced against the facts, and required facts present."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.factstore import fold
from assistant.numbers import SwedishNumber, find_numbers, normalize_number_text, parse_period
from assistant.types import Draft, DraftRequest, Fact, NumberTrace


class RequiredFact(BaseModel):
    """A fact a draft must state, given as (indicator, period, value) instead of an id."""

    model_config = ConfigDict(extra="forbid")

    indicator: str
    period: str
    value: str
    kind: str = ""


class DraftEvalItem(BaseModel):
    """One line of evals/drafts.jsonl: a draft request and the facts its draft must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str
    municipality: str
    body: str
    period: str
    indicators: list[str] | None = None
    required_facts: list[str | RequiredFact] = Field(description="Fact ids, or (indicator, period, value) triples.")
    note: str = ""

    def request(self) -> DraftRequest:
        """The draft request of this item."""
        return DraftRequest(municipality=self.municipality, body=self.body, period=self.period,
                            indicators=self.indicators)


def load_draft_items(path: Path) -> list[DraftEvalItem]:
    """Read a drafts.jsonl file (blank lines skipped)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [DraftEvalItem.model_validate(json.loads(line)) for line in lines if line.strip()]


def _numbers_of(fact: Fact) -> set[str]:
    """The numbers written in a fact's value, normalized ('116 st (38% av brukarna)' → {'116', '38'})."""
    return {normalize_number_text(n.raw) for _, _, n in find_numbers(fact.value) if n.value is not None}


def _years_and_dates(draft: Draft) -> tuple[set[str], set[str]]:
    """Years and single dates of the request period and of every fact the draft states."""
    labels = [draft.period, *(f.period for f in draft.facts)]
    years = {y for label in labels for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", label)}
    dates = {p.start.isoformat() for label in labels if (p := parse_period(label)) and p.start == p.end}
    return years, dates


def _is_period(token: SwedishNumber, years: set[str], dates: set[str]) -> bool:
    """A year or date of the draft's periods."""
    if token.unit == "datum" or re.fullmatch(r"\d{6}", token.raw):
        parsed = parse_period(token.raw)
        return parsed is not None and parsed.start.isoformat() in dates
    return token.raw in years and not token.unit


def trace_ok(draft: Draft, token: SwedishNumber, trace: NumberTrace | None, start: int, end: int) -> bool:
    """Whether the draft's own trace of a number holds when re-checked against its facts, quotes and periods."""
    if trace is None or trace.source == "rejected":
        return False
    digits = normalize_number_text(token.raw)
    if trace.source == "fact":
        fact_id = draft.fact_keys.get(trace.fact_key, trace.fact_id)
        fact = next((f for f in draft.facts if f.id == fact_id), None)
        return fact is not None and fact.status == "ok" and digits in _numbers_of(fact)
    if trace.source == "quote":
        quote = next((c.quote for c in draft.citations if c.key == trace.fact_key), "")
        return token.raw in quote
    if trace.source == "label":
        names = {n for f in draft.facts for n in (f.indicator, f.table)}
        low = draft.text.casefold()
        return any(n.casefold() in low[max(0, start - len(n)) : end + len(n)] and token.raw in n for n in names)
    if trace.source == "period":
        return _is_period(token, *_years_and_dates(draft))
    return digits in {normalize_number_text(a) for a in draft.request.allow_numbers}


def count_numbers(draft: Draft) -> tuple[int, int, list[str]]:
    """All numbers in the final text, how many trace (re-checked), and the ones that do not."""
    traces = {(t.start, t.end): t for t in draft.numbers}
    found = find_numbers(draft.text)
    bad = [n.raw for s, e, n in found if not trace_ok(draft, n, traces.get((s, e)), s, e)]
    return len(found), len(found) - len(bad), bad


def fact_present(draft: Draft, required: str | RequiredFact) -> bool:
    """Whether the draft states a fact: its value traced in the text, or (without a value) stated as missing."""
    if isinstance(required, str):
        facts = [f for f in draft.facts if f.id == required]
    else:
        value = normalize_number_text(required.value) or fold(required.value)
        facts = [f for f in draft.facts if fold(f.indicator) == fold(required.indicator)
                 and f.period == required.period and (not required.kind or f.kind == required.kind)
                 and (normalize_number_text(f.value) or fold(f.value)) == value]
    stated = {t.fact_id for t in draft.numbers if t.source == "fact"}
    return any(f.id in stated or not f.present or (not _numbers_of(f) and f.value in draft.text) for f in facts)


def _ratio(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide."""
    return part / whole if whole else None


def evaluate_drafts(requests: Iterable[DraftEvalItem | dict[str, Any]],
                    draft_fn: Callable[[DraftRequest], Draft]) -> dict[str, Any]:
    """Draft metrics: draft_number_precision (traced / all numbers) and draft_coverage (required facts present)."""
    results: list[dict[str, Any]] = []
    for raw in requests:
        item = raw if isinstance(raw, DraftEvalItem) else DraftEvalItem.model_validate(raw)
        draft = draft_fn(item.request())
        numbers, traced, untraced = count_numbers(draft)
        missing = [r if isinstance(r, str) else r.model_dump() for r in item.required_facts
                   if not fact_present(draft, r)]
        results.append({
            "id": item.id, "municipality": draft.municipality, "body": draft.body, "period": draft.period,
            "numbers": numbers, "numbers_traced": traced, "untraced": untraced,
            "facts_required": len(item.required_facts), "facts_present": len(item.required_facts) - len(missing),
            "missing_facts": missing, "findings": len(draft.findings), "passed": draft.passed,
            "backend": draft.backend,
        })
    totals = {k: sum(r[k] for r in results) for k in ("numbers", "numbers_traced", "facts_required", "facts_present")}
    return {
        "draft_number_precision": _ratio(totals["numbers_traced"], totals["numbers"]),
        "draft_coverage": _ratio(totals["facts_present"], totals["facts_required"]),
        **totals,
        "drafts": len(results),
        "drafts_passed": sum(1 for r in results if r["passed"]),
        "results": results,
    }
