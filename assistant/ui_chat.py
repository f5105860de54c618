"""The Chatt tab: streamed answers, numbered citation chips, the source panel, filters, feedback."""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from assistant.auth import User
from assistant.inert import inert_markdown
from assistant.service import AskRequest, AssistantService, ServiceError
from assistant.types import Answer, Citation
from assistant.web import cited_span, filter_choices, find_document, save_feedback

log = logging.getLogger(__name__)
ALL = ""
CONTEXT_CHARS = 600
HISTORY_TURNS = 3
STREAM_STEPS = 12
MODEL_NOTE = "språkmodellen svarade inte"  # the answerer's note when the model failed and the composed answer stands
_KEY_REF = re.compile(r"\[([^\[\]\n]{1,40})\]")
CHIPS_JS = """
element.addEventListener('click', (event) => {
  const chip = event.target.closest('button.cite-chip');
  if (chip) { trigger('click', {n: Number(chip.dataset.n)}); }
});
"""

UserOf = Callable[[gr.Request | None], User]


@dataclass
class Refresher:
    """A function that recomputes some components from the corpus, and those components (for load events)."""

    fn: Callable[..., Any]
    outputs: list[Any]


@dataclass
class Turn:
    """One question and its answer, with the filters it was asked under."""

    question: str
    answer: Answer
    filters: dict[str, str | None] = field(default_factory=dict)

    @property
    def sources(self) -> list[Citation]:
        """What the chips point at: the citations, or with a refusal the closest passages."""
        return self.answer.related if self.answer.refused else self.answer.citations


def numbered_text(answer: Answer) -> str:
    """The answer text with the pipeline's citation keys replaced by chip numbers [1], [2] …"""
    numbers = {c.key: str(i) for i, c in enumerate(answer.citations, 1)}

    def replace(match: re.Match[str]) -> str:
        keys = [k.strip() for k in match.group(1).split(",")]
        if all(k in numbers for k in keys):
            return "".join(f"[{numbers[k]}]" for k in keys)
        return match.group(0)

    return _KEY_REF.sub(replace, answer.answer)


def source_label(citation: Citation) -> str:
    """`Titel › Avsnitt, s. 4` for a citation."""
    label = citation.title or citation.document
    if citation.section:
        label += f" › {citation.section}"
    if citation.page:
        label += f", s. {citation.page}"
    return label


def render_turn(turn: Turn) -> str:
    """The assistant's chat message (Markdown): answer or plain refusal, then the numbered sources.

    Everything that comes from a document (quotes, titles, sections) is escaped: it shows as written and can
    never become a link or an image.
    """
    answer = turn.answer
    if answer.refused:
        lines = ["**Dokumenten besvarar inte frågan.**", "", inert_markdown(answer.answer.strip())]
        if answer.related:
            lines += ["", "Närmaste avsnitt (kanske relevanta — klicka på en källa nedan för att läsa):"]
            lines += [f"{i}\\. {inert_markdown(source_label(c))}" for i, c in enumerate(answer.related, 1)]
        return "\n".join(lines)
    lines = [inert_markdown(numbered_text(answer).strip())]
    failed = [n for n in answer.notes if n.startswith(MODEL_NOTE)]
    if failed:
        lines += ["", f"_Obs: {inert_markdown(failed[0])}. Svaret är sammanställt direkt ur dokumenten._"]
    if answer.citations:
        lines += ["", "**Källor**"] + [f"\\[{i}\\] {inert_markdown(source_label(c))}  "
                                       for i, c in enumerate(answer.citations, 1)]
    return "\n".join(lines)


def chips_html(turn: Turn | None, number: int | None = None) -> str:
    """Numbered, clickable chips for one turn's sources (escaped HTML); data-turn says which turn (1-based)."""
    state = f"data-turn='{number}'" if number is not None else "data-turn='none'"
    if turn is None or not turn.sources:
        return f"<div class='cite-chips empty' {state}></div>"
    heading = "Närmaste avsnitt:" if turn.answer.refused else "Källor:"
    chips = []
    for i, c in enumerate(turn.sources):
        full = html.escape(source_label(c), quote=True)
        short = source_label(c)
        short = html.escape(short if len(short) <= 64 else short[:61] + "…")
        chips.append(
            f"<button type='button' class='cite-chip' data-n='{i}' title='{full}' "
            f"aria-label='Källa {i + 1}: {full}'>[{i + 1}] {short}</button>"
        )
    return (f"<div class='cite-chips' role='list' {state}><span class='chips-heading'>{heading}</span>"
            f"{''.join(chips)}</div>")


