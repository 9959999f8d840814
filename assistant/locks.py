"""File locks that serialise work across processes sharing one folder (an ingest, the creation of a
local Chroma store, the feedback candidates file): an exclusive ``flock`` on a lock file beside
what it guards, released when the block ends (or the process dies)."""

from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(Exception):
    """The lock stayed taken longer than the caller would wait."""


@contextmanager
def held(path: Path, wait_s: float | None = None):
    """Hold the lock at ``path`` for the block: wait for it as long as it takes (``wait_s`` None),
    or at most ``wait_s`` seconds, then raise LockTimeout."""
    with open(path, "w") as handle:
        if wait_s is None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(str(path)) from None
                    time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
