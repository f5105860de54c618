"""The app as a person uses it: a real server on 127.0.0.1, Debian's Chromium driven by Playwright, screenshots kept."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.api import create_app
from assistant.audit import audit_path, read_records
from assistant.auth import add_user
from assistant.service import AskRequest, AssistantService
from assistant.settings import Settings
from assistant.types import Answer, DocumentMeta, Draft
from assistant.web import UPLOAD_TYPES
from deploy.local_cluster import free_port

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ANSWERABLE = "Vilket värde hade Hemtjänstindex i Lerums kommun 2023?"
UNANSWERABLE = "Hur många elever gick i Göteborgs kommunala gymnasieskolor 2023?"
TIMEOUT_MS = 90_000  # the first question may wait for the pipeline's warm-up on a slow CI machine

pytestmark = pytest.mark.browser


def require_chromium() -> None:
    """Skip locally without Chromium; in CI a missing Chromium is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("Chromium saknas i CI: .ci/run ska installera den med apt-get install chromium")
    pytest.skip("Chromium saknas: apt-get install chromium")


class LiveServer:
    """The real FastAPI + Gradio app served by uvicorn in a thread on 127.0.0.1."""

    def __init__(self, service: AssistantService) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(service), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{self.port}")

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("servern startade inte")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory: pytest.TempPathFactory) -> AssistantService:
    """The real service (real embedder, index and answerer) over the real corpus, ingested once for the session."""
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    service = AssistantService(Settings(data_dir=data_dir, corpus_dir=CORPUS))
    report = service.ingest(sorted(p for p in CORPUS.iterdir() if p.suffix in UPLOAD_TYPES))
    assert report.ok, [(o.name, o.reason) for o in report.outcomes if o.status == "failed"]
    service.__dict__["answerer"] = Recorder(service.answerer)
    return service


class Recorder:
    """Wraps the answerer and keeps every request, so tests can see what the UI asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.requests: list[AskRequest] = []

    def __call__(self, request: AskRequest) -> Answer:
        self.requests.append(request)
        return self.inner(request)


def requests_of(service: AssistantService) -> list[AskRequest]:
    """The requests the UI sent to the answerer."""
    recorder = service.answerer
    assert isinstance(recorder, Recorder)
    return recorder.requests


@pytest.fixture(scope="session")
def chromium_present() -> None:
    """Checked before the corpus is ingested, so a missing Chromium skips at once."""
    require_chromium()


@pytest.fixture(scope="session")
def server(chromium_present: None, corpus_service: AssistantService) -> Iterator[LiveServer]:
    """The app on a free loopback port for the whole session."""
    with LiveServer(corpus_service) as live:
        yield live


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (never a downloaded browser)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    for old in SHOTS.glob("*.png"):  # the artifacts show this run only
        old.unlink()

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh Swedish-language page; its last state is kept as a screenshot (shows where a failure stopped)."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    shot(page, f"sist-{request.node.name}")
    context.close()


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ask(page: Any, question: str, turn: int = 1) -> None:
    """Type a question in the chat, send it and wait until this turn's answer is complete."""
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    done = page.locator(f"#citation-chips [data-turn='{turn}'], #citation-chips [data-turn='-1']")
    done.wait_for(state="attached", timeout=TIMEOUT_MS)
    if done.get_attribute("data-turn") == "-1":
        pytest.fail(f"Frågan gav ett fel i appen: {last_bot_message(page).inner_text()}")


def last_bot_message(page: Any) -> Any:
    """The newest assistant message in the chat."""
    return page.locator("#chat .message-row.bot-row").last


