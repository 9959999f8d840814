"""python -m eval.formats_bench: OCR accuracy and speed, and .doc/.wps conversion time, on the
seed reports (docs/formats.md has the figures and how they were made).

Each corpus/*.txt is printed to PDF by LibreOffice (a CJK font, A4), every page rasterised at
150 dpi into an image-only PDF (what a scanner makes: no text layer), and that PDF loaded
through `assistant.loaders.load` with each OCR engine. Accuracy is the share of the report's
Han characters read correctly, aligned with difflib on Han characters only (punctuation,
spacing and line breaks do not count); digits are scored the same way, since targets are
figures. Time is wall-clock seconds and CPU seconds (this process and its children, so
Tesseract's own process counts) per page. The load average is printed too: a busy machine
makes wall-clock times longer.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import logging
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILTER = "Text (encoded):UTF8,LF,WenQuanYi Micro Hei,zh-CN"  # LibreOffice's text import with a CJK font
SCAN_DPI = 150


def han_accuracy(expected: str, got: str, pattern: str = r"[\u4e00-\u9fff]") -> float:
    """Share of the expected characters (Han by default) found in order in ``got``."""
    a = "".join(re.findall(pattern, expected))
    b = "".join(re.findall(pattern, got))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(len(a), 1)


def printed_pdf(text: str) -> bytes:
    """The text as LibreOffice prints it to PDF."""
    from assistant.convert import convert

    made = convert(text.encode("utf-8"), Path("report.txt"), "pdf", infilter=TEXT_FILTER)
    if not made:
        raise RuntimeError("LibreOffice made no PDF")
    return made


def image_only_pdf(pdf_bytes: bytes, dpi: int = SCAN_DPI) -> tuple[bytes, list]:
    """What a scanner makes of a printed PDF: every page a grey image at ``dpi``, no text layer."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_bytes)
    images = [document[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(document))]
    document.close()
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buf.getvalue(), images


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_ocr(reports: list[Path], engines: list[str]) -> list[dict]:
    from assistant import ocr
    from assistant.loaders import load

    scans, first = [], None
    for path in reports:
        text = path.read_text(encoding="utf-8")
        scanned, images = image_only_pdf(printed_pdf(text))
        scans.append((path, text, scanned, len(images)))
        first = first or images[0]
    rows = []
    for engine in engines:
        if engine == "rapidocr":
            ocr.recognise(first.crop((0, 0, 600, 300)), engine)  # the model load is not a page's cost
        pages = han_read = han_total = digit_read = digit_total = 0
        wall = cpu = 0.0
        for path, text, scanned, count in scans:
            started, cpu0 = time.perf_counter(), _cpu()
            loaded = load(path.with_suffix(".pdf"), scanned, ocr_engine=engine)
            wall += time.perf_counter() - started
            cpu += _cpu() - cpu0
            pages += count
            n_han = len(re.findall(r"[\u4e00-\u9fff]", text))
            n_dig = len(re.findall(r"[0-9]", text))
            han_read += han_accuracy(text, loaded.text) * n_han
            digit_read += han_accuracy(text, loaded.text, r"[0-9]") * n_dig
            han_total += n_han
            digit_total += n_dig
            log.info("%s %s: %d pages, Han %.4f", engine, path.name, count, han_accuracy(text, loaded.text))
        rows.append({"engine": engine, "pages": pages, "han_chars": han_total, "han_accuracy": han_read / han_total,
                     "digit_accuracy": digit_read / digit_total, "wall_s_per_page": wall / pages,
                     "cpu_s_per_page": cpu / pages})
    return rows


def bench_doc(report: Path, repeats: int) -> dict:
    """Time to load a .doc (LibreOffice conversion, then the .docx reader) and the same bytes as .wps."""
    from assistant.convert import convert
    from assistant.loaders import load

    text = report.read_text(encoding="utf-8")
    doc = convert(text.encode("utf-8"), Path("report.txt"), "doc:MS Word 97", infilter=TEXT_FILTER)
    out = {"report": report.name, "doc_bytes": len(doc)}
    for suffix in (".doc", ".wps"):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            loaded = load(Path("report" + suffix), doc)
            times.append(time.perf_counter() - started)
        out[suffix] = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
                       "han_accuracy": han_accuracy(text, loaded.text)}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["rapidocr", "tesseract"])
    parser.add_argument("--reports", nargs="*", type=Path, default=sorted((ROOT / "corpus").glob("*.txt")))
    parser.add_argument("--repeats", type=int, default=3, help="runs of each .doc conversion")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = {"load_average_before": os.getloadavg(), "cpus": os.cpu_count()}
    result["ocr"] = bench_ocr(args.reports, args.engines)
    result["doc"] = bench_doc(min(args.reports, key=lambda p: p.stat().st_size), args.repeats)
    result["load_average_after"] = os.getloadavg()
    print("| engine | pages | Han accuracy | digit accuracy | wall s/page | CPU s/page |")
    print("|---|---|---|---|---|---|")
    for row in result["ocr"]:
        print(f"| {row['engine']} | {row['pages']} | {row['han_accuracy']:.2%} | {row['digit_accuracy']:.2%} | "
              f"{row['wall_s_per_page']:.1f} | {row['cpu_s_per_page']:.1f} |")
    doc = result["doc"]
    for suffix in (".doc", ".wps"):
        print(f"{suffix} ({doc['report']}, {doc['doc_bytes']} bytes): median {doc[suffix]['median_s']:.1f} s "
              f"(min {doc[suffix]['min_s']:.1f}, max {doc[suffix]['max_s']:.1f}), "
              f"Han {doc[suffix]['han_accuracy']:.2%}")
    print(f"load average before {result['load_average_before']}, after {result['load_average_after']}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
