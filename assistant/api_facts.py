"""The fact review endpoints of the JSON API: list facts with their review status, review them (granskare, admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from assistant.auth import User
from assistant.service import AssistantService
from assistant.types import Fact


class ReviewBody(BaseModel):
    """A fact review: some facts by id, or a whole table's pending facts; correct needs the new value."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = Field(None, description="Fact ids (see GET /api/facts).")
    table_id: str | None = Field(None, description="Instead of ids: every unreviewed fact of this table.")
    action: str = Field(description="approve, correct, reject or reset.")
    value: str | None = Field(None, description="The corrected value (only with correct).")


class ReviewOut(BaseModel):
    """The facts a review changed, as they now stand."""

    changed: int
    facts: list[Fact]


def _reviewer(user: User) -> None:
    if not user.may_review:
        raise HTTPException(403, "Du behöver rollen granskare eller admin för att se och granska fakta.")


def fact_router(service: AssistantService, current_user: Any, errors: dict[int | str, dict[str, Any]]) -> APIRouter:
    """GET /api/facts and POST /api/facts/review; `current_user` is the app's login dependency."""
    router = APIRouter(tags=["fakta"], responses=errors)

    @router.get("/api/facts", response_model=list[Fact])
    def facts(document: str | None = None, review: str | None = None, table_id: str | None = None,
              user: User = current_user) -> list[Fact]:
        """Facts of the documents the user may read, with review status; optionally of one document (file name or
        id), one status (extracted, reviewed, corrected, rejected) and one table. Needs granskare or admin."""
        _reviewer(user)
        return service.facts(document=document or None, review=review or None, table_id=table_id or None,
                             roles=user.roles)

    @router.post("/api/facts/review", response_model=ReviewOut)
    def review_facts(body: ReviewBody, user: User = current_user) -> ReviewOut:
        """Approve, correct (with value), reject or reset facts by id, or a whole table's pending facts; audited."""
        _reviewer(user)
        changed = service.review_facts(body.ids, body.table_id, body.action, user.name, body.value, roles=user.roles)
        return ReviewOut(changed=len(changed), facts=changed)

    return router
