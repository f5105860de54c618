"""The Fakta tab: a document's tables shown as tables, every fact with its review status and its row in the source;
approve, correct or reject one fact, or approve a whole table. For the roles granskare and admin."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from assistant.auth import User
from assistant.factview import REVIEW_SV, TableFacts, review_label
from assistant.service import AssistantService, ServiceError
from assistant.types import Citation, Fact, TableColumn, TableRow
from assistant.ui_chat import Refresher, UserOf, passage_html

FACT_HEADERS = ["Indikator", "Kolumn", "Period", "Slag", "Värde", "Status", "Id"]
FACT_WIDTHS: list[str | int] = ["28%", "14%", "8%", "9%", "13%", "11%", "17%"]
REVIEW_FILTER = [("Alla", ""), *((label.capitalize(), status) for status, label in REVIEW_SV.items())]
NOT_ALLOWED = "Fakta granskas av användare med rollen **granskare** eller **admin**."
CELLS_JS = """
element.addEventListener('click', (event) => {
  const cell = event.target.closest('[data-fact]');
  if (cell) { trigger('click', {fact: cell.dataset.fact}); }
});
"""
DONE_SV = {"approve": "godkänt", "correct": "rättat", "reject": "avvisat"}


def _cell_html(fact: Fact | None, text: str, selected: str, wanted: str) -> str:
    """One value cell, coloured and labelled by its fact's review status; clickable when it holds a fact."""
    if fact is None:
        return f"<td class='fact-cell no-fact' title='Inget faktum lästes ur cellen'>{html.escape(text)}</td>"
    classes = ["fact-cell", f"review-{fact.review}"]
    if fact.id == selected:
        classes.append("selected")
    if wanted and fact.review != wanted:
        classes.append("dim")
    was = f" (var {fact.original_value})" if fact.original_value else ""
    title = f"{review_label(fact.review)} — {fact.row_name}, {fact.column or fact.period}: {fact.value}{was}"
    return (f"<td class='{' '.join(classes)}' data-fact='{html.escape(fact.id, quote=True)}' data-review='"
            f"{fact.review}' title='{html.escape(title, quote=True)}' role='button' tabindex='0'>"
            f"{html.escape(fact.value)}<span class='review-tag'>{html.escape(review_label(fact.review))}</span></td>")


def _row_html(shown: TableFacts, row: TableRow, selected: str, wanted: str, extra: bool) -> str:
    """A table row: its label, one cell per column (empty where the row has none), unplaced values last."""
    slots: list[list[str]] = [[] for _ in shown.table.columns]
    unplaced: list[str] = []
    for cell in row.cells:
        rendered = _cell_html(shown.fact_at(cell), cell.text, selected, wanted)
        (slots[cell.column] if 0 <= cell.column < len(slots) else unplaced).append(rendered)
    cells = "".join(s[0] if len(s) == 1 else f"<td>{''.join(s)}</td>" if s else "<td class='empty'></td>"
                    for s in slots)
    if extra:
        cells += f"<td class='unplaced'><table><tr>{''.join(unplaced)}</tr></table></td>" if unplaced else "<td></td>"
    group = f" title='{html.escape(row.group, quote=True)}'" if row.group else ""
    return f"<tr><th scope='row'{group}>{html.escape(row.label)}</th>{cells}</tr>"


def _placed(column: TableColumn) -> str:
    """'utfall 2025' under a column's header; 'ej placerad' when the code could not place it."""
    return " ".join(p for p in (column.kind, column.period) if p) or "ej placerad"


def table_html(shown: TableFacts, selected: str = "", wanted: str = "") -> str:
    """One table as an HTML table: header cells with their kind and period, row labels, value cells."""
    table = shown.table
    extra = any(c.column < 0 or c.column >= len(table.columns) for r in table.rows for c in r.cells)
    heads = "".join(f"<th scope='col'>{html.escape(c.header)}<small>{html.escape(_placed(c))}</small></th>"
                    for c in table.columns)
    heads += "<th scope='col'>Ej placerade</th>" if extra else ""
    counts = " · ".join(f"{n} {REVIEW_SV[s]}" for s, n in shown.counts().items() if n)
    page = f", s. {table.page}" if table.page else ""
    return (f"<section class='fact-table-block' data-table-id='{html.escape(table.id, quote=True)}'>"
            f"<h4>{html.escape(table.caption or 'Tabell')}{page} <span class='fact-counts'>{counts or 'inga fakta'}"
            f"</span> <code>{html.escape(table.id)}</code></h4><table class='fact-table'><thead><tr><th>Rad</th>"
            f"{heads}</tr></thead><tbody>{''.join(_row_html(shown, r, selected, wanted, extra) for r in table.rows)}"
            "</tbody></table></section>")


