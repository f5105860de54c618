"""Crash safety: an ingestion killed with SIGKILL part-way leaves an index that the next run makes consistent.

Consistent means: the registry's primary documents, the documents with vectors in Chroma and the documents in
BM25 are the same set; each has exactly the chunks the chunker makes for it in both indexes; nothing else is
stored (no orphan chunks or cleaned documents); and ingesting everything again adds nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.pipeline import build_index, build_ingestor
from assistant.settings import Settings
from assistant.store import Registry
from tests.filemakers import write_reports
from tests.index_checks import assert_index_matches_registry

DOCUMENTS = 10
# The CLI without a console script; typer reads the arguments after "-c".
CLI = [sys.executable, "-c", "from assistant.cli import app; app()"]
# Ingest like the CLI, but die by SIGKILL at a chosen point of the n-th document: "sink" kills once the real index
# holds it and the registry does not yet (between sinks.add and the commit); "bm25" kills while BM25 is being
# saved (the word index written, the n-gram index not yet); "commit" kills as the n-th registry save begins.
KILLING_INGEST = """
import os, signal, sys
from pathlib import Path
import bm25s
from assistant.offline import configure_offline_env
from assistant.pipeline import build_ingestor
from assistant.settings import Settings
from assistant.store import Registry

folder, where, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
calls = {"add": 0, "save": 0, "commit": 0}

class KillAfterAdd:
    def add(self, document):
        calls["add"] += 1
        if where == "sink" and calls["add"] == n:
            os.kill(os.getpid(), signal.SIGKILL)
    def remove(self, document_id):
        pass

real_save = bm25s.BM25.save
def save(self, *args, **kwargs):
    calls["save"] += 1
    if where == "bm25" and calls["save"] == 2 * n:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_save(self, *args, **kwargs)

real_commit = Registry.save
def commit(self):
    calls["commit"] += 1
    if where == "commit" and calls["commit"] == n:
        os.kill(os.getpid(), signal.SIGKILL)
    real_commit(self)

configure_offline_env()
ingestor = build_ingestor(Settings())
bm25s.BM25.save = save
Registry.save = commit
ingestor.sinks.append(KillAfterAdd())
ingestor.ingest([folder])
"""


def killing_ingest(settings: Settings, folder: Path, where: str, n: int) -> None:
    """Run KILLING_INGEST and check that it died by SIGKILL."""
    killed = subprocess.run([sys.executable, "-c", KILLING_INGEST, str(folder), where, str(n)],
                            env=environment(settings), capture_output=True, text=True, timeout=300, cwd=folder.parent)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]


def environment(settings: Settings) -> dict[str, str]:
    """The subprocess environment: this data directory and the session's shared embedding cache."""
    return {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}


def indexed_count(data_dir: Path) -> int:
    """Primary documents committed to the registry so far (0 before the first commit)."""
    try:
        return len(Registry(data_dir).indexed())
    except (OSError, ValueError):
        return 0


def ingest_cli(settings: Settings, folder: Path, log: Path) -> subprocess.CompletedProcess[str]:
    """Run `assistant ingest folder` to the end."""
    return subprocess.run([*CLI, "ingest", str(folder)], env=environment(settings), capture_output=True, text=True,
                          timeout=300, cwd=log.parent)


