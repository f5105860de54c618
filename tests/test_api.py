"""JSON API contract: every endpoint, its errors ({"error": Swedish message}) and status codes, login, bind policy."""

from __future__ import annotations

import base64
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.audit import audit_path, read_records
from assistant.auth import add_user
from assistant.cli import app as cli_app
from assistant.service import AskRequest, AssistantService, ServiceError
from assistant.settings import Settings
from assistant.types import Answer, Citation
from assistant.web import UPLOAD_TYPES, draft_available
from tests.uploads import upload, wait_for_job

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PLAN = """Verksamhetsplan 2024 Omsorgsnämnden

Mål för hemtjänsten

Omsorgsnämnden i Testby kommun ska öka andelen nöjda brukare i hemtjänsten till 90 procent under 2024.
Kontinuiteten i hemtjänsten ska förbättras genom fasta team.
"""
REPORT = """Verksamhetsberättelse 2023 Kulturnämnden

Biblioteken

Kulturnämnden i Exempelstad kommun hade 120 000 besök på biblioteken under 2023.
"""


def write_corpus(folder: Path) -> Path:
    """Two small Swedish documents and their manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "testby-plan-2024.txt").write_text(PLAN, encoding="utf-8")
    (folder / "exempelstad-berattelse-2023.txt").write_text(REPORT, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        '[[document]]\nfile = "testby-plan-2024.txt"\ntitle = "Verksamhetsplan 2024"\n'
        'municipality = "Testby kommun"\nbody = "Omsorgsnämnden"\nkind = "plan"\nperiod = "2024"\n\n'
        '[[document]]\nfile = "exempelstad-berattelse-2023.txt"\ntitle = "Verksamhetsberättelse 2023"\n'
        'municipality = "Exempelstad kommun"\nbody = "Kulturnämnden"\nkind = "report"\nperiod = "2023"\n',
        encoding="utf-8",
    )
    return folder


class FakeAnswerer:
    """Answers from the Testby plan with one citation; records every request."""

    def __init__(self, service: AssistantService) -> None:
        self.service = service
        self.requests: list[AskRequest] = []
        self.error: Exception | None = None

    def __call__(self, request: AskRequest) -> Answer:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        entry = self.service.registry.by_name("testby-plan-2024.txt")
        assert entry is not None
        text = self.service.registry.load_document(entry.id).text
        start = text.index("Omsorgsnämnden i Testby")
        end = text.index("\n", start)
        citation = Citation(key="k1", document=entry.name, title=entry.meta.title, section="Mål för hemtjänsten",
                            start=start, end=end, quote=text[start:end])
        return Answer(question=request.question, answer="Målet är 90 procent nöjda brukare [k1].", refused=False,
                      citations=[citation])


def make_service(tmp_path: Path, **app: Any) -> tuple[AssistantService, FakeAnswerer]:
    """A service over the two small documents (hash embedder: fast), with a fake answerer."""
    # The small corpus is the corpus folder: it has no reviewed fact set (corpus_dir no longer follows the cwd).
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", embedding={"kind": "hash"},
                        app=app)  # no model load
    service = AssistantService(settings)
    report = service.ingest([write_corpus(tmp_path / "corpus")])
    assert report.ok, report.outcomes
    fake = FakeAnswerer(service)
    service.__dict__["answerer"] = fake
    return service, fake


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, AssistantService, FakeAnswerer]]:
    """A TestClient on the API alone (no Gradio), over a fresh data directory."""
    monkeypatch.chdir(tmp_path)
    service, fake = make_service(tmp_path, max_upload_mb=0.01)
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        yield client, service, fake


def test_health(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, _ = env
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["documents"] == 2


def test_documents_lists_metadata_without_signatures(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, _ = env
    response = client.get("/api/documents")
    assert response.status_code == 200
    docs = {d["name"]: d for d in response.json()}
    assert docs["testby-plan-2024.txt"]["meta"]["municipality"] == "Testby kommun"
    assert docs["testby-plan-2024.txt"]["status"] == "indexed"
    assert "signature" not in docs["testby-plan-2024.txt"]


def test_ask_returns_answer_with_citations(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, fake = env
    response = client.post("/api/ask", json={
        "question": " Vad är målet för hemtjänsten? ", "municipality": "testby", "body": "omsorgsnämnden",
        "period": "2024", "k": 3, "history": [{"question": "Hej", "answer": "Hej!"}],
    })
    assert response.status_code == 200
    body = response.json()
    assert body["refused"] is False
    citation = body["citations"][0]
    assert citation["document"] == "testby-plan-2024.txt"
    assert citation["quote"].startswith("Omsorgsnämnden i Testby")
    assert citation["end"] > citation["start"]
    request = fake.requests[-1]
    assert (request.question, request.municipality, request.body, request.period, request.k) == (
        "Vad är målet för hemtjänsten?", "Testby kommun", "Omsorgsnämnden", "2024", 3)
    assert request.history == [("Hej", "Hej!")]


@pytest.mark.parametrize("question", ["", "   \n"])
def test_ask_empty_question_is_400(env: tuple[TestClient, AssistantService, FakeAnswerer], question: str) -> None:
    client, _, fake = env
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 400
    assert response.json() == {"error": "Frågan är tom. Skriv en fråga om dokumenten."}
    assert fake.requests == []


def test_ask_unknown_municipality_is_404(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, fake = env
    response = client.post("/api/ask", json={"question": "Hur många besök?", "municipality": "Göteborg"})
    assert response.status_code == 404
    message = response.json()["error"]
    assert "Göteborg" in message and "Testby kommun" in message
    response = client.post("/api/ask", json={"question": "Hur många besök?", "body": "Byggnadsnämnden"})
    assert response.status_code == 404
    assert "Byggnadsnämnden" in response.json()["error"]
    assert fake.requests == []


@pytest.mark.parametrize(("payload", "fragment"), [
    ({}, "question saknas"),
    ({"question": "x", "extra": 1}, "extra är inte ett känt fält"),
    ({"question": "x", "k": 0}, "k är för litet"),
    ({"question": "x", "k": "många"}, "k ska vara ett heltal"),
    ({"question": ["x"]}, "question ska vara text"),
])
def test_ask_invalid_request_is_422(
    env: tuple[TestClient, AssistantService, FakeAnswerer], payload: dict[str, Any], fragment: str
) -> None:
    client, _, _ = env
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 422
    assert response.json()["error"].startswith("Ogiltig begäran:")
    assert fragment in response.json()["error"]


def test_ask_malformed_json_is_422(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, _ = env
    response = client.post("/api/ask", content=b"{inte json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["error"]


def test_ask_service_errors_and_crashes(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, fake = env
    fake.error = ServiceError("Indexet är inte byggt. Kör `assistant ingest` först.")
    response = client.post("/api/ask", json={"question": "Något?"})
    assert (response.status_code, response.json()) == (400, {"error": str(fake.error)})
    fake.error = RuntimeError("hemlig intern detalj")
    client_safe = TestClient(client.app, raise_server_exceptions=False)
    response = client_safe.post("/api/ask", json={"question": "Något?"})
    assert response.status_code == 500
    assert "internt fel" in response.json()["error"]
    assert "hemlig" not in response.text


def test_draft_errors_and_passthrough(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, _ = env
    payload = {"municipality": "Testby", "body": "Omsorgsnämnden", "period": "2024", "indicators": None}
    response = client.post("/api/draft", json={**payload, "municipality": "Atlantis"})
    assert response.status_code == 404
    assert "Atlantis" in response.json()["error"]
    response = client.post("/api/draft", json={"municipality": "Testby"})
    assert response.status_code == 422
    assert "body saknas" in response.json()["error"] and "period saknas" in response.json()["error"]
    assert draft_available(), "assistant/draft.py and assistant/export.py are part of the package"
    response = client.post("/api/draft", json=payload)
    assert response.status_code == 400  # the small test corpus has no reviewed fact set
    assert "Faktaunderlaget" in response.json()["error"]
    seen: list[Any] = []

    def fake_draft(request: Any, user: str = "", roles: tuple[str, ...] = ()) -> dict[str, Any]:
        seen.append(request)
        assert roles  # the caller's roles go with the request, so drafting only sees readable facts
        return {"text": "## Uppföljning\n90 procent", "findings": [], "facts": [], "passed": True}

    service.draft = fake_draft  # type: ignore[attr-defined]
    response = client.post("/api/draft", json=payload)
    assert response.status_code == 200
    assert response.json()["passed"] is True
    assert (seen[0].municipality, seen[0].body) == ("Testby kommun", "Omsorgsnämnden")


def test_draft_over_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    service = AssistantService(Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, embedding={"kind": "hash"}))
    service.ingest(sorted(p for p in CORPUS.iterdir() if p.suffix in UPLOAD_TYPES))
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        response = client.post("/api/draft", json={"municipality": "Lerum", "body": "stöd- och omsorgsnämnden",
                                                   "period": "2024", "indicators": ["Hemtjänstindex"]})
    assert response.status_code == 200, response.text
    draft = response.json()
    assert draft["passed"] is True
    assert "66,9" in draft["text"]
    cited = {c["key"]: c for c in draft["citations"]}
    assert any("66,9" in c["quote"] for c in cited.values())
    assert all(n["fact_key"] in cited for n in draft["numbers"] if n["source"] == "fact")


def test_upload_list_duplicate_and_delete(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, _ = env
    text = "Plan för äldreomsorgen 2025\n\nMål\n\nÄldreomsorgen i Uppby ska ha 95 procent nöjda brukare år 2025.\n"
    job = upload(
        client,
        files=[("files", ("uppby-plan.txt", text.encode(), "text/plain"))],
        data={"municipality": "Uppby kommun", "body": "Äldrenämnden", "kind": "plan", "period": "2025",
              "title": "Plan 2025"},
    )
    assert job["status"] == "done" and job["ok"] is True
    outcome = job["outcomes"][0]
    assert (outcome["name"], outcome["status"]) == ("uppby-plan.txt", "ingested")
    docs = {d["name"]: d for d in client.get("/api/documents").json()}
    assert docs["uppby-plan.txt"]["meta"] == {
        "title": "Plan 2025", "municipality": "Uppby kommun", "body": "Äldrenämnden", "kind": "plan",
        "period": "2025", "access": "public"}
    uploads = service.settings.data_dir / "uploads"
    assert (uploads / "uppby-plan.txt").is_file()

    job = upload(client, files=[("files", ("kopia.txt", text.encode(), "text/plain"))])
    assert job["outcomes"][0]["status"] == "duplicate"
    assert job["outcomes"][0]["duplicate_of"] == "uppby-plan.txt"
    assert not (uploads / "kopia.txt").exists()  # a duplicate upload is not kept

    doc_id = docs["uppby-plan.txt"]["id"]
    response = client.delete(f"/api/documents/{doc_id}")
    assert response.status_code == 200
    assert response.json()["name"] == "uppby-plan.txt"
    assert "uppby-plan.txt" not in {d["name"] for d in client.get("/api/documents").json()}
    assert client.delete(f"/api/documents/{doc_id}").status_code == 404
    assert "finns inte" in client.delete("/api/documents/okand").json()["error"]
    assert not list(uploads.iterdir()) and not list((service.settings.data_dir / "staging").iterdir())


def test_upload_errors(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, _ = env
    big = b"Stor fil med text.\n" * 2000  # 38 kB over the 0.01 MB limit
    response = client.post("/api/documents", files=[("files", ("stor.txt", big, "text/plain"))])
    assert response.status_code == 413
    assert "stor.txt" in response.json()["error"] and "0.01 MB" in response.json()["error"]
    response = client.post("/api/documents", files=[("files", ("program.exe", b"MZ\x00", "application/x-msdos"))])
    assert response.status_code == 400
    assert "filtypen stöds inte" in response.json()["error"]
    response = client.post("/api/documents", data={"municipality": "X"})
    assert response.status_code == 422
    assert "files saknas" in response.json()["error"]
    job = upload(client, files=[("files", ("tom.txt", b"   ", "text/plain"))])
    assert job["ok"] is False
    assert job["outcomes"][0]["status"] == "failed"
    assert "tom" in job["outcomes"][0]["reason"]
    assert not (service.settings.data_dir / "uploads" / "tom.txt").exists()  # a failed upload is not kept


def test_a_multipart_upload_answers_per_file(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, _ = env
    good = "Plan 2026\n\nMål\n\nKulturnämnden i Nyby ska öppna två nya bibliotek under 2026.\n".encode()
    job = upload(client, files=[("files", ("program.exe", b"MZ\x00", "application/x-msdos")),
                                ("files", ("nyby-plan.txt", good, "text/plain")),
                                ("files", ("stor.txt", b"x" * 20_000, "text/plain"))])
    outcomes = {o["name"]: o for o in job["outcomes"]}
    assert outcomes["nyby-plan.txt"]["status"] == "ingested"
    assert outcomes["program.exe"]["status"] == "failed" and "filtypen" in outcomes["program.exe"]["reason"]
    assert outcomes["stor.txt"]["status"] == "failed" and "större än gränsen" in outcomes["stor.txt"]["reason"]
    assert job["ok"] is False and job["files"] == 3
    stored = service.settings.data_dir / "uploads"
    assert [p.name for p in stored.iterdir()] == ["nyby-plan.txt"]
    assert stat.S_IMODE(stored.stat().st_mode) == 0o700
    assert stat.S_IMODE((stored / "nyby-plan.txt").stat().st_mode) == 0o600
    documents = service.settings.data_dir / "documents"
    assert stat.S_IMODE(documents.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in documents.iterdir())


def test_job_status_is_progress_per_chunk_and_unknown_jobs_are_404(
    env: tuple[TestClient, AssistantService, FakeAnswerer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.jobs import Job

    client, service, _ = env
    service.settings.app.max_upload_mb = 5
    events: list[tuple[str, int, int]] = []
    real = Job.progress
    monkeypatch.setattr(Job, "progress", lambda self, *args: events.append(args) or real(self, *args))
    lines = "\n\n".join(f"Mål {i}: nämnden ska förbättra insats {i} med {i % 17} procent under år {2000 + i % 25}."
                        for i in range(300))
    accepted = client.post("/api/documents", files=[("files", ("lang-plan.txt", lines.encode(), "text/plain"))])
    assert accepted.json()["status"] in ("queued", "running")
    job = wait_for_job(client, accepted)
    assert job["ok"], job
    assert {"stage", "done", "total", "documents_done", "documents_total"} <= set(job)
    chunks = [(done, total) for stage, done, total in events if stage == "textdelar"]
    assert len({done for done, _ in chunks}) > 1 and chunks[-1][0] == chunks[-1][1], events  # within one document
    response = client.get("/api/jobs/finns-inte")
    assert (response.status_code, response.json()) == (404, {"error": "Jobbet finns inte."})


def test_search_returns_ranked_passages_with_each_rankers_rank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.chdir(tmp_path)
    service, _ = make_service(tmp_path)
    service.__dict__.pop("answerer")  # the real pipeline (hash embedder): retrieval without composing an answer
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        hits = client.post("/api/search", json={"question": "besök på biblioteken", "k": 2}).json()
        assert len(hits) == 2 and all("dense" in h["ranks"] for h in hits)  # the hash embedder ranks both
        keyword = next(h for h in hits if h["ranks"].get("bm25") == 1)  # its ranking is noise; BM25's is not
        assert (keyword["document"], keyword["municipality"]) == ("exempelstad-berattelse-2023.txt",
                                                                  "Exempelstad kommun")
        assert "120 000 besök" in keyword["text"]
        filtered = client.post("/api/search", json={"question": "besök på biblioteken", "municipality": "Testby"})
        assert {h["document"] for h in filtered.json()} == {"testby-plan-2024.txt"}
        empty = client.post("/api/search", json={"question": "  "})
        assert empty.status_code == 400 and "tom" in empty.json()["error"]
        records = [r for r in read_records(audit_path(service.settings.data_dir)) if r["event"] == "search"]
        assert records and records[-1]["question"] == "besök på biblioteken"


def test_openapi_lists_every_endpoint(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, _, _ = env
    schema = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/draft", "/api/documents", "/api/documents/{doc_id}", "/api/jobs/{job_id}",
            "/api/health", "/api/facts", "/api/facts/review"} <= set(schema["paths"])
    assert "422" in schema["paths"]["/api/ask"]["post"]["responses"]
    assert client.get("/docs").status_code == 200


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_login_required_when_users_file_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    users = tmp_path / "users.txt"
    add_user(users, "handlaggare", "hemligt-lösen", ["public"])
    add_user(users, "admin", "ännu-hemligare", ["public", "admin"])
    service, fake = make_service(tmp_path, users_file=users)
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        response = client.post("/api/ask", json={"question": "Mål?"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        assert "Inloggning krävs" in response.json()["error"]
        assert client.post("/api/ask", json={"question": "Mål?"},
                           headers=_basic("handlaggare", "fel")).status_code == 401
        logins = [r for r in read_records(audit_path(service.settings.data_dir)) if r["event"] == "login"]
        assert (logins[0]["user"], logins[0]["ok"], logins[0]["via"]) == ("handlaggare", False, "api")
        assert client.get("/api/documents", headers={"Authorization": "Basic !!!"}).status_code == 401
        response = client.post("/api/ask", json={"question": "Mål?"}, headers=_basic("handlaggare", "hemligt-lösen"))
        assert response.status_code == 200
        assert (fake.requests[-1].user, fake.requests[-1].roles) == ("handlaggare", ("public",))
        assert client.get("/api/health").status_code == 200  # probes need no login
        files = [("files", ("a.txt", b"Text om planen.", "text/plain"))]
        response = client.post("/api/documents", files=files, headers=_basic("handlaggare", "hemligt-lösen"))
        assert response.status_code == 403
        job = upload(client, files=files, headers=_basic("admin", "ännu-hemligare"))
        assert job["ok"], job
        response = client.get(f"/api/jobs/{job['id']}", headers=_basic("handlaggare", "hemligt-lösen"))
        assert response.status_code == 404  # another user's job is not theirs to see


def test_gradio_mounted_at_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    service, _ = make_service(tmp_path, max_upload_mb=0.5)  # a fractional limit reaches Gradio as bytes
    with TestClient(create_app(service, prepare=False)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert client.get("/api/health").status_code == 200
        config = client.get("/config").json()
        assert config["title"] == "Planassistenten"
        assert config["max_file_size"] == 512 * 1024
        for method, url in (("GET", "/api/finns-inte"), ("POST", "/api/ask/extra"), ("DELETE", "/api/x/y/z")):
            response = client.request(method, url)  # under /api: ours, not Gradio's page or {"detail": …}
            assert response.status_code == 404 and set(response.json()) == {"error"}, response.text
            assert "finns inte" in response.json()["error"]
        response = client.get("/api/ask")
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        assert response.json() == {"error": "Metoden GET stöds inte här; använd POST."}
        response = client.put("/api/documents/abc")
        assert response.status_code == 405 and response.json()["error"].endswith("använd DELETE.")
        response = client.delete("/api/facts/review")  # a route of an included router: found there too
        assert response.status_code == 405 and response.json()["error"].endswith("använd POST.")


def test_serve_refuses_public_address_without_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "utan inloggning" in result.output


def test_failed_logins_are_throttled_and_audited_and_a_bad_users_line_is_no_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    users = tmp_path / "users.txt"
    add_user(users, "handlaggare", "hemligt-lösen", ["public"])
    with users.open("a", encoding="utf-8") as handle:  # a line the old `users add` could write
        handle.write("mallory:public,admin:x:scrypt$1$1$1$a$b\n")
    service, _ = make_service(tmp_path, users_file=users, login_free_failures=3, login_backoff_s=0.5,
                              login_max_backoff_s=2)
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        right = _basic("handlaggare", "hemligt-lösen")
        assert client.get("/api/documents", headers=right).status_code == 200  # the bad line is skipped
        codes = [client.get("/api/documents", headers=_basic("handlaggare", f"fel-{i}")).status_code
                 for i in range(30)]
        assert codes[:3] == [401, 401, 401] and codes.count(429) >= 25
        throttled = client.get("/api/documents", headers=right)  # the right password waits too
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
        assert "För många misslyckade inloggningar" in throttled.json()["error"]
        other = client.get("/api/documents", headers=_basic("bo", "fel"))  # same address, another name
        assert other.status_code == 429
        time.sleep(2.1)
        assert client.get("/api/documents", headers=right).status_code == 200
    logins = [r for r in read_records(audit_path(service.settings.data_dir), limit=None) if r["event"] == "login"]
    assert sum(1 for r in logins if r.get("throttled")) >= 25
    assert all(not r["ok"] and r["address"] for r in logins)


def test_a_question_over_the_limit_is_413_in_swedish(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, fake = env
    limit = service.settings.app.max_question_chars
    assert limit == 2000
    response = client.post("/api/ask", json={"question": "Vad är målet? " + "x" * limit})
    assert response.status_code == 413
    assert response.json()["error"].startswith("Frågan är för lång") and "2000 tecken" in response.json()["error"]
    assert fake.requests == []  # never reached the answerer
    huge = [{"question": "Och?", "answer": "y" * 30_000}, {"question": "Och?", "answer": "y" * 20_000}]
    response = client.post("/api/ask", json={"question": "Vad är målet?", "history": huge})
    assert response.status_code == 413 and "historiken" in response.json()["error"]
    assert client.post("/api/ask", json={"question": "M" * limit}).status_code == 200


def test_answering_has_a_time_budget(env: tuple[TestClient, AssistantService, FakeAnswerer]) -> None:
    client, service, fake = env
    service.settings.app.answer_timeout_s = 0.5
    slow = threading.Event()
    real = fake.__call__

    def answer(request: AskRequest) -> Answer:
        if "långsam" in request.question:
            slow.wait(10)
        return real(request)

    service.__dict__["answerer"] = answer
    started = time.monotonic()
    response = client.post("/api/ask", json={"question": "En långsam fråga?"})
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"error": "Frågan kunde inte besvaras inom 0.5 sekunder. Försök igen om en stund, "
                                        "gärna med en mer avgränsad fråga."}
    slow.set()
    assert client.post("/api/ask", json={"question": "Vad är målet?"}).status_code == 200  # still serving


# ---------------------------------------------------------------- facts and their review


@pytest.fixture
def fact_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, AssistantService]]:
    """The API over a data directory whose fact store holds two documents' facts; login with three users."""
    from tests.factdata import fact_data_dir

    monkeypatch.chdir(tmp_path)
    users = tmp_path / "users.txt"
    add_user(users, "ada", "adas-losenord-1", ["public", "admin"])
    add_user(users, "gun", "guns-losenord-1", ["public", "granskare"])
    add_user(users, "pia", "pias-losenord-1", ["public"])
    settings = fact_data_dir(tmp_path)
    settings = settings.model_copy(update={"app": settings.app.model_copy(update={"users_file": users})})
    service = AssistantService(settings)
    with TestClient(create_app(service, ui=False, prepare=False)) as client:
        yield client, service


