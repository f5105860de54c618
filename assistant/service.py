"""The application service: one object the CLI, the Gradio app and the JSON API all call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.audit import AuditLog
from assistant.ingest import Ingestor, IngestReport, Progress
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.types import Answer, AskRequest, DocumentMeta, Draft, DraftRequest, Fact

if TYPE_CHECKING:
    from assistant.factdb import FactDB
    from assistant.factview import TableFacts
    from assistant.index import HybridIndex
    from assistant.query import Filters
    from assistant.retrieve import ScoredChunk

__all__ = ["AskRequest", "AssistantService", "NotFoundError", "ServiceError"]


class ServiceError(ValueError):
    """A request the service cannot carry out; the message is Swedish and meant for the user."""


class NotFoundError(ServiceError):
    """Something the request names does not exist (a municipality, body, document or fact)."""


class TooLargeError(ServiceError):
    """An upload or a question over its size limit (HTTP 413)."""


class OverTimeBudget(ServiceError):
    """Answering took longer than the time budget (HTTP 503); the user is told instead of left waiting."""


HISTORY_FACTOR = 20  # earlier turns may hold this many times the question limit (answers are longer)


class AssistantService:
    """Builds the pipeline once (embedder, stores, LLM) and serves every front end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._draft_llms: dict[str, Any] = {}
        self._fact_db: FactDB | None = None

    @cached_property
    def audit(self) -> AuditLog:
        """The append-only audit log (who asked what, what was cited, drafts, feedback, changes)."""
        return AuditLog.from_settings(self.settings)

    @cached_property
    def index(self) -> HybridIndex:
        """The search index, opened once: the ingestor writes to it and the answerer reads it (one chunk table and
        one BM25 in memory, not one each)."""
        from assistant.pipeline import build_index

        return build_index(self.settings)

    @cached_property
    def ingestor(self) -> Ingestor:
        """The ingestor wired to every index sink."""
        from assistant.pipeline import build_ingestor

        return build_ingestor(self.settings, self.index)

    @property
    def registry(self) -> Registry:
        """The document registry, freshly read (reading it needs no embedder or index)."""
        return Registry.of(self.settings)

    def documents(self, roles: tuple[str, ...] | None = None) -> list[RegistryEntry]:
        """Ingested files (primary documents and duplicates) in name order: all, or those these roles may read."""
        from assistant.query import may_read

        entries = list(self.registry.entries.values())
        if roles is not None:
            entries = [e for e in entries if roles and may_read(e.meta, roles)]
        return sorted(entries, key=lambda e: e.name)

    def ingest(
        self, paths: list[Path], metadata: dict[str, DocumentMeta] | None = None, progress: Progress | None = None,
        user: str = "system",
    ) -> IngestReport:
        """Ingest files; per-file errors are in the report."""
        report = self.ingestor.ingest(paths, metadata=metadata, progress=progress)
        self.audit.record("ingest", user, files=[
            {"name": o.name, "status": o.status, "document_id": o.document_id, "reason": o.reason}
            for o in report.outcomes
        ])
        return report

    def delete(self, doc_id: str, user: str = "system") -> bool:
        """Delete a document with its chunks (and facts); False when unknown."""
        deleted = self.ingestor.delete(doc_id)
        self.audit.record("delete", user, document_id=doc_id, deleted=deleted)
        return deleted

    def ask(self, request: AskRequest) -> Answer:
        """Answer a question with citations, or refuse; within the length limit and the time budget."""
        if not request.question.strip():
            raise ServiceError("Frågan är tom. Skriv en fråga om dokumenten.")
        self._check_length(request)
        answer = self._answer_in_time(request)
        self.audit.record("ask", request.user, question=request.question, refused=answer.refused,
                          cited=answer.citations, roles=list(request.roles))
        return answer

    def _check_length(self, request: AskRequest) -> None:
        """TooLargeError for a question (or history) over the limit: a long text costs every user time."""
        limit = self.settings.app.max_question_chars
        length = len(request.question.strip())
        if length > limit:
            raise TooLargeError(f"Frågan är för lång ({length} tecken). Högst {limit} tecken tillåts; "
                                "korta ned frågan och försök igen.")
        if sum(len(q) + len(a) for q, a in request.history) > HISTORY_FACTOR * limit:
            raise TooLargeError("Samtalshistoriken är för lång. Börja ett nytt samtal och ställ frågan igen.")

    @cached_property
    def _answer_pool(self) -> ThreadPoolExecutor:
        """Threads that answer, so a request can stop waiting when the time budget is spent."""
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="answer")

    def _answer_in_time(self, request: AskRequest) -> Answer:
        """The answer, or OverTimeBudget when it takes longer than app.answer_timeout_s (queueing included).

        Python cannot stop the thread; it finishes in the background and its answer is dropped.
        """
        budget = self.settings.app.answer_timeout_s
        future = self._answer_pool.submit(self.answerer, request)
        try:
            return future.result(timeout=budget)
        except FutureTimeout:
            future.cancel()  # still queued behind slow answers: never started
            raise OverTimeBudget(f"Frågan kunde inte besvaras inom {budget:g} sekunder. Försök igen om en stund, "
                                 "gärna med en mer avgränsad fråga.") from None

    def feedback(self, question: str, rating: str, citations: list[Any], user: str = "anonym",
                 comment: str = "") -> None:
        """Record a thumbs up or down with the question and the cited spans."""
        self.audit.record("feedback", user, question=question, rating=rating, cited=citations, comment=comment)

    def search(self, question: str, k: int = 10, filters: Filters | None = None, user: str = "system"
               ) -> list[ScoredChunk]:
        """The passages retrieval ranks highest for a question, each with its keyword, semantic and fused ranks;
        only of documents the filters' roles may read."""
        from assistant.query import Filters

        if not question.strip():
            raise ServiceError("Sökfrågan är tom. Skriv några ord att söka efter.")
        retriever = getattr(self.answerer, "retriever", None)
        if retriever is None:
            raise ServiceError("Sökning är inte tillgänglig i den här konfigurationen.")
        chunks: list[ScoredChunk] = retriever.search(question.strip(), k=k, filters=filters or Filters()).chunks
        self.audit.record("search", user, question=question, hits=[c.chunk.id for c in chunks])
        return chunks

    @cached_property
    def answerer(self) -> Callable[[AskRequest], Answer]:
        """The answering pipeline, built once (embedder, indexes, fact store, LLM)."""
        from assistant.pipeline import build_answerer, build_retriever

        return build_answerer(self.settings, build_retriever(self.settings, self.index))

    def draft(
        self, request: DraftRequest | Mapping[str, Any], user: str = "anonym", roles: tuple[str, ...] = ("public",)
    ) -> Draft:
        """A follow-up draft whose every number is checked against the fact set (see assistant.draft)."""
        from assistant.draft import Drafter, DraftError, draft_llm

        request = request if isinstance(request, DraftRequest) else DraftRequest.model_validate(dict(request))
        choice = request.llm or self.settings.draft.llm
        try:
            if choice not in self._draft_llms:  # a local model loads once per process
                self._draft_llms[choice] = draft_llm(self.settings, choice)
            draft = Drafter(self.settings, self._draft_llms[choice], roles=roles).draft(request)
        except DraftError as exc:
            raise ServiceError(str(exc)) from exc
        self.audit.record("draft", user, municipality=draft.municipality, body=draft.body, period=draft.period,
                          findings=len(draft.findings), passed=draft.passed)
        return draft

    # -- facts and their review (the Fakta tab, `assistant facts`, /api/facts) -----------------------------------
    def fact_store(self) -> FactDB | None:
        """The data directory's fact store (None before anything has been ingested); opened once."""
        from assistant.factdb import FactDB, database_url, store_exists

        if self._fact_db is None and store_exists(self.settings.data_dir, self.settings.database_url):
            self._fact_db = FactDB(database_url(self.settings.data_dir, self.settings.database_url))
        return self._fact_db

    def facts(self, document: str | None = None, review: str | None = None, table_id: str | None = None,
              roles: tuple[str, ...] | None = None) -> list[Fact]:
        """Facts of every ingested document these roles may read: all, or of one document (file name or id), one
        review status (extracted, reviewed, corrected, rejected) and one table; in document order."""
        from assistant.factview import REVIEW_SV

        if review and review not in REVIEW_SV:
            raise ServiceError(f"Okänd granskningsstatus ”{review}”. Använd {', '.join(REVIEW_SV)}.")
        names = [self._document_entry(document, roles).name] if document else self._readable(roles)
        store = self.fact_store()
        if store is None:
            return []
        found = store.facts(documents=names, statuses=[review] if review else None)
        return [f for f in found if not table_id or f.table_id == table_id]

    def fact_tables(self, document: str, roles: tuple[str, ...] | None = None) -> list[TableFacts]:
        """A document's tables (header cells, rows, cells) with the fact behind each cell, for display."""
        from assistant.factview import tables_with_facts

        entry = self._document_entry(document, roles)
        try:
            source = self.registry.load_document(entry.id)
        except FileNotFoundError as exc:
            raise NotFoundError(f"Dokumentet {entry.name} finns inte längre.") from exc
        return tables_with_facts(source, self.facts(entry.name, roles=roles))

    def review_facts(self, ids: list[str] | None = None, table_id: str | None = None, action: str = "approve",
                     user: str = "system", value: str | None = None,
                     roles: tuple[str, ...] | None = None) -> list[Fact]:
        """Approve, correct, reject or reset facts (by id, or every pending fact of a table); audit-logged."""
        from assistant.factdb import ACTIONS

        if action not in ACTIONS:
            raise ServiceError(f"Okänd granskningsåtgärd ”{action}”. Använd approve (godkänn), correct (rätta), "
                               "reject (avvisa) eller reset (återställ).")
        value = (value or "").strip() or None
        if action == "correct" and value is None:
            raise ServiceError("Ange det rättade värdet: en rättelse behöver ett nytt värde.")
        if action != "correct" and value is not None:
            raise ServiceError("Ett värde anges bara när ett faktum rättas (åtgärden correct).")
        targets = self._review_targets(ids or [], table_id, action, roles)
        store = self.fact_store()
        if store is None or not targets:
            return []
        changed = store.review([f.id for f in targets], action, user, value)
        after = {f.id: f for f in changed}
        self.audit.record("fact_review", user, action=action, ids=[f.id for f in targets], table_id=table_id or "",
                          changes=[{"id": f.id, "document": f.document, "old": f.value, "old_review": f.review,
                                    "new": after[f.id].value if f.id in after else f.value,
                                    "new_review": after[f.id].review if f.id in after else f.review}
                                   for f in targets])
        return changed

    def _review_targets(self, ids: list[str], table_id: str | None, action: str,
                        roles: tuple[str, ...] | None) -> list[Fact]:
        """The facts a review names: the given ids (all must exist and be readable), or a table's facts that are
        still unreviewed (for reset: those that have been reviewed)."""
        ids = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
        if bool(ids) == bool(table_id):
            raise ServiceError("Ange antingen vilka fakta som ska granskas (id) eller en hel tabell (tabell-id).")
        readable = set(self._readable(roles) or [])
        if table_id:
            if action == "correct":
                raise ServiceError("En hel tabell kan inte rättas med ett värde; rätta ett faktum i taget.")
            facts = self.facts(table_id=table_id, roles=roles)
            if not facts:
                raise NotFoundError(f"Tabellen {table_id} finns inte (eller har inga fakta).")
            return [f for f in facts if (f.review != "extracted") == (action == "reset")]
        store = self.fact_store()
        found = {i: store.get(i) if store else None for i in ids}
        missing = [i for i, f in found.items() if f is None or (roles is not None and f.document not in readable)]
        if missing:
            raise NotFoundError(f"Det finns inga fakta med id {', '.join(missing)}.")
        return [f for f in found.values() if f is not None]

    def _readable(self, roles: tuple[str, ...] | None) -> list[str] | None:
        """Names of the primary documents these roles may read (None: no restriction)."""
        if roles is None:
            return None
        return [e.name for e in self.documents(roles) if e.status == "indexed"]

    def _document_entry(self, document: str, roles: tuple[str, ...] | None) -> RegistryEntry:
        """A readable document by file name or id; NotFoundError (the same for one the roles may not read)."""
        wanted = document.strip()
        for entry in self.documents(roles):
            if wanted in (entry.id, entry.name):
                return entry
        raise NotFoundError(f"Dokumentet ”{wanted}” finns inte bland de inlästa dokumenten.")

    def health(self) -> dict[str, Any]:
        """What the operator's monitoring needs to know (the API shows only the status when login is on)."""
        entries = self.registry.entries.values()
        return {
            "status": "ok",
            "documents": sum(1 for e in entries if e.status == "indexed"),
            "duplicates": sum(1 for e in entries if e.status == "duplicate"),
            "data_dir": str(self.settings.data_dir),
        }


ServiceFactory = Callable[[Settings], AssistantService]