@pytest.mark.slow
def test_sigkill_part_way_then_restart(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "dokument"
    write_reports(folder, range(DOCUMENTS))
    log = tmp_path / "forsta.log"
    with open(log, "w") as out:
        process = subprocess.Popen([*CLI, "ingest", str(folder)], env=environment(settings), stdout=out,
                                   stderr=subprocess.STDOUT, cwd=tmp_path)
        deadline = time.monotonic() + 240
        try:
            while process.poll() is None and time.monotonic() < deadline:
                if 1 <= indexed_count(settings.data_dir) < DOCUMENTS:
                    break
                time.sleep(0.005)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, log.read_text()[-2000:]
    committed = indexed_count(settings.data_dir)
    assert 1 <= committed < DOCUMENTS, committed

    restart = ingest_cli(settings, folder, tmp_path / "omstart.log")
    assert restart.returncode == 0, restart.stdout[-3000:] + restart.stderr[-3000:]
    assert f"oförändrad: {committed}" in restart.stdout, restart.stdout[-1500:]
    assert f"inläst: {DOCUMENTS - committed}" in restart.stdout, restart.stdout[-1500:]
    assert len(Registry(settings.data_dir).indexed()) == DOCUMENTS
    total = assert_index_matches_registry(settings)

    again = ingest_cli(settings, folder, tmp_path / "igen.log")
    assert again.returncode == 0 and f"oförändrad: {DOCUMENTS}" in again.stdout, again.stdout[-1500:]
    assert "inläst: 0" in again.stdout
    assert assert_index_matches_registry(settings) == total  # 0 duplicate chunks


@pytest.mark.slow
@pytest.mark.parametrize("where", ["sink", "bm25"])
def test_kill_before_the_registry_commit_is_repaired(settings: Settings, tmp_path: Path, where: str) -> None:
    folder = tmp_path / "dokument"
    paths = write_reports(folder, range(20, 20 + DOCUMENTS))
    killing_ingest(settings, folder, where, 3)
    registry = Registry(settings.data_dir)
    assert len(registry.indexed()) == 2
    # The third document reached Chroma, BM25 and the documents folder, but never the registry: an orphan.
    index = build_index(settings, sync=False)
    orphans = index.document_ids() - set(registry.entries)
    assert len(orphans) == 1
    (orphan,) = orphans
    assert orphan in index.lexical.by_document
    assert registry.document_path(orphan).is_file()
    orphan_name = registry.load_document(orphan).name
    (folder / orphan_name).unlink()  # and its source is gone before the restart

    ingestor = build_ingestor(settings)  # a restart: opening the index reconciles it with the registry
    repaired = build_index(settings, sync=False)
    assert repaired.document_ids() == {e.id for e in registry.indexed()}
    assert orphan not in repaired.lexical.by_document
    assert orphan not in {r["document_id"] for r in repaired.lexical.records.values()}
    assert len(repaired.lexical.ids) == len(repaired.lexical.records) == repaired.collection.count()
    report = ingestor.ingest([folder])
    assert (report.count("unchanged"), report.count("ingested"), report.ok) == (2, DOCUMENTS - 3, True)
    assert not registry.document_path(orphan).exists()
    total = assert_index_matches_registry(settings)

    again = build_ingestor(settings).ingest([p for p in paths if p.exists()])
    assert again.count("unchanged") == DOCUMENTS - 1 and again.ok
    assert assert_index_matches_registry(settings) == total


@pytest.mark.slow
def test_kill_while_replacing_a_changed_file_keeps_the_old_version(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "dokument"
    paths = write_reports(folder, range(40, 44))
    assert build_ingestor(settings).ingest([folder]).count("ingested") == 4
    old = Registry(settings.data_dir).by_name(paths[0].name)
    assert old is not None
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\nTillägg: budgeten ökar med 3 mkr.\n")
    killing_ingest(settings, folder, "commit", 1)  # the new version indexed, the old one removed, not committed

    registry = Registry(settings.data_dir)
    assert registry.by_name(paths[0].name) == old
    assert registry.document_path(old.id).is_file()  # still readable: the restart can rebuild its chunks
    ingestor = build_ingestor(settings)
    report = ingestor.ingest([folder])
    assert (report.count("updated"), report.count("unchanged")) == (1, 3), report.outcomes
    assert not registry.document_path(old.id).exists()
    updated = next(o for o in report.outcomes if o.status == "updated")
    assert "budgeten ökar med 3 mkr" in Registry(settings.data_dir).load_document(updated.document_id or "").text
    assert_index_matches_registry(settings)
