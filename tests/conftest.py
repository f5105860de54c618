"""Shared fixtures: offline environment, network blocked, data directories under tmp_path."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import ipaddress
import os
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from assistant.offline import configure_offline_env
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
NEWDOCS = REPO / "evals" / "newdocs-corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

configure_offline_env()
# Mutation testing (make mutation) runs with --hypothesis-profile=mutation: the same examples on every run and no
# time limit per example, so a mutant counts as killed only when an assertion fails, never by chance or slowness.
hypothesis_settings.register_profile(
    "mutation", derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


class _NoNativeModel(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """llama.cpp runs only in the model's own server process: importing llama_cpp here is a test failure.

    find_spec still answers truthfully (so "is it installed?" checks work); only loading the module fails.
    """

    refuses_llama_cpp = True

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name != "llama_cpp":
            return None
        for finder in sys.meta_path:
            if getattr(finder, "refuses_llama_cpp", False):  # this guard (conftest may be imported twice)
                continue
            if (spec := finder.find_spec(name, path, target)) is not None:
                return importlib.machinery.ModuleSpec(name, self, origin=spec.origin)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        raise ImportError("llama_cpp must not be imported in pytest's process: the local model runs only in "
                          "its own server process (assistant.llm.LocalLlamaCppLLM)")

    def exec_module(self, module: ModuleType) -> None:  # never reached: create_module refuses
        raise ImportError("llama_cpp")


if not any(getattr(finder, "refuses_llama_cpp", False) for finder in sys.meta_path):
    sys.meta_path.insert(0, _NoNativeModel())
# One embedding cache for the whole session: every test that ingests the corpus into its own data directory
# after the first reads the vectors instead of re-embedding (the cache is keyed by model and text).
if "ASSISTANT_EMBEDDING__CACHE_PATH" not in os.environ:
    _session_cache = Path(tempfile.mkdtemp(prefix="assistant-test-cache-")) / "embeddings.sqlite"
    os.environ["ASSISTANT_EMBEDDING__CACHE_PATH"] = str(_session_cache)


def _is_local(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def block_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests may only talk to loopback: anything else is a bug (a hub download, telemetry)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise RuntimeError(f"nätverksanrop blockerat i test: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings pointing the whole program at a fresh data directory."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return Settings(corpus_dir=CORPUS)


def _ingested(tmp_path_factory: pytest.TempPathFactory, name: str, folder: Path) -> Settings:
    """Settings for a fresh data directory holding `folder` ingested (real embedder, Chroma, BM25)."""
    from assistant.service import AssistantService

    settings = Settings(data_dir=tmp_path_factory.mktemp(name), corpus_dir=folder)
    report = AssistantService(settings).ingest([folder])
    assert report.ok, report.outcomes
    return settings


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a data directory holding the ingested corpus (real embedder, Chroma, BM25), built once."""
    return _ingested(tmp_path_factory, "corpus-data", CORPUS)


@pytest.fixture(scope="session")
def newdocs_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data directory holding the new-documents corpus (another municipality's reports, evals/newdocs-corpus),
    ingested as a user's upload would be, built once."""
    return _ingested(tmp_path_factory, "newdocs-data", NEWDOCS)
