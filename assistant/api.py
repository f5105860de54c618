"""The FastAPI app: the JSON API (citations kept) with the Gradio UI mounted at `/`, and `serve`."""

from __future__ import annotations

import base64
import binascii
import contextvars
import http
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.api_facts import fact_router
from assistant.auth import ANONYMOUS, User, UserStore, check_bind
from assistant.jobs import Job, JobRunner
from assistant.service import AskRequest, AssistantService, OverTimeBudget, ServiceError, TooLargeError
from assistant.settings import Settings
from assistant.types import Answer, DocumentKind, DocumentMeta
from assistant.web import (
    Logins,
    NotFoundError,
    TooManyAttempts,
    document_record,
    draft_available,
    remove_upload,
    resolve_filters,
    run_draft,
    stage_uploads,
)

log = logging.getLogger(__name__)
API_TITLE = "Planassistenten – JSON-API"
PREPARE_TIMEOUT_S = 300.0


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Turn(_Body):
    """One earlier question and its answer, for follow-up questions."""

    question: str
    answer: str


class _Filtered(_Body):
    """A question (or search words) with optional filters: municipality, body, year."""

    question: str = Field(description="The question or search words, Swedish or English.")
    municipality: str | None = Field(None, description="Only documents of this municipality ('Lerum' is enough).")
    body: str | None = Field(None, description="Only documents of this body (nämnd).")
    period: str | None = Field(None, description="Only documents of this period, e.g. '2024'.")


class AskBody(_Filtered):
    """A question with optional filters (municipality, body, year) and earlier turns."""

    k: int = Field(5, ge=1, le=20, description="How many passages to retrieve.")
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first.")


class SearchBody(_Filtered):
    """Words or a question to search the documents for, with optional filters."""

    k: int = Field(10, ge=1, le=50, description="How many passages to return.")


class SearchHit(BaseModel):
    """One passage: where it stands, its text, and its rank by keywords (bm25, ngram), meaning (dense) and fused."""

    document_id: str
    document: str
    municipality: str
    section: str
    page: int | None
    start: int
    end: int
    text: str
    score: float
    ranks: dict[str, int]


class DraftBody(_Body):
    """What to draft: municipality, body, period and optionally which indicators."""

    municipality: str
    body: str
    period: str
    indicators: list[str] | None = None
    include_unreviewed: bool = Field(False, description="Also use facts nobody has reviewed; marked [ej granskad].")


class DocumentOut(BaseModel):
    """An ingested file as the registry knows it."""

    id: str
    name: str
    sha256: str
    meta: DocumentMeta
    status: str = Field(description="indexed, or duplicate (then duplicate_of and similarity are set).")
    duplicate_of: str | None = None
    similarity: float | None = None
    quality: float = 0.0
    chars: int = 0
    sections: int = 0
    pages: int = 0
    added_at: str


class OutcomeOut(BaseModel):
    """What happened to one uploaded file."""

    name: str
    status: str
    document_id: str | None = None
    reason: str = ""
    duplicate_of: str | None = None
    similarity: float | None = None
    replaced: str | None = None


class JobOut(BaseModel):
    """An upload's ingestion job; outcomes hold one entry per file once it is finished."""

    id: str
    status: str = Field(description="queued, running, done or failed.")
    finished: bool
    ok: bool = Field(description="Finished and no file failed.")
    stage: str = Field(description="läser (files), indexerar (documents) or textdelar (chunks of one document).")
    done: int
    total: int
    documents_done: int
    documents_total: int
    files: int
    outcomes: list[OutcomeOut]
    error: str = ""
    status_url: str
    created_at: str
    finished_at: str = ""


class ErrorOut(BaseModel):
    """Every error: one Swedish message for the user."""

    error: str


_VALIDATION_SV = {
    "missing": "saknas",
    "extra_forbidden": "är inte ett känt fält",
    "string_type": "ska vara text",
    "int_parsing": "ska vara ett heltal",
    "int_type": "ska vara ett heltal",
    "list_type": "ska vara en lista",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "literal_error": "har ett otillåtet värde",
    "json_invalid": "är inte giltig JSON",
    "model_attributes_type": "ska vara ett JSON-objekt",
}


def validation_message(exc: RequestValidationError) -> str:
    """One Swedish sentence listing what is wrong with the request."""
    parts = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return "Ogiltig begäran: kroppen är inte giltig JSON."
        loc_parts = list(error.get("loc", ()))
        if loc_parts and loc_parts[0] in ("body", "query", "path", "header", "cookie"):
            loc_parts = loc_parts[1:]  # where the field was sent, not its name
        loc = ".".join(str(p) for p in loc_parts)
        parts.append(f"{loc or 'begäran'} {_VALIDATION_SV.get(error.get('type', ''), error.get('msg', 'är ogiltigt'))}")
    return "Ogiltig begäran: " + "; ".join(parts) + "."


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