def tables_html(tables: list[TableFacts], selected: str = "", wanted: str = "") -> str:
    """Every table of a document, or a note when it has none."""
    if not tables:
        return "<p class='no-tables'>Dokumentet har inga tabeller som fakta har lästs ur.</p>"
    legend = "".join(f"<span class='fact-cell review-{s}'>{label}</span>" for s, label in REVIEW_SV.items())
    return (f"<div class='fact-tables'><p class='fact-legend'>Status: {legend} — klicka på en cell för att välja "
            f"faktumet.</p>{''.join(table_html(t, selected, wanted) for t in tables)}</div>")


def fact_rows(facts: list[Fact]) -> list[list[str]]:
    """The list of facts: indicator, column, period, kind, value, status, id."""
    return [[f.row_name, f.column, f.period, f.kind, f"{f.value} {f.unit}".strip(), review_label(f.review), f.id]
            for f in facts]


def chosen_text(fact: Fact | None) -> str:
    """What the buttons act on."""
    if fact is None:
        return "Välj ett faktum i listan eller i tabellen."
    was = f" (extraherat värde: {fact.original_value})" if fact.original_value else ""
    who = f", {fact.reviewer} {fact.reviewed_at[:10]}" if fact.reviewer else ""
    return (f"**Valt faktum:** {html.escape(fact.row_name)} — {html.escape(fact.column)} ({fact.kind} "
            f"{fact.period}): **{html.escape(fact.value)}** {html.escape(fact.unit)}{was}. "
            f"Status: *{review_label(fact.review)}*{html.escape(who)}.")


def source_html(service: AssistantService, fact: Fact) -> str:
    """The fact's row highlighted in the cleaned text around it (the chat's source panel)."""
    start, end = (fact.row_start, fact.row_end) if 0 <= fact.row_start < fact.row_end else (fact.start, fact.end)
    citation = Citation(key=fact.id, document=fact.document, start=start, end=end, quote="", page=fact.page,
                        section="")
    return passage_html(service, citation, f"{fact.row_name} · {fact.column or fact.period}")


