"""Draft export: Markdown and DOCX with headings, the draft text, the facts used and the findings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.inert import inert_links
from assistant.types import Draft

FACT_COLUMNS = ("Id", "Indikator", "Period", "Värde", "Källa")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _source(draft: Draft, key: str) -> str:
    """'document, avsnitt ”…”, tecken a–b' for a citation key."""
    c = next((c for c in draft.citations if c.key == key), None)
    if c is None:
        return ""
    section = f", avsnitt ”{c.section}”" if c.section else ""
    return f"{c.title or c.document}{section}, tecken {c.start}–{c.end}"


def fact_rows(draft: Draft) -> list[tuple[str, str, str, str, str]]:
    """The appendix table: one row per fact used (key, indicator, period, value, source)."""
    keys = {fact_id: key for key, fact_id in draft.fact_keys.items()}
    rows = []
    for fact in draft.facts:
        key = keys.get(fact.id, "")
        value = fact.value if fact.present else f"saknas ({fact.value})"
        rows.append((key, f"{fact.indicator} ({fact.kind})", fact.period, value, _source(draft, key)))
    return rows


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def findings_lines(draft: Draft) -> list[str]:
    """The review summary: passed or every finding, and what happened to model text."""
    if draft.passed:
        lines = ["Alla tal i texten är spårade till fakta, perioder eller citat; inga avvikelser hittades."]
    else:
        lines = [f"Granskningen hittade {len(draft.findings)} avvikelser:"]
        lines += [f"- {f.reason} (”{f.text}”)" for f in draft.findings]
    lines += [f"- {note}" for note in draft.notes]
    return lines


def to_markdown(draft: Draft) -> str:
    """The draft text, the appendix of facts used, the sources of quotes, and the review.

    Text from documents is inert: a link, image or HTML tag in a quote is shown as written, never followed.
    """
    lines = [inert_links(draft.text.rstrip()), "", "## Bilaga: fakta i utkastet", "",
             "| " + " | ".join(FACT_COLUMNS) + " |", "|" + "---|" * len(FACT_COLUMNS)]
    lines += ["| " + " | ".join(_cell(inert_links(v)) for v in row) + " |" for row in fact_rows(draft)]
    quotes = [c for c in draft.citations if c.key.startswith("P")]
    if quotes:
        lines += ["", "## Källor till citat", ""]
        lines += [f"- \\[{c.key}\\] {inert_links(_source(draft, c.key))}" for c in quotes]
    lines += ["", "## Granskning", "", *(inert_links(line) for line in findings_lines(draft))]
    return "\n".join(lines) + "\n"


def _add_runs(paragraph: Any, text: str) -> None:
    """Add text to a python-docx paragraph, **bold** parts as bold runs."""
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos : m.start()])
        paragraph.add_run(m.group(1)).bold = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])


def to_docx(draft: Draft, path: Path) -> Path:
    """Write a Word document: headings, paragraphs and bullets of the draft, the facts table, the review."""
    from docx import Document  # heavy import, only when exporting

    doc = Document()
    for block in re.split(r"\n{2,}", draft.text.strip()):
        for line in block.split("\n") if block.lstrip().startswith(("- ", "#")) else [block]:
            if m := re.match(r"(#{1,3}) (.*)", line):
                doc.add_heading(m.group(2), level=len(m.group(1)) - 1)
            elif line.startswith("- "):
                _add_runs(doc.add_paragraph(style="List Bullet"), line[2:])
            elif line.strip():
                _add_runs(doc.add_paragraph(), line.replace("\n", " "))
    doc.add_heading("Bilaga: fakta i utkastet", level=1)
    rows = fact_rows(draft)
    table = doc.add_table(rows=1 + len(rows), cols=len(FACT_COLUMNS))
    table.style = "Table Grid"
    for i, name in enumerate(FACT_COLUMNS):
        table.rows[0].cells[i].text = name
    for r, row in enumerate(rows, start=1):
        for i, value in enumerate(row):
            table.rows[r].cells[i].text = value
    quotes = [c for c in draft.citations if c.key.startswith("P")]
    if quotes:
        doc.add_heading("Källor till citat", level=1)
        for c in quotes:
            doc.add_paragraph(f"[{c.key}] {_source(draft, c.key)}", style="List Bullet")
    doc.add_heading("Granskning", level=1)
    for line in findings_lines(draft):
        if line.startswith("- "):
            doc.add_paragraph(line[2:], style="List Bullet")
        else:
            doc.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def export(draft: Draft, path: Path) -> Path:
    """Write the draft as .docx or .md, by the file's suffix."""
    if path.suffix.lower() == ".docx":
        return to_docx(draft, path)
    if path.suffix.lower() in (".md", ".markdown", ".txt"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(draft), encoding="utf-8")
        return path
    raise ValueError(f"Okänt filformat {path.suffix!r}: välj .md eller .docx.")
