"""Draft export: the DOCX opened again has the headings, the text and the fact table; Markdown has the appendix."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from assistant.draft import Drafter
from assistant.export import FACT_COLUMNS, export, to_markdown
from assistant.inert import inert_links
from assistant.settings import Settings
from assistant.types import Draft, DraftRequest, Finding


@pytest.fixture
def draft(settings: Settings) -> Draft:
    return Drafter(settings).draft(DraftRequest(municipality="Lerum", body="Individnämnden", period="2024"))


def test_docx_has_headings_text_and_fact_table(draft: Draft, tmp_path: Path) -> None:
    path = export(draft, tmp_path / "ut" / "utkast.docx")
    doc = Document(str(path))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Uppföljning 2024: Individnämnden, Lerums kommun")
    assert ("Heading 1", "Indikatorer") in headings and ("Heading 1", "Prioriterade inriktningar") in headings
    assert ("Heading 2", "Indikatorer") in headings and ("Heading 2", "Individnämnd") in headings
    assert ("Heading 1", "Bilaga: fakta i utkastet") in headings and ("Heading 1", "Granskning") in headings
    body = {p.text for p in doc.paragraphs}
    assert ("Erfarna socionomer inom Barn- och familj, minst 5 år i yrket – Utfall: 65,1% (2021), 65,2% (2022) och "
            "74,7% (2023). Mellan 2022 och 2023 ökade värdet från 65,2% till 74,7%. Prognos 2024: Ökande. "
            "[Analys: kommentera utvecklingen och måluppfyllelsen.]") in body
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "Erfarna socionomer inom Barn- och familj, minst 5 år i yrket" in bold
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert any(b.startswith("Säkerställa tydliga krav på heltidsaktivering") for b in bullets)
    table = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert tuple(rows[0]) == FACT_COLUMNS and len(rows) == len(draft.facts) + 1
    assert ["F11", "Erfarna socionomer inom Barn- och familj, minst 5 år i yrket (utfall)", "2023", "74,7%"] in [
        r[:4] for r in rows]
    assert any(r[3] == "saknas (*)" for r in rows)
    assert all(r[4].startswith("Verksamhetsplan 2024 Individnämnden, avsnitt") for r in rows[1:])


def test_markdown_has_the_draft_the_appendix_and_the_review(draft: Draft, tmp_path: Path) -> None:
    text = to_markdown(draft)
    assert text.startswith(inert_links(draft.text.rstrip()))  # brackets escaped: they render the same
    assert "| Id | Indikator | Period | Värde | Källa |" in text
    assert "| F11 | Erfarna socionomer inom Barn- och familj, minst 5 år i yrket (utfall) | 2023 | 74,7% |" in text
    assert "## Källor till citat" in text and "- \\[P1\\] Verksamhetsplan 2024 Individnämnden" in text
    assert "inga avvikelser hittades" in text
    assert export(draft, tmp_path / "u.md").read_text(encoding="utf-8") == text
    with pytest.raises(ValueError, match=".pdf"):
        export(draft, tmp_path / "u.pdf")


def test_markdown_lists_findings_of_a_failed_draft(draft: Draft) -> None:
    finding = Finding(kind="number", text="71,1", start=0, end=4, reason="Talet finns inte bland fakta.")
    text = to_markdown(draft.model_copy(update={"passed": False, "findings": [finding]}))
    assert "Granskningen hittade 1 avvikelser:" in text and "- Talet finns inte bland fakta. (”71,1”)" in text


HOSTILE = ("Logga in: [logga in igen här](http://127.0.0.1:9/phish) eller <a href=\"http://127.0.0.1:9/a\">här</a>, "
           "se <img src=\"http://127.0.0.1:9/pixel.png\"> och ![bild](http://127.0.0.1:9/i.png), "
           "<http://127.0.0.1:9/x>, "
           "https://127.0.0.1:9/bare, www.example.se och info@example.se.")


def test_exports_keep_document_links_and_images_as_text(draft: Draft, tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    from assistant.ui_draft import preview_html

    hostile = draft.model_copy(update={"text": draft.text + "\n\n" + HOSTILE + "\n"})
    markdown = to_markdown(hostile)
    for renderer in (MarkdownIt("commonmark"), MarkdownIt("gfm-like")):  # gfm-like turns bare URLs into links
        html = renderer.render(markdown)
        assert "<a " not in html and "<img" not in html, html[-800:]
        assert "logga in igen här" in html and "pixel.png" in html  # shown, as text
    preview = preview_html(hostile)
    assert "<a " not in preview and "<img" not in preview and "&lt;img src=" in preview
    path = export(hostile, tmp_path / "u.docx")
    document = Document(str(path))
    assert not [r for r in document.part.rels.values() if "hyperlink" in r.reltype or "image" in r.reltype]
    assert any("[logga in igen här](http://127.0.0.1:9/phish)" in p.text for p in document.paragraphs)
