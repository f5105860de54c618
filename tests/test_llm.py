"""LLM backends: FakeLLM, build_llm, OpenAICompatibleLLM against a real local HTTP server, llama.cpp for real."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.llm import (
    LLM,
    FakeLLM,
    FakeLLMExhausted,
    LLMCall,
    LLMError,
    LocalLlamaCppLLM,
    OpenAICompatibleLLM,
    build_llm,
    fake_backend_reply,
    packaged_gguf_path,
)
from assistant.prompts import CANNOT_ANSWER
from assistant.settings import Settings
from deploy.local_cluster import free_port, stop_process

# --------------------------------------------------------------------------- FakeLLM


def test_fake_llm_replies_in_order_and_records_calls() -> None:
    llm = FakeLLM(replies=["ett", "två"])
    assert isinstance(llm, LLM)
    assert llm.complete("fråga 1", system="sys") == "ett"
    assert llm.complete("fråga 2") == "två"
    assert llm.calls == [LLMCall("fråga 1", "sys"), LLMCall("fråga 2", None)]
    assert llm.calls[0].prompt == "fråga 1"
    assert llm.calls[0].system == "sys"


def test_fake_llm_raises_clearly_when_queue_is_empty() -> None:
    llm = FakeLLM(replies=["bara ett"])
    llm.complete("a")
    with pytest.raises(FakeLLMExhausted, match="no reply queued for call #2"):
        llm.complete("b")
    with pytest.raises(FakeLLMExhausted):
        FakeLLM().complete("c")
    assert not issubclass(FakeLLMExhausted, LLMError)  # a test set-up error must not look like a model failure


def test_fake_llm_response_fn_sees_prompt_and_system() -> None:
    llm = FakeLLM(response_fn=lambda prompt, system: f"{system}|{prompt.upper()}")
    assert llm.complete("hej", system="s") == "s|HEJ"
    assert llm.complete("igen") == "None|IGEN"
    assert len(llm.calls) == 2


def test_fake_llm_stream_joins_to_the_reply() -> None:
    reply = "Nämnden nådde målet  [K1].\nInget mer."
    llm = FakeLLM(replies=[reply])
    pieces = list(llm.stream("p", system="s"))
    assert len(pieces) > 1
    assert "".join(pieces) == reply
    assert llm.calls == [LLMCall("p", "s")]


def test_fake_llm_rejects_both_sources_and_caps_history() -> None:
    with pytest.raises(ValueError):
        FakeLLM(replies=["a"], response_fn=lambda p, s: p)
    llm = FakeLLM(response_fn=lambda p, s: p, keep_calls=2)
    for i in range(5):
        llm.complete(str(i))
    assert [call.prompt for call in llm.calls] == ["3", "4"]


def test_fake_backend_reply_cites_first_key_or_refuses() -> None:
    assert fake_backend_reply("[K2] text [K1] text", None).endswith("[K2].")
    assert fake_backend_reply("inga avsnitt", None) == CANNOT_ANSWER


# --------------------------------------------------------------------------- build_llm


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Settings without a TOML file, LLM environment variables or an API key."""
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "absent.toml"))
    for key in list(os.environ):
        if key.startswith("ASSISTANT_LLM") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key)
    return monkeypatch


def test_build_llm_none_and_fake(clean_env: pytest.MonkeyPatch) -> None:
    assert build_llm(Settings()) is None
    fake = build_llm(Settings(llm={"backend": "fake"}))
    assert isinstance(fake, FakeLLM)
    assert fake.complete("[K1] Avsnitt") == fake_backend_reply("[K1] Avsnitt", None)


