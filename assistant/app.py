"""The Gradio app (Swedish): Chatt, Utkast, Fakta, Utvärdering and Dokument tabs over one AssistantService."""

from __future__ import annotations

from typing import Any

import gradio as gr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.auth import ANONYMOUS, PUBLIC_ROLE, User, UserStore
from assistant.jobs import JobRunner
from assistant.service import AssistantService
from assistant.ui_chat import Refresher, UserOf, build_chat_tab
from assistant.ui_documents import build_documents_tab
from assistant.ui_draft import build_draft_tab
from assistant.ui_eval import build_eval_tab
from assistant.ui_facts import build_facts_tab

TITLE = "Planassistenten"
CSS = """
.cite-chips { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0 8px; }
.cite-chips .chips-heading { font-weight: 600; margin-right: 4px; }
.cite-chip { border: 1px solid var(--color-accent); border-radius: 999px; padding: 3px 10px;
  background: var(--color-accent-soft); color: var(--body-text-color); cursor: pointer; font-size: 0.9em;
  max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cite-chip:hover, .cite-chip:focus { background: var(--color-accent); color: white; }
.source-panel h3 { margin-top: 0; }
.source-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; font-size: 0.92em; }
.source-facts dt { font-weight: 600; }
.source-facts dd { margin: 0; overflow-wrap: anywhere; }
.passage-text { white-space: pre-wrap; font-size: 0.92em; line-height: 1.45; margin-top: 10px;
  border-left: 3px solid var(--border-color-primary); padding-left: 10px; max-height: 70vh; overflow-y: auto; }
mark.cited { background: #ffe27a; color: #111; padding: 1px 0; border-radius: 2px; }
.draft-preview { line-height: 1.5; }
.figure { border-bottom: 2px dotted var(--color-accent); cursor: pointer; white-space: nowrap; }
.figure sup { color: var(--color-accent); font-size: 0.7em; margin-left: 1px; }
.figure:hover, .figure:focus { background: var(--color-accent-soft); }
.placeholder { background: #fff3c4; color: #5a4500; border-radius: 3px; padding: 0 2px; }
.unavailable { padding: 12px; border: 1px dashed var(--border-color-primary); border-radius: 6px; }
.unreviewed-mark { background: #ffe0d6; color: #7a2100; border-radius: 3px; padding: 0 2px; font-size: 0.9em; }
.fact-table-block { margin: 6px 0 14px; }
.fact-table-block h4 { margin: 4px 0; }
.fact-counts { font-weight: normal; font-size: 0.85em; color: var(--body-text-color-subdued); }
.fact-table { border-collapse: collapse; font-size: 0.92em; }
.fact-table th, .fact-table td { border: 1px solid var(--border-color-primary); padding: 3px 8px; }
.fact-table thead th { text-align: right; vertical-align: bottom; }
.fact-table thead th small { display: block; font-weight: normal; color: var(--body-text-color-subdued); }
.fact-table tbody th { text-align: left; font-weight: normal; }
.fact-cell { text-align: right; cursor: pointer; white-space: nowrap; }
.fact-cell .review-tag { display: block; font-size: 0.72em; opacity: 0.8; }
.fact-legend .fact-cell { display: inline-block; margin: 0 3px; padding: 0 6px; border-radius: 3px; cursor: default; }
.review-extracted { background: #fff3c4; color: #5a4500; }
.review-reviewed { background: #d8f0d8; color: #14501e; }
.review-corrected { background: #d6e6ff; color: #123e7a; }
.review-rejected { background: #f6d6d6; color: #7a1212; text-decoration: line-through; }
.fact-cell.selected { outline: 3px solid var(--color-accent); outline-offset: -3px; }
.fact-cell.dim { opacity: 0.35; }
"""


def make_user_of(users: UserStore | None) -> UserOf:
    """Who is asking: the logged-in user with their roles, or the anonymous operator when login is off."""

    def user_of(request: gr.Request | None) -> User:
        if users is None:
            return ANONYMOUS
        name = getattr(request, "username", None) if request is not None else None
        return users.get(name) or User(name or "okänd", (PUBLIC_ROLE,))

    return user_of


