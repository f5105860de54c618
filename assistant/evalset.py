"""Hand-written factual-accuracy eval set: models, loader and validator."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Category = Literal[
    "indicator_value",
    "indicator_trend",
    "budget_figure",
    "fact_lookup",
    "list",
    "multi_hop",
    "cross_doc",
    "unanswerable",
    "ambiguous_municipality",
]

CATEGORIES: tuple[str, ...] = get_args(Category)

#: How far (in characters of the original document) a must_include string may lie from its quote.
NEAR_CHARS = 300
#: Minimum share of items whose question is in English.
MIN_ENGLISH_SHARE = 0.10
#: Minimum share of unanswerable items.
MIN_UNANSWERABLE_SHARE = 0.08

# Characters that count as whitespace in addition to what str.isspace() says.
_EXTRA_WS = {"\u00a0", "\u2007", "\u202f", "\u200b", "\ufeff"}
class EvalSetError(ValueError):
    """Raised when an eval-set file cannot be loaded."""


class Source(BaseModel):
    """A supporting passage: corpus file name and an exact quote from it."""

    model_config = ConfigDict(extra="forbid")

    document: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class EvalItem(BaseModel):
    """One question with its reference answer, required strings and gold sources."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    must_include: list[str]
    sources: list[Source]
    category: Category
    lang: Literal["sv", "en"] = "sv"

    @field_validator("must_include")
    @classmethod
    def _no_blank_strings(cls, value: list[str]) -> list[str]:
        """Reject empty or whitespace-only must_include entries."""
        if any(not s.strip() for s in value):
            raise ValueError("must_include får inte innehålla tomma strängar")
        return value


def _is_ws(ch: str) -> bool:
    """Return True for any whitespace character, including no-break spaces."""
    return ch.isspace() or ch in _EXTRA_WS


def normalize_ws(s: str) -> str:
    """Collapse every run of whitespace (incl. no-break spaces) to one space and strip the ends."""
    out: list[str] = []
    pending = False
    for ch in s:
        if _is_ws(ch):
            pending = True
            continue
        if pending and out:
            out.append(" ")
        pending = False
        out.append(ch)
    return "".join(out)


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalize whitespace and return, per normalized char, its offset in the original text. Markdown table
    pipes count as whitespace: a pipe-table row quoted from the source file is a tab-separated row of the
    cleaned text."""
    chars: list[str] = []
    offsets: list[int] = []
    pending_at: int | None = None
    for i, ch in enumerate(text):
        if _is_ws(ch) or ch == "|":
            if pending_at is None:
                pending_at = i
            continue
        if pending_at is not None and chars:
            chars.append(" ")
            offsets.append(pending_at)
        pending_at = None
        chars.append(ch)
        offsets.append(i)
    return "".join(chars), offsets


def find_quote(document_text: str, quote: str) -> tuple[int, int] | None:
    """Find quote in document_text ignoring whitespace differences; return the original (start, end) span."""
    needle, _ = _normalize_with_map(re.sub(r"<br\s*/?>", " ", quote, flags=re.IGNORECASE))
    if not needle:
        return None
    norm, offsets = _normalize_with_map(document_text)
    pos = norm.find(needle)
    if pos < 0:
        return None
    end_norm = pos + len(needle) - 1
    return offsets[pos], offsets[end_norm] + 1


def _near(document_text: str, span: tuple[int, int], needle: str) -> bool:
    """Return True if needle occurs inside span or within NEAR_CHARS characters of it."""
    start = max(0, span[0] - NEAR_CHARS)
    end = min(len(document_text), span[1] + NEAR_CHARS)
    window = normalize_ws(document_text[start:end])
    return normalize_ws(needle) in window


def load_items(path: Path) -> list[EvalItem]:
    """Load a JSONL eval set, raising EvalSetError (with file and line) on any problem."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{path}: kan inte läsa filen: {exc}") from exc
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{path}, rad {lineno}: ogiltig JSON: {exc.msg}") from exc
        if not isinstance(raw, dict):
            raise EvalSetError(f"{path}, rad {lineno}: raden måste vara ett JSON-objekt")
        try:
            item = EvalItem.model_validate(raw)
        except ValidationError as exc:
            fields = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(objekt)'}: {err['msg']}" for err in exc.errors()
            )
            raise EvalSetError(f"{path}, rad {lineno}: ogiltiga fält: {fields}") from exc
        if item.id in seen:
            raise EvalSetError(f"{path}, rad {lineno}: dubblett-id {item.id!r} (första gången på rad {seen[item.id]})")
        seen[item.id] = lineno
        items.append(item)
    return items