def test_build_llm_openai_from_settings_and_env(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ASSISTANT_LLM__BACKEND", "openai")
    clean_env.setenv("ASSISTANT_LLM__BASE_URL", "http://127.0.0.1:9/v1/")
    clean_env.setenv("ASSISTANT_LLM__MODEL", "m")
    clean_env.setenv("OPENAI_API_KEY", "sk-från-miljön")
    settings = Settings()
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "sk-från-miljön"
    assert "sk-från-miljön" not in json.dumps(settings.model_dump(mode="json"))
    llm = build_llm(settings)
    assert isinstance(llm, OpenAICompatibleLLM)
    assert llm.name == "openai:m"
    assert llm.base_url == "http://127.0.0.1:9/v1"


def test_build_llm_explicit_key_wins_over_env(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_API_KEY", "från-miljön")
    settings = Settings(llm={"backend": "openai", "api_key": "explicit"})
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "explicit"


def test_build_llm_local_is_lazy(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings(llm={"backend": "local", "local_model_path": str(tmp_path / "m.gguf"), "n_ctx": 1024})
    llm = build_llm(settings)
    assert isinstance(llm, LocalLlamaCppLLM)
    assert llm.n_ctx == 1024
    assert llm.name == "local:m.gguf"


def test_local_llm_without_llama_cpp_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    llm = LocalLlamaCppLLM(tmp_path / "m.gguf")
    with pytest.raises(LLMError, match=r"pip install -e \.\[local\]"):
        llm.complete("hej")




# --------------------------------------------------------------------------- a tiny OpenAI-compatible server


class _OpenAIHandler(BaseHTTPRequestHandler):
    """Speaks just enough of /v1/chat/completions (JSON and SSE streaming) for the client."""

    server: _OpenAIServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "json": request})
        mode = self.server.mode
        if mode == "slow":
            time.sleep(2.0)
        if mode == "error":
            self._send_json(500, {"error": {"message": "intern krasch", "type": "server_error"}})
            return
        if self.path != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": "not found"}})
            return
        messages = request["messages"]
        reply = f"Svar på: {messages[-1]['content']} (roller: {','.join(m['role'] for m in messages)})"
        base = {"id": "chatcmpl-test", "created": 0, "model": request["model"]}
        if not request.get("stream"):
            self._send_json(
                200,
                {
                    **base,
                    "object": "chat.completion",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = [reply[i : i + 7] for i in range(0, len(reply), 7)]
        deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces] + [{}]
        for i, delta in enumerate(deltas):
            chunk = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


class _OpenAIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OpenAIHandler)
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


@pytest.fixture
def openai_server() -> Iterator[_OpenAIServer]:
    server = _OpenAIServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_openai_compatible_complete(openai_server: _OpenAIServer) -> None:
    llm = OpenAICompatibleLLM(openai_server.base_url, "testmodell", api_key="sk-test", max_tokens=64)
    assert isinstance(llm, LLM)
    text = llm.complete("Vad kostar skolan?", system="Svara kort.", max_tokens=17)
    assert text == "Svar på: Vad kostar skolan? (roller: system,user)"
    request = openai_server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["json"]["model"] == "testmodell"
    assert request["json"]["max_tokens"] == 17
    assert request["json"]["temperature"] == 0.0
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    assert llm.complete("utan system") == "Svar på: utan system (roller: user)"
    assert openai_server.requests[-1]["json"]["max_tokens"] == 64


def test_openai_compatible_stream(openai_server: _OpenAIServer) -> None:
    llm = OpenAICompatibleLLM(openai_server.base_url, "testmodell")
    pieces = list(llm.stream("Strömma åäö", system="sys"))
    assert len(pieces) > 2
    assert "".join(pieces) == "Svar på: Strömma åäö (roller: system,user)"
    assert openai_server.requests[-1]["json"]["stream"] is True


def test_openai_compatible_connection_refused_is_swedish_llm_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = OpenAICompatibleLLM(url, "m", timeout_s=5)
    with pytest.raises(LLMError, match="Kunde inte ansluta till språkmodellen") as info:
        llm.complete("hej")
    assert url in str(info.value)
    with pytest.raises(LLMError, match="Kunde inte ansluta") as info:
        list(llm.stream("hej"))
    assert url in str(info.value)


def test_openai_compatible_http_error(openai_server: _OpenAIServer) -> None:
    openai_server.mode = "error"
    llm = OpenAICompatibleLLM(openai_server.base_url, "m")
    with pytest.raises(LLMError, match="HTTP-fel 500") as info:
        llm.complete("hej")
    assert openai_server.base_url in str(info.value)
    assert len(openai_server.requests) == 1  # no silent retries


def test_openai_compatible_not_found_names_model(openai_server: _OpenAIServer) -> None:
    llm = OpenAICompatibleLLM(openai_server.base_url.removesuffix("/v1") + "/fel", "min-modell")
    with pytest.raises(LLMError, match="min-modell"):
        llm.complete("hej")


def test_openai_compatible_timeout(openai_server: _OpenAIServer) -> None:
    openai_server.mode = "slow"
    llm = OpenAICompatibleLLM(openai_server.base_url, "m", timeout_s=0.3)
    with pytest.raises(LLMError, match="svarade inte inom 0.3 sekunder") as info:
        llm.complete("hej")
    assert openai_server.base_url in str(info.value)


def test_openai_compatible_requires_url_and_model() -> None:
    with pytest.raises(LLMError, match="llm.base_url"):
        OpenAICompatibleLLM("", "m")
    with pytest.raises(LLMError, match="llm.model"):
        OpenAICompatibleLLM("http://127.0.0.1:1/v1", "")


# --------------------------------------------------------------------------- the real model (llama-cpp-python)

needs_llama_cpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed; install the extra: pip install -e .[local]",
)


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The packaged Gemma 3 270M GGUF, assembled once."""
    try:
        return packaged_gguf_path()
    except LLMError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def llama_cpp_server(gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on a free port; yields its /v1 base URL."""
    needed = ("fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
    missing = [module for module in needed if importlib.util.find_spec(module) is None]
    if missing:
        pytest.skip(f"llama_cpp.server needs llama-cpp-python[server]; missing modules: {missing}")
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    cmd += ["--chat_format", "gemma"]  # the packaged GGUF has no chat template; without this llama-2's is used
    base_url = f"http://127.0.0.1:{port}/v1"
    # A file, not a pipe: the server logs a lot, and a full pipe would block it.
    log_path = tmp_path_factory.mktemp("llama_cpp_server") / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {tail}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not become ready within 120 s; log: {log_path}")
            time.sleep(0.5)
        yield base_url
    finally:
        stop_process(proc)


@pytest.mark.slow
@pytest.mark.server
@needs_llama_cpp
def test_openai_compatible_against_real_llama_cpp_server(llama_cpp_server: str) -> None:
    llm = OpenAICompatibleLLM(llama_cpp_server, "gemma-3-270m", timeout_s=120, max_tokens=32)
    text = llm.complete("Vad heter Sveriges huvudstad? Svara med ett ord.", system="Svara på svenska.")
    assert text.strip()
    pieces = list(llm.stream("Säg hej på svenska.", max_tokens=16))
    assert "".join(pieces).strip()


@needs_llama_cpp
def test_local_llm_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match="finns inte"):
        LocalLlamaCppLLM(tmp_path / "saknas.gguf").complete("hej")