GUN = _basic("gun", "guns-losenord-1")


def test_facts_are_listed_for_reviewers_within_their_roles(fact_client: tuple[TestClient, AssistantService]) -> None:
    from tests.factdata import KULTUR, SECRET

    client, _ = fact_client
    response = client.get("/api/facts", headers=GUN)
    assert response.status_code == 200
    facts = response.json()
    assert {f["document"] for f in facts} == {KULTUR} and len(facts) == 6  # not the sekretess document
    assert {"indicator", "period", "kind", "value", "review", "table_id", "row_start"} <= set(facts[0])
    everything = client.get("/api/facts", headers=_basic("ada", "adas-losenord-1")).json()
    assert {f["document"] for f in everything} == {KULTUR, SECRET}
    assert client.get("/api/facts", params={"review": "reviewed"}, headers=GUN).json() == []
    assert len(client.get("/api/facts", params={"document": KULTUR, "review": "extracted"}, headers=GUN).json()) == 6
    table = facts[0]["table_id"]
    assert len(client.get("/api/facts", params={"table_id": table}, headers=GUN).json()) == 6

    forbidden = client.get("/api/facts", headers=_basic("pia", "pias-losenord-1"))
    assert forbidden.status_code == 403 and "granskare" in forbidden.json()["error"]
    assert client.get("/api/facts").status_code == 401
    bad = client.get("/api/facts", params={"review": "klar"}, headers=GUN)
    assert bad.status_code == 400 and "Okänd granskningsstatus" in bad.json()["error"]
    for document in ("finns-inte.txt", SECRET):  # a document the roles may not read is just as unknown
        missing = client.get("/api/facts", params={"document": document}, headers=GUN)
        assert missing.status_code == 404 and "finns inte" in missing.json()["error"]