def passage_html(service: AssistantService, citation: Citation, number: int | str) -> str:
    """The source panel: document facts and the cited passage highlighted in its surrounding text."""
    document = find_document(service, citation.document)
    meta = document.meta if document else None
    span = cited_span(document, citation) if document else None
    section = citation.section or (document.section_at(span[0]) if document and span else "")
    page = citation.page or (document.page_at(span[0]) if document and span else None)
    rows = [
        ("Kommun", meta.municipality if meta else ""),
        ("Nämnd", meta.body if meta else ""),
        ("Titel", citation.title or (meta.title if meta else "")),
        ("Avsnitt", section),
        ("Sida", str(page) if page else "–"),
        ("Fil", citation.document),
    ]
    facts = "".join(f"<dt>{k}</dt><dd>{html.escape(v or '–')}</dd>" for k, v in rows)
    if document is None or span is None:
        body = (f"<p class='passage-missing'>Dokumentet finns inte längre i indexet; citatet:</p>"
                f"<blockquote><mark class='cited'>{html.escape(citation.quote)}</mark></blockquote>")
    else:
        text = document.text
        start, end = span
        left = max(0, start - CONTEXT_CHARS)
        right = min(len(text), end + CONTEXT_CHARS)
        if left > 0:  # begin at a line or word boundary, not mid-word
            cut = text.find("\n", left, start)
            left = cut + 1 if cut >= 0 else (text.find(" ", left, start) + 1 or left)
        if right < len(text):
            cut = text.rfind("\n", end, right)
            right = cut if cut >= 0 else (text.rfind(" ", end, right) if text.rfind(" ", end, right) > 0 else right)
        body = (
            "<div class='passage-text'>"
            + ("… " if left > 0 else "")
            + html.escape(text[left:start])
            + f"<mark class='cited' id='cited-passage'>{html.escape(text[start:end])}</mark>"
            + html.escape(text[end:right])
            + (" …" if right < len(text) else "")
            + "</div>"
        )
    return (f"<div class='source-panel'><h3>Källa [{number}]</h3><dl class='source-facts'>{facts}</dl>"
            f"{body}</div>")