def build_app(service: AssistantService, users: UserStore | None = None, jobs: JobRunner | None = None) -> gr.Blocks:
    """The whole UI; nothing is loaded until a browser connects (fast start)."""
    user_of = make_user_of(users)
    jobs = jobs or JobRunner(service)
    refreshers: list[Refresher] = []
    with gr.Blocks(title=TITLE, fill_width=True) as demo:
        with gr.Sidebar(label="Källa", open=False, position="right", width=520, elem_id="source-sidebar") as sidebar:
            passage = gr.HTML("<p>Klicka på en källa för att se det citerade avsnittet.</p>", elem_id="passage",
                              js_on_load=None)
        with gr.Row():
            gr.Markdown(f"# {TITLE}\nFrågor och utkast med källor ur kommunernas planer och rapporter.")
            who = gr.Markdown(elem_id="who")
            if users is not None:
                gr.Button("Logga ut", link="/logout", size="sm", scale=0, elem_id="logout")
        with gr.Tabs():
            with gr.Tab("Chatt", id="chatt"):
                refreshers.append(build_chat_tab(service, user_of, sidebar, passage))
            with gr.Tab("Utkast", id="utkast"):
                refreshers.append(build_draft_tab(service, user_of, sidebar, passage))
            with gr.Tab("Fakta", id="fakta") as facts_tab:
                facts = build_facts_tab(service, user_of)
                refreshers.append(facts)
            with gr.Tab("Utvärdering", id="utvardering"):
                refreshers.append(build_eval_tab(service, user_of))
            with gr.Tab("Dokument", id="dokument") as documents_tab:
                documents = build_documents_tab(service, user_of, jobs)
                refreshers.append(documents)

        def greet(request: gr.Request) -> str:
            user = user_of(request)
            return "" if users is None else f"Inloggad som **{user.name}** ({', '.join(user.roles)})"

        demo.load(greet, None, who)
        for refresher in refreshers:
            demo.load(refresher.fn, None, refresher.outputs)
        documents_tab.select(documents.fn, None, documents.outputs)
        facts_tab.select(facts.fn, None, facts.outputs)
        for refresher in refreshers[:3]:  # chat, draft and facts list what has been ingested
            documents.outputs[0].change(refresher.fn, None, refresher.outputs)
    return demo


# Gradio's browser client refuses a file over the size limit with an English message of its own (not in its
# translations): "File(s) exceed the maximum allowed size of 20 MB: "a.pdf"". Shown in Swedish instead.
SWEDISH_CLIENT_MESSAGES = r"""<script>
(() => {
  const english = /File\(s\) exceed the maximum allowed size of ([^:]+): (.*)/;
  const titles = {Error: "Fel", Warning: "Varning"};  // the toast's title
  const swedish = (node) => {
    const title = titles[(node.nodeValue || "").trim()];
    if (title && node.parentElement && node.parentElement.closest("[class*='toast']")) node.nodeValue = title;
    const match = english.exec(node.nodeValue || "");
    if (match) node.nodeValue = `Filen är för stor och laddades inte upp: ${match[2]}. Största tillåtna storlek är `
      + `${match[1].replace(".", ",").replace(/ ?([KMG])b$/, (_, u) => ` ${u === "K" ? "k" : u}B`)}. `
      + "Ingenting annat påverkades.";
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "characterData") swedish(change.target);
      for (const added of change.addedNodes) {
        const walker = document.createTreeWalker(added, NodeFilter.SHOW_TEXT);
        if (added.nodeType === Node.TEXT_NODE) swedish(added);
        while (walker.nextNode()) swedish(walker.currentNode);
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
})();
</script>"""


# Gradio translates its own words (the login page, "Släpp fil här", "Fel") by the browser's language, so a
# browser set to English would get English. The app is Swedish: the page says the browser's language is Swedish
# before Gradio's scripts read it.
FORCE_SWEDISH = (b"<script>(()=>{const d=(k,v)=>{try{Object.defineProperty(Navigator.prototype,k,"
                 b"{get:()=>v,configurable:true})}catch(e){}};d('language','sv-SE');d('languages',['sv-SE','sv'])})();"
                 b"</script>")


class SwedishPages:
    """ASGI middleware: every HTML page starts with FORCE_SWEDISH (the login page and the app alike)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and _is_html(message):
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if not message.get("more_body", False):
                page = b"".join(body).replace(b"<head>", b"<head>" + FORCE_SWEDISH, 1)
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
                await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, sending)


def _is_html(message: Message) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in message.get("headers", []))


def page_options() -> dict[str, Any]:
    """Page-level options (Gradio 6 takes these at launch/mount, not in Blocks)."""
    return {"theme": gr.themes.Soft(), "css": CSS, "head": SWEDISH_CLIENT_MESSAGES}
