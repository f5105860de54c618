"""Shared results file for benchmarks: each benchmark records its own section with machine facts."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def record(section: str, figures: dict[str, Any], command: str) -> None:
    """Merge one benchmark's figures into benchmarks/results.json."""
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    data[section] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        **figures,
    }
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