def test_answer_with_citation_and_highlighted_passage(server: LiveServer, page: Any) -> None:
    page.goto(server.url)
    ask(page, ANSWERABLE)
    chip = page.locator("#citation-chips .cite-chip").first
    assert "66,9" in last_bot_message(page).inner_text()
    assert chip.inner_text().startswith("[1]")
    shot(page, "01-chatt-svar-med-kallor")

    chip.click()
    panel = page.locator("#source-sidebar")
    page.wait_for_function("() => document.querySelector('#source-sidebar').classList.contains('open')")
    marked = panel.locator("mark.cited")
    marked.wait_for()
    page.wait_for_timeout(600)  # the panel slides in
    assert marked.is_visible()
    assert "66,9" in marked.inner_text()  # the highlighted passage carries the figure the answer gives
    facts = panel.locator(".source-facts").inner_text()
    assert "Lerums kommun" in facts and "Stöd- och omsorgsnämnden" in facts
    assert len(panel.locator(".passage-text").inner_text()) > len(marked.inner_text())  # shown in its context
    shot(page, "02-kalla-markerad")


def test_refusal_shows_closest_passages(server: LiveServer, page: Any) -> None:
    page.goto(server.url)
    ask(page, UNANSWERABLE)
    page.get_by_text("Dokumenten besvarar inte frågan").wait_for()
    assert "Närmaste avsnitt" in last_bot_message(page).inner_text()
    chips = page.locator("#citation-chips .cite-chip")
    assert chips.count() >= 1
    assert "Närmaste avsnitt" in page.locator("#citation-chips").inner_text()
    shot(page, "03-chatt-vagrar")
    chips.first.click()
    page.locator("#source-sidebar mark.cited").wait_for()  # the closest passage opens like a citation


def test_follow_up_and_feedback_saved(server: LiveServer, corpus_service: AssistantService, page: Any) -> None:
    feedback = corpus_service.settings.data_dir / "feedback.jsonl"
    before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
    page.goto(server.url)
    ask(page, ANSWERABLE)
    ask(page, "Och vilken placering gav det värdet?", turn=2)
    assert requests_of(corpus_service)[-1].history[-1][0] == ANSWERABLE  # the follow-up sees the previous turn
    page.locator("#chat button[aria-label='Gilla']").first.click()
    page.get_by_text("Återkopplingen är sparad").wait_for()
    shot(page, "04-foljdfraga-och-aterkoppling")
    lines = feedback.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    record = json.loads(lines[-1])
    assert record["rating"] == "up"
    assert record["question"] == ANSWERABLE
    assert record["citations"] and {"document", "start", "end", "quote"} <= set(record["citations"][0])
    audited = [r for r in read_records(audit_path(corpus_service.settings.data_dir)) if r["event"] == "feedback"]
    assert audited[0]["question"] == ANSWERABLE and audited[0]["rating"] == "up" and audited[0]["cited"]  # newest first


def test_filters_list_the_corpus_and_apply(
    server: LiveServer, corpus_service: AssistantService, page: Any
) -> None:
    page.goto(server.url)
    page.locator("#filter-kommun input").click()
    options = page.locator("ul[role='listbox'] li")
    options.first.wait_for()
    names = {n.replace("✓", "").strip() for n in options.all_inner_texts()}
    assert {"Alla", "Lerums kommun", "Alingsås kommun", "Herrljunga kommun"} <= names
    options.filter(has_text="Alingsås kommun").click()
    page.locator("#filter-ar input").click()
    page.locator("ul[role='listbox'] li", has_text="2024").click()
    shot(page, "05-filter-kommun-och-ar")
    ask(page, "Hur stor var nämndens budgetavvikelse?")
    request = requests_of(corpus_service)[-1]
    assert (request.municipality, request.body, request.period) == ("Alingsås kommun", None, "2024")