def stream_pieces(text: str, steps: int = STREAM_STEPS) -> Iterator[str]:
    """Growing prefixes of the text, cut at word boundaries, ending with the whole text."""
    words = re.split(r"(?<=\s)", text)
    size = max(1, len(words) // steps)
    for i in range(size, len(words), size):
        yield "".join(words[:i])
    yield text


def _messages(turns: list[Turn], pending: str | None = None, partial: str = "") -> list[dict[str, str]]:
    """The chat's messages; the user's own text is shown as written too."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        messages += [{"role": "user", "content": inert_markdown(turn.question)},
                     {"role": "assistant", "content": render_turn(turn)}]
    if pending is not None:
        messages += [{"role": "user", "content": inert_markdown(pending)}, {"role": "assistant", "content": partial}]
    return messages


def build_chat_tab(service: AssistantService, user_of: UserOf, sidebar: gr.Sidebar, passage: gr.HTML) -> Refresher:
    """The Chatt tab's components and events (call inside a gr.Tab)."""
    turns = gr.State([])
    shown = gr.State(-1)  # index of the turn whose sources the chips show
    with gr.Row():
        municipality = gr.Dropdown([("Alla", ALL)], value=ALL, label="Kommun", elem_id="filter-kommun")
        body = gr.Dropdown([("Alla", ALL)], value=ALL, label="Nämnd", elem_id="filter-namnd")
        year = gr.Dropdown([("Alla", ALL)], value=ALL, label="År", elem_id="filter-ar")
    chatbot = gr.Chatbot(
        label="Samtal", elem_id="chat", height=440, buttons=["copy"], latex_delimiters=[], sanitize_html=True,
        placeholder="Ställ en fråga om planerna och rapporterna. Varje svar visar sina källor.",
    )
    chips = gr.HTML(chips_html(None), elem_id="citation-chips", js_on_load=CHIPS_JS)
    with gr.Row():
        question = gr.Textbox(
            show_label=False, placeholder="Till exempel: Vilket värde hade Hemtjänstindex i Lerum 2023?",
            scale=6, elem_id="question", lines=1, max_lines=4, autofocus=True,
        )
        send = gr.Button("Fråga", variant="primary", scale=1, elem_id="ask")
        clear = gr.Button("Nytt samtal", scale=1, elem_id="new-chat")

    def load_filters(request: gr.Request) -> tuple[Any, ...]:
        choices = filter_choices(service, user_of(request).roles)
        return tuple(
            gr.Dropdown(choices=[("Alla", ALL)] + [(c, c) for c in choices[key]])
            for key in ("municipality", "body", "year")
        )

    def respond(
        text: str, history: list[Turn], kommun: str, namnd: str, ar: str, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        if not text.strip():
            gr.Warning("Frågan är tom. Skriv en fråga om dokumenten.")
            yield _messages(history), history, len(history) - 1, gr.skip(), text
            return
        yield _messages(history, text, "_Söker i dokumenten …_"), history, -1, chips_html(None, 0), ""
        user = user_of(request)
        filters = {"municipality": kommun or None, "body": namnd or None, "period": ar or None}
        ask = AskRequest(
            question=text.strip(), k=service.settings.retrieval.k, user=user.name, roles=user.roles,
            history=[(t.question, t.answer.answer) for t in history[-HISTORY_TURNS:]], **filters,
        )
        try:
            answer = service.ask(ask)
        except ServiceError as exc:
            yield (_messages(history, text, f"⚠️ {inert_markdown(str(exc))}"), history, len(history) - 1,
                   chips_html(None, -1), "")
            return
        except Exception:  # an unexpected failure must end the turn with a message, not leave it spinning
            log.exception("Frågan kunde inte besvaras")
            message = "⚠️ Ett internt fel inträffade; frågan kunde inte besvaras. Försök igen."
            yield _messages(history, text, message), history, len(history) - 1, chips_html(None, -1), ""
            return
        turn = Turn(text.strip(), answer, filters)
        final = render_turn(turn)
        for piece in stream_pieces(final):
            yield _messages(history, text, piece), history, -1, chips_html(None, 0), ""
            time.sleep(0.02)
        history = [*history, turn]
        yield _messages(history), history, len(history) - 1, chips_html(turn, len(history)), ""

    def open_source(history: list[Turn], index: int, event: gr.EventData) -> tuple[Any, str]:
        n = int(getattr(event, "n", -1))
        if not (0 <= index < len(history)) or not (0 <= n < len(history[index].sources)):
            return gr.skip(), gr.skip()
        return gr.Sidebar(open=True), passage_html(service, history[index].sources[n], n + 1)

    def select_turn(history: list[Turn], event: gr.SelectData) -> tuple[int, str]:
        index = event.index if isinstance(event.index, int) else event.index[0]
        turn_index = min(index // 2, len(history) - 1)
        return turn_index, chips_html(history[turn_index] if turn_index >= 0 else None, turn_index + 1)

    def feedback(history: list[Turn], data: gr.LikeData, request: gr.Request) -> None:
        index = data.index if isinstance(data.index, int) else data.index[0]
        if not 0 <= index // 2 < len(history):
            return
        turn = history[index // 2]
        if data.liked not in (True, False):  # a like taken back: nothing to record
            return
        save_feedback(service, user_of(request).name, {
            "rating": "up" if data.liked else "down",
            "question": turn.question,
            "answer": turn.answer.answer,
            "refused": turn.answer.refused,
            "filters": turn.filters,
            "citations": [c.model_dump(include={"key", "document", "section", "start", "end", "page", "quote"})
                          for c in turn.sources],
        })
        gr.Info("Tack! Återkopplingen är sparad.")

    def reset() -> tuple[Any, ...]:
        return [], [], -1, chips_html(None), "", gr.Sidebar(open=False)

    outputs = [chatbot, turns, shown, chips, question]
    inputs = [question, turns, municipality, body, year]
    question.submit(respond, inputs, outputs, concurrency_id="ask")
    send.click(respond, inputs, outputs, concurrency_id="ask")
    clear.click(reset, None, [chatbot, turns, shown, chips, question, sidebar])
    chatbot.clear(reset, None, [chatbot, turns, shown, chips, question, sidebar])
    chips.click(open_source, [turns, shown], [sidebar, passage])
    chatbot.select(select_turn, [turns], [shown, chips])
    chatbot.like(feedback, [turns], None)
    return Refresher(load_filters, [municipality, body, year])
