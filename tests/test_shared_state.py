"""Two app servers on one shared state: a real PostgreSQL, a real `chroma run`, two `assistant serve` processes
with separate local data directories (issue #17).

What one server does, the other sees within seconds (document list, keyword search, semantic search, facts and
the municipality filter); a delete on either is gone on both; restarting loses nothing; a server killed with
SIGKILL half-way through an ingestion leaves the other consistent and a re-run makes no duplicates; a
restricted document stays hidden on both.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.auth import add_user
from deploy.local_cluster import chroma_server, postgres, postgres_bin
from tests.filemakers import swedish_report
from tests.serving import ServeProcess

pytestmark = [pytest.mark.slow, pytest.mark.server]
REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from assistant.cli import app; app()"]
VISIBLE_S = 5.0  # the bound: what one server did, the other shows within this

ADMIN = ("admin", "admin-lösen-1")
READER = ("lasare", "läsar-lösen-1")
# A report with a table of figures (facts) and words no other test document has (keyword and semantic search).
TABLE_REPORT = """Verksamhetsberättelse 2025 Fritidsnämnden i Norrvik kommun

Ekonomi

Tabell 1. Nettokostnader per verksamhet (tkr)
Verksamhet               Bokslut 2024    Budget 2025    Bokslut 2025
Simhallen                      -4 210         -4 300          -4 185
Fritidsgårdarna                -2 950         -3 000          -3 120
Båtbryggorna                     -610           -650            -598

Kommentar

Fritidsgårdarna i Norrvik gick med underskott eftersom kvällsöppettiderna utökades under sommaren 2025.
Båtbryggorna vid Kvarnsjön renoverades och kostade mindre än budgeterat.
"""
DELETABLE = """Delårsrapport augusti 2025 Tekniska nämnden i Norrvik kommun

Gator och parker

Tabell 2. Driftkostnader gator och parker (tkr)
Område                    Utfall jan–aug 2025    Budget 2025
Vinterväghållning                      -7 840         -9 500
Parkskötsel                            -2 115         -3 400

Kommentar

Snöröjningen vid Tallsjön krävde färre insatser än väntat eftersom vintern var mild.
"""
RESTRICTED = """Personalärende 2025 Fritidsnämnden i Norrvik kommun

Omplacering

Nämnden beslutade om omplacering av personal vid simhallen i Norrvik efter en intern utredning om
arbetsmiljön, som inte är en offentlig handling i denna del. Utredningen gällde skiftscheman i badet.
"""


def _auth(user: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()}


class Cluster:
    """PostgreSQL + chroma run + app servers A and B, each with its own data directory."""

    def __init__(self, root: Path, database_url: str, chroma_url: str) -> None:
        self.root = root
        users = root / "users.txt"
        add_user(users, ADMIN[0], ADMIN[1], ["public", "admin"])
        add_user(users, READER[0], READER[1], ["public"])
        (root / "corpus").mkdir()
        self.common = {"ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_CHROMA_URL": chroma_url,
                       "ASSISTANT_APP__USERS_FILE": str(users), "ASSISTANT_CORPUS_DIR": str(root / "corpus")}
        self.servers: dict[str, ServeProcess] = {}

    def env(self, name: str) -> dict[str, str]:
        return {**self.common, "ASSISTANT_DATA_DIR": str(self.root / f"data-{name}")}

    def start(self, name: str) -> ServeProcess:
        server = ServeProcess(REPO, self.env(name), self.root / f"serve-{name}-{time.monotonic_ns()}.log")
        self.servers[name] = server.__enter__()
        return server

    def stop(self, name: str) -> None:
        self.servers.pop(name).__exit__()

    def url(self, name: str) -> str:
        return self.servers[name].url

    def get(self, name: str, path: str, user: tuple[str, str] = ADMIN, **params: Any) -> Any:
        response = httpx.get(self.url(name) + path, params=params, headers=_auth(user), timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def search(self, name: str, words: str, user: tuple[str, str] = ADMIN, **filters: str) -> list[dict[str, Any]]:
        response = httpx.post(self.url(name) + "/api/search", json={"question": words, "k": 10, **filters},
                              headers=_auth(user), timeout=60)
        assert response.status_code == 200, response.text
        return list(response.json())

    def names(self, name: str, user: tuple[str, str] = ADMIN) -> set[str]:
        return {d["name"] for d in self.get(name, "/api/documents", user)}

    def upload(self, name: str, path: Path, wait: bool = True, **meta: str) -> dict[str, Any]:
        with path.open("rb") as handle:
            accepted = httpx.post(self.url(name) + "/api/documents", files={"files": (path.name, handle)},
                                  data=meta, headers=_auth(ADMIN), timeout=60)
        assert accepted.status_code == 202, accepted.text
        job = dict(accepted.json())
        deadline = time.monotonic() + 300
        while wait and not job["finished"]:
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
            job = self.get(name, job["status_url"])
        return job

    def ingest_cli(self, name: str, folder: Path) -> None:
        result = subprocess.run([*CLI, "ingest", str(folder)], cwd=REPO, env={**os.environ, **self.env(name)},
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if postgres_bin() is None and not os.environ.get("CI"):
        pytest.skip("PostgreSQL saknas (Debians paket postgresql; .ci/run installerar det i CI)")
    root = tmp_path_factory.mktemp("shared")
    with postgres() as database_url, chroma_server(root / "chroma", root / "chroma.log") as chroma_url:
        shared = Cluster(root, database_url, chroma_url)
        shared.start("a")
        shared.start("b")
        try:
            yield shared
        finally:
            for name in list(shared.servers):
                shared.stop(name)


def _within(seconds: float, check: Callable[[], bool], what: str) -> float:
    """Seconds until check() holds; fails after `seconds`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"{what}: inte synligt inom {seconds:g} s"
        time.sleep(0.1)
    return time.monotonic() - start


