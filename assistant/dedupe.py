"""Near-duplicate detection on content (MinHash over word shingles) and extraction quality."""

from __future__ import annotations

import re
import zlib

import numpy as np
from datasketch import MinHash

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int) -> set[bytes]:
    """Lower-cased word shingles; layout (line breaks, hyphen splits) matters little at this level."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, size: int, permutations: int) -> list[int]:
    """MinHash signature of the text's shingles, stored with the document."""
    minhash = MinHash(num_perm=permutations, seed=1, hashfunc=zlib.crc32)
    minhash.update_batch(list(shingles(text, size)))
    return [int(v) for v in minhash.hashvalues]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two signatures of the same length."""
    if not a or len(a) != len(b):
        return 0.0
    return float(np.mean(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64)))


def extraction_quality(text: str) -> float:
    """Higher for extractions that keep paragraphs and table rows whole: mean characters per line."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return 0.0
    return round(sum(len(ln) for ln in lines) / len(lines), 2)