HTTP_SV = {404: "Adressen finns inte.", 405: "Metoden stöds inte för den här adressen.",
           500: "Ett internt fel inträffade."}


def _swedish_detail(exc: HTTPException) -> str:
    """Our own messages are Swedish already; Starlette's defaults ('Not Found') are replaced."""
    detail = str(exc.detail)
    if detail == http.HTTPStatus(exc.status_code).phrase:
        return HTTP_SV.get(exc.status_code, f"Begäran kunde inte utföras (HTTP {exc.status_code}).")
    return detail


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route, also those of included routers (FastAPI keeps an included router as one entry; ours are
    included without a prefix, so their paths match as written)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _api_routes(route.original_router.routes)


def _methods_for(app: FastAPI, request: Request) -> set[str]:
    """The methods other API routes take on this path (empty when no route has the path)."""
    allowed: set[str] = set()
    for route in _api_routes(app.router.routes):
        if route.name != "unknown":
            match, _ = route.matches({**request.scope, "method": "__none__"})
            if match != Match.NONE:
                allowed |= route.methods or set()
    return allowed


def _status_of(exc: ServiceError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, TooLargeError):
        return 413
    if isinstance(exc, OverTimeBudget):
        return 503
    return 400


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "Felaktig fråga"), (401, "Inloggning krävs"), (403, "Saknar behörighet"),
                       (404, "Finns inte"), (413, "För stor fil eller för lång fråga"), (422, "Ogiltig begäran"),
                       (429, "För många misslyckade inloggningar"), (501, "Inte tillgängligt ännu"),
                       (503, "Svaret tog för lång tid, eller tjänsten startar"))
}


CLIENT_ADDRESS: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="?")


