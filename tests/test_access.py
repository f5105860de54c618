"""Document access control: a reader without the right role gets no restricted text, figure or citation.

A restricted copy of a corpus document (Alingsås, label `sekretess`) and a synthetic secret report are
ingested beside the public documents; more than 100 probing questions are then asked as a public user.
The same probes as a user with the role find the restricted material, so the test can fail.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.auth import add_user
from assistant.evalrun import ServicePipeline
from assistant.service import AskRequest, AssistantService, ServiceError
from assistant.settings import Settings
from assistant.types import Answer, DocumentMeta, DraftRequest
from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.slow

ALINGSAS = "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt"
SECRET = "skyddat-boende-rapport.txt"
SECRET_TEXT = """Rapport om skyddat boende Fyrbåken

Fyrbåken är Lerums skyddade boende för våldsutsatta. Kostnaden för Fyrbåken uppgick till 7 654 321 kronor 2024.

Antalet placerade kvinnor på Fyrbåken var 37 under året, och 12 barn följde med sina mödrar.

Fyrbåkens adress är Hemliga vägen 9 och boendet bemannas dygnet runt av 14 medarbetare.

Nämnden beslutade att Fyrbåken ska få ett tillskott på 2 468 tkr för säkerhetshöjande åtgärder.
"""
SECRET_MARKERS = ["Fyrbåken", "7 654 321", "Hemliga vägen", "2 468", "säkerhetshöjande"]
SECRET_PROBES = [
    "Vad kostade Fyrbåken 2024?", "Hur många kvinnor placerades på Fyrbåken?", "Vilken adress har Fyrbåken?",
    "Hur många medarbetare har det skyddade boendet?", "Hur många barn följde med sina mödrar?",
    "Vilket tillskott fick det skyddade boendet?", "Vad är Fyrbåken?", "Skyddat boende kostnad 2024",
    "What did the protected housing cost in 2024?", "How many women were placed in protected housing?",
    "säkerhetshöjande åtgärder tillskott", "Hemliga vägen", "skyddade boende för våldsutsatta Lerum",
    "Hur bemannas det skyddade boendet?", "Rapport om skyddat boende",
]


@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> tuple[AssistantService, set[str]]:
    """A data directory where Alingsås' report and the secret report are labelled `sekretess`."""
    folder = tmp_path_factory.mktemp("corpus-access")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    shutil.copy(CORPUS / "manifest.toml", folder / "manifest.toml")
    shutil.copy(CORPUS / "indicators.csv", folder / "indicators.csv")
    manifest = (folder / "manifest.toml").read_text(encoding="utf-8")
    manifest = manifest.replace(f'file = "{ALINGSAS}"', f'file = "{ALINGSAS}"\naccess = "sekretess"')
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    (folder / SECRET).write_text(SECRET_TEXT, encoding="utf-8")
    meta = {SECRET: DocumentMeta(title="Skyddat boende", municipality="Lerums kommun", body="Individnämnden",
                                 kind="report", period="2024", access="sekretess")}
    data = tmp_path_factory.mktemp("data-access")
    service = AssistantService(Settings(data_dir=data, corpus_dir=folder))
    report = service.ingest([folder], metadata=meta)
    assert report.ok and report.count("ingested") == 5, report.outcomes
    alingsas_text = next(d.text for d in service.registry.documents() if d.name == ALINGSAS)
    # Figures that occur only in the restricted Alingsås report (not in any public document).
    public = " ".join(d.text for d in service.registry.documents() if d.name not in (ALINGSAS, SECRET))
    figures = {m for m in re.findall(r"\d[\d ]*,\d+|\d{3,}", alingsas_text) if m.strip() not in public}
    return service, {*SECRET_MARKERS, *{f.strip() for f in figures if len(f.strip()) >= 4}}


def alingsas_probes() -> list[str]:
    items = [json.loads(line) for line in (REPO / "evals" / "qa.jsonl").read_text().splitlines()]
    return [i["question"] for i in items if any(s["document"] == ALINGSAS for s in i["sources"])]


def leaks(answer: Answer, markers: set[str]) -> list[str]:
    """Restricted documents cited or offered, or restricted words and figures in anything shown."""
    problems = [f"källa {c.document}" for c in [*answer.citations, *answer.related] if c.document in (ALINGSAS, SECRET)]
    problems += [f"faktum ur {f.document}" for f in answer.facts if f.document in (ALINGSAS, SECRET)]
    shown = " ".join([answer.answer, *(c.quote for c in answer.related), *answer.notes])
    problems += [f"text '{m}'" for m in markers if m in shown]
    return problems


def test_probes_as_public_user_see_nothing_restricted(restricted: tuple[AssistantService, set[str]]) -> None:
    service, markers = restricted
    probes = SECRET_PROBES + alingsas_probes()
    probes += [f"{q} Gäller det Alingsås kommun?" for q in alingsas_probes()[:30]]
    assert len(probes) >= 100
    found: dict[str, list[str]] = {}
    for question in probes:
        answer = service.ask(AskRequest(question=question, roles=("public",)))
        if problems := leaks(answer, markers):
            found[question] = problems
    assert not found, found


