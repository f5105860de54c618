"""The typed data chain: SourceDocument → Section → Chunk → Evidence → Answer(citations); Fact; Draft."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentKind = Literal["plan", "report", "meeting_papers", "other"]


def content_id(data: bytes | str, length: int = 16) -> str:
    """A content hash used as a stable id: the same bytes always give the same id."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:length]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentMeta(_Model):
    """What the manifest or upload form says about a document."""

    title: str = ""
    municipality: str = ""
    body: str = ""
    kind: DocumentKind = "other"
    period: str = ""
    access: str = Field("public", description="Access label; users need a role that grants it.")


class Section(_Model):
    """A heading and the character span of the text it governs in the cleaned document."""

    title: str
    start: int
    end: int


class PageSpan(_Model):
    """Which characters of the cleaned text came from which page (1-based)."""

    page: int
    start: int
    end: int


class TableColumn(_Model):
    """A value column: its header as written and, when the header says so, the kind and period of its figures."""

    header: str = Field(description="The header text, lines of a wrapped header joined with spaces.")
    kind: str = Field("", description="utfall, budget, prognos, mål, avvikelse, plan; '' when it cannot be placed.")
    period: str = Field("", description="YYYY, YYYY-MM (a part-year to that month) or YYYY/YYYY; '' when unknown.")
    source: str = Field("", description="Where the period came from when not from the header: caption, document.")
    start: int = Field(-1, description="Span of the header cell in the cleaned text (-1 when built from parts).")
    end: int = -1


class TableCell(_Model):
    """One value of a row, with its span in the cleaned text and the column it stands under."""

    column: int = Field(description="Index into the table's columns; -1 when the row could not be placed.")
    text: str
    start: int
    end: int


class TableRow(_Model):
    """A table row: its label as written (wrapped parts joined), the group row above it, and its values."""

    label: str
    group: str = Field("", description="The nearest group row above (a row with a label and no values).")
    start: int
    end: int
    cells: list[TableCell] = Field(default_factory=list)
    placed: bool = Field(True, description="False when the values could not be assigned to columns for sure.")


class Table(_Model):
    """A table found in a document: caption, columns with (kind, period), rows with spans, page."""

    id: str
    caption: str = ""
    start: int
    end: int
    header_start: int
    header_end: int
    columns: list[TableColumn] = Field(default_factory=list)
    rows: list[TableRow] = Field(default_factory=list)
    page: int | None = None
    layout: str = Field("text", description="tab, text, markdown, pdf or docx: how the table was written.")

    def header_text(self, text: str) -> str:
        """The header lines as they stand in the document text."""
        return text[self.header_start:self.header_end]


class SourceDocument(_Model):
    """A cleaned, sectioned document ready for chunking and fact extraction."""

    id: str = Field(description="Content hash of the source file's bytes.")
    name: str = Field(description="File name, as in corpus/ or the upload.")
    sha256: str
    meta: DocumentMeta
    text: str = Field(description="Cleaned text; every character offset in the system refers to it.")
    sections: list[Section] = Field(default_factory=list)
    pages: list[PageSpan] = Field(default_factory=list)
    quality: float = Field(0.0, description="Extraction quality score; the higher copy of a duplicate wins.")
    tables: list[Table] = Field(default_factory=list, description="Tables found at ingestion.")
    ocr_pages: list[int] = Field(default_factory=list, description="Pages whose text came from OCR.")

    def section_at(self, offset: int) -> str:
        """Title of the section holding this offset ('' before the first heading)."""
        starts = [s.start for s in self.sections]
        i = bisect_right(starts, offset) - 1
        return self.sections[i].title if i >= 0 else ""

    def page_at(self, offset: int) -> int | None:
        """Page holding this offset, when the source had pages."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.page
        return None


class Chunk(_Model):
    """A token-bounded piece of one section, with its span in the cleaned document text."""

    id: str
    document_id: str
    document: str
    section: str
    start: int
    end: int
    text: str
    header: str = Field("", description="Context (municipality, body, title, section, table columns) for indexing.")
    page: int | None = None
    tokens: int = 0


class Citation(_Model):
    """A numbered pointer from an answer or draft to an exact passage."""

    key: str
    document: str
    title: str = ""
    section: str = ""
    start: int
    end: int
    page: int | None = None
    quote: str
    header: str = Field("", description="For a table row: the column header line it is read under (document text).")
    header_start: int = -1
    header_end: int = -1
    ocr: bool = Field(False, description="The passage was read from a scanned page by OCR.")
    unreviewed: bool = Field(False, description="The figures come from table facts nobody has reviewed yet.")


ReviewStatus = Literal["extracted", "reviewed", "corrected", "rejected"]


class Fact(_Model):
    """One table figure, exactly as written, under its row, column, period and kind, with where it stands."""

    id: str
    municipality: str
    body: str
    document: str
    table: str = Field(description="The table's caption (or nearest heading).")
    indicator: str = Field(description="The row's label as written.")
    kolada_id: str = ""
    period: str = Field(description="YYYY, YYYY-MM (part-year to that month) or YYYY/YYYY.")
    kind: str = Field(description="utfall, mål, prognos, budget, avvikelse, plan …")
    value: str = Field(description="The value exactly as written in the document.")
    number: float | None = None
    unit: str = ""
    status: str = Field("ok", description="ok (a figure), text (a value in words, 'Ökande'), or a missing-data "
                        "marker such as saknas or IU.")
    start: int = Field(description="Start of the evidence span (the value's cell) in the cleaned document text.")
    end: int
    column: str = Field("", description="The column header the value stands under, as written.")
    group: str = Field("", description="The group row above the fact's row, if any.")
    table_id: str = ""
    page: int | None = None
    row_start: int = Field(-1, description="Span of the whole row (label and values) in the cleaned text.")
    row_end: int = -1
    period_source: str = Field("", description="'' when the header names the period; caption or document else.")
    review: ReviewStatus = Field("extracted", description="extracted → reviewed | corrected | rejected.")
    original_value: str = Field("", description="The extracted value, when a reviewer corrected it.")
    reviewer: str = ""
    reviewed_at: str = ""

    @property
    def row_name(self) -> str:
        """The row as a reader names it: 'Intäkter (Geodata & Bygglov)'."""
        return f"{self.indicator} ({self.group})" if self.group else self.indicator

    @property
    def present(self) -> bool:
        """Whether the document gives a value here (a figure or words), not a missing-data marker."""
        return self.status in ("ok", "text")

    @property
    def reviewed(self) -> bool:
        """Whether a person approved (or corrected) this fact."""
        return self.review in ("reviewed", "corrected")


class Answer(_Model):
    """An answer with its citations, or a refusal with the closest passages."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    related: list[Citation] = Field(
        default_factory=list, description="With a refusal: the closest passages, offered as possibly relevant."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list, description="Why an LLM answer was replaced, and similar.")
    confidence: float | None = Field(None, description="The answerability score the refusal threshold is set on.")