def validate(items: list[EvalItem], corpus_dir: Path) -> list[str]:
    """Check every item against the corpus; return a list of problems (empty means valid)."""
    corpus_dir = Path(corpus_dir)
    problems: list[str] = []
    texts: dict[str, str | None] = {}

    def text_of(name: str) -> str | None:
        """Read (and cache) one corpus document, or None if it does not exist."""
        if name not in texts:
            p = corpus_dir / name
            texts[name] = p.read_text(encoding="utf-8") if p.is_file() and Path(name).name == name else None
        return texts[name]

    for item in items:
        problems += _item_problems(item, text_of)
    return problems


def _item_problems(item: EvalItem, text_of: Callable[[str], str | None]) -> list[str]:
    """What is wrong with one item: missing fields, a reference answer without its required strings, quotes not in
    their documents, required strings neither in nor near a quote."""
    tag = item.id
    if item.category == "unanswerable":
        return ([f"{tag}: obesvarbar fråga har must_include"] if item.must_include else []) + (
            [f"{tag}: obesvarbar fråga har sources"] if item.sources else [])
    problems = [f"{tag}: sources saknas"] if not item.sources else []
    problems += [f"{tag}: must_include saknas"] if not item.must_include else []
    answer_norm = normalize_ws(item.answer).casefold()
    problems += [f"{tag}: referenssvaret saknar must_include {needle!r}" for needle in item.must_include
                 if normalize_ws(needle).casefold() not in answer_norm]
    spans: list[tuple[str, tuple[int, int]]] = []
    for src in item.sources:
        text = text_of(src.document)
        span = find_quote(text, src.quote) if text is not None else None
        if text is None:
            problems.append(f"{tag}: okänt dokument {src.document!r}")
        elif span is None:
            problems.append(f"{tag}: citatet hittas inte i {src.document}: {src.quote[:60]!r}")
        else:
            spans.append((text, span))
    if spans:
        problems += [f"{tag}: must_include {needle!r} finns inte i eller nära något citat" for needle in
                     item.must_include if not any(_near(text, span, needle) for text, span in spans)]
    return problems


def is_english(item: EvalItem) -> bool:
    """Return True if the item is marked English or its question looks English (the lexicon's markers)."""
    from assistant.language import is_english as looks_english

    return item.lang == "en" or looks_english(item.question)


def dataset_stats(items: list[EvalItem]) -> dict[str, Any]:
    """Summarize the set: totals, per category, per document and per language."""
    per_doc: Counter[str] = Counter()
    for item in items:
        for doc in {s.document for s in item.sources}:
            per_doc[doc] += 1
    english = sum(is_english(i) for i in items)
    return {
        "total": len(items),
        "per_category": dict(Counter(i.category for i in items)),
        "per_document": dict(per_doc),
        "per_language": {"en": english, "sv": len(items) - english},
        "unanswerable": sum(i.category == "unanswerable" for i in items),
    }


def check_coverage(items: list[EvalItem], documents: list[str], min_per_document: int = 1) -> list[str]:
    """Dataset-level checks: English share, unanswerable share and per-document coverage."""
    problems: list[str] = []
    if not items:
        return ["evalsetet är tomt"]
    stats = dataset_stats(items)
    total = stats["total"]
    if stats["per_language"]["en"] < MIN_ENGLISH_SHARE * total:
        problems.append(
            f"för få engelska frågor: {stats['per_language']['en']} av {total} (krav ≥ {MIN_ENGLISH_SHARE:.0%})"
        )
    if stats["unanswerable"] < MIN_UNANSWERABLE_SHARE * total:
        problems.append(
            f"för få obesvarbara frågor: {stats['unanswerable']} av {total} (krav ≥ {MIN_UNANSWERABLE_SHARE:.0%})"
        )
    for doc in documents:
        n = stats["per_document"].get(doc, 0)
        if n < min_per_document:
            problems.append(f"dokumentet {doc} täcks av {n} frågor (krav ≥ {min_per_document})")
    return problems