def test_the_same_probes_find_the_material_with_the_role(restricted: tuple[AssistantService, set[str]]) -> None:
    service, markers = restricted
    hits = 0
    for question in SECRET_PROBES + alingsas_probes()[:15]:
        answer = service.ask(AskRequest(question=question, roles=("public", "sekretess")))
        hits += bool(leaks(answer, markers))
    assert hits >= 15  # the probes do reach the restricted documents when the reader may see them


def test_retrieval_for_the_eval_filters_before_ranking(restricted: tuple[AssistantService, set[str]]) -> None:
    service, _ = restricted
    public = ServicePipeline(service, roles=("public",))
    for question in SECRET_PROBES:
        passages = public.retrieve(question, 5)
        assert len(passages) == 5  # the slots are filled by public passages, not emptied after ranking
        assert all(p.document not in (ALINGSAS, SECRET) for p in passages)


def test_drafting_uses_only_readable_facts(restricted: tuple[AssistantService, set[str]]) -> None:
    service, _ = restricted
    request = DraftRequest(municipality="Alingsås", body="Vård- och omsorgsnämnden", period="2024")
    with pytest.raises(ServiceError, match="(?i)alingsås"):  # as if the municipality had no facts at all
        service.draft(request, roles=("public",))
    draft = service.draft(request, roles=("sekretess",))
    assert draft.passed and draft.facts


def test_a_restricted_user_learns_nothing_through_the_api(
    restricted: tuple[AssistantService, set[str]], tmp_path: Path
) -> None:
    """Lists, filters, drafts, jobs, deletion, health and >100 questions as a user with only the public role."""
    service, markers = restricted
    users = tmp_path / "users.txt"
    add_user(users, "pia", "pias-lösenord", ["public"])
    settings = service.settings.model_copy(update={"app": service.settings.app.model_copy(
        update={"users_file": users})})
    api_service = AssistantService(settings)
    api_service.__dict__["answerer"] = service.answerer  # the pipeline already built over the same data
    auth = {"Authorization": "Basic " + base64.b64encode(b"pia:pias-l\xc3\xb6senord").decode()}
    restricted_ids = [e.id for e in service.documents() if e.meta.access == "sekretess"]
    sent = 0
    with TestClient(create_app(api_service, ui=False, prepare=False)) as client:

        def call(method: str, url: str, **kwargs: Any) -> Any:
            nonlocal sent
            sent += 1
            response = client.request(method, url, headers=auth, **kwargs)
            body = response.json()
            if isinstance(body, dict):
                body.pop("question", None)  # the user's own question, echoed back
                body.pop("timings_ms", None)  # long decimals would match figures by chance
            shown = json.dumps(body, ensure_ascii=False)
            assert not any(word in shown for word in ('"sekretess"', "Skyddat boende", SECRET, ALINGSAS)), shown
            assert not any(marker in shown for marker in markers), (url, kwargs, shown)
            return response

        docs = call("GET", "/api/documents").json()
        assert docs and all(d["meta"]["access"] == "public" for d in docs)
        assert "Alingsås" not in json.dumps(docs, ensure_ascii=False)
        for forbidden, unknown, field in (("Alingsås", "Borås", "municipality"),
                                          ("alingsås kommun", "borås kommun", "municipality"),
                                          ("Vård- och omsorgsnämnden", "Byggnadsnämnden", "body")):
            a = call("POST", "/api/ask", json={"question": "Hur stor var budgeten?", field: forbidden})
            b = call("POST", "/api/ask", json={"question": "Hur stor var budgeten?", field: unknown})
            assert a.status_code == b.status_code == 404  # forbidden and unknown answer alike
            assert a.json()["error"].replace(forbidden, "?") == b.json()["error"].replace(unknown, "?")
            draft = {"municipality": "Lerum", "body": "Individnämnden", "period": "2024", field: forbidden}
            c = call("POST", "/api/draft", json=draft)
            d = call("POST", "/api/draft", json={**draft, field: unknown})
            assert c.status_code == d.status_code == 404
            assert c.json()["error"].replace(forbidden, "?") == d.json()["error"].replace(unknown, "?")
        for doc_id in [*restricted_ids, "0" * 16]:
            assert call("DELETE", f"/api/documents/{doc_id}").status_code == 403
        assert call("GET", "/api/jobs/" + "0" * 32).status_code == 404
        assert client.get("/api/health").json() == {"status": "ok"}  # without login: the status only
        assert call("GET", "/api/health").json() == {"status": "ok"}
        probes = SECRET_PROBES + alingsas_probes()
        probes += [f"{q} Gäller det Alingsås kommun?" for q in alingsas_probes()[:30]]
        for question in probes:
            response = call("POST", "/api/ask", json={"question": question})
            assert response.status_code == 200
            assert not leaks(Answer.model_validate(response.json()), markers), question
    assert sent >= 100, sent
