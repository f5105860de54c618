"""Uploading through the JSON API: 202 with a job, then the job's status until it has finished."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


def wait_for_job(client: TestClient, accepted: Response, timeout_s: float = 120, **kwargs: Any) -> dict[str, Any]:
    """Follow an accepted upload (202) to its finished job: status, outcomes per file, ok."""
    assert accepted.status_code == 202, accepted.text
    url = accepted.json()["status_url"]
    assert accepted.headers["location"] == url
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(url, **kwargs).json()
        if job["finished"]:
            return dict(job)
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def upload(client: TestClient, timeout_s: float = 120, **kwargs: Any) -> dict[str, Any]:
    """POST /api/documents and wait for the job (headers given are used for the status requests too)."""
    headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() == "authorization"}
    return wait_for_job(client, client.post("/api/documents", **kwargs), timeout_s, headers=headers)
