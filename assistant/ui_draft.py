"""The Utkast tab: choose municipality, body, period and indicators; preview, findings, DOCX and Markdown."""

from __future__ import annotations

import importlib.util

import gradio as gr

from assistant.service import AssistantService
from assistant.ui_chat import Refresher, UserOf
from assistant.web import filter_choices

UNAVAILABLE = (
    "<div class='unavailable' id='draft-unavailable'><strong>Utkast är inte tillgängligt ännu.</strong> "
    "Utkastsmodulen (assistant/draft.py) är inte installerad i den här versionen.</div>"
)


def draft_available() -> bool:
    """True when the drafting module is installed."""
    return importlib.util.find_spec("assistant.draft") is not None


def build_draft_tab(
    service: AssistantService, user_of: UserOf, sidebar: gr.Sidebar, passage: gr.HTML
) -> Refresher:
    """The Utkast tab's components and events (call inside a gr.Tab)."""
    with gr.Row():
        municipality = gr.Dropdown([], label="Kommun", elem_id="draft-kommun")
        body = gr.Dropdown([], label="Nämnd", elem_id="draft-namnd")
        period = gr.Dropdown([], label="Period", elem_id="draft-period", allow_custom_value=True)
    gr.HTML(UNAVAILABLE if not draft_available() else "", elem_id="draft-status", js_on_load=None)

    def refresh() -> tuple[gr.Dropdown, gr.Dropdown, gr.Dropdown]:
        choices = filter_choices(service)
        return (gr.Dropdown(choices=choices["municipality"]), gr.Dropdown(choices=choices["body"]),
                gr.Dropdown(choices=choices["year"]))

    return Refresher(refresh, [municipality, body, period])
