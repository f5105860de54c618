"""Eval outputs: metrics.json, report.md, items.jsonl and a plot (accuracy by category, latency)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.evaluate import ItemResult

HEADLINE = [
    ("answer_accuracy", "Svarsträffsäkerhet"),
    ("citation_precision", "Källprecision"),
    ("citation_recall", "Källtäckning"),
    ("refusal_recall", "Vägrar när svar saknas"),
    ("false_refusal_rate", "Felaktiga vägranden"),
    ("mrr", "MRR"),
]


def _fmt(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def headline_keys(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline metric keys present, with the recall@k key included."""
    recall = next((k for k in metrics if k.startswith("retrieval_recall_at_")), None)
    keys = list(HEADLINE)
    if recall:
        keys.insert(0, (recall, f"Återvinning@{recall.rsplit('_', 1)[-1]}"))
    return [(k, label) for k, label in keys if k in metrics]


def render_markdown(run: dict[str, Any], results: list[ItemResult]) -> str:
    """A report an evaluator can read: headline table (with baseline), categories, drafts, failures."""
    qa = run["qa"]
    lines = [
        f"# Utvärdering: {run['dataset']}",
        "",
        f"- Körd: {run['started_at']} · pipeline `{run['pipeline']}` · k = {run['k']} · "
        f"inställningar `{run['settings_fingerprint']}`",
        f"- Frågor: {qa['items']} ({qa['answerable']} besvarbara, {qa['unanswerable']} obesvarbara)",
        f"- Kommando: `{run['command']}`",
        "",
        "## Resultat",
        "",
    ]
    rows = [("Vår pipeline", qa)] + ([("Baslinje: " + run["baseline"]["name"], run["baseline"]["qa"])]
                                     if run.get("baseline") else [])
    keys = headline_keys(qa)
    lines.append("| | " + " | ".join(label for _, label in keys) + " |")
    lines.append("|---" * (len(keys) + 1) + "|")
    for name, metrics in rows:
        lines.append(f"| {name} | " + " | ".join(_fmt(metrics.get(k)) for k, _ in keys) + " |")
    lines += ["", "## Per kategori", "", "| Kategori | Frågor | " + " | ".join(lb for _, lb in keys) + " |",
              "|---" * (len(keys) + 2) + "|"]
    for category, metrics in run["by_category"].items():
        lines.append(f"| {category} | {metrics['items']} | " + " | ".join(_fmt(metrics.get(k)) for k, _ in keys) + " |")
    lines += ["", "## Svarstider (ms)", "", "| Steg | p50 | p95 |", "|---|---|---|"]
    for stage, lat in qa["latency_ms"].items():
        lines.append(f"| {stage} | {_fmt(lat['p50'])} | {_fmt(lat['p95'])} |")
    if run.get("drafts"):
        d = run["drafts"]
        lines += ["", "## Utkast", "",
                  f"- Sifferprecision: {_fmt(d['draft_number_precision'])} ({d['numbers_traced']}/{d['numbers']})",
                  f"- Täckning av obligatoriska fakta: {_fmt(d['draft_coverage'])} "
                  f"({d['facts_present']}/{d['facts_required']})"]
    failures = [r for r in results if not r.passed]
    lines += ["", f"## Misslyckade frågor ({len(failures)})", ""]
    for r in failures:
        why = "vägrade inte" if not r.answerable else (
            "vägrade" if r.refused else ("fel svar" if not r.correct else "ingen källa täcker guldcitatet"))
        answer = " ".join(r.answer.split())[:200]
        lines.append(f"- **{r.id}** ({r.category}, {why}): {r.question} → _{answer}_")
    prompts = run.get("prompt_hashes") or {}
    if prompts:
        lines += ["", "## Promptar", ""] + [f"- `{n}`: `{h[:16]}`" for n, h in sorted(prompts.items())]
    return "\n".join(lines) + "\n"


def render_plot(run: dict[str, Any], results: list[ItemResult], path: Path) -> None:
    """PNG: accuracy (passed share) by category, and the answer latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories = list(run["by_category"])
    passed = [run["by_category"][c]["passed"] or 0.0 for c in categories]
    latencies = [r.timings_ms.get("answer", 0.0) + r.timings_ms.get("retrieve", 0.0) for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.barh(categories, passed, color="#2a6f97")
    left.set_xlim(0, 1)
    left.set_xlabel("andel rätt (svar med källa, eller vägran när svar saknas)")
    left.set_title("Träffsäkerhet per kategori")
    right.hist(latencies, bins=30, color="#8a5a44")
    right.set_xlabel("ms per fråga (hämtning + svar)")
    right.set_title("Svarstider")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(run: dict[str, Any], results: list[ItemResult], out_dir: Path) -> dict[str, Path]:
    """Write metrics.json, report.md, items.jsonl and plot.png into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / name for name in ("metrics.json", "report.md", "items.jsonl", "plot.png")}
    paths["metrics.json"].write_text(json.dumps(run, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["report.md"].write_text(render_markdown(run, results), encoding="utf-8")
    with paths["items.jsonl"].open("w", encoding="utf-8") as handle:
        for r in results:
            handle.write(json.dumps({**asdict(r), "passed": r.passed}, ensure_ascii=False) + "\n")
    render_plot(run, results, paths["plot.png"])
    return paths