def _hit_ranks(hits: list[dict[str, Any]], document: str) -> dict[str, int]:
    """The ranks (bm25, ngram, dense) of the best passage of a document among the hits, {} when absent."""
    return next((h["ranks"] for h in hits if h["document"] == document), {})


def _chroma_documents(cluster: Cluster) -> dict[str, int]:
    """Chunks per document id in the shared Chroma (every collection of the project)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(cluster.common["ASSISTANT_CHROMA_URL"].rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False))
    counts: dict[str, int] = {}
    for collection in client.list_collections():
        got = client.get_collection(collection.name).get(include=["metadatas"])
        for meta in got["metadatas"] or []:
            counts[str(meta["document_id"])] = counts.get(str(meta["document_id"]), 0) + 1
    return counts


def _registry_ids(cluster: Cluster) -> dict[str, str]:
    """Name → id of the primary documents in the shared registry, read from the database itself."""
    from assistant.store import Registry

    registry = Registry(cluster.root / "reader", cluster.common["ASSISTANT_DATABASE_URL"])
    return {e.name: e.id for e in registry.indexed()}


def test_an_upload_on_one_server_is_seen_on_the_other_everywhere(cluster: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "norrvik-fritid-2025.txt"
    path.write_text(TABLE_REPORT, encoding="utf-8")
    job = cluster.upload("a", path, municipality="Norrvik kommun", body="Fritidsnämnden", kind="report",
                         period="2025")
    assert job["ok"], job
    facts_on_a = {(f["indicator"], f["period"], f["kind"], f["value"])
                  for f in cluster.get("a", "/api/facts", document=path.name)}
    assert ("Fritidsgårdarna", "2025", "utfall", "-3 120") in {(i.split(" ·")[0], p, k, v)
                                                              for i, p, k, v in facts_on_a}, facts_on_a

    seen = _within(VISIBLE_S, lambda: path.name in cluster.names("b"), "dokumentlistan på B")
    seen = max(seen, _within(VISIBLE_S, lambda: "bm25" in _hit_ranks(
        cluster.search("b", "kvällsöppettiderna Kvarnsjön"), path.name), "nyckelordssökning på B"))
    # Semantic search: words the document does not have, meaning what it says (the dense rank must be there).
    seen = max(seen, _within(VISIBLE_S, lambda: "dense" in _hit_ranks(
        cluster.search("b", "varför blev det dyrare för ungdomarnas mötesplatser"), path.name), "semantisk sökning"))
    assert {(f["indicator"], f["period"], f["kind"], f["value"])
            for f in cluster.get("b", "/api/facts", document=path.name)} == facts_on_a
    filtered = cluster.search("b", "underskott", municipality="Norrvik")
    assert filtered and {h["municipality"] for h in filtered} == {"Norrvik kommun"}
    print(f"synligt på B efter {seen:.2f} s")


def test_a_restricted_document_stays_hidden_on_both(cluster: Cluster, tmp_path: Path) -> None:
    folder = tmp_path / "intern"
    folder.mkdir()
    (folder / "norrvik-personal-2025.txt").write_text(RESTRICTED, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        '[[document]]\nfile = "norrvik-personal-2025.txt"\ntitle = "Personalärende 2025"\n'
        'municipality = "Norrvik kommun"\nbody = "Fritidsnämnden"\nkind = "other"\nperiod = "2025"\n'
        'access = "intern"\n', encoding="utf-8")
    cluster.ingest_cli("a", folder)  # written by A's configuration, outside both servers
    for name in ("a", "b"):
        _within(VISIBLE_S, lambda n=name: "norrvik-personal-2025.txt" in cluster.names(n), f"admin på {name}")
        assert "norrvik-personal-2025.txt" not in cluster.names(name, READER)
        hits = cluster.search(name, "omplacering skiftscheman simhallen", READER)
        assert all(h["document"] != "norrvik-personal-2025.txt" for h in hits), hits
        assert _hit_ranks(cluster.search(name, "omplacering skiftscheman simhallen"), "norrvik-personal-2025.txt")


def test_a_delete_on_one_server_is_gone_on_the_other(cluster: Cluster, tmp_path: Path) -> None:
    path = tmp_path / "norrvik-tillfallig-2025.txt"
    path.write_text(DELETABLE, encoding="utf-8")
    assert cluster.upload("a", path, municipality="Norrvik kommun", body="Tekniska nämnden")["ok"]
    assert cluster.get("b", "/api/facts", document=path.name)
    _within(VISIBLE_S, lambda: "bm25" in _hit_ranks(cluster.search("b", "Tallsjön"), path.name), "sökning på B")
    doc_id = _registry_ids(cluster)[path.name]
    response = httpx.delete(f"{cluster.url('b')}/api/documents/{doc_id}", headers=_auth(ADMIN), timeout=60)
    assert response.status_code == 200, response.text
    _within(VISIBLE_S, lambda: path.name not in cluster.names("a"), "borttaget ur listan på A")
    _within(VISIBLE_S, lambda: not _hit_ranks(cluster.search("a", "Tallsjön"), path.name), "borta ur sökningen på A")
    facts = httpx.get(f"{cluster.url('a')}/api/facts", params={"document": path.name}, headers=_auth(ADMIN))
    assert facts.status_code == 404 and "finns inte" in facts.json()["error"]
    assert all(f["document"] != path.name for f in cluster.get("a", "/api/facts"))
    assert doc_id not in _chroma_documents(cluster)


def test_restarting_either_server_loses_nothing(cluster: Cluster) -> None:
    before = _registry_ids(cluster)
    chunks = _chroma_documents(cluster)
    assert before and all(chunks.get(i) for i in before.values())
    for name in ("b", "a"):
        cluster.stop(name)
        cluster.start(name)
        assert _registry_ids(cluster) == before
        assert _chroma_documents(cluster) == chunks
        for other in ("a", "b"):
            assert set(before) <= cluster.names(other)
            assert "bm25" in _hit_ranks(cluster.search(other, "kvällsöppettiderna Kvarnsjön"),
                                        "norrvik-fritid-2025.txt")


def test_sigkill_during_an_ingestion_leaves_the_other_consistent_and_a_rerun_no_duplicates(
        cluster: Cluster, tmp_path: Path) -> None:
    # Words no earlier run has embedded (the embedding cache would make the ingestion too quick to interrupt).
    name, text = swedish_report(7000 + uuid.uuid4().int % 1000, sections=40, paragraphs=3)
    path = tmp_path / name
    path.write_text(text + f"\n\nKontrollnummer {uuid.uuid4().hex}.\n", encoding="utf-8")
    before = _registry_ids(cluster)
    job = cluster.upload("a", path, wait=False)
    deadline = time.monotonic() + 120
    while True:  # kill A while it embeds the document's chunks, before its commit
        job = cluster.get("a", job["status_url"])
        if job.get("stage") == "textdelar" and 0 < job.get("done", 0) < job.get("total", 0):
            break
        assert not job["finished"] and time.monotonic() < deadline, job
        time.sleep(0.05)
    server = cluster.servers["a"]
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    cluster.servers.pop("a")

    # B is consistent: the registry is as before, B lists it and answers from it.
    assert _registry_ids(cluster) == before
    assert cluster.names("b") >= set(before) and name not in cluster.names("b")
    assert "bm25" in _hit_ranks(cluster.search("b", "kvällsöppettiderna Kvarnsjön"), "norrvik-fritid-2025.txt")
    assert not _hit_ranks(cluster.search("b", path.stem.replace("-", " ")), name)

    # A starts again (its reconciliation runs under the shared lock) and the same upload goes through once.
    cluster.start("a")
    assert cluster.upload("a", path)["ok"]
    after = _registry_ids(cluster)
    assert set(after) == set(before) | {name}
    chunks = _chroma_documents(cluster)
    assert set(chunks) == set(after.values())  # no vectors of an unfinished run are left behind
    _within(VISIBLE_S, lambda: name in cluster.names("b"), "den nya filen på B")
    # As many vectors as one clean ingestion of the file makes: the same file into a data directory of its own
    # (embedded stores; the session's embedding cache makes it quick).
    reference = tmp_path / "reference"
    result = subprocess.run([*CLI, "ingest", str(path)], cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "ASSISTANT_DATA_DIR": str(reference),
                                 "ASSISTANT_CORPUS_DIR": cluster.common["ASSISTANT_CORPUS_DIR"]})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    from assistant.pipeline import build_index
    from assistant.settings import Settings

    assert chunks[after[name]] == build_index(Settings(data_dir=reference), sync=False).chunk_count(after[name])
