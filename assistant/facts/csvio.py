"""The fact set as CSV: the committed, reviewed corpus facts (corpus/indicators.csv) and review lists."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from assistant.types import Fact

FACT_FIELDS = list(Fact.model_fields)
REVIEW_FIELDS = ["document", "table", "row_text", "start", "end", "reason"]


class ReviewItem(BaseModel):
    """A table row or cell the extractor could not place with certainty, and why (shown for review)."""

    document: str
    table: str
    row_text: str
    start: int
    end: int
    reason: str


def _csv_number(value: float | None) -> str:
    """A number for the CSV: no trailing .0 on whole numbers."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def write_facts_csv(facts: Iterable[Fact], path: Path) -> None:
    """Write facts as UTF-8 CSV with a header row; columns are the Fact fields in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FACT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for fact in facts:
            row = fact.model_dump()
            row["number"] = _csv_number(fact.number)
            row["page"] = "" if fact.page is None else fact.page
            writer.writerow(row)


def read_facts_csv(path: Path) -> list[Fact]:
    """Read facts written by write_facts_csv (columns a file lacks take their defaults)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:  # tolerate a BOM from a spreadsheet save
        rows = list(csv.DictReader(handle))
    facts = []
    for row in rows:
        data = {k: v for k, v in row.items() if k in Fact.model_fields and v != ""}
        number = data.pop("number", None)
        page = data.pop("page", None)
        facts.append(Fact(**data, number=float(number) if number else None, page=int(page) if page else None))
    return facts


def write_review_csv(items: Iterable[ReviewItem], path: Path) -> None:
    """Write the needs-review list as UTF-8 CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVIEW_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(item.model_dump())


def read_review_csv(path: Path) -> list[ReviewItem]:
    """Read a needs-review list written by write_review_csv."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [ReviewItem(**row) for row in csv.DictReader(handle)]
