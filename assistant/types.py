"""The typed data chain: SourceDocument → Section → Chunk → Evidence → Answer(citations); Fact; Draft."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
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


class Fact(_Model):
    """One indicator or budget figure, exactly as written, with the span of its evidence."""

    id: str
    municipality: str
    body: str
    document: str
    table: str
    indicator: str
    kolada_id: str = ""
    period: str
    kind: str = Field(description="utfall, mål, prognos, budget, bokslut, avvikelse …")
    value: str = Field(description="The value exactly as written in the document.")
    number: float | None = None
    unit: str = ""
    status: str = Field("ok", description="ok, or a missing-data marker such as saknas or IU.")
    start: int = Field(description="Start of the evidence span in the cleaned document text.")
    end: int


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