class ClientAddress:
    """ASGI middleware: the client's address for this request, for login throttling (the login page's callback
    is given only a name and a password)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        token = CLIENT_ADDRESS.set(str(client[0]) if client else "?")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)


def _credentials(header: str) -> tuple[str, str] | None:
    """Name and password of an HTTP Basic header (None when there is none or it is malformed)."""
    if not header.lower().startswith("basic "):
        return None
    try:
        name, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "?", ""
    return name, password


def api_user(service: AssistantService, logins: Logins | None) -> Callable[[Request], User]:
    """A dependency: HTTP Basic credentials checked (throttled) against the users file; anonymous when login is off."""

    def dependency(request: Request) -> User:
        if logins is None:
            return ANONYMOUS
        given = _credentials(request.headers.get("authorization", ""))
        user = None
        if given is not None:
            address = request.client.host if request.client else "?"
            try:  # a successful Basic login comes with every request: only failures are audited
                user = logins.check(*given, address=address, via="api")
            except TooManyAttempts as exc:
                raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.wait_s)}) from exc
        if user is None:
            raise HTTPException(401, "Inloggning krävs: ange användare och lösenord (HTTP Basic).",
                                headers={"WWW-Authenticate": 'Basic realm="planassistenten", charset="UTF-8"'})
        return user

    return dependency


class _Prepared:
    """The service as the app and API see it: every use waits until the index and pipeline are open."""

    def __init__(self, service: AssistantService, ready: threading.Event) -> None:
        self._service = service
        self._ready = ready

    def __getattr__(self, name: str) -> Any:
        if name != "settings" and not self._ready.wait(PREPARE_TIMEOUT_S):
            raise ServiceError("Tjänsten startar fortfarande. Försök igen om en liten stund.")
        return getattr(self._service, name)


def create_app(service: AssistantService, *, ui: bool = True, prepare: bool = True) -> FastAPI:
    """The JSON API under /api, OpenAPI at /docs, and (with ui) the Gradio app mounted at /."""
    settings = service.settings
    users = UserStore(settings.app.users_file) if settings.app.users_file else None
    ready = threading.Event()
    raw, service = service, cast(AssistantService, _Prepared(service, ready))
    jobs = JobRunner(service)
    logins = Logins(service, users) if users is not None else None
    app = FastAPI(title=API_TITLE, version="1", lifespan=_lifespan(raw, ready, prepare),
                  description="Frågor med källhänvisningar, utkast och dokumenthantering. Alla fel: {\"error\": …}.")
    app.add_middleware(ClientAddress)
    _install_error_handlers(app)
    current_user = Depends(api_user(service, logins))
    app.include_router(_question_router(service, current_user))
    app.include_router(_document_router(service, jobs, current_user))
    app.include_router(fact_router(service, current_user, ERRORS))
    _add_health_and_unknown(app, service, ready, login=users is not None)
    if ui:
        app = _mount_ui(app, service, users, jobs, logins)
    return app


def _lifespan(raw: AssistantService, ready: threading.Event,
              prepare: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    def prepare_then_open() -> None:
        try:
            _prepare(raw)
        finally:
            ready.set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The page is served at once; the index and pipeline open in the background, one at a time (the
        # stores are not safe to open concurrently), and requests that need them wait until they are open.
        if prepare:
            threading.Thread(target=prepare_then_open, name="prepare", daemon=True).start()
        else:
            ready.set()
        yield

    return lifespan


def _install_error_handlers(app: FastAPI) -> None:
    """Every error as {"error": …} in Swedish, with the right status."""

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return _error(_status_of(exc), str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, _swedish_detail(exc), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, validation_message(exc))

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("Oväntat fel i API:t", exc_info=exc)
        return _error(500, "Ett internt fel inträffade. Försök igen, eller kontakta den som driver tjänsten.")


def _question_router(service: AssistantService, current_user: Any) -> APIRouter:
    """POST /api/ask, /api/search and /api/draft."""
    router = APIRouter()

    @router.post("/api/ask", response_model=Answer, responses=ERRORS, tags=["frågor"])
    def ask(body: AskBody, user: User = current_user) -> Answer:
        """Answer a question with citations (document, section, character span, quote), or refuse."""
        if not body.question.strip():
            raise ServiceError("Frågan är tom. Skriv en fråga om dokumenten.")
        municipality, nämnd = resolve_filters(service, body.municipality, body.body, user.roles)
        return service.ask(AskRequest(
            question=body.question.strip(), municipality=municipality, body=nämnd, period=body.period, k=body.k,
            history=[(t.question, t.answer) for t in body.history], user=user.name, roles=user.roles,
        ))

    @router.post("/api/search", response_model=list[SearchHit], responses=ERRORS, tags=["frågor"])
    def search(body: SearchBody, user: User = current_user) -> list[SearchHit]:
        """The passages ranked highest for the words, with each ranker's rank (no answer is composed)."""
        from assistant.query import Filters

        municipality, nämnd = resolve_filters(service, body.municipality, body.body, user.roles)
        filters = Filters(municipality=municipality or "", body=nämnd or "", period=body.period or "",
                          access=user.roles)
        return [SearchHit(document_id=c.chunk.document_id, document=c.chunk.document, municipality=c.meta.municipality,
                          section=c.chunk.section, page=c.chunk.page, start=c.chunk.start, end=c.chunk.end,
                          text=c.chunk.text, score=c.score, ranks=c.ranks)
                for c in service.search(body.question, body.k, filters, user=user.name)]

    @router.post("/api/draft", responses=ERRORS, tags=["utkast"])
    def draft(body: DraftBody, user: User = current_user) -> dict[str, Any]:
        """A draft whose every figure is checked against the fact set: text, facts, citations, findings, passed."""
        municipality, nämnd = resolve_filters(service, body.municipality, body.body, user.roles)
        if getattr(service, "draft", None) is None and not draft_available():
            raise HTTPException(501, "Utkast är inte tillgängligt ännu i den här versionen.")
        from assistant.types import DraftRequest

        request = DraftRequest(municipality=municipality or body.municipality, body=nämnd or body.body,
                               period=body.period, indicators=body.indicators, llm=None,
                               include_unreviewed=body.include_unreviewed)
        result: Any = run_draft(service, request, user)
        return result.model_dump(mode="json") if hasattr(result, "model_dump") else dict(result)

    return router