def test_upload_document_find_it_and_delete(server: LiveServer, page: Any, tmp_path: Path) -> None:
    text = ("Verksamhetsplan 2025 för Testby äldrenämnd\n\nMål för äldreomsorgen\n\n"
            "Äldrenämnden i Testby kommun ska öka andelen nöjda brukare i hemtjänsten till 92 procent 2025.\n")
    upload = tmp_path / "testby-aldreplan-2025.txt"
    upload.write_text(text, encoding="utf-8")
    page.goto(server.url)
    page.get_by_role("tab", name="Dokument").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(upload))
    page.locator("#meta-kommun textarea").fill("Testby kommun")
    page.locator("#meta-namnd textarea").fill("Äldrenämnden")
    page.locator("#meta-period textarea").fill("2025")
    page.locator(f"#upload-files td.filename[aria-label='{upload.name}']").wait_for()
    page.locator("#ingest").click()
    page.get_by_text("Inläsning klar").wait_for(timeout=TIMEOUT_MS)
    assert "inläst" in page.locator("#ingest-report").inner_text()
    row = page.locator("#document-list [role='row']", has_text=upload.name)
    row.wait_for()
    assert "Testby kommun" in row.inner_text() and "indexerad" in row.inner_text()
    shot(page, "06-dokument-uppladdat")

    copy = tmp_path / "kopia-av-aldreplanen.txt"
    copy.write_text(text, encoding="utf-8")
    page.locator("#upload-files input[type=file]").set_input_files(str(copy))
    page.locator(f"#upload-files td.filename[aria-label='{copy.name}']").wait_for()
    page.locator("#ingest").click()
    page.locator("#ingest-report", has_text="dubblett").wait_for(timeout=TIMEOUT_MS)
    shot(page, "07-dokument-dubblett")

    page.locator("#delete-choice input").click()
    page.locator("ul[role='listbox'] li", has_text=upload.name).click()
    page.locator("#delete").click()
    page.get_by_text(f"{upload.name} är borttaget").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "name => !document.querySelector('#document-list').innerText.includes(name)", arg=upload.name)
    shot(page, "08-dokument-borttaget")


def test_a_file_over_the_size_limit_is_refused_in_swedish(
    browser: Any, corpus_service: AssistantService, tmp_path: Path
) -> None:
    """Gradio's client refuses a file over the limit itself, in English; the page shows it in Swedish, names the
    file and the limit, and nothing is uploaded or indexed."""
    settings = corpus_service.settings.model_copy(
        update={"app": corpus_service.settings.app.model_copy(update={"max_upload_mb": 0.01})})
    service = AssistantService(settings)
    service.__dict__["answerer"] = corpus_service.answerer
    big = tmp_path / "for-stor-plan.txt"
    big.write_text("Verksamhetsplan för Testby.\n" + "Målet är nöjda brukare. " * 1000, encoding="utf-8")
    before = {e.name for e in service.documents()}
    context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        with LiveServer(service) as live:
            page.goto(live.url)
            page.get_by_role("tab", name="Dokument").click()
            page.locator("#upload-files input[type=file]").set_input_files(str(big))
            message = page.get_by_text("Filen är för stor och laddades inte upp")
            message.wait_for(timeout=TIMEOUT_MS)
            text = message.inner_text()
            assert big.name in text and "10,2 kB" in text.replace("\u00a0", " ")  # 0.01 MB as Gradio rounds it
            assert "exceed" not in page.locator("body").inner_text()
            page.locator("[class*='toast']", has_text="Fel").first.wait_for()
            assert "högst 0,01 MB per fil" in page.locator("body").inner_text()
            shot(page, "09-dokument-for-stor-fil")
        assert {e.name for e in service.documents()} == before
    finally:
        context.close()


def choose(page: Any, dropdown: str, option: str) -> None:
    """Pick an option in a Gradio dropdown."""
    page.locator(f"{dropdown} input").click()
    page.locator("ul[role='listbox'] li", has_text=option).first.click()


