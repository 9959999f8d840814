"""Text from page images: recognise the lines, then join them back into paragraphs.

Two engines behind one function, `recognise(image, engine) -> list[OcrLine]`:
- "rapidocr" (default): rapidocr-onnxruntime 1.4.4, whose wheel bundles the PP-OCRv4 Chinese
  detection and recognition models, so nothing is downloaded; loaded once, on first use.
- "tesseract": Debian's tesseract-ocr with tesseract-ocr-chi-sim, run as a program.
docs/formats.md has both engines' accuracy and speed on the seed reports.

`paragraphs(lines)` is engine independent: lines sorted top-to-bottom, left-to-right; a line
that is indented, follows a blank gap or starts like a heading (一、 （一） 1. 第一章) opens a
paragraph, a line that stops short of the right margin closes one, any other line continues.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import shutil
import statistics
import subprocess
import threading
from dataclasses import dataclass

from .errors import Reason, UnknownChoiceError, UnsupportedFileError
from .settings import child_env

log = logging.getLogger(__name__)

ENGINES = ("rapidocr", "tesseract")
DEFAULT_ENGINE = "rapidocr"  # 99.9% of Han characters on the seed scans vs Tesseract's 99.0%
# PP-OCRv4's recogniser scales a line to 48 px high and costs time in proportion to its width;
# squeezing a crop to 70% of its width saves a third of that for no loss on the seed scans
# (0.6 dropped a repeated digit, 4555 -> 455: CTC needs room between equal characters)
REC_SQUEEZE = 0.7
# one line per recognition call: batches of 6 (rapidocr's default) pad to the widest line and
# miss the cache, 0.16 s a full line against 0.125 s alone (onnxruntime, one thread, here)
REC_BATCH = 1
MIN_SCORE = 0.5  # rapidocr's own default: below it a "line" is usually a stain or a rule
TESSERACT_TIMEOUT_S = 120  # a dense A4 page takes ~5 s; a stuck one must not hold an ingest
INDENT = 1.2  # in character heights: Chinese paragraphs are indented two characters
SHORT_LINE = 1.5  # a line ending this many characters before the margin ends its paragraph
GAP = 0.9  # a vertical gap of this many line heights is a blank line between paragraphs
# a line opening with one of these starts a heading or numbered point (一、 （一） 1. 第一章 第三条)
HEADING_START = re.compile(r"^\s*(第[一二三四五六七八九十百零〇\d]+[章节部分条篇]|[一二三四五六七八九十]+[、.．]"
                           r"|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．](?!\d)|[①-⑳])")
ASCII_WORD = re.compile(r"[A-Za-z0-9%]")

_pool_lock = threading.Condition()
_free_engines: list = []
_engines_made = 0


@dataclass
class OcrLine:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def recognise(image, engine: str = DEFAULT_ENGINE) -> list[OcrLine]:
    """The text lines of a PIL image, each with its box in pixels. Raises UnsupportedFileError
    (path "(OCR)"; the caller names the file) when the engine is missing or fails."""
    if engine == "rapidocr":
        return _rapidocr_lines(image)
    if engine == "tesseract":
        return _tesseract_lines(image)
    raise UnknownChoiceError("OCR engine", engine, ENGINES)


def page_paragraphs(image, engine: str = DEFAULT_ENGINE) -> list[str]:
    return paragraphs(recognise(image, engine))


# ---------------------------------------------------------------- joining lines

def paragraphs(lines: list[OcrLine]) -> list[str]:
    """Join recognised lines into one string per paragraph (see the module's docstring)."""
    rows = _rows(lines)
    if not rows:
        return []
    height = statistics.median(r.height for r in rows) or 1.0
    lefts = sorted(r.x0 for r in rows)
    rights = sorted(r.x1 for r in rows)
    left = lefts[len(lefts) // 20]  # 5th percentile: a speck left of the margin does not move it
    right = rights[-1 - len(rights) // 20]
    out: list[str] = []
    previous: OcrLine | None = None
    for row in rows:
        opens = (previous is None
                 or row.x0 > left + INDENT * height
                 or HEADING_START.match(row.text) is not None
                 or previous.x1 < right - SHORT_LINE * height
                 or row.y0 - previous.y1 > GAP * height)
        if opens:
            out.append(row.text)
        else:
            out[-1] = _join(out[-1], row.text)
        previous = row
    return out


def _rows(lines: list[OcrLine]) -> list[OcrLine]:
    """Boxes on the same visual line merged into one, left to right; rows top to bottom."""
    lines = [ln for ln in lines if ln.text.strip()]
    lines.sort(key=lambda ln: (ln.y0 + ln.y1) / 2)
    rows: list[list[OcrLine]] = []
    for ln in lines:
        centre = (ln.y0 + ln.y1) / 2
        if rows:
            last = rows[-1]
            top, bottom = min(b.y0 for b in last), max(b.y1 for b in last)
            if top <= centre <= bottom and abs(centre - (top + bottom) / 2) < 0.5 * max(ln.height, 1):
                last.append(ln)
                continue
        rows.append([ln])
    merged = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        text = row[0].text.strip()
        for before, box in itertools.pairwise(row):
            gap = box.x0 - before.x1
            text = (text + " " + box.text.strip()) if gap > 1.5 * box.height else _join(text, box.text.strip())
        merged.append(OcrLine(text, row[0].x0, min(b.y0 for b in row), max(b.x1 for b in row),
                              max(b.y1 for b in row)))
    return merged


def _join(left: str, right: str) -> str:
    """Chinese lines continue without a space; two Latin words or numbers keep one between."""
    if left and right and ASCII_WORD.match(left[-1]) and ASCII_WORD.match(right[0]):
        return left + " " + right
    return left + right


def _fold_spaces(text: str) -> str:
    """Tesseract puts a space between Han characters; keep spaces only between Latin words."""
    text = re.sub(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])", "", text)
    return re.sub(r" {2,}", " ", text).strip()


# ---------------------------------------------------------------- rapidocr

def workers() -> int:
    """Pages recognised at once: one per core, each engine on one thread. On 2 cores this reads
    more pages per second than one engine on two threads (whose threads wait on each other)."""
    return max(1, min(4, os.cpu_count() or 1))


@contextlib.contextmanager
def _rapidocr_engine():
    """Borrow a RapidOCR engine; at most `workers()` are built (half a second each, ~100 MB),
    on first use, and kept for the process's life. An engine is not shared between threads
    at once: RapidOCR keeps per-call state on itself."""
    global _engines_made
    with _pool_lock:
        while not _free_engines and _engines_made >= workers():
            _pool_lock.wait()
        engine = _free_engines.pop() if _free_engines else None
        if engine is None:
            _engines_made += 1
    if engine is None:
        try:
            engine = _build_rapidocr()
        except BaseException:
            with _pool_lock:
                _engines_made -= 1
                _pool_lock.notify()
            raise
    try:
        yield engine
    finally:
        with _pool_lock:
            _free_engines.append(engine)
            _pool_lock.notify()


def _build_rapidocr():
    try:
        import onnxruntime as ort
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise UnsupportedFileError("(OCR)", Reason("ocr_missing")) from e
    import cv2

    class SqueezedRapidOCR(RapidOCR):
        def get_crop_img_list(self, img, dt_boxes):
            crops = super().get_crop_img_list(img, dt_boxes)
            return [cv2.resize(c, (max(8, int(c.shape[1] * REC_SQUEEZE)), c.shape[0]),
                               interpolation=cv2.INTER_AREA) for c in crops]

    engine = SqueezedRapidOCR(use_cls=False, intra_op_num_threads=1, inter_op_num_threads=1,
                              rec_batch_num=REC_BATCH)
    # rapidocr turns onnxruntime's memory arena off, so every layer maps and unmaps its buffers:
    # on this machine that is 60% of the time spent in the kernel. Same models, arena on.
    for holder in (engine.text_det.infer, engine.text_rec.session):
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
        holder.session = ort.InferenceSession(holder.session._model_path, options,
                                              providers=["CPUExecutionProvider"])
    return engine


def _rapidocr_lines(image) -> list[OcrLine]:
    import numpy as np

    pixels = np.asarray(image.convert("RGB"))
    with _rapidocr_engine() as engine:
        result, _ = engine(pixels, use_cls=False)
    lines = []
    for box, text, score in result or []:
        if float(score) < MIN_SCORE:
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        lines.append(OcrLine(text, min(xs), min(ys), max(xs), max(ys)))
    return lines


# ---------------------------------------------------------------- tesseract

def _tesseract_lines(image) -> list[OcrLine]:
    import io

    binary = shutil.which("tesseract")
    if binary is None:
        raise UnsupportedFileError("(OCR)", Reason("tesseract_missing"))
    buf = io.BytesIO()
    image.convert("L").save(buf, "PNG")
    dpi = str(int(image.info.get("dpi", (150, 150))[0]) or 150)
    # psm 6 (one uniform block) reads these pages better than the automatic layout (98.8% vs 92.8%)
    command = [binary, "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "--dpi", dpi, "tsv"]
    env = child_env(OMP_THREAD_LIMIT="1")  # tesseract's OpenMP only slows it on 2 cores
    try:
        done = subprocess.run(command, input=buf.getvalue(), capture_output=True, timeout=TESSERACT_TIMEOUT_S,
                              env=env, check=False)
    except subprocess.TimeoutExpired as e:
        raise UnsupportedFileError("(OCR)", Reason("tesseract_timeout", seconds=TESSERACT_TIMEOUT_S)) from e
    if done.returncode != 0:
        raise UnsupportedFileError("(OCR)", Reason("tesseract_failed", detail=done.stderr.decode(errors="replace")[-200:]))
    words: dict[tuple, list[tuple]] = {}
    for row in done.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = map(int, cols[6:10])
        words.setdefault(tuple(cols[1:5]), []).append((left, top, left + width, top + height, cols[11]))
    lines = []
    for group in words.values():
        text = _fold_spaces(" ".join(w[4] for w in group))
        if text:
            lines.append(OcrLine(text, min(w[0] for w in group), min(w[1] for w in group),
                                 max(w[2] for w in group), max(w[3] for w in group)))
    return lines
