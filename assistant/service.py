"""The application service: one object the CLI, the Gradio app and the JSON API all call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.audit import AuditLog
from assistant.ingest import Ingestor, IngestReport, Progress
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.types import Answer, AskRequest, DocumentMeta, Draft, DraftRequest

__all__ = ["AskRequest", "AssistantService", "ServiceError"]


class ServiceError(ValueError):
    """A request the service cannot carry out; the message is Swedish and meant for the user."""


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

    @cached_property
    def audit(self) -> AuditLog:
        """The append-only audit log (who asked what, what was cited, drafts, feedback, changes)."""
        return AuditLog.from_settings(self.settings)

    @cached_property
    def ingestor(self) -> Ingestor:
        """The ingestor wired to every index sink."""
        from assistant.pipeline import build_ingestor

        return build_ingestor(self.settings)

    @property
    def registry(self) -> Registry:
        """The document registry, freshly read (reading it needs no embedder or index)."""
        return Registry(self.settings.data_dir)

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

    @cached_property
    def answerer(self) -> Callable[[AskRequest], Answer]:
        """The answering pipeline, built once (embedder, indexes, fact store, LLM)."""
        from assistant.pipeline import build_answerer

        return build_answerer(self.settings)

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
