"""The Fakta tab without a browser: tables drawn as tables with each cell's review status, document text kept
inert, the tab shown only to granskare and admin, and its buttons changing the fact store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.auth import User
from assistant.service import AssistantService
from assistant.ui_facts import FactsTab, fact_rows, source_html, table_html, tables_html
from tests.factdata import KULTUR, SECRET, fact_data_dir, fact_named


@pytest.fixture
def service(tmp_path: Path) -> AssistantService:
    return AssistantService(fact_data_dir(tmp_path))


def tab_for(service: AssistantService, user: User) -> FactsTab:
    with gr.Blocks():
        return FactsTab(service, lambda request: user)


def test_a_table_is_drawn_with_headers_labels_and_cells_by_status(service: AssistantService) -> None:
    facts = service.facts(document=KULTUR)
    chosen = fact_named(facts, "Besök i simhallen", "Utfall 2025")
    service.review_facts([fact_named(facts, "Utlånade böcker", "Budget 2025").id], action="reject", user="gun")
    (shown,) = service.fact_tables(KULTUR)
    page = table_html(shown, selected=chosen.id, wanted="extracted")
    assert page.count("<th scope='col'>") == 3 and "Budget 2025<small>budget 2025</small>" in page
    assert "<th scope='row'>Besök i simhallen</th>" in page
    assert page.count("review-extracted") == 5 and page.count("review-rejected") == 1
    assert f"data-fact='{chosen.id}'" in page and "selected" in page
    assert "review-rejected dim" in page  # not the status filtered on
    assert "5 ogranskad · 1 avvisad" in page


def test_document_text_stays_text_in_tables_and_lists(service: AssistantService) -> None:
    (shown,) = service.fact_tables(KULTUR)
    row = shown.table.rows[0].model_copy(update={"label": "<img src=x onerror=alert(1)>"})
    table = shown.table.model_copy(update={"rows": [row], "caption": "<b>Nyckeltal</b>"})
    page = tables_html([shown.model_copy(update={"table": table})])
    assert "<img" not in page and "&lt;img src=x" in page and "<b>" not in page
    assert tables_html([]).startswith("<p class='no-tables'>")


def test_the_source_shows_the_facts_row_highlighted(service: AssistantService) -> None:
    fact = fact_named(service.facts(document=KULTUR), "Besök i simhallen", "Utfall 2025")
    panel = source_html(service, fact)
    assert "<mark class='cited' id='cited-passage'>Besök i simhallen\t88 120\t91 300\t95 000</mark>" in panel
    assert "Fjällby kommun" in panel
    assert fact_rows([fact]) == [["Besök i simhallen", "Utfall 2025", "2025", "utfall", "95 000", "ogranskad",
                                  fact.id]]


@pytest.mark.parametrize(("roles", "allowed"), [(("public",), False), (("public", "granskare"), True),
                                                (("admin",), True)])
def test_the_tab_is_for_granskare_and_admin(service: AssistantService, roles: tuple[str, ...],
                                            allowed: bool) -> None:
    tab = tab_for(service, User("x", roles))
    area, note, documents = tab.refresh(None)  # type: ignore[arg-type]
    assert area.visible is allowed and note.visible is not allowed
    if allowed:
        names = [value for _, value in documents.choices]
        assert KULTUR in names and (SECRET in names) == ("admin" in roles)
    else:
        with pytest.raises(gr.Error, match="granskare eller admin"):
            tab.show(KULTUR, "", "", None)  # type: ignore[arg-type]


def test_the_buttons_review_one_fact_or_the_whole_table(service: AssistantService,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gr, "Info", lambda message: None)
    tab = tab_for(service, User("gun", ("public", "granskare")))
    facts = service.facts(document=KULTUR)
    books = fact_named(facts, "Utlånade böcker", "Utfall 2025")
    shown: Any = tab._acting("correct")(KULTUR, "", books.id, "39 900", None)  # type: ignore[arg-type]
    assert "39 900" in shown[0] and shown[5] == books.id and "rättad" in shown[3]
    with pytest.raises(gr.Error, match="Välj först ett faktum"):
        tab._acting("approve")(KULTUR, "", "", "", None)  # type: ignore[arg-type]
    shown = tab.approve_whole_table(KULTUR, "", facts[0].table_id, None)  # type: ignore[arg-type]
    cells = shown[0].split("</p>", 1)[1]  # after the legend
    assert cells.count("review-reviewed") == 5 and cells.count("review-corrected") == 1
    assert {f.reviewer for f in service.facts(document=KULTUR)} == {"gun"}
