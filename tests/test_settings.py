"""Settings: defaults, environment, TOML file, strictness."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import PROJECT_ROOT, Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSISTANT_DATA_DIR", raising=False)
    monkeypatch.delenv("ASSISTANT_CORPUS_DIR", raising=False)
    settings = Settings()
    # Defaults come from the repository, never from the working directory (here an empty tmp_path).
    assert settings.data_dir == PROJECT_ROOT / ".assistant"
    assert settings.corpus_dir == PROJECT_ROOT / "corpus" and (settings.corpus_dir / "indicators.csv").is_file()
    assert (settings.evals_dir / "qa.jsonl").is_file()
    assert settings.embedding.model_path is None


def test_environment_and_nested(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "x"))
    monkeypatch.setenv("ASSISTANT_INGEST__MAX_FILE_MB", "2.5")
    settings = Settings()
    assert settings.data_dir == tmp_path / "x"
    assert settings.ingest.max_file_mb == 2.5


def test_toml_file_below_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASSISTANT_DATA_DIR", raising=False)
    (tmp_path / "assistant.toml").write_text('data_dir = "från-toml"\n[ingest]\nmax_file_mb = 3\n')
    assert Settings().data_dir == Path("från-toml")
    monkeypatch.setenv("ASSISTANT_INGEST__MAX_FILE_MB", "4")
    assert Settings().ingest.max_file_mb == 4


def test_unknown_keys_are_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assistant.toml").write_text("[ingest]\nmax_fil_mb = 3\n")
    with pytest.raises(ValidationError):
        Settings()


def test_fingerprint_changes_with_settings() -> None:
    a, b = Settings(), Settings(ingest={"duplicate_threshold": 0.7})
    assert a.fingerprint() == Settings().fingerprint()
    assert a.fingerprint() != b.fingerprint()
