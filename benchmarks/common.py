"""Helpers shared by the scale benchmarks: questions, percentiles, ports, sizes, server subprocesses."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.local_cluster import chroma_server as local_chroma_server
from deploy.local_cluster import free_port as free_port  # the benchmark scripts take it from here
from deploy.local_cluster import stop_process

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / ".work"
BIN = Path(sys.executable).parent
_SOURCE_TOWNS = ("Lerums", "Lerum", "Alingsås", "Herrljungas", "Herrljunga")


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100), rounded to 0.1."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return round(ordered[index], 1)


def summary(values_ms: list[float]) -> dict[str, float | int | None]:
    """p50, p95, max and count of a list of milliseconds."""
    return {"p50_ms": pct(values_ms, 50), "p95_ms": pct(values_ms, 95),
            "max_ms": round(max(values_ms), 1) if values_ms else None, "n": len(values_ms)}


@dataclass
class Question:
    """An eval question moved to one municipality of the corpus, with that municipality as a filter."""

    text: str
    municipality: str


def questions(municipalities: list[str], n: int, seed: int = 11) -> list[Question]:
    """n eval questions, each rewritten to name a random municipality of the corpus (which is also the filter)."""
    import json

    rng = random.Random(seed)
    items = [json.loads(line) for line in (REPO / "evals" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    out = []
    for i in range(n):
        text = items[i % len(items)]["question"]
        town = rng.choice(municipalities)
        short = town.removesuffix(" kommun")
        for name in _SOURCE_TOWNS:
            text = text.replace(name, short)
        out.append(Question(text=text, municipality=short))
    return out


def dir_mb(path: Path) -> float:
    """Megabytes of the files under a folder."""
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("VmHWM saknas")


def bench_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a child process: offline, this data dir, no config file from the working folder."""
    from assistant.offline import configure_offline_env

    configure_offline_env()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_CONFIG": str(WORK / "no-config.toml")})
    env.update(extra or {})
    return env


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until url answers 200 (fails if the process dies or time runs out)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"processen avslutades med kod {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process with output to a log file, stopped (and reaped) on exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            yield proc
        finally:
            stop_process(proc)


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """`chroma run` on a free port over an existing store folder (a large one may take a while to open); yields
    its URL."""
    port = free_port()
    with local_chroma_server(path, WORK / "logs" / f"chroma-{port}.log", port, timeout_s=120) as url:
        yield url
