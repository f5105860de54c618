"""The Utkast tab: choose municipality, body, period and indicators; preview, findings, DOCX and Markdown."""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from markdown_it import MarkdownIt

from assistant.service import AssistantService, ServiceError
from assistant.ui_chat import Refresher, UserOf, passage_html
from assistant.web import draft_available, filter_choices, run_draft

if TYPE_CHECKING:
    from assistant.types import Citation, Draft

UNAVAILABLE = (
    "<div class='unavailable' id='draft-unavailable'><strong>Utkast är inte tillgängligt ännu.</strong> "
    "Utkastsmodulen (assistant/draft.py, assistant/export.py) är inte installerad i den här versionen.</div>"
)
FIGURES_JS = """
element.addEventListener('click', (event) => {
  const figure = event.target.closest('[data-key]');
  if (figure) { trigger('click', {fact: figure.dataset.key}); }
});
"""
FINDING_HEADERS = ["Typ", "Text", "Avsnitt", "Varför"]
FACT_HEADERS = ["Nyckel", "Indikator", "Period", "Slag", "Värde", "Källa"]
FINDING_SV = {"number": "siffra", "direction": "riktningsord", "placeholder": "lucka",
              "missing_indicator": "indikator saknas"}
# Quotes in a draft come from documents: raw HTML, links, images and autolinks stay text in the preview.
PREVIEW_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").disable(["link", "image", "autolink"])
_MARK = re.compile("\ue000(\\d+)\ue001")
_PLACEHOLDER = re.compile(r"\[Analys:[^\]]*\]")
_UNREVIEWED = re.compile(r"\[ej granskad\]")


def figure_title(draft: Draft, key: str) -> str:
    """The tooltip of a figure: its fact and its source."""
    fact = next((f for f in draft.facts if f.id == draft.fact_keys.get(key)), None)
    citation = next((c for c in draft.citations if c.key == key), None)
    parts = [key]
    if fact is not None:
        parts.append(f"{fact.indicator}, {fact.period} ({fact.kind}): {fact.value} {fact.unit}".strip())
    if citation is not None:
        parts.append(f"källa: {citation.title or citation.document}" + (f" › {citation.section}"
                                                                          if citation.section else ""))
    return " — ".join(parts)


def preview_html(draft: Draft) -> str:
    """The draft as HTML; every figure from the fact set is marked with its key, fact and source (clickable)."""
    text = draft.text
    spans = sorted((n for n in draft.numbers if n.fact_key and n.source != "rejected"), key=lambda n: n.start)
    pieces, marks, cursor = [], [], 0
    for i, number in enumerate(spans):
        if number.start < cursor:
            continue
        pieces += [text[cursor:number.start], f"\ue000{i}\ue001"]
        marks.append(number)
        cursor = number.end
    pieces.append(text[cursor:])
    rendered = PREVIEW_MARKDOWN.render("".join(pieces))
    by_index = {i: n for i, n in enumerate(spans)}

    def figure(match: re.Match[str]) -> str:
        number = by_index[int(match.group(1))]
        title = html.escape(figure_title(draft, number.fact_key), quote=True)
        return (f"<span class='figure' data-key='{html.escape(number.fact_key, quote=True)}' title='{title}' "
                f"role='button' tabindex='0'>{html.escape(number.text)}<sup>{html.escape(number.fact_key)}</sup>"
                "</span>")

    rendered = _MARK.sub(figure, rendered)
    rendered = _PLACEHOLDER.sub(lambda m: f"<span class='placeholder'>{m.group(0)}</span>", rendered)
    rendered = _UNREVIEWED.sub(lambda m: f"<span class='unreviewed-mark'>{m.group(0)}</span>", rendered)
    return f"<div class='draft-preview'>{rendered}</div>"


def verdict_text(draft: Draft) -> str:
    """One line: passed, or how many findings."""
    if draft.passed:
        return f"**Godkänt:** alla siffror är kontrollerade mot faktaunderlaget ({len(draft.facts)} fakta)."
    return f"**Inte godkänt:** {len(draft.findings)} avvikelse(r) — se listan nedan innan utkastet används."


def finding_rows(draft: Draft) -> list[list[str]]:
    """The checker's findings for the table."""
    return [[FINDING_SV.get(f.kind, f.kind), f.text, f.section, f.reason] for f in draft.findings]


def fact_rows(draft: Draft) -> list[list[str]]:
    """The facts the draft states, with their keys and sources."""
    keys = {fact_id: key for key, fact_id in draft.fact_keys.items()}
    return [[keys.get(f.id, ""), f.indicator, f.period, f.kind, f"{f.value} {f.unit}".strip(), f.document]
            for f in draft.facts]


def write_exports(draft: Draft, folder: Path) -> tuple[Path, Path]:
    """Write the DOCX and Markdown files of a draft."""
    from assistant.export import to_docx, to_markdown

    stem = re.sub(r"[^\w]+", "-", f"utkast {draft.municipality} {draft.body} {draft.period}".casefold()).strip("-")
    md = folder / f"{stem}.md"
    md.write_text(to_markdown(draft), encoding="utf-8")
    docx = folder / f"{stem}.docx"
    to_docx(draft, docx)
    return docx, md


