"""Questions to a running server while another process ingests: no errors, no half-ingested document.

The server (`assistant serve`) and the ingestion (`assistant ingest`) are separate processes over one data
directory, as in production. Every answer must cite only documents of the registry before or after the
ingestion, and every quote must be exactly its document's cleaned text at the cited span.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.service import AskRequest, AssistantService
from assistant.settings import Settings
from assistant.store import ReadWriteLock, Registry
from deploy.local_cluster import free_port
from tests.conftest import CORPUS, REPO
from tests.filemakers import write_reports
from tests.test_crash import assert_index_matches_registry

CLI = [sys.executable, "-c", "from assistant.cli import app; app()"]
REQUESTS = 20
NEW_DOCUMENTS = 8
QUESTIONS = [
    "Hur stor var sjukfrånvaron i Herrljunga?",
    "Vilka mål har individnämnden i Lerum för 2024?",
    "Hur mycket investerade vård- och omsorgsnämnden i Alingsås?",
    "Vad gör stöd- och omsorgsnämnden för tidiga insatser?",
    "Hur förändrades personalomsättningen inom hemtjänsten?",
    "Vad hände med väntetiden för färdtjänsten?",
    "Hur många besök hade biblioteken?",
    "What is the sick leave in Herrljunga?",
    "Vilka insatser görs för anhörigstödet?",
    "Hur utvecklades kostnaden per invånare inom missbruksvården?",
]


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 150) -> None:
    """Until /api/health answers (the index is open and the answerer built)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/api/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("servern svarade inte: " + log.read_text()[-3000:])


def names_to_ids(data_dir: Path) -> dict[str, str]:
    """Primary documents of the registry, by file name."""
    return {e.name: e.id for e in Registry(data_dir).indexed()}


