"""Every kind of file a street office has, end to end in real Chromium: made during the run (a
.doc printed by LibreOffice from a seed report and the same bytes named .wps, a scanned PDF and
a PNG rendered from a seed report, a .docx with a table of targets, an .xlsx, a PDF with a
table), uploaded through the app's upload panel, asked about, and the answer's citation opened
in the source viewer: the table row highlighted, the OCR'd page marked.

Each made report speaks of an office of its own (铁西 renamed 铁东, 铁北, 铁南), so it is not
the seed report already indexed under the same title. One app server for the module."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import TIEXI, app_server
from eval.formats_bench import TEXT_FILTER, image_only_pdf
from test_app import TIMEOUT_MS, ask, browser, page  # noqa: F401  (fixtures: the module's browser and page)
from test_formats import first_page_text, soffice

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / f"{TIEXI}.txt"
TABLE = [["指标", "全年目标", "上半年完成", "完成率"], ["社区老年食堂", "2家", "1家", "50%"],
         ["招聘会", "8次", "5次", "63%"], ["新增就业", "300人", "180人", "60%"]]

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def renamed(text: str, office: str) -> str:
    return text.replace("铁西", office)


def table_docx(path: Path, title: str, grid: list[list[str]]) -> None:
    import docx

    document = docx.Document()
    for line in (title, "一、主要指标完成情况", "主要指标完成情况如下表。"):
        document.add_paragraph(line)
    table = document.add_table(rows=len(grid), cols=len(grid[0]))
    table.style = "Table Grid"
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("二、下半年工作打算")
    document.add_paragraph("下半年继续抓好各项指标落实。")
    document.save(path)


def made_files(folder: Path) -> dict[str, Path]:
    """The files of the test, made here: LibreOffice prints and converts, pypdfium2 scans."""
    doc = soffice(renamed(SEED.read_text(encoding="utf-8"), "铁东").encode("utf-8"), "r.txt", "doc:MS Word 97",
                  infilter=TEXT_FILTER)
    files = {"doc": folder / "铁东街道2024年工作计划.doc", "wps": folder / "铁东街道2024年工作计划.wps"}
    files["doc"].write_bytes(doc)
    files["wps"].write_bytes(doc)  # what WPS Office saves: a Word binary under its own name
    scanned, _ = image_only_pdf(soffice(renamed(first_page_text(), "铁北").encode("utf-8"), "r.txt", "pdf",
                                        infilter=TEXT_FILTER))
    files["scan"] = folder / "铁北街道2024年工作计划（扫描件）.pdf"
    files["scan"].write_bytes(scanned)
    _, [image] = image_only_pdf(soffice(renamed(first_page_text(), "铁南").encode("utf-8"), "r.txt", "pdf",
                                        infilter=TEXT_FILTER))
    files["png"] = folder / "铁南街道2024年工作计划.png"
    image.save(files["png"])
    files["docx"] = folder / "测试街道2024年上半年工作总结.docx"
    table_docx(files["docx"], "测试街道2024年上半年工作总结", TABLE)
    table_docx(folder / "t.docx", "松林街道2024年上半年工作总结", TABLE)
    files["pdf"] = folder / "松林街道2024年上半年工作总结.pdf"
    files["pdf"].write_bytes(soffice((folder / "t.docx").read_bytes(), "t.docx", "pdf"))
    files["xlsx"] = folder / "枫桥街道2024年上半年主要指标完成情况.xlsx"
    _sheet(files["xlsx"])
    return files


def _sheet(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "枫桥街道2024年上半年主要指标完成情况"
    for row in (["指标", "单位", "全年目标", "上半年完成"], ["新增就业", "人", 420, 260], ["招聘会", "场", 10, 6]):
        sheet.append(row)
    book.save(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return made_files(tmp_path_factory.mktemp("made"))


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("formats-app")) as served:
        yield served


def upload(page, paths: list[Path]) -> None:
    page.get_by_role("tab", name="报告").click()
    page.locator("#upload input[type=file]").set_input_files([str(p) for p in paths])


def cited_source(page, figure: str):
    """Open the citation of the answer line that holds ``figure`` in the source viewer."""
    line = page.locator("#chat .answer").last.locator("li, p", has_text=figure).first
    link = line.locator("a.cite").first
    with page.context.expect_page() as opened:
        link.click()
    source = opened.value
    source.wait_for_load_state()
    source.set_default_timeout(TIMEOUT_MS)
    return source


def answered(page, question: str, figure: str) -> None:
    ask(page, question)
    text = page.locator("#chat .answer").last.inner_text()
    assert figure in text, text


def test_every_format_is_uploaded_asked_and_its_citation_opened(page, server, files):
    world = server["world"]
    upload(page, [files[k] for k in ("doc", "scan", "png", "docx", "xlsx", "pdf")])
    reports = page.locator("#reports-table")
    for office in ("铁东街道", "铁北街道", "铁南街道", "测试街道", "枫桥街道", "松林街道"):
        reports.filter(has_text=office).wait_for(timeout=240_000)  # two OCR'd pages and two conversions
    # (once, in a loaded full run, the PDF's row was listed while its file was not yet seen in the
    # corpus folder; not explained: the wait gives it a minute, and a failure lists what is there)
    for kind in ("doc", "scan", "png", "docx", "xlsx", "pdf"):
        path = world / "corpus" / files[kind].name
        for _ in range(60):
            if path.exists():
                break
            time.sleep(1)
        assert path.exists(), (kind, sorted(p.name for p in (world / "corpus").iterdir()))
    page.get_by_role("tab", name="问答").click()

    # .doc (LibreOffice): the figure's sentence highlighted like any report's
    answered(page, "铁东街道2024年招商引资目标是多少？", "7亿元")
    source = cited_source(page, "7亿元")
    assert files["doc"].name in source.locator(".meta").inner_text() and "铁东街道" in source.locator("h1").inner_text()
    assert "7亿元" in source.locator("p.cited mark").first.inner_text()
    source.close()

    # a scanned PDF and a page image (OCR): the page marked, the cited span highlighted in its text
    for office, kind in (("铁北街道", "scan"), ("铁南街道", "png")):
        answered(page, f"{office}2024年招商引资目标是多少？", "7亿元")
        source = cited_source(page, "7亿元")
        assert files[kind].name in source.locator(".meta").inner_text() and office in source.locator("h1").inner_text()
        assert source.locator(".ocr-page").first.inner_text() == "识别自扫描件，第 1 页"
        assert "识别自扫描件第 1 页" in source.locator(".ocr-hint").inner_text()
        assert "7亿元" in source.locator("p.cited mark").first.inner_text()
        source.close()

    # tables (.docx, .xlsx, PDF): shown as a table, the cited row highlighted
    for question, figure, row_label in (("测试街道2024年社区老年食堂全年目标是多少？", "2家", "社区老年食堂"),
                                        ("枫桥街道2024年新增就业全年目标是多少？", "420", "新增就业"),
                                        ("松林街道上半年招聘会完成了几次？", "5次", "招聘会")):
        answered(page, question, figure)
        source = cited_source(page, figure)
        row = source.locator("table.doc-table tr.cited")
        assert row.count() == 1, question
        assert row.locator("td").first.inner_text() == row_label
        assert row.locator("td mark", has_text=figure).count() == 1  # the figure's cell highlighted
        assert source.locator("table.doc-table th").first.inner_text() == "指标"
        source.wait_for_function("""() => {  // scrolled into view below the sticky header
            const r = document.querySelector('tr.cited').getBoundingClientRect();
            return r.top >= document.querySelector('header').getBoundingClientRect().bottom && r.bottom <= innerHeight; }""",
                                 timeout=5000)
        source.close()


def test_the_same_bytes_named_wps_replace_the_doc_and_are_answered(page, server, files):
    """A .wps is a Word binary WPS Office saved: LibreOffice reads it as Word 97. Uploaded after
    the .doc (same report), the app asks first, then the .wps version answers."""
    upload(page, [files["wps"]])
    page.locator("#replace").wait_for(state="visible", timeout=120_000)
    page.locator("#replace").click()
    page.locator("#replace").wait_for(state="hidden", timeout=120_000)
    assert (server["world"] / "corpus" / files["wps"].name).exists()
    page.get_by_role("tab", name="问答").click()
    answered(page, "铁东街道2024年招商引资目标是多少？", "7亿元")
    source = cited_source(page, "7亿元")
    assert files["wps"].name in source.locator(".meta").inner_text()  # the .wps version, not the .doc
    assert not (server["world"] / "corpus" / files["doc"].name).exists()  # set aside in data/removed
    assert "7亿元" in source.locator("p.cited mark").first.inner_text()