def test_facts_are_reviewed_by_id_or_table(fact_client: tuple[TestClient, AssistantService]) -> None:
    client, service = fact_client
    facts = client.get("/api/facts", headers=GUN).json()
    first, second = facts[0]["id"], facts[1]["id"]
    response = client.post("/api/facts/review", json={"ids": [first], "action": "correct", "value": "88 121"},
                           headers=GUN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] == 1
    assert (body["facts"][0]["review"], body["facts"][0]["value"], body["facts"][0]["original_value"],
            body["facts"][0]["reviewer"]) == ("corrected", "88 121", "88 120", "gun")
    response = client.post("/api/facts/review", json={"table_id": facts[0]["table_id"], "action": "approve"},
                           headers=GUN)
    assert response.json()["changed"] == 5
    reviews = {f["id"]: f["review"] for f in client.get("/api/facts", headers=GUN).json()}
    assert reviews[first] == "corrected" and reviews[second] == "reviewed"
    audited = [r for r in read_records(audit_path(service.settings.data_dir)) if r["event"] == "fact_review"]
    assert [(r["user"], r["action"], len(r["ids"])) for r in audited] == [("gun", "approve", 5), ("gun", "correct", 1)]


def test_bad_reviews_are_400_404_403_in_swedish(fact_client: tuple[TestClient, AssistantService]) -> None:
    from tests.factdata import SECRET

    client, service = fact_client
    known = client.get("/api/facts", headers=GUN).json()[0]["id"]
    secret = service.facts(document=SECRET)[0].id

    def review(body: dict[str, Any], headers: dict[str, str] = GUN) -> tuple[int, str]:
        response = client.post("/api/facts/review", json=body, headers=headers)
        return response.status_code, response.json()["error"]

    status, message = review({"ids": [known], "action": "godkänn"})
    assert status == 400 and "Okänd granskningsåtgärd" in message
    status, message = review({"ids": [known], "action": "correct"})
    assert status == 400 and "rättade värdet" in message
    assert review({"action": "approve"})[0] == 400
    status, message = review({"ids": ["nej"], "action": "approve"})
    assert status == 404 and "inga fakta med id nej" in message
    assert review({"ids": [secret], "action": "approve"})[0] == 404
    assert review({"table_id": "saknas", "action": "approve"})[0] == 404
    assert review({"ids": [known], "action": "approve", "extra": 1})[0] == 422
    assert review({"ids": [known], "action": "approve"}, _basic("pia", "pias-losenord-1"))[0] == 403
    assert {f.review for f in service.facts()} == {"extracted"}  # nothing was changed


def test_a_draft_takes_unreviewed_facts_when_the_request_says_so(
    fact_client: tuple[TestClient, AssistantService]
) -> None:
    client, _ = fact_client
    wanted = {"municipality": "Fjällby", "body": "Kulturnämnden", "period": "2025"}
    refused = client.post("/api/draft", json=wanted, headers=GUN)
    assert refused.status_code == 400 and "väntar på granskning" in refused.json()["error"]
    marked = client.post("/api/draft", json={**wanted, "include_unreviewed": True}, headers=GUN)
    assert marked.status_code == 200, marked.text
    assert "95 000 [ej granskad]" in marked.json()["text"] and marked.json()["request"]["include_unreviewed"]