class FactsTab:
    """The Fakta tab's components and events."""

    def __init__(self, service: AssistantService, user_of: UserOf) -> None:
        self.service, self.user_of = service, user_of
        self.selected = gr.State("")
        self.not_allowed = gr.Markdown(NOT_ALLOWED, visible=False, elem_id="facts-not-allowed")
        with gr.Column(visible=False, elem_id="facts-area") as self.area:
            with gr.Row():
                self.document = gr.Dropdown([], label="Dokument", scale=3, elem_id="facts-document")
                self.review = gr.Dropdown(REVIEW_FILTER, value="", label="Status", scale=1, elem_id="facts-review")
            self.tables = gr.HTML("", elem_id="facts-tables", js_on_load=CELLS_JS)
            with gr.Row():
                with gr.Column(scale=3):
                    self.listing = gr.Dataframe(headers=FACT_HEADERS, value=[], label="Fakta", interactive=False,
                                                wrap=True, max_height=420, elem_id="facts-list",
                                                column_widths=FACT_WIDTHS)
                with gr.Column(scale=2):
                    self.chosen = gr.Markdown(chosen_text(None), elem_id="facts-chosen")
                    self.value = gr.Textbox(label="Rättat värde (för Rätta)", elem_id="facts-value")
                    with gr.Row():
                        self.approve = gr.Button("Godkänn", variant="primary", elem_id="facts-approve")
                        self.correct = gr.Button("Rätta", elem_id="facts-correct")
                        self.reject = gr.Button("Avvisa", variant="stop", elem_id="facts-reject")
                    self.table = gr.Dropdown([], label="Tabell", elem_id="facts-table")
                    self.approve_table = gr.Button("Godkänn hela tabellen", elem_id="facts-approve-table")
            self.source = gr.HTML("", elem_id="facts-source")
        self._wire()

    @property
    def shown(self) -> list[Any]:
        """What every change redraws."""
        return [self.tables, self.listing, self.table, self.chosen, self.source, self.selected, self.value]

    def _wire(self) -> None:
        self.document.change(self.show, [self.document, self.review], self.shown)
        self.review.change(self.show, [self.document, self.review, self.selected], self.shown)
        self.listing.select(self.pick_row, [self.document, self.review], self.shown)
        self.tables.click(self.pick_cell, [self.document, self.review], self.shown)
        for button, action in ((self.approve, "approve"), (self.correct, "correct"), (self.reject, "reject")):
            button.click(self._acting(action), [self.document, self.review, self.selected, self.value], self.shown,
                         concurrency_id="facts-review")
        self.approve_table.click(self.approve_whole_table, [self.document, self.review, self.table], self.shown,
                                 concurrency_id="facts-review")

    def _reviewer(self, request: gr.Request | None) -> User:
        user = self.user_of(request)
        if not user.may_review:
            raise gr.Error("Du behöver rollen granskare eller admin för att se och granska fakta.")
        return user

    def refresh(self, request: gr.Request) -> tuple[Any, ...]:
        """Show the tab to reviewers, with the documents that have facts."""
        user = self.user_of(request)
        if not user.may_review:
            return gr.Column(visible=False), gr.Markdown(visible=True), gr.Dropdown(choices=[], value=None)
        names = {f.document for f in self.service.facts(roles=user.roles)}
        entries = [e for e in self.service.documents(user.roles) if e.name in names]
        choices = [(f"{e.meta.title} ({e.name})" if e.meta.title else e.name, e.name) for e in entries]
        return gr.Column(visible=True), gr.Markdown(visible=False), gr.Dropdown(choices=choices)

    def show(self, document: str | None, wanted: str | None, selected: str = "",
             request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        """Redraw the tables, the list and the chosen fact."""
        if not document:
            return ("", [], gr.Dropdown(choices=[], value=None), chosen_text(None), "", "", "")
        user = self._reviewer(request)
        try:
            tables = self.service.fact_tables(document, roles=user.roles)
            facts = self.service.facts(document, review=wanted or None, roles=user.roles)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        fact = next((f for t in tables for f in t.facts if f.id == selected), None)
        table_choices = [(f"{t.table.caption or 'Tabell'} ({t.table.id})", t.table.id) for t in tables if t.facts]
        current = fact.table_id if fact else (table_choices[0][1] if table_choices else None)
        return (tables_html(tables, selected, wanted or ""), fact_rows(facts),
                gr.Dropdown(choices=table_choices, value=current), chosen_text(fact),
                source_html(self.service, fact) if fact else "", fact.id if fact else "",
                fact.value if fact else "")

    def pick_row(self, document: str | None, wanted: str | None, event: gr.SelectData,
                 request: gr.Request) -> tuple[Any, ...]:
        """A row of the list chosen: its fact becomes the selected one."""
        row = event.row_value or []
        return self.show(document, wanted, str(row[-1]) if row else "", request)

    def pick_cell(self, document: str | None, wanted: str | None, event: gr.EventData,
                  request: gr.Request) -> tuple[Any, ...]:
        """A cell of a table clicked."""
        return self.show(document, wanted, str(getattr(event, "fact", "")), request)

    def _acting(self, action: str) -> Any:
        def act(document: str | None, wanted: str | None, selected: str, value: str,
                request: gr.Request) -> tuple[Any, ...]:
            user = self._reviewer(request)
            if not selected:
                raise gr.Error("Välj först ett faktum i listan eller i tabellen.")
            try:
                self.service.review_facts([selected], action=action, user=user.name, roles=user.roles,
                                          value=value if action == "correct" else None)
            except ServiceError as exc:
                raise gr.Error(str(exc)) from exc
            gr.Info(f"Faktumet är {DONE_SV[action]}.")
            return self.show(document, wanted, selected, request)

        return act

    def approve_whole_table(self, document: str | None, wanted: str | None, table_id: str | None,
                            request: gr.Request) -> tuple[Any, ...]:
        """Approve every unreviewed fact of the chosen table."""
        user = self._reviewer(request)
        if not table_id:
            raise gr.Error("Välj en tabell.")
        try:
            changed = self.service.review_facts(table_id=table_id, action="approve", user=user.name,
                                                roles=user.roles)
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        gr.Info(f"{len(changed)} fakta i tabellen är godkända." if changed else
                "Tabellen har inga ogranskade fakta kvar.")
        return self.show(document, wanted, "", request)


def build_facts_tab(service: AssistantService, user_of: UserOf) -> Refresher:
    """The Fakta tab (call inside a gr.Tab); shown to granskare and admin."""
    tab = FactsTab(service, user_of)
    return Refresher(tab.refresh, [tab.area, tab.not_allowed, tab.document])
