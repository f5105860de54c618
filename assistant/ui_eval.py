"""The Utvärdering tab: run the eval with progress; metrics, plot, per-item results, report download."""

from __future__ import annotations

import gradio as gr

from assistant.service import AssistantService
from assistant.ui_chat import UserOf

UNAVAILABLE = (
    "<div class='unavailable' id='eval-unavailable'><strong>Utvärdering är inte tillgänglig ännu.</strong> "
    "Kopplingen mellan utvärderingen och svarskedjan finns inte i den här versionen.</div>"
)


def build_eval_tab(service: AssistantService, user_of: UserOf) -> None:
    """The Utvärdering tab's components and events (call inside a gr.Tab)."""
    gr.HTML(UNAVAILABLE, elem_id="eval-status", js_on_load=None)
