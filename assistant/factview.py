"""Facts as a reviewer sees them: each table of a document with the fact behind each cell, and Swedish labels."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.types import Fact, SourceDocument, Table, TableCell

REVIEW_SV: dict[str, str] = {"extracted": "ogranskad", "reviewed": "granskad", "corrected": "rättad",
                             "rejected": "avvisad"}
ACTION_SV: dict[str, str] = {"approve": "godkända", "correct": "rättade", "reject": "avvisade",
                             "reset": "återställda till ogranskade"}


class TableFacts(BaseModel):
    """One table of a document and the facts read from its cells."""

    model_config = ConfigDict(extra="forbid")

    table: Table
    facts: list[Fact] = Field(default_factory=list, description="The table's facts in document order.")

    def fact_at(self, cell: TableCell) -> Fact | None:
        """The fact whose value is this cell (None for a cell no fact was read from)."""
        return next((f for f in self.facts if f.start == cell.start and f.end == cell.end), None)

    def counts(self) -> dict[str, int]:
        """How many of the table's facts have each review status."""
        out = dict.fromkeys(REVIEW_SV, 0)
        for fact in self.facts:
            out[fact.review] += 1
        return out


def tables_with_facts(document: SourceDocument, facts: list[Fact]) -> list[TableFacts]:
    """The document's tables, each with its facts (by table id, else by the value's span inside the table)."""
    out = []
    for table in document.tables:
        mine = [f for f in facts if f.document == document.name and (
            f.table_id == table.id if f.table_id else table.start <= f.start and f.end <= table.end)]
        out.append(TableFacts(table=table, facts=mine))
    return out


def review_label(review: str) -> str:
    """A review status in Swedish ('extracted' → 'ogranskad')."""
    return REVIEW_SV.get(review, review)


def fact_record(fact: Fact) -> dict[str, object]:
    """A fact as `facts list --json` and the API give it."""
    return fact.model_dump(include={"id", "document", "table", "table_id", "indicator", "group", "column", "period",
                                    "kind", "value", "unit", "status", "review", "original_value", "reviewer",
                                    "reviewed_at", "start", "end", "row_start", "row_end", "page", "municipality",
                                    "body"})
