"""`assistant serve` as users start it: from any working directory, and with the local model out of process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from assistant.settings import Settings
from tests.serving import ServeProcess, component

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_serve_from_any_working_directory_drafts_and_offers_eval_sets(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "någon-annan-mapp"
    elsewhere.mkdir()
    env = {"ASSISTANT_DATA_DIR": str(corpus_settings.data_dir), "ASSISTANT_CONFIG": str(elsewhere / "ingen.toml")}
    with ServeProcess(elsewhere, env, tmp_path / "serve.log") as server:
        response = httpx.post(f"{server.url}/api/draft", timeout=120, json={
            "municipality": "Lerum", "body": "Individnämnden", "period": "2024"})
        assert response.status_code == 200, (response.text, server.output())
        assert response.json()["passed"] is True
        config = httpx.get(f"{server.url}/config", timeout=30).json()
        offered = component(config, "eval-dataset")["choices"]
        assert offered and str(offered[0][0]).endswith("evals/qa.jsonl"), offered
    assert not list(elsewhere.iterdir())  # nothing was read from or written to the working directory