@pytest.mark.slow
@pytest.mark.server
def test_questions_while_another_process_ingests(corpus_settings: Settings, tmp_path: Path) -> None:
    # corpus_settings has filled the session's embedding cache, so this ingest of the corpus reads vectors.
    data_dir = tmp_path / "data"
    report = AssistantService(Settings(data_dir=data_dir, corpus_dir=CORPUS)).ingest([CORPUS])
    assert report.ok, report.outcomes
    folder = tmp_path / "nya"
    write_reports(folder, range(60, 60 + NEW_DOCUMENTS), sections=6)
    before = names_to_ids(data_dir)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "COLUMNS": "200"}

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server_log, ingest_log = tmp_path / "server.log", tmp_path / "ingest.log"
    with open(server_log, "wb") as slog, open(ingest_log, "wb") as ilog:
        server = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=REPO, env=env, stdout=slog,
                                  stderr=subprocess.STDOUT)
        ingestion: subprocess.Popen[bytes] | None = None
        try:
            wait_healthy(url, server, server_log)
            ingestion = subprocess.Popen([*CLI, "ingest", str(folder)], cwd=tmp_path, env=env, stdout=ilog,
                                         stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 180
            while len(names_to_ids(data_dir)) == len(before) and ingestion.poll() is None:
                assert time.monotonic() < deadline, "inläsningen kom aldrig i gång"
                time.sleep(0.01)
            assert ingestion.poll() is None, "inläsningen blev klar innan frågorna hann ställas"

            start = threading.Barrier(REQUESTS)
            results: list[tuple[int, dict[str, Any], float, float]] = []

            def ask(i: int) -> tuple[int, dict[str, Any], float, float]:
                start.wait(timeout=30)
                sent = time.monotonic()
                response = httpx.post(f"{url}/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]},
                                      timeout=120)
                return response.status_code, response.json(), sent, time.monotonic()

            fired = time.monotonic()
            with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
                results = list(pool.map(ask, range(REQUESTS)))
            during = len(names_to_ids(data_dir)) - len(before)
            assert ingestion.wait(timeout=240) == 0, ingest_log.read_text()[-3000:]
            finished = time.monotonic()
            after = names_to_ids(data_dir)

            # And once it is done, the server answers from the new documents too.
            new_names = set(after) - set(before)
            listed = {d["name"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()}
            assert new_names <= listed
            late = httpx.post(f"{url}/api/ask", json={"question": "Hur förändrades andelen heltider inom "
                                                       "hemtjänsten i Sjöhamra?"}, timeout=120)
            assert late.status_code == 200, late.text
        finally:
            for process in (ingestion, server):
                if process is not None and process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        process.kill()

    assert len(new_names) == NEW_DOCUMENTS
    assert set(before) <= set(after)
    errors = [(status, body) for status, body, _, _ in results if status != 200]
    assert not errors, errors
    registry = Registry(data_dir)
    texts: dict[str, str] = {}
    cited_new = 0
    for _, answer, _, _ in results:
        for citation in answer["citations"]:
            name = citation["document"]
            assert name in after, (name, answer["question"])  # the registry before is a subset of after
            if name not in texts:
                texts[name] = registry.load_document(after[name]).text
            assert texts[name][citation["start"]:citation["end"]] == citation["quote"], citation
            cited_new += name in new_names
    assert sum(1 for _, answer, _, _ in results if answer["citations"]) >= REQUESTS // 2
    late_cited = [c["document"] for c in late.json()["citations"]]
    assert late_cited and set(late_cited) <= new_names, late.json()  # the Sjöhamra plan, ingested meanwhile
    for citation in late.json()["citations"]:
        text = registry.load_document(after[citation["document"]]).text
        assert text[citation["start"]:citation["end"]] == citation["quote"]
    answered = max(done for *_, done in results)
    print(f"\n{REQUESTS} frågor på {answered - fired:.1f} s; nya dokument när de var besvarade: {during} av "
          f"{NEW_DOCUMENTS}; citat ur nya: {cited_new}; inläsningen klar {finished - answered:.1f} s efter")
    log = server_log.read_text(errors="replace")
    assert "Traceback" not in log and "Oväntat fel" not in log, log[-4000:]
    assert_index_matches_registry(Settings(data_dir=data_dir, corpus_dir=CORPUS))


# -- the index lock ----------------------------------------------------------------------------------------------


def test_index_lock_readers_share_a_writer_excludes_and_is_not_starved(tmp_path: Path) -> None:
    lock = ReadWriteLock.for_path(tmp_path / "index.lock")
    assert ReadWriteLock.for_path(tmp_path / "index.lock") is lock
    stop = threading.Event()
    readers_inside = [0]
    seen_by_writer: list[int] = []
    guard = threading.Lock()

    def reader() -> None:
        while not stop.is_set():  # overlapping holds: without a turnstile the writer would wait for ever
            with lock.hold():
                with guard:
                    readers_inside[0] += 1
                time.sleep(0.05)
                with guard:
                    readers_inside[0] -= 1

    threads = [threading.Thread(target=reader) for _ in range(12)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    with lock.hold(exclusive=True):
        waited = time.monotonic() - started
        with guard:
            seen_by_writer.append(readers_inside[0])
        with lock.hold():  # nested holds in the writer's thread are free
            pass
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert seen_by_writer == [0] and waited < 3, (seen_by_writer, waited)  # without the turnstile: 10 s and more
    # A reader cannot become a writer (it would wait for itself).
    with lock.hold(), pytest.raises(RuntimeError), lock.hold(exclusive=True):
        pass


def test_questions_while_the_same_server_ingests_share_one_index(tmp_path: Path) -> None:
    # A server opens its index once: the upload job writes to the object its answer threads read. Every answer
    # given meanwhile is whole and quotes its document exactly. (The swap of whole tables that makes this safe is
    # checked deterministically in test_index; a race here may or may not be hit on a given run.)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, embedding={"kind": "hash"})
    service = AssistantService(settings)
    assert service.ingest([CORPUS]).ok
    assert service.ingestor.sinks[0] is service.answerer.retriever.index  # type: ignore[attr-defined]
    folder = tmp_path / "nya"
    write_reports(folder, range(200, 200 + NEW_DOCUMENTS), sections=6)
    done = threading.Event()
    problems: list[str] = []
    answered = [0]

    def ingest() -> None:
        try:
            report = service.ingest([folder])
            if not report.ok:
                problems.append(str(report.outcomes))
        finally:
            done.set()

    def ask(i: int) -> None:
        while not done.is_set():
            try:
                answer = service.ask(AskRequest(question=QUESTIONS[(i + answered[0]) % len(QUESTIONS)]))
            except Exception as exc:  # noqa: BLE001 - every failure of a reader is the finding
                problems.append(f"{type(exc).__name__}: {exc}")
                return
            registry = service.registry
            for citation in answer.citations:
                entry = registry.by_name(citation.document)
                text = registry.load_document(entry.id).text if entry is not None else ""
                if text[citation.start:citation.end] != citation.quote:
                    problems.append(f"citat stämmer inte: {citation.document} {citation.start}")
            answered[0] += 1

    writer = threading.Thread(target=ingest)
    with ThreadPoolExecutor(max_workers=3) as pool:
        writer.start()
        list(pool.map(ask, range(3)))
    writer.join()
    assert not problems, problems[:5]
    assert answered[0] >= 3
    names = {e.name for e in service.registry.indexed()}
    assert all(p.name in names for p in folder.iterdir())
    hits = service.search("hemtjänsten kvartalet", k=20)
    assert any(h.chunk.document.endswith(".txt") and h.chunk.document in {p.name for p in folder.iterdir()}
               for h in hits)