def test_draft_with_sources_and_docx_download(server: LiveServer, page: Any, tmp_path: Path) -> None:
    from assistant.web import draft_available

    page.goto(server.url)
    page.get_by_role("tab", name="Utkast").click()
    assert draft_available(), "assistant/draft.py and assistant/export.py are part of the package"
    choose(page, "#draft-kommun", "Lerums kommun")
    choose(page, "#draft-namnd", "Stöd- och omsorgsnämnden")
    choose(page, "#draft-period", "2024")
    choose(page, "#draft-indikatorer", "Hemtjänstindex")
    page.keyboard.press("Escape")
    page.locator("#draft-make").click()
    figure = page.locator("#draft-preview .figure", has_text="66,9").first
    figure.wait_for(timeout=TIMEOUT_MS)
    title = figure.get_attribute("title") or ""
    assert "Hemtjänstindex" in title and "2023" in title and "källa: Verksamhetsplan 2024" in title
    assert "Godkänt" in page.locator("#draft-verdict").inner_text()
    assert "Hemtjänstindex" in page.locator("#draft-facts").inner_text()
    shot(page, "09-utkast-forhandsvisning")

    figure.click()
    page.wait_for_function("() => document.querySelector('#source-sidebar').classList.contains('open')")
    assert "66,9" in page.locator("#source-sidebar mark.cited").inner_text()
    page.wait_for_timeout(600)
    shot(page, "10-utkast-siffrans-kalla")

    with page.expect_download() as download:
        page.locator("#draft-docx").click()
    docx_path = tmp_path / download.value.suggested_filename
    download.value.save_as(docx_path)
    assert docx_path.suffix == ".docx"
    import docx

    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert "Hemtjänstindex" in text and "66,9" in text
    with page.expect_download() as download:
        page.locator("#draft-md").click()
    md_path = tmp_path / download.value.suggested_filename
    download.value.save_as(md_path)
    assert md_path.suffix == ".md" and "66,9" in md_path.read_text(encoding="utf-8")


def test_eval_with_progress_metrics_and_report(server: LiveServer, page: Any, tmp_path: Path) -> None:
    from assistant.ui_eval import eval_available

    page.goto(server.url)
    page.get_by_role("tab", name="Utvärdering").click()
    assert eval_available(), "assistant/evalrun.py is part of the package"
    page.locator("#eval-limit input").fill("6")
    page.locator("#eval-run").click()
    page.get_by_text("Klar:").wait_for(timeout=TIMEOUT_MS * 2)
    metrics = page.locator("#eval-metrics").inner_text()
    assert "Svarsträffsäkerhet" in metrics and "Källprecision" in metrics
    assert page.locator("#eval-plot img").is_visible()
    all_rows = page.locator("#eval-items [role='row']").count()
    assert page.locator("#eval-items", has_text="q001").count() == 1
    shot(page, "13-utvardering")
    page.locator("#eval-failures input").check()
    page.wait_for_function(f"() => document.querySelectorAll('#eval-items [role=\"row\"]').length < {all_rows}"
                           " || !document.querySelector('#eval-items').innerText.includes('q001')")
    shot(page, "14-utvardering-bara-misslyckade")
    with page.expect_download() as download:
        page.locator("#eval-report").click()
    report = tmp_path / download.value.suggested_filename
    download.value.save_as(report)
    assert report.read_text(encoding="utf-8").startswith("# Utvärdering")


