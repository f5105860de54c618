"""The Utvärdering tab: run the eval with progress; metrics, plot, per-item results, report download."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.service import AssistantService
from assistant.ui_chat import Refresher, UserOf

MAIN_SET = "qa.jsonl"
UNAVAILABLE = (
    "<div class='unavailable' id='eval-unavailable'><strong>Utvärdering är inte tillgänglig ännu.</strong> "
    "Kopplingen mellan utvärderingen och svarskedjan (assistant/evalrun.py) finns inte i den här versionen.</div>"
)
ITEM_HEADERS = ["Id", "Kategori", "Fråga", "Godkänd", "Rätt svar", "Vägrade", "Källor som täcker", "Rang", "Svar"]
METRIC_HEADERS = ["Mått", "Värde"]


def eval_available() -> bool:
    """True when the eval runner is installed."""
    return importlib.util.find_spec("assistant.evalrun") is not None


def datasets(evals_dir: Path) -> list[str]:
    """The QA eval sets in the evals folder (one question per line), the main set first: it is the default choice."""
    if not evals_dir.is_dir():
        return []
    found = (p for p in evals_dir.glob("*.jsonl") if not p.name.startswith("draft"))
    return [str(p) for p in sorted(found, key=lambda p: (p.name != MAIN_SET, p.name))]


def metric_rows(run: dict[str, Any]) -> list[list[str]]:
    """The headline metrics (with the baseline's, when run), then latency percentiles."""
    from assistant.report import headline_keys

    qa = run["qa"]
    rows = [["Frågor", f"{qa['items']} ({qa['answerable']} besvarbara, {qa['unanswerable']} obesvarbara)"],
            ["Godkända", _fmt(qa.get("passed"))]]
    rows += [[label, _fmt(qa.get(key))] for key, label in headline_keys(qa)]
    for stage, p in qa.get("latency_ms", {}).items():
        rows.append([f"Svarstid {stage} (ms, p50 / p95)", f"{_fmt(p['p50'])} / {_fmt(p['p95'])}"])
    return rows


def _fmt(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def item_rows(items: list[dict[str, Any]], only_failures: bool) -> list[list[Any]]:
    """Per-item results for the table, optionally only those that did not pass."""
    yes = {True: "ja", False: "nej"}
    return [
        [i["id"], i["category"], i["question"], yes[i["passed"]], yes[i["correct"]], yes[i["refused"]],
         f"{i['citations_covering']}/{i['citations']}", i["retrieval_rank"] or "–", i["answer"][:300]]
        for i in items if not (only_failures and i["passed"])
    ]


def read_items(path: Path) -> list[dict[str, Any]]:
    """items.jsonl of an eval run."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_eval_tab(service: AssistantService, user_of: UserOf) -> Refresher:
    """The Utvärdering tab's components and events (call inside a gr.Tab); running it is for admins."""
    items_state = gr.State([])
    if not eval_available():
        gr.HTML(UNAVAILABLE, elem_id="eval-status", js_on_load=None)
    not_allowed = gr.Markdown("Utvärderingen körs av en administratör (rollen admin).", visible=False,
                              elem_id="eval-admin-only")
    with gr.Row(visible=False, elem_id="eval-controls") as controls:
        offered = datasets(service.settings.evals_dir)
        dataset = gr.Dropdown([(Path(p).name, p) for p in offered], value=next(iter(offered), None), label="Frågeset",
                              scale=3,
                              elem_id="eval-dataset")
        limit = gr.Number(0, label="Antal frågor (0 = alla)", precision=0, minimum=0, scale=1, elem_id="eval-limit")
        k = gr.Number(5, label="k (passager i återvinning@k)", precision=0, minimum=1, maximum=20, scale=1,
                      elem_id="eval-k")
        run_button = gr.Button("Kör utvärdering", variant="primary", elem_id="eval-run", interactive=eval_available(),
                               scale=1)
    summary = gr.Markdown(elem_id="eval-summary")
    with gr.Row():
        metrics = gr.Dataframe(headers=METRIC_HEADERS, value=[], label="Mått", interactive=False, scale=2,
                               elem_id="eval-metrics", wrap=True, column_widths=["55%", "45%"])
        plot = gr.Image(label="Träffsäkerhet per kategori och svarstider", type="filepath", interactive=False,
                        scale=3, elem_id="eval-plot", buttons=["download", "fullscreen"])
    with gr.Row():
        only_failures = gr.Checkbox(False, label="Visa bara misslyckade", elem_id="eval-failures")
        report = gr.DownloadButton("Ladda ner rapporten (Markdown)", visible=False, elem_id="eval-report")
        metrics_file = gr.DownloadButton("Ladda ner mått (JSON)", visible=False, elem_id="eval-metrics-json")
    items = gr.Dataframe(headers=ITEM_HEADERS, value=[], label="Resultat per fråga", interactive=False, wrap=True,
                         max_height=520, elem_id="eval-items",
                         column_widths=["5%", "11%", "26%", "6%", "6%", "6%", "7%", "5%", "28%"])

    def run_eval(
        path: str | None, how_many: float | None, top_k: float | None, failures: bool, request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's progress idiom
    ) -> tuple[Any, ...]:
        from assistant.evalrun import run_eval as run

        if not user_of(request).is_admin:
            raise gr.Error("Du behöver rollen admin för att köra utvärderingen.")
        if not path or path not in datasets(service.settings.evals_dir):
            raise gr.Error("Välj ett frågeset.")
        out = service.settings.data_dir / "eval" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        progress((0, None), desc="Förbereder", unit="frågor")

        def tick(done: int, total: int) -> None:
            progress((done, total), desc="Frågor", unit="frågor")

        try:
            result = run(service.settings, Path(path), out, k=int(top_k or 5), limit=int(how_many or 0) or None,
                         progress=tick)
        except (OSError, ValueError, RuntimeError) as exc:
            raise gr.Error(f"Utvärderingen kunde inte köras: {exc}") from exc
        rows = read_items(out / "items.jsonl")
        qa = result["qa"]
        text = (f"**Klar:** {qa['items']} frågor, {_fmt(qa.get('passed'))} godkända. "
                f"Rapporten och måtten är sparade i `{out}`.")
        return (text, metric_rows(result), str(out / "plot.png"), rows, item_rows(rows, failures),
                gr.DownloadButton(value=str(out / "report.md"), visible=True),
                gr.DownloadButton(value=str(out / "metrics.json"), visible=True))

    run_button.click(run_eval, [dataset, limit, k, only_failures],
                     [summary, metrics, plot, items_state, items, report, metrics_file], concurrency_id="eval")
    only_failures.change(lambda rows, failures: item_rows(rows, failures), [items_state, only_failures], items)

    def allowed(request: gr.Request) -> tuple[Any, Any]:
        admin = user_of(request).is_admin
        return gr.Row(visible=admin), gr.Markdown(visible=not admin)

    return Refresher(allowed, [controls, not_allowed])
