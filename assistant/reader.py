"""Reading report files in a worker process: loading, parsing and chunking are the part of an
ingest that runs on untrusted input, so they run in a child process of their own (``python -m
assistant.reader``) with a time limit per file and a memory ceiling. A file that hangs the parser
or blows up its memory is refused with a typed error naming it; the process that serves questions
never stalls on it, and a crash of the reader takes only the reader down (it is started again).

The child speaks length-prefixed pickles over its stdin and stdout: a job is (path, corpus folder,
overrides, chunking budget); the answer is ("ok", report, chunks) or ("error", AssistantError),
after any number of ("progress", Step): what the reading code reports with ``progress.emit``
(OCR page n of m), passed on to the caller's ``progress`` as it comes."""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from .documents import Chunk, Report
from .errors import AssistantError, Reason, UnsupportedFileError
from .progress import Sink, emit, reporting
from .settings import child_env

log = logging.getLogger(__name__)
MEMORY_CEILING = 3 * 1024 ** 3  # bytes of address space for the reader: a report needs ~200 MB


_shared: "Reader | None" = None
_shared_lock = threading.Lock()


def shared_reader() -> "Reader":
    """The process's reader (its worker starts on first use, ~1 s: shared by every index)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Reader()
        return _shared


class Reader:
    """One worker process, started on first use and again after a crash or a time-out."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()  # one job at a time

    def read(self, path: Path, data: bytes, corpus_dir: Path, overrides: dict | None, chunk_tokens: int,
             min_chunk_tokens: int, timeout_s: float, progress: Sink | None = None) -> tuple[Report, list[Chunk]]:
        """The parsed report and its chunks; UnsupportedFileError naming the file otherwise. The
        steps the reading reports (OCR pages) go to ``progress`` while it reads."""
        with self._lock:
            proc = self._worker()
            try:
                _send(proc.stdin, (str(path), data, str(corpus_dir), overrides, chunk_tokens, min_chunk_tokens))
                deadline = time.monotonic() + timeout_s
                reply = _receive(proc.stdout, deadline)
                while reply[0] == "progress":
                    _tell(progress, reply[1])
                    reply = _receive(proc.stdout, deadline)
            except TimeoutError:
                self.close()
                raise UnsupportedFileError(str(path), Reason("timeout", seconds=int(timeout_s))) from None
            except (OSError, EOFError, pickle.UnpicklingError) as e:
                self.close()
                raise UnsupportedFileError(str(path), Reason("crashed", kind=type(e).__name__)) from e
        if reply[0] == "error":
            raise reply[1]
        return reply[1], reply[2]

    def _worker(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, "-m", "assistant.reader"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, env=child_env(PYTHONUNBUFFERED="1"))
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at interpreter exit the modules may be gone already
            pass


def _tell(progress: Sink | None, step) -> None:
    """Pass a step on; a display that fails must not leave the reply unread (the next job would get it)."""
    if progress is None:
        return
    try:
        progress(step)
    except Exception as e:
        log.warning("progress display failed: %s", e)


def _send(stream, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream, n: int, deadline: float | None) -> bytes:
    out = b""
    while len(out) < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([stream], [], [], left)[0]:
                raise TimeoutError
        piece = os.read(stream.fileno(), n - len(out))
        if not piece:
            raise EOFError("the reader process ended")
        out += piece
    return out


def _receive(stream, deadline: float | None):
    """The next message; TimeoutError past ``deadline`` (time.monotonic())."""
    (n,) = struct.unpack("<Q", _read_exactly(stream, 8, deadline))
    return pickle.loads(_read_exactly(stream, n, deadline))


def _serve() -> None:
    """The child: read jobs until stdin closes."""
    import resource

    from .chunking import chunk_report
    from .parse import read_report

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))
    logging.basicConfig(level=logging.WARNING)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the answers
    while True:
        try:
            path, data, corpus, overrides, chunk_tokens, min_tokens = _receive(stdin, None)
        except EOFError:
            return
        path = Path(path)
        try:
            with reporting(lambda step: _send(stdout, ("progress", step))):
                report = read_report(path, Path(corpus), overrides, data,
                                     on_page=lambda n, total: emit("ocr", n, total, path.name))
                emit("parse", 1, 2, path.name)  # parsed; chunking next
                chunks = chunk_report(report, chunk_tokens, min_tokens)
                emit("parse", 2, 2, path.name)
            reply = ("ok", report, chunks)
        except AssistantError as e:
            reply = ("error", e)
        except MemoryError:
            reply = ("error", UnsupportedFileError(str(path), Reason("memory")))
        except Exception as e:  # a parser library choking on a malformed file: still only this file
            log.warning("reading %s failed", path, exc_info=True)
            reply = ("error", UnsupportedFileError(str(path), Reason("broken", kind=type(e).__name__)))
        _send(stdout, reply)


if __name__ == "__main__":
    _serve()