@pytest.mark.server
@needs_llama_cpp
def test_local_model_that_cannot_load_is_a_swedish_error(tmp_path: Path) -> None:
    broken = tmp_path / "trasig.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)  # a header and nothing else: llama.cpp refuses it in the child
    llm = LocalLlamaCppLLM(broken, start_timeout_s=60)
    with pytest.raises(LLMError, match="kunde inte starta: processen avslutades med felkod"):
        llm.complete("hej")
    assert llm.process is None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.mark.slow
@pytest.mark.server
@needs_llama_cpp
def test_local_llama_cpp_answers_out_of_process(gguf_path: Path) -> None:
    llm = LocalLlamaCppLLM(None, n_ctx=2048, max_tokens=32)
    assert isinstance(llm, LLM)
    try:
        text = llm.complete("Vad heter Sveriges huvudstad? Svara med ett ord.", system="Svara på svenska.")
        assert text.strip()
        pieces = list(llm.stream("Säg hej på svenska.", max_tokens=16))
        assert "".join(pieces).strip()
        assert llm.process is not None and _alive(llm.process.pid)
        assert "llama_cpp.server" in Path(f"/proc/{llm.process.pid}/cmdline").read_text()
        maps = Path(f"/proc/{os.getpid()}/maps").read_text()
        assert "libllama" not in maps and "libggml" not in maps  # no native model code in this process
        assert "llama_cpp" not in sys.modules
    finally:
        llm.close()
    assert llm.process is None


@pytest.mark.slow
@pytest.mark.server
@needs_llama_cpp
def test_local_model_killed_mid_request_is_a_swedish_error_then_restarts(gguf_path: Path) -> None:
    llm = LocalLlamaCppLLM(None, n_ctx=2048, max_tokens=400)
    try:
        stream = llm.stream("Skriv en lång berättelse om en kommun i Sverige, med många detaljer.")
        next(stream)  # the model is generating
        assert llm.process is not None
        first = llm.process.pid
        os.kill(first, signal.SIGKILL)
        with pytest.raises(LLMError, match="avbröts av signalen SIGKILL medan den svarade") as info:
            for _ in stream:
                pass
        assert "startas om" in str(info.value)
        assert not _alive(first)
        assert llm.complete("Säg hej.", max_tokens=8).strip()  # a new model process answers the next call
        assert llm.process is not None and llm.process.pid != first
    finally:
        llm.close()