class DraftRequest(_Model):
    """What to draft: a body's follow-up for a period, optionally only some indicators."""

    municipality: str = Field(description="Municipality; 'Lerum' is enough for 'Lerums kommun'.")
    body: str = Field(description="The nämnd, any case ('stöd- och omsorgsnämnden').")
    period: str = Field(description="The follow-up period, e.g. '2024'; selects the plan or report of that period.")
    indicators: list[str] | None = Field(
        default=None, description="Indicator or table names (or words); empty means all."
    )
    allow_numbers: list[str] = Field(
        default_factory=list, description="Numbers the drafter allows in the text beyond facts and periods."
    )
    llm: Literal["none", "openai", "local", "fake"] | None = Field(
        default=None, description="Model that writes the text; empty means the draft.llm setting; none means templates."
    )
    include_unreviewed: bool = Field(
        default=False, description="Also use facts nobody has reviewed yet; each is marked 'ej granskad' in the text."
    )


class Finding(_Model):
    """A problem in a draft: an unsupported number, a wrong direction word, a missing indicator."""

    kind: Literal["number", "direction", "placeholder", "missing_indicator"]
    text: str = Field(description="The number, word or indicator as written.")
    start: int = Field(default=-1, description="Position in the checked text (-1 when the problem has no position).")
    end: int = -1
    reason: str = Field(description="Why, in Swedish.")
    fact_id: str = Field(default="", description="The fact concerned (its id in the fact set), if any.")
    fact_key: str = Field(default="", description="The fact's short key in the draft, e.g. F12.")
    section: str = ""


class NumberTrace(_Model):
    """One number in a draft text and where it came from, or why it was rejected."""

    text: str
    start: int
    end: int
    source: Literal["fact", "label", "quote", "period", "allowed", "rejected"]
    fact_id: str = ""
    fact_key: str = Field(default="", description="F-key of the fact (or P-key of the quote) whose citation backs it.")
    reason: str = ""


class DraftSection(_Model):
    """One part of a draft: a table's indicators, or the prioritised directions."""

    title: str
    group: Literal["indicators", "directions", "economy"]
    text: str = Field(description="The section's final text (Markdown, no heading).")
    fact_keys: list[str] = Field(default_factory=list)
    origin: Literal["template", "llm", "repaired", "fallback"] = "template"


class Draft(_Model):
    """A checked follow-up draft: text, sections, facts used with citations, traced numbers and findings."""

    request: DraftRequest
    municipality: str
    body: str
    period: str
    title: str
    text: str = Field(description="The whole draft as Markdown; every position in numbers and findings refers to it.")
    sections: list[DraftSection] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list, description="Facts the text states, in key order.")
    fact_keys: dict[str, str] = Field(default_factory=dict, description="Short key (F12) → fact id.")
    citations: list[Citation] = Field(default_factory=list, description="F-keys: fact evidence; P-keys: quotes.")
    numbers: list[NumberTrace] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    rejected: list[Finding] = Field(
        default_factory=list, description="Findings in model text that was repaired or replaced by the template."
    )
    missing_indicators: list[str] = Field(default_factory=list)
    passed: bool = Field(description="True when the final text has no findings.")
    backend: str = Field(default="mall", description="'mall' for the deterministic templates, else the model's name.")
    notes: list[str] = Field(default_factory=list)


@dataclass
class AskRequest:
    """A question with optional filters and the previous turns of the conversation."""

    question: str
    municipality: str | None = None
    body: str | None = None
    period: str | None = None
    k: int = 5
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) pairs, oldest first
    user: str = "anonym"
    roles: tuple[str, ...] = ("public",)


@dataclass(frozen=True)
class Unit:
    """The smallest quotable piece of a document: a sentence, a table row, a list item or a heading."""

    document: str
    start: int
    end: int
    kind: Literal["sentence", "row", "item", "heading"]
    text: str
    section: str = ""
    table: int = -1  # index into the document's tables, for a row
    row: int = -1  # index of the row in its table


@dataclass
class Candidate:
    """A unit that may answer a question, with where it came from and its named features and score."""

    unit: Unit
    meta: DocumentMeta
    source: Literal["passage", "row"]  # inside a retrieved chunk, or found by the row index
    rank: int  # the chunk's (or row's) retrieval rank, 0 = best
    ranks: dict[str, int] = field(default_factory=dict)  # the chunk's rank in each ranker
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
