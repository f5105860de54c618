"""`assistant serve` as users start it: from any working directory, and with the local model out of process."""

from __future__ import annotations

import importlib.util
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.serving import ServeProcess, component

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_serve_from_any_working_directory_drafts_and_offers_eval_sets(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "någon-annan-mapp"
    elsewhere.mkdir()
    env = {"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir), "ASSISTANT_CONFIG": str(elsewhere / "ingen.toml")}
    with ServeProcess(elsewhere, env, tmp_path / "serve.log") as server:
        response = httpx.post(f"{server.url}/api/draft", timeout=120, json={
            "municipality": "Lerum", "body": "Individnämnden", "period": "2024"})
        assert response.status_code == 200, (response.text, server.output())
        assert response.json()["passed"] is True
        config = httpx.get(f"{server.url}/config", timeout=30).json()
        offered = component(config, "eval-dataset")["choices"]
        assert offered and offered[0][0] == "qa.jsonl" and str(offered[0][1]).endswith("evals/qa.jsonl"), offered
    assert not list(elsewhere.iterdir())  # nothing was read from or written to the working directory


def _wait_for_model_server(server: ServeProcess, timeout_s: float = 120) -> int:
    """The pid of the local model's server process once it answers on its port (the ask is then in flight)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for pid in server.children():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"llama_cpp.server" in cmdline:
                port = cmdline[cmdline.index(b"--port") + 1].decode()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                        return pid
                except httpx.TransportError:
                    pass
        time.sleep(0.1)
    raise AssertionError(f"ingen modellprocess startade: {server.output()}")


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python är inte installerat")
def test_killing_the_local_model_mid_answer_gives_the_composed_answer_and_the_app_keeps_serving(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    env = {"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir), "ASSISTANT_LLM__BACKEND": "local",
           "ASSISTANT_LLM__MAX_TOKENS": "512", "ASSISTANT_CONFIG": str(tmp_path / "ingen.toml")}
    question = {"question": "Vilket värde hade Hemtjänstindex i Lerums kommun 2023?"}
    with ServeProcess(tmp_path, env, tmp_path / "serve.log") as server, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.post, f"{server.url}/api/ask", json=question, timeout=300)
        model = _wait_for_model_server(server)
        time.sleep(1.5)  # the app has seen it ready too and is waiting for the reply (512 tokens take seconds)
        os.kill(model, signal.SIGKILL)
        assert httpx.get(f"{server.url}/api/health", timeout=10).status_code == 200  # still serving meanwhile
        response = pending.result()
        assert response.status_code == 200, (response.text, server.output())
        answer = response.json()
        assert not answer["refused"] and "66,9" in answer["answer"]  # the composed answer, cited
        assert answer["citations"]
        note = next(n for n in answer["notes"] if n.startswith("språkmodellen svarade inte"))
        assert "Den lokala språkmodellen avbröts av signalen SIGKILL" in note and "startas om" in note
        again = httpx.post(f"{server.url}/api/ask", json=question, timeout=300)
        assert again.status_code == 200 and "66,9" in again.json()["answer"]
        maps = server.maps()
        assert "libllama" not in maps and "libggml" not in maps  # no native model code in the web server
        for pid in server.children():  # the model restarted for the second question, out of process
            assert b"llama_cpp.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