def test_login_when_users_file_is_set(browser: Any, corpus_service: AssistantService, tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    add_user(users, "granskare", "rätt-lösenord-1", ["public", "admin"])
    settings = corpus_service.settings.model_copy(
        update={"app": corpus_service.settings.app.model_copy(update={"users_file": users})})
    service = AssistantService(settings)
    service.__dict__["answerer"] = corpus_service.answerer
    context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        with LiveServer(service) as live:
            assert httpx.post(f"{live.url}/api/ask", json={"question": "x"}).status_code == 401
            page.goto(live.url)
            page.get_by_label("Användarnamn").wait_for()
            shot(page, "15-inloggning")
            page.get_by_label("Användarnamn").fill("granskare")
            page.get_by_label("Lösenord").fill("fel-lösenord")
            page.get_by_role("button", name="Logga in").click()
            page.get_by_text("Felaktiga inloggningsuppgifter").wait_for()
            page.get_by_label("Användarnamn").fill("granskare")
            page.get_by_label("Lösenord").fill("rätt-lösenord-1")
            page.get_by_role("button", name="Logga in").click()
            page.locator("#who", has_text="Inloggad som").wait_for()
            assert "granskare" in page.locator("#who").inner_text()
            page.locator("#question textarea").wait_for()
            shot(page, "16-inloggad")
    finally:
        shot(page, "sist-test_login_when_users_file_is_set")
        context.close()


@pytest.mark.server
def test_serve_starts_fast_on_existing_index(corpus_service: AssistantService) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(corpus_service.settings.data_dir)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port", str(port)], cwd=REPO,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    page_after = ready_after = None
    health: dict[str, Any] = {}
    try:
        while time.monotonic() - started < 120 and ready_after is None:
            try:
                if page_after is None and httpx.get(f"{url}/", timeout=2).status_code == 200:
                    page_after = time.monotonic() - started
                response = httpx.get(f"{url}/api/health", timeout=30)
                if response.status_code == 200:
                    health, ready_after = response.json(), time.monotonic() - started
                else:
                    assert (response.status_code, response.json()) == (503, {"status": "starting"})
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode(errors="replace")
    assert page_after is not None and page_after < 10, f"sidan kom efter {page_after} s\n{output}"
    assert ready_after is not None, output
    assert health["documents"] == corpus_service.health()["documents"], output
    print(f"sidan efter {page_after:.1f} s, indexet öppet efter {ready_after:.1f} s")


# ---------------------------------------------------------------- hardening: plain text, roles, Swedish, progress

HOSTILE_DOC = "testby-etjanst.txt"
SECRET_DOC = "hemligby-rapport.txt"


def hostile_text(base: str) -> str:
    """A document whose sentences hold a Markdown link, an HTML link and two images pointing at our server."""
    return (
        "Hemtjänstens e-tjänst 2025\n\nInloggning\n\n"
        "Hemtjänsten i Testby kommun visar brukarnas scheman i e-tjänsten Mina sidor från januari 2025, "
        f"[logga in igen här]({base}/phish-md) eller <a href=\"{base}/phish-html\">logga in igen här</a>.\n\n"
        "Schemat för hemtjänsten i Testby kommun 2025 ser ut så här: "
        f"<img src=\"{base}/pixel.png\" alt=\"schema\"> ![schemabild]({base}/image-md.png) och uppdateras varje "
        "vecka.\n"
    )


class HardeningApp:
    """The real app with login: an admin, a reader with only the public role, a hostile and a restricted document."""

    def __init__(self, root: Path) -> None:
        self.users = root / "users.txt"
        add_user(self.users, "ada", "adas-losenord-1", ["public", "admin"])
        add_user(self.users, "pia", "pias-losenord-1", ["public"])
        settings = Settings(data_dir=root / "data", corpus_dir=root / "in", app={"users_file": self.users})
        self.service = AssistantService(settings)
        self.live = LiveServer(self.service)
        folder = root / "in"
        folder.mkdir()
        (folder / HOSTILE_DOC).write_text(hostile_text(self.live.url), encoding="utf-8")
        (folder / SECRET_DOC).write_text("Hemligby kommun rapport 2023\n\nSäkerhet\n\nHemligby kommun planerar ett "
                                         "nytt skyddat boende med 40 platser under 2023.\n", encoding="utf-8")
        meta = {HOSTILE_DOC: DocumentMeta(title="E-tjänst 2025", municipality="Testby kommun", body="Omsorgsnämnden",
                                          kind="plan", period="2025"),
                SECRET_DOC: DocumentMeta(title="Hemlig rapport", municipality="Hemligby kommun",
                                         body="Säkerhetsnämnden",
                                         kind="report", period="2023", access="sekretess")}
        assert self.service.ingest([folder], metadata=meta).ok


@pytest.fixture(scope="module")
def hardening(chromium_present: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HardeningApp]:
    app = HardeningApp(tmp_path_factory.mktemp("hardening"))
    with app.live:
        yield app


def log_in(browser: Any, url: str, name: str, password: str, locale: str = "sv-SE") -> tuple[Any, Any, list[str]]:
    """A new page logged in as this user; every URL the page requests is recorded."""
    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.get_by_label("Användarnamn").fill(name)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.locator("#who", has_text="Inloggad som").wait_for()
    return context, page, requested


def test_links_and_images_in_documents_stay_text(browser: Any, hardening: HardeningApp) -> None:
    from assistant.ui_draft import preview_html

    context, page, requested = log_in(browser, hardening.live.url, "ada", "adas-losenord-1")
    try:
        ask(page, "Var visar hemtjänsten i Testby kommun brukarnas scheman?")
        ask(page, "Hur ser schemat för hemtjänsten i Testby kommun ut 2025?", turn=2)
        chat = page.locator("#chat")
        text = chat.inner_text()
        assert "[logga in igen här](" in text and '<a href="' in text and "<img src=" in text  # shown as written
        assert chat.locator("a[href*='phish'], img[src*='pixel'], img[src*='image-md']").count() == 0
        page.locator("#citation-chips .cite-chip").first.click()
        panel = page.locator("#source-sidebar")
        panel.locator("mark.cited").wait_for()
        assert "<img src=" in panel.inner_text()
        assert panel.locator("a, img").count() == 0
        shot(page, "20-lankar-och-bilder-som-text")
        draft = Draft.model_validate({
            "request": {"municipality": "Testby", "body": "Omsorgsnämnden", "period": "2025"},
            "municipality": "Testby kommun", "body": "Omsorgsnämnden", "period": "2025", "title": "Utkast",
            "text": "# Utkast\n\n" + hostile_text(hardening.live.url), "passed": True, "backend": "mall"})
        page.set_content(preview_html(draft))  # the draft preview's HTML, rendered by the browser
        assert page.locator("a, img").count() == 0 and "logga in igen här" in page.inner_text("body")
        page.wait_for_timeout(500)
        fetched = [u for u in requested if any(p in u for p in ("pixel.png", "image-md.png", "phish"))]
        assert not fetched, fetched  # no image was fetched, no link followed
    finally:
        context.close()


def test_a_reader_sees_only_what_the_roles_grant_and_no_admin_controls(
    browser: Any, hardening: HardeningApp
) -> None:
    context, page, _ = log_in(browser, hardening.live.url, "pia", "pias-losenord-1")
    try:
        page.locator("#filter-kommun input").click()
        options = page.locator("ul[role='listbox'] li")
        options.first.wait_for()
        names = " ".join(options.all_inner_texts())
        assert "Testby kommun" in names and "Hemligby" not in names
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Utkast").click()
        page.locator("#draft-kommun input").click()
        assert "Hemligby" not in page.locator("body").inner_text()
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Dokument").click()
        page.locator("#document-list", has_text=HOSTILE_DOC).wait_for()
        listing = page.locator("#document-list").inner_text()
        assert SECRET_DOC not in listing and "Hemlig" not in listing and "sekretess" not in listing
        assert not page.locator("#upload-area").is_visible() and not page.locator("#delete-area").is_visible()
        assert page.locator("#upload-files input[type=file]").count() == 0 or not page.locator(
            "#upload-files").is_visible()
        page.get_by_role("tab", name="Utvärdering").click()
        page.locator("#eval-admin-only").wait_for()
        assert not page.locator("#eval-controls").is_visible()
        page.get_by_role("tab", name="Fakta").click()
        page.locator("#facts-not-allowed").wait_for()
        assert not page.locator("#facts-area").is_visible() and "granskare" in page.locator(
            "#facts-not-allowed").inner_text()
        shot(page, "21-lasare-utan-adminkontroller")
    finally:
        context.close()


def test_an_english_browser_gets_the_swedish_app(browser: Any, hardening: HardeningApp) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(hardening.live.url)
        page.get_by_label("Användarnamn").fill("ada")
        page.get_by_label("Lösenord").fill("fel-losenord")
        page.get_by_role("button", name="Logga in").click()
        page.get_by_text("Felaktiga inloggningsuppgifter").wait_for()
        login_text = page.locator("body").inner_text()
        assert not [w for w in ("Login", "Username", "Password", "Incorrect") if w in login_text], login_text
        page.get_by_label("Användarnamn").fill("ada")
        page.get_by_label("Lösenord").fill("adas-losenord-1")
        page.get_by_role("button", name="Logga in").click()
        page.locator("#who", has_text="Inloggad som").wait_for()
        page.get_by_role("tab", name="Dokument").click()
        page.locator("#upload-files", has_text="Släpp fil här").wait_for()
        page.get_by_role("tab", name="Utkast").click()
        page.locator("#draft-make").click()  # nothing chosen: an error toast
        page.locator("[class*='toast']", has_text="Välj kommun, nämnd och period.").first.wait_for()
        shot(page, "22-engelsk-webblasare-svensk-app")
        text = page.locator("body").inner_text()
        english = ("Drop File Here", "Click to Upload", "Error", "Login", "Logout", "Loading", "Submit", "Clear")
        assert not [w for w in english if w in text], text
        assert page.locator("[class*='toast']", has_text="Fel").count() >= 1
    finally:
        context.close()


def test_the_upload_progress_bar_moves_per_chunk(browser: Any, hardening: HardeningApp, tmp_path: Path) -> None:
    lines = [f"Mål {i}: omsorgsnämnden i Testby kommun ska förbättra insats nummer {i} med {i % 19} procent, "
             f"och uppföljningen av mål {i} redovisas i delårsrapporten för {2000 + i % 25}." for i in range(400)]
    upload = tmp_path / "lang-testby-plan.txt"
    upload.write_text("Lång plan för Testby\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    context, page, _ = log_in(browser, hardening.live.url, "ada", "adas-losenord-1")
    try:
        page.get_by_role("tab", name="Dokument").click()
        page.locator("#upload-files input[type=file]").set_input_files(str(upload))
        page.locator(f"#upload-files td.filename[aria-label='{upload.name}']").wait_for()
        page.locator("#ingest").click()
        seen: set[str] = set()
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            body = page.locator("body").inner_text()
            seen |= {m for m in re.findall(r"(\d+)/\d+ textdelar", body)}
            if "Inläsning klar" in body:
                break
            page.wait_for_timeout(100)
        assert "inläst" in page.locator("#ingest-report").inner_text()
        assert len(seen) >= 3, seen  # the bar moved within the one document, chunk batch by chunk batch
        shot(page, "23-uppladdning-klar")
    finally:
        context.close()


# ---------------------------------------------------------------- facts: upload, review, drafts that say what they use

FACT_PDF_TABLE = [["Nyckeltal", "Utfall 2024", "Budget 2025", "Utfall 2025"],
                  ["Besök i simhallen", "88 120", "91 300", "95 000"],
                  ["Utlånade böcker", "41 200", "40 000", "39 800"]]


@pytest.fixture
def facts_app(chromium_present: None, tmp_path: Path) -> Iterator[LiveServer]:
    """The real app over an empty data directory with the fast hash embedder (no corpus, no model load)."""
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "ingen-korpus", embedding={"kind": "hash"})
    with LiveServer(AssistantService(settings)) as live:
        yield live


def make_draft(page: Any, unreviewed: bool) -> None:
    """Draft Fjällby's Kulturnämnden 2025, with or without the unreviewed facts."""
    box = page.locator("#draft-unreviewed input[type=checkbox]")
    if box.is_checked() != unreviewed:
        box.click()
    page.locator("#draft-make").click()


def test_uploaded_table_facts_are_reviewed_before_a_draft_uses_them_unmarked(
    facts_app: LiveServer, page: Any, tmp_path: Path
) -> None:
    from tests.filemakers import make_table_pdf

    pdf = make_table_pdf(tmp_path / "fjallby-kultur-uppfoljning-2025.pdf",
                         ["Uppföljning 2025 för kulturnämnden i Fjällby kommun",
                          "Tabellen visar nämndens nyckeltal för 2024 och 2025."], FACT_PDF_TABLE,
                         ["Nämnden bedömer att besöken i simhallen fortsätter att öka under 2026."])
    page.goto(facts_app.url)
    page.get_by_role("tab", name="Dokument").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(pdf))
    page.locator("#meta-kommun textarea").fill("Fjällby kommun")
    page.locator("#meta-namnd textarea").fill("Kulturnämnden")
    page.locator("#meta-period textarea").fill("2025")
    page.locator(f"#upload-files td.filename[aria-label='{pdf.name}']").wait_for()
    page.locator("#ingest").click()
    page.get_by_text("Inläsning klar").wait_for(timeout=TIMEOUT_MS)
    assert "inläst" in page.locator("#ingest-report").inner_text()

    page.get_by_role("tab", name="Fakta").click()
    choose(page, "#facts-document", pdf.name)
    cells = page.locator("#facts-tables td[data-fact]")
    page.locator("#facts-tables td.review-extracted").nth(5).wait_for()
    assert cells.count() == 6 and page.locator("#facts-tables td.review-extracted").count() == 6
    table = page.locator("#facts-tables table.fact-table")
    assert "Budget 2025" in table.locator("thead").inner_text() and "Besök i simhallen" in table.inner_text()
    assert page.locator("#facts-list", has_text="ogranskad").count() == 1
    page.locator("#facts-tables td[data-fact]", has_text="95 000").click()  # a cell → its row in the source
    page.locator("#facts-source mark.cited", has_text="Besök i simhallen").wait_for()
    assert "95 000" in page.locator("#facts-source mark.cited").inner_text()
    assert "Valt faktum" in page.locator("#facts-chosen").inner_text()
    shot(page, "30-fakta-ogranskade")

    page.get_by_role("tab", name="Utkast").click()
    choose(page, "#draft-kommun", "Fjällby kommun")
    choose(page, "#draft-namnd", "Kulturnämnden")
    choose(page, "#draft-period", "2025")
    make_draft(page, unreviewed=False)
    page.locator("[class*='toast']", has_text="väntar på granskning").first.wait_for(timeout=TIMEOUT_MS)
    shot(page, "31-utkast-vantar-pa-granskning")
    make_draft(page, unreviewed=True)
    preview = page.locator("#draft-preview")
    preview.locator(".unreviewed-mark").first.wait_for(timeout=TIMEOUT_MS)
    text = preview.inner_text()
    assert "Obs! Utkastet bygger delvis på fakta som ingen har granskat" in text
    assert re.search(r"95 000(F\d+)? \[ej granskad\]", text), text  # each figure (with its key) is marked
    shot(page, "32-utkast-ej-granskad")

    page.get_by_role("tab", name="Fakta").click()
    page.locator("#facts-approve-table").click()
    page.get_by_text("6 fakta i tabellen är godkända").wait_for()
    page.locator("#facts-tables td.review-reviewed").nth(5).wait_for()
    assert page.locator("#facts-tables td.review-extracted").count() == 0
    shot(page, "33-fakta-tabellen-godkand")

    page.get_by_role("tab", name="Utkast").click()
    make_draft(page, unreviewed=False)
    preview.get_by_text("Utkastet bygger på nämndens granskade faktaunderlag").wait_for(timeout=TIMEOUT_MS)
    text = preview.inner_text()
    assert "[ej granskad]" not in text and "Obs!" not in text and "95 000" in text
    shot(page, "34-utkast-granskade-fakta")
