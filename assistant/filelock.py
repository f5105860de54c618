"""An exclusive lock on a file across processes (flock), waiting for it or not."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def flocked(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive flock on `path` (created if needed) until the block ends and yield True; with
    wait=False, yield False at once when another process or open file holds it."""
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