def _document_router(service: AssistantService, jobs: JobRunner, current_user: Any) -> APIRouter:
    """The documents (list, upload as a job, delete) and the upload jobs."""
    router = APIRouter()

    @router.get("/api/documents", response_model=list[DocumentOut], responses=ERRORS, tags=["dokument"])
    def documents(user: User = current_user) -> list[dict[str, Any]]:
        """The ingested files the user may read: primary documents and duplicates, with metadata and status."""
        return [document_record(e) for e in service.documents(user.roles)]

    @router.post("/api/documents", status_code=202, response_model=JobOut, responses=ERRORS, tags=["dokument"])
    def upload(
        files: Annotated[list[UploadFile], File(description="PDF, DOCX, TXT eller MD")],
        municipality: Annotated[str, Form()] = "",
        body: Annotated[str, Form()] = "",
        kind: Annotated[DocumentKind, Form()] = "other",
        period: Annotated[str, Form()] = "",
        title: Annotated[str, Form()] = "",
        user: User = current_user,
    ) -> JSONResponse:
        """Stage the files and start their ingestion as a job: 202 with the job; follow it at /api/jobs/{id}.

        A file of the wrong type or over the size limit is one failed outcome; the others are ingested.
        """
        if not user.is_admin:
            raise HTTPException(403, "Du behöver rollen admin för att läsa in dokument.")
        meta = DocumentMeta(title=title, municipality=municipality, body=body, kind=kind, period=period,
                            access="public")
        staged = stage_uploads(service, jobs, [(f.filename or "namnlos.txt", f.file) for f in files], meta)
        if not staged.paths:
            raise staged.error()
        job = jobs.submit(staged.job_id, user.name, staged.paths, staged.metadata, staged.rejected)
        return JSONResponse(_job_out(job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})

    @router.get("/api/jobs/{job_id}", response_model=JobOut, responses=ERRORS, tags=["dokument"])
    def job_status(job_id: str, user: User = current_user) -> dict[str, Any]:
        """An upload job: status, progress per chunk of the document being indexed, and one outcome per file."""
        job = jobs.get(job_id)
        if job is None or (job.user != user.name and not user.is_admin):
            raise NotFoundError("Jobbet finns inte.")
        return _job_out(job)

    @router.delete("/api/documents/{doc_id}", responses=ERRORS, tags=["dokument"])
    def delete(doc_id: str, user: User = current_user) -> dict[str, str]:
        """Delete a document with its chunks, facts and duplicates."""
        if not user.is_admin:
            raise HTTPException(403, "Du behöver rollen admin för att ta bort dokument.")
        entry = service.registry.entries.get(doc_id)
        if entry is None or not service.delete(doc_id, user=user.name):
            raise NotFoundError(f"Dokumentet {doc_id} finns inte.")
        remove_upload(service, entry.name)
        return {"deleted": doc_id, "name": entry.name}

    return router


def _add_health_and_unknown(app: FastAPI, service: AssistantService, ready: threading.Event, *, login: bool) -> None:
    """/api/health, then the catch-all under /api (registered last, after every router)."""

    @app.get("/api/health", tags=["drift"])
    def health() -> Any:
        """Liveness, never behind login: only the status when login is on (corpus size and data directory only for
        the loopback operator when it is off); 503 with status 'starting' while the index opens."""
        if not ready.is_set():
            return JSONResponse({"status": "starting"}, status_code=503)
        return service.health() if not login else {"status": "ok"}

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False)
    def unknown(request: Request, rest: str) -> JSONResponse:
        """Any other path under /api: 404 (or 405 where the path exists for other methods), never Gradio's page."""
        allowed = _methods_for(app, request)
        if allowed:
            return _error(405, f"Metoden {request.method} stöds inte här; använd {', '.join(sorted(allowed))}.",
                          headers={"Allow": ", ".join(sorted(allowed))})
        return _error(404, f"Adressen /api/{rest} finns inte. Se /docs för API:ts adresser.")


def _mount_ui(app: FastAPI, service: AssistantService, users: UserStore | None, jobs: JobRunner,
              logins: Logins | None) -> FastAPI:
    """The Gradio app at /, behind the same login as the API when users are configured."""
    import gradio as gr

    from assistant.app import SwedishPages, build_app, page_options

    app.add_middleware(SwedishPages)

    async def gradio_auth(name: str, password: str) -> bool:
        assert logins is not None
        address = CLIENT_ADDRESS.get()

        def check() -> bool:
            try:
                return logins.check(name, password, address, "app", audit_success=True) is not None
            except TooManyAttempts:
                return False  # the page says the credentials were wrong; the back-off is in the audit log

        return await run_in_threadpool(check)

    app = gr.mount_gradio_app(
        app, build_app(service, users, jobs), path="/",
        auth=gradio_auth if users is not None else None,
        auth_message="Logga in med ditt användarnamn och lösenord." if users is not None else None,
        max_file_size=int(service.settings.app.max_upload_mb * 1024 * 1024), show_error=True, ssr_mode=False,
        footer_links=[{"label": "JSON-API", "url": "/docs"}], **page_options(),
    )
    return app


def _job_out(job: Job) -> dict[str, Any]:
    return {**job.as_dict(), "status_url": f"/api/jobs/{job.id}"}


def _prepare(service: AssistantService) -> None:
    """Open the index and build the answering pipeline (seconds: nothing is re-embedded); errors are only logged."""
    for part in ("ingestor", "answerer"):
        try:
            getattr(service, part)
        except Exception:  # noqa: BLE001 - an empty or broken index must not keep the app from starting
            log.warning("Kunde inte förbereda %s vid start; det byggs vid första användning.", part, exc_info=True)


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Run the app with uvicorn; refuses a public address without login (see check_bind)."""
    import uvicorn

    host = host or settings.app.host
    port = port or settings.app.port
    check_bind(settings.app, host)
    app = create_app(AssistantService(settings))
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)
