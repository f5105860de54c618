"""`assistant serve` as a real process on a free loopback port, for tests that need the whole server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from deploy.local_cluster import free_port, stop_process


class ServeProcess:
    """`assistant serve` started in a given working directory with extra environment; ready once health is 200."""

    def __init__(self, cwd: Path, env: dict[str, str], log: Path, timeout_s: float = 180) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cwd, self.env, self.log, self.timeout_s = cwd, env, log, timeout_s
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServeProcess:
        command = [sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=self.cwd, env={**os.environ, **self.env}, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"servern avslutades ({self.process.returncode}): {self.output()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"servern blev inte klar: {self.output()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            stop_process(self.process)

    def output(self) -> str:
        """The end of the server's log."""
        return self.log.read_text(errors="replace")[-4000:] if self.log.is_file() else ""

    def children(self) -> list[int]:
        """Process ids whose parent is the server (the local model's server, when one runs)."""
        assert self.process is not None
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def maps(self) -> str:
        """The server process's memory map (which native libraries it loaded)."""
        assert self.process is not None
        return Path(f"/proc/{self.process.pid}/maps").read_text()


def component(config: dict[str, Any], elem_id: str) -> dict[str, Any]:
    """A component's props in Gradio's /config by its elem_id."""
    for item in config["components"]:
        if item.get("props", {}).get("elem_id") == elem_id:
            return dict(item["props"])
    raise KeyError(elem_id)
