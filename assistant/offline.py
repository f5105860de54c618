"""Offline environment: no hub downloads, no telemetry, tiktoken from the bundled cache."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def bundled_tiktoken_cache() -> Path | None:
    """Return llama-index's bundled tiktoken cache (cl100k_base, o200k_base), if installed."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "_static" / "tiktoken_cache"
    return path if path.is_dir() else None


def configure_offline_env() -> None:
    """Set the offline variables unless the user already chose otherwise (called at start-up, not import)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        cache = bundled_tiktoken_cache()
        if cache is not None:
            os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