def build_draft_tab(
    service: AssistantService, user_of: UserOf, sidebar: gr.Sidebar, passage: gr.HTML
) -> Refresher:
    """The Utkast tab's components and events (call inside a gr.Tab)."""
    current = gr.State(None)
    with gr.Row():
        municipality = gr.Dropdown([], label="Kommun", elem_id="draft-kommun")
        body = gr.Dropdown([], label="Nämnd", elem_id="draft-namnd")
        period = gr.Dropdown([], label="Period", elem_id="draft-period", allow_custom_value=True)
    indicators = gr.Dropdown([], label="Indikatorer (tomt = alla)", multiselect=True, allow_custom_value=True,
                             elem_id="draft-indikatorer")
    unreviewed = gr.Checkbox(False, label="Ta med ogranskade fakta (märks [ej granskad])", elem_id="draft-unreviewed")
    make = gr.Button("Skapa utkast", variant="primary", elem_id="draft-make", interactive=draft_available())
    gr.HTML("" if draft_available() else UNAVAILABLE, elem_id="draft-status", js_on_load=None)
    with gr.Row():
        with gr.Column(scale=3):
            preview = gr.HTML("", elem_id="draft-preview", js_on_load=FIGURES_JS, min_height=120)
        with gr.Column(scale=2):
            verdict = gr.Markdown(elem_id="draft-verdict")
            docx = gr.DownloadButton("Ladda ner DOCX", visible=False, elem_id="draft-docx")
            md = gr.DownloadButton("Ladda ner Markdown", visible=False, elem_id="draft-md")
            findings = gr.Dataframe(headers=FINDING_HEADERS, value=[], label="Avvikelser", interactive=False,
                                    wrap=True, elem_id="draft-findings")
    facts = gr.Dataframe(headers=FACT_HEADERS, value=[], label="Fakta i utkastet (klicka på en siffra i texten för "
                         "att se källan)", interactive=False, wrap=True, elem_id="draft-facts", max_height=360,
                         column_widths=["6%", "40%", "10%", "8%", "12%", "24%"])

    def refresh(request: gr.Request) -> tuple[Any, ...]:
        choices = filter_choices(service, user_of(request).roles)
        return (gr.Dropdown(choices=choices["municipality"]), gr.Dropdown(choices=choices["body"]),
                gr.Dropdown(choices=choices["year"]))

    def indicator_choices(kommun: str | None, namnd: str | None, per: str | None, ogranskade: bool,
                          request: gr.Request) -> Any:
        if not (draft_available() and kommun and namnd and per):
            return gr.Dropdown(choices=[], value=[])
        from assistant.draft import DraftError, Sources, scope_facts
        from assistant.types import DraftRequest

        try:
            wanted = DraftRequest(municipality=kommun, body=namnd, period=per, indicators=None, llm=None,
                                  include_unreviewed=bool(ogranskade))
            _, _, scoped = scope_facts(wanted, Sources(service.settings, user_of(request).roles))
        except DraftError:
            return gr.Dropdown(choices=[], value=[])
        return gr.Dropdown(choices=sorted({f.indicator for f in scoped}), value=[])

    def make_draft(
        kommun: str | None, namnd: str | None, per: str | None, chosen: list[str] | None, ogranskade: bool = False,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple[Any, ...]:
        from assistant.types import DraftRequest

        if not (kommun and namnd and per):
            raise gr.Error("Välj kommun, nämnd och period.")
        try:
            draft = run_draft(service, DraftRequest(municipality=kommun, body=namnd, period=per,
                                                    indicators=chosen or None, llm=None,
                                                    include_unreviewed=bool(ogranskade)), user_of(request))
        except ServiceError as exc:
            raise gr.Error(str(exc)) from exc
        docx_path, md_path = write_exports(draft, Path(tempfile.mkdtemp(prefix="utkast-")))
        return (draft, preview_html(draft), verdict_text(draft), finding_rows(draft), fact_rows(draft),
                gr.DownloadButton(value=str(docx_path), visible=True),
                gr.DownloadButton(value=str(md_path), visible=True))

    def open_figure(draft: Any, event: gr.EventData) -> tuple[Any, Any]:
        # `draft: Any`, not Draft: Gradio resolves these hints at runtime to find gr.EventData
        key = str(getattr(event, "fact", ""))
        citation: Citation | None = next((c for c in draft.citations if c.key == key), None) if draft else None
        if citation is None:
            return gr.skip(), gr.skip()
        return gr.Sidebar(open=True), passage_html(service, citation, key)

    for control in (municipality, body, period, unreviewed):
        control.change(indicator_choices, [municipality, body, period, unreviewed], indicators)
    make.click(make_draft, [municipality, body, period, indicators, unreviewed],
               [current, preview, verdict, findings, facts, docx, md], concurrency_id="draft")
    preview.click(open_figure, [current], [sidebar, passage])
    return Refresher(refresh, [municipality, body, period])
