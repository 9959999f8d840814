"""Progress of an ingest as events: ``Step(stage, done, total, name)``, one shape for every stage, so
the CLI prints them, the app's upload panel shows them as a bar, and a stage deep in the reader
process (OCR, page by page) joins them by calling ``emit``.

The stages of one ingest, in order: ``read`` (file done of total), ``ocr`` (page done of total) and
``parse`` (parsed, chunked), both in the reader process, ``index`` (reports written: searchable by
their words from here on), ``embed`` (passages done of total), ``done`` (their vectors written:
dense search has them too).

``emit`` tells the sink that ``reporting`` installed in this process, and nobody otherwise: the
reader process installs one that sends each step back to the process that asked for the file
(reader.py), so code that reads files only ever calls ``emit``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

STAGES = ("read", "ocr", "parse", "index", "embed", "done")


@dataclass(frozen=True)
class Step:
    stage: str  # one of STAGES
    done: int
    total: int
    name: str = ""  # the file it is about, when one

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def describe(self, lang: str) -> str:
        from .labels import say

        return say(lang, f"progress_{self.stage}", done=self.done, total=self.total, name=self.name)


Sink = Callable[[Step], None]
_sink: Sink | None = None
_lock = threading.Lock()  # a stage may report from worker threads (OCR pages in parallel)


def emit(stage: str, done: int, total: int, name: str = "") -> None:
    """Report a step to whoever listens in this process (nobody unless ``reporting`` is on)."""
    sink = _sink
    if sink is not None:
        with _lock:
            sink(Step(stage, done, total, name))


@contextmanager
def reporting(sink: Sink):
    """Send the steps ``emit`` reports to ``sink`` while the block runs."""
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous


def relay(progress: Sink | None, name: str = "") -> Sink | None:
    """A sink that passes steps on to ``progress`` with the file's name filled in."""
    if progress is None:
        return None
    return lambda step: progress(Step(step.stage, step.done, step.total, step.name or name))
