"""The file-format layer: .docx/.xlsx/.pdf tables in place, .doc/.wps through LibreOffice,
scanned PDFs and page images through OCR. Every file is made during the run (LibreOffice,
python-docx, openpyxl, PIL), none is checked in."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import convert, ocr, pdf
from assistant.errors import UnsupportedFileError
from assistant.loaders import Loaded, load
from eval.formats_bench import TEXT_FILTER, han_accuracy, image_only_pdf

ROOT = Path(__file__).resolve().parents[1]
TIEXI = ROOT / "corpus" / "000_64b46b310826ad2c.txt"
HEADS = ["指标", "全年目标", "上半年完成", "完成率"]
TARGETS = [HEADS, ["社区老年食堂", "2家", "1家", "50%"], ["招聘会", "8次", "5次", ""],
           ["新增就业", "300人", "180人", "60%"]]

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


def han(text: str) -> str:
    return "".join(re.findall(r"[\u4e00-\u9fff]", text))


def assert_offsets(loaded: Loaded) -> None:
    for table in loaded.tables:
        assert loaded.text[table.start:table.end].startswith(loaded.text[table.rows[0].start:table.rows[0].end])
        for row in table.rows:
            assert "\n" not in loaded.text[row.start:row.end]
            for cell in row.cells:
                assert loaded.text[cell.start:cell.end] == cell.text and row.start <= cell.start <= cell.end <= row.end
    for page in loaded.pages:
        assert 0 <= page.start <= page.end <= len(loaded.text)


def soffice(data: bytes, name: str, target: str, infilter: str | None = None) -> bytes:
    made = convert.convert(data, Path(name), target, infilter=infilter)
    assert made, f"LibreOffice made no {target} of {name}"
    return made


def first_page_text() -> str:
    """The seed report's opening paragraphs: one A4 page, so each OCR test recognises one page."""
    text = TIEXI.read_text(encoding="utf-8")
    return text[:text.index("三、保民生")].rstrip() + "\n"


def targets_docx(path: Path, merged: bool = True) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("测试街道2024年上半年工作总结")
    document.add_paragraph("一、民生保障")
    document.add_paragraph("上半年主要指标完成情况如下表。")
    table = document.add_table(rows=len(TARGETS) + (1 if merged else 0), cols=4)
    table.style = "Table Grid"
    for r, row in enumerate(TARGETS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    if merged:  # a note merged across the row's last three cells
        last = len(TARGETS)
        table.cell(last, 0).text = "养老服务"
        table.cell(last, 1).merge(table.cell(last, 3)).text = "已完成"
    document.add_paragraph("二、平安建设")
    document.add_paragraph("全年召开安委会会议4次。")
    document.save(path)


# ---------------------------------------------------------------- .docx

def test_docx_table_stands_in_place_with_heads_carried_into_rows(tmp_path):
    targets_docx(tmp_path / "t.docx")
    loaded = load(tmp_path / "t.docx")
    lines = loaded.text.split("\n")
    assert lines == [
        "测试街道2024年上半年工作总结", "一、民生保障", "上半年主要指标完成情况如下表。",
        "指标 | 全年目标 | 上半年完成 | 完成率",
        "社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%",
        "招聘会 | 全年目标 8次 | 上半年完成 5次",  # the empty cell is left out
        "新增就业 | 全年目标 300人 | 上半年完成 180人 | 完成率 60%",
        "养老服务 | 全年目标 已完成 | 上半年完成 已完成 | 完成率 已完成",  # a merged cell repeated
        "二、平安建设", "全年召开安委会会议4次。"]
    [table] = loaded.tables
    assert [row.header for row in table.rows] == [True, False, False, False, False]
    assert [c.text for c in table.rows[1].cells] == ["社区老年食堂", "2家", "1家", "50%"]
    assert loaded.text[table.rows[1].start:table.rows[1].end] == lines[4]
    assert loaded.text.index("一、民生保障") < table.start < table.end < loaded.text.index("二、平安建设")
    assert loaded.pages == [] and loaded.warnings == []
    assert_offsets(loaded)


def test_a_table_without_a_header_row_keeps_its_rows_as_they_are(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("一、基本情况")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["辖区面积", "3.2平方公里"], ["常住人口", "4.1万人"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(tmp_path / "n.docx")
    loaded = load(tmp_path / "n.docx")
    assert loaded.text.split("\n")[1:] == ["辖区面积 | 3.2平方公里", "常住人口 | 4.1万人"]
    assert not any(row.header for row in loaded.tables[0].rows)
    assert_offsets(loaded)


def _break_first_row_merge(src: Path, dst: Path) -> None:
    """A vertical-merge continuation in the table's top row: python-docx raises
    ValueError('no tr above topmost tr in w:tbl') reading that row's cells."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                at = xml.index("<w:tc>") + len("<w:tc>")
                tcpr = xml.index("<w:tcPr>", at) + len("<w:tcPr>")
                data = (xml[:tcpr] + '<w:vMerge/>' + xml[tcpr:]).encode("utf-8")
            zout.writestr(item, data)


def test_a_malformed_docx_table_does_not_escape_as_another_exception(tmp_path):
    import docx

    targets_docx(tmp_path / "ok.docx", merged=False)
    _break_first_row_merge(tmp_path / "ok.docx", tmp_path / "bad.docx")
    with pytest.raises(ValueError, match="no tr above topmost tr"):
        [row.cells for row in docx.Document(tmp_path / "bad.docx").tables[0].rows]
    loaded = load(tmp_path / "bad.docx")
    assert loaded.warnings and "bad.docx" in loaded.warnings[0] and "merged" in loaded.warnings[0]
    assert "社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%" in loaded.text  # read without the merge
    assert loaded.text.index("一、民生保障") < loaded.text.index("社区老年食堂") < loaded.text.index("二、平安建设")
    assert_offsets(loaded)


def _bomb(path: Path, member: str, size: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(member, "w") as entry:
            block = b"<row><c><v>0</v></c></row>" * 40_000
            for _ in range(size // len(block) + 1):
                entry.write(block)


@pytest.mark.parametrize("name,member,size", [
    ("bomb.xlsx", "xl/worksheets/sheet1.xml", 64 << 20),  # over the unpacked cap
    ("dense.xlsx", "xl/worksheets/sheet1.xml", 30 << 20),  # under the cap, but 1000x its size
    ("bomb.docx", "word/document.xml", 64 << 20),
])
def test_zip_bombs_are_refused_before_they_are_unpacked(tmp_path, name, member, size):
    _bomb(tmp_path / name, member, size)
    assert (tmp_path / name).stat().st_size < 1 << 20
    with pytest.raises(UnsupportedFileError) as e:
        load(tmp_path / name)
    assert name in str(e.value) and "zip bomb" in str(e.value)


# ---------------------------------------------------------------- .xlsx

def test_xlsx_sheets_are_tables_with_their_names_as_captions(tmp_path):
    import datetime as dt

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "2024年目标"
    for row in [HEADS, ["社区老年食堂", "2家", "1家", 0.5], ["固定资产投资", 0.3, 0.06, 0.2]]:
        sheet.append(row)
    for r in (2, 3):
        sheet.cell(r, 4).number_format = "0%"
    sheet.append(["备注", "上半年数据截至6月30日"])
    sheet.merge_cells("B4:D4")
    second = workbook.create_sheet("会议")
    second.append(["日期", "会议"])
    second.append([dt.datetime(2024, 3, 1), "安委会"])
    workbook.create_sheet("空表")
    workbook.save(tmp_path / "t.xlsx")

    loaded = load(tmp_path / "t.xlsx")
    assert loaded.text.split("\n") == [
        "2024年目标", "指标 | 全年目标 | 上半年完成 | 完成率",
        "社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%",
        "固定资产投资 | 全年目标 0.3 | 上半年完成 0.06 | 完成率 20%",
        "备注 | 全年目标 上半年数据截至6月30日 | 上半年完成 上半年数据截至6月30日 | 完成率 上半年数据截至6月30日",
        "会议", "日期 | 会议", "2024-03-01 | 会议 安委会"]
    assert [t.caption for t in loaded.tables] == ["2024年目标", "会议"]
    assert loaded.text[:loaded.tables[0].start].rstrip("\n") == "2024年目标"
    assert_offsets(loaded)


def test_xlsx_row_cap_gives_a_clear_error(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("流水")
    for i in range(20_001):
        sheet.append([i])
    workbook.save(tmp_path / "big.xlsx")
    with pytest.raises(UnsupportedFileError, match=r"big\.xlsx: sheet '流水' has more than 20000 rows"):
        load(tmp_path / "big.xlsx")


# ---------------------------------------------------------------- .doc and .wps

@needs_soffice
@pytest.mark.slow
def test_doc_and_the_same_bytes_as_wps_read_like_the_report(tmp_path):
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0:
        assert convert._isolated() == [shutil.which("unshare"), "-rn"]  # LibreOffice runs without a network
    source = TIEXI.read_text(encoding="utf-8")
    doc = soffice(source.encode("utf-8"), "r.txt", "doc:MS Word 97", infilter=TEXT_FILTER)
    assert doc[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE2 compound file: Word 97
    (tmp_path / "r.doc").write_bytes(doc)
    (tmp_path / "r.wps").write_bytes(doc)  # what WPS Office writes: a Word binary named .wps
    for name in ("r.doc", "r.wps"):
        loaded = load(tmp_path / name)
        assert han(loaded.text) == han(source), name
        assert "招商引资实际到位内资全年计划完成7亿元" in loaded.text and "一、重党建，领全局" in loaded.text.split("\n")


def test_wps_retries_with_the_word_97_filter(monkeypatch):
    calls = []

    def fake(data, path, target, infilter=None, timeout=0):
        calls.append(infilter)
        return None if infilter is None else b"docx bytes"
    monkeypatch.setattr(convert, "convert", fake)
    assert convert.to_docx(b"x", Path("r.wps")) == b"docx bytes"
    assert calls == [None, "MS Word 97"]


def test_without_soffice_a_doc_gets_the_install_command(tmp_path, monkeypatch):
    (tmp_path / "r.doc").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UnsupportedFileError) as e:
        load(tmp_path / "r.doc")
    assert "r.doc" in str(e.value) and "apt-get install -y libreoffice-writer-nogui" in str(e.value)


@needs_soffice
def test_a_conversion_past_its_time_limit_is_killed_with_a_clear_error(tmp_path):
    with pytest.raises(UnsupportedFileError, match=r"r\.doc: LibreOffice did not convert it within 0 s"):
        convert.convert(b"\xd0\xcf\x11\xe0" + b"\0" * 100, Path("r.doc"), "docx", timeout=0.2)
    left = [p for p in Path("/proc").glob("[0-9]*/cmdline")
            if b"assistant-convert-" in _read(p) and b"soffice" in _read(p)]
    assert not left, "a LibreOffice process outlived its conversion"


def _read(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError:
        return b""


# ---------------------------------------------------------------- PDF

@needs_soffice
@pytest.mark.slow
def test_pdf_table_is_read_as_table_lines_in_place_of_the_numbers_line(tmp_path, monkeypatch):
    import docx

    targets_docx(tmp_path / "t.docx")
    document = docx.Document(tmp_path / "t.docx")
    document.add_paragraph("三、社区台账")
    long = document.add_table(rows=61, cols=3)
    long.style = "Table Grid"
    for c, head in enumerate(["社区", "户数", "网格员"]):
        long.cell(0, c).text = head
    for r in range(1, 61):
        for c, value in enumerate([f"第{r}社区", f"{100 + r}户", f"{r % 7 + 1}人"]):
            long.cell(r, c).text = value
    document.save(tmp_path / "t.docx")
    (tmp_path / "t.pdf").write_bytes(soffice((tmp_path / "t.docx").read_bytes(), "t.docx", "pdf"))
    loaded = load(tmp_path / "t.pdf")
    lines = loaded.text.split("\n")
    assert "指标 | 全年目标 | 上半年完成 | 完成率" in lines
    assert "社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%" in lines
    assert not any(line.startswith("社区老年食堂 2家") for line in lines)  # pypdf's raw row is gone
    assert lines.index("一、民生保障") < lines.index("指标 | 全年目标 | 上半年完成 | 完成率") < lines.index("二、平安建设")
    assert [p.ocr for p in loaded.pages] == [False, False] and len(loaded.tables) == 3
    # the long table goes on overleaf without its header row: its heads are carried over
    assert loaded.tables[2].rows[0].start == loaded.pages[1].start and not loaded.tables[2].rows[0].header
    assert "第60社区 | 户数 160户 | 网格员 5人" in lines
    assert_offsets(loaded)
    monkeypatch.setattr(pdf, "MAX_CHARS", 500)
    with pytest.raises(UnsupportedFileError, match=r"t\.pdf: it holds .* characters of text, over the limit of 500"):
        load(tmp_path / "t.pdf")


def test_pdf_caps_give_clear_errors(tmp_path, monkeypatch):
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(pdf.MAX_PAGES + 1):
        writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    (tmp_path / "long.pdf").write_bytes(buf.getvalue())
    with pytest.raises(UnsupportedFileError, match=r"long\.pdf: has 301 pages, more than the 300"):
        load(tmp_path / "long.pdf")


def test_a_garbage_text_layer_is_not_taken_for_text():
    assert pdf.has_text_layer("铁西街道2024年工作计划，一、重党建，领全局。" * 2)
    assert not pdf.has_text_layer("")
    assert not pdf.has_text_layer("\ue001\ue002\ue003 " * 40 + "ab")  # glyphs without a Unicode map
    assert not pdf.has_text_layer("- 3 -")  # a scan with a page number stamped on it


# ---------------------------------------------------------------- OCR

def test_recognised_lines_join_into_paragraphs_and_headings():
    h = 20  # character height in pixels; the margins are at x=100 and x=1100
    rows = [("一、重党建，领全局", 100, 300),  # a heading line that stops short
            ("一是落实落细党建责任。深化习近平新时代中国特色社会主义思想主题教育，确保学", 140, 1100),  # indented
            ("习教育常态化，推动学习成果持续转化。", 100, 460),  # ends before the margin
            ("二是提升基层治理水平。进一步深化网格治理，建立标准化网格台账和需求清单，落", 100, 1100),
            ("实党建、民政、应急等“多网合一”，加强网格治理能力。提升物业治理水平，探索", 100, 1100),
            ("老旧小区共享物业服务模式。", 100, 380),
            ("（一）加强基层党建", 100, 300)]
    lines = [ocr.OcrLine(text, x0, 100 + 30 * i, x1, 100 + 30 * i + h) for i, (text, x0, x1) in enumerate(rows)]
    lines.reverse()  # the engine's order does not matter
    assert ocr.paragraphs(lines) == [
        "一、重党建，领全局",
        "一是落实落细党建责任。深化习近平新时代中国特色社会主义思想主题教育，确保学习教育常态化，推动学习成果持续转化。",
        ("二是提升基层治理水平。进一步深化网格治理，建立标准化网格台账和需求清单，落实党建、民政、应急等“多网合一”，"
         "加强网格治理能力。提升物业治理水平，探索老旧小区共享物业服务模式。"),
        "（一）加强基层党建"]


@pytest.fixture(scope="module")
def scanned_page(tmp_path_factory):
    """The seed report's first page printed by LibreOffice and scanned at 150 dpi."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    text = first_page_text()
    printed = soffice(text.encode("utf-8"), "r.txt", "pdf", infilter=TEXT_FILTER)
    scanned, images = image_only_pdf(printed)
    assert len(images) == 1, "the test page must fit one page"
    return text, scanned, images[0]


def _check_ocr(loaded: Loaded, text: str) -> None:
    assert han_accuracy(text, loaded.text) >= 0.95
    lines = loaded.text.split("\n")
    assert "一、重党建，领全局" in lines and "二、强经济，促发展" in lines  # headings on lines of their own
    assert "24%" in loaded.text and "7亿元" in loaded.text
    assert [p.ocr for p in loaded.pages] == [True] and loaded.pages[0].number == 1
    assert (loaded.pages[0].start, loaded.pages[0].end) == (0, len(loaded.text))


@pytest.mark.slow
def test_a_scanned_pdf_is_recognised_page_by_page(tmp_path, scanned_page):
    import pypdf

    text, scanned, _ = scanned_page
    assert not pypdf.PdfReader(io.BytesIO(scanned)).pages[0].extract_text().strip()  # no text layer
    (tmp_path / "scan.pdf").write_bytes(scanned)
    calls = []
    loaded = load(tmp_path / "scan.pdf", on_page=lambda n, total: calls.append((n, total)))
    _check_ocr(loaded, text)
    assert calls == [(1, 1)]


@pytest.mark.slow
def test_a_png_page_is_recognised(tmp_path, scanned_page):
    text, _, image = scanned_page
    image.save(tmp_path / "page.png")
    _check_ocr(load(tmp_path / "page.png"), text)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_tesseract_reads_the_same_page(tmp_path, scanned_page):
    text, _, image = scanned_page
    image.save(tmp_path / "page.jpg", quality=90)
    _check_ocr(load(tmp_path / "page.jpg", ocr_engine="tesseract"), text)


@pytest.mark.slow
def test_the_ocr_engine_needs_no_network(tmp_path):
    """RapidOCR's models come in its wheel: it reads a line in a namespace without a network."""
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no network namespaces here")
    script = (
        "from PIL import Image, ImageDraw, ImageFont\n"
        "from assistant import ocr\n"
        "image = Image.new('L', (900, 80), 255)\n"
        "font = ImageFont.truetype('/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', 40)\n"
        "ImageDraw.Draw(image).text((20, 15), '铁西街道2024年工作计划', font=font, fill=0)\n"
        "print(ocr.page_paragraphs(image))\n")
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "铁西街道2024年工作计划" in done.stdout


def test_each_page_of_a_scan_reports_progress_and_a_tif_is_read_page_by_page(tmp_path, monkeypatch):
    """on_page(n, total) after each page read by OCR, in order; a .tif scan's frames are its pages."""
    from PIL import Image

    from assistant.parse import read_report

    seen = []
    monkeypatch.setattr(ocr, "page_paragraphs", lambda image, engine: seen.append(image.size) or
                        [f"测试街道第{len(seen)}页的文字，一共{image.size[0]}像素宽。"])
    frames = [Image.new("L", (600 + 10 * n, 800), 255) for n in range(3)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:])
    calls = []
    loaded = load(tmp_path / "scan.tif", on_page=lambda n, total: calls.append((n, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)] and seen == [(600, 800), (610, 800), (620, 800)]
    assert [(p.number, p.ocr) for p in loaded.pages] == [(1, True), (2, True), (3, True)]
    assert loaded.text.split("\n")[1] == "测试街道第2页的文字，一共610像素宽。"
    calls.clear()
    report = read_report(tmp_path / "scan.tif", tmp_path, on_page=lambda n, total: calls.append((n, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)] and [p["number"] for p in report.pages] == [1, 2, 3]


def test_ocr_trouble_is_told_with_the_file(tmp_path, monkeypatch):
    from PIL import Image

    Image.new("L", (1, 1), 255).save(tmp_path / "dot.png")
    with pytest.raises(UnsupportedFileError, match=r"dot\.png: no text could be recognised"):
        load(tmp_path / "dot.png")
    Image.new("L", (200, 100), 255).save(tmp_path / "blank.png")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UnsupportedFileError) as e:
        load(tmp_path / "blank.png", ocr_engine="tesseract")
    assert "blank.png: page 1" in str(e.value) and "apt-get install -y tesseract-ocr" in str(e.value)


# ---------------------------------------------------------------- the source viewer

def test_the_viewer_shows_a_table_as_a_table_with_the_cited_row_marked(tmp_path):
    from assistant.labels import ZH
    from assistant.parse import read_report
    from assistant.viewer import source_page

    targets_docx(tmp_path / "t.docx")
    report = read_report(tmp_path / "t.docx", tmp_path)
    row = report.tables[0]["rows"][2]  # 招聘会 | 全年目标 8次 | 上半年完成 5次 (完成率 empty)
    value = row["cells"][1]
    html = source_page(report, ZH, value[0], value[1])
    table = html[html.index('<table class="doc-table">'):html.index("</table>")]
    assert "<thead><tr" in table and "<th>指标</th><th>全年目标</th><th>上半年完成</th><th>完成率</th>" in table
    cited = re.findall(r'<tr id="(p\d+)" class="cited">(.*?)</tr>', table)
    assert len(cited) == 1 and cited[0][1] == "<td>招聘会</td><td><mark>8次</mark></td><td>5次</td><td></td>"
    paragraph = next(p for _, p in report.paragraphs() if p.start == row["start"])
    assert cited[0][0] == paragraph.id  # the anchor a citation scrolls to
    assert "全年目标 8次" not in table  # the heads carried into the row's text stand above it


def test_every_ocr_page_is_marked_and_a_citation_into_one_says_so():
    from assistant.doctext import TextBuilder
    from assistant.labels import EN, ZH
    from assistant.parse import parse_report
    from assistant.viewer import source_page

    out = TextBuilder()
    out.begin_page(1, ocr=True)
    for line in ("测试街道2024年工作计划", "一、发展经济", "一是全年新建3家社区食堂，确保"):
        out.line(line)
    out.begin_page(2, ocr=True)  # the sentence runs on over the page break
    for line in ("年内投入使用。", "二、平安建设", "全年召开安委会会议4次。"):
        out.line(line)
    loaded = out.build()
    report = parse_report(loaded.text, "scan", "scan.pdf", layout=loaded)
    assert [p["number"] for p in report.pages] == [1, 2]
    at = loaded.text.index("4次")
    html = source_page(report, ZH, at, at + 2)
    assert html.count('class="ocr-page"') == 2 and "识别自扫描件，第 1 页" in html
    # page 2 starts inside the joined paragraph: its mark stands where the page starts
    assert re.search(r"确保<span class=\"ocr-page\" id=\"page-2\" role=\"note\">识别自扫描件，第 2 页</span>年内投入使用", html)
    assert "引用的文字识别自扫描件第 2 页" in html and "<mark>4次</mark>" in html
    assert "Recognised from a scan, page 1" in source_page(report, EN)
    assert "识别自扫描件第" not in source_page(report, ZH)  # no citation, no note


# ---------------------------------------------------------------- ingest

def test_ingest_names_every_file_it_cannot_read_and_reads_the_rest(tmp_path):
    """A spreadsheet or slides among the reports is named with what to save it as; the reports
    beside it are indexed either way (the corpus folder, or files given on the command line)."""
    corpus, extra = tmp_path / "corpus", tmp_path / "new"
    corpus.mkdir()
    extra.mkdir()
    shutil.copy(TIEXI, corpus)
    (corpus / "指标.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 64)
    (corpus / "manifest.toml").write_text("", encoding="utf-8")  # the folder's own file: not a report
    (extra / "汇报.pptx").write_bytes(b"PK\x03\x04")
    (extra / "测试街道2024年工作计划.txt").write_text("测试街道2024年工作计划\n\n一、发展经济\n\n一是全年新建3家社区食堂。\n",
                                               encoding="utf-8")
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
           "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EMBEDDING_MODEL": "none", "PATH": "/usr/bin:/bin"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    out = cli("ingest")
    assert out.returncode == 0, out.stderr
    assert "指标.xls: .xls spreadsheets cannot be read here; save it as .xlsx from WPS or Excel" in out.stderr
    assert "manifest.toml" not in out.stderr and "1 added" in out.stdout
    out = cli("ingest", str(extra))
    assert out.returncode == 0, out.stderr
    assert "汇报.pptx: .pptx slides cannot be read here" in out.stderr and "1 added" in out.stdout
    assert (corpus / "测试街道2024年工作计划.txt").exists() and not (corpus / "汇报.pptx").exists()
    docs = cli("docs", "--json")
    assert "测试街道" in docs.stdout and "铁西街道" in docs.stdout, docs.stderr


def test_a_scan_given_to_ingest_shows_each_page_as_it_is_read(tmp_path):
    """The reader process reports each OCR'd page back; `ingest FILE` prints it (the upload panel
    gets the same calls): a two-page .tif, each page one printed line."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 40)
    pages = []
    for line in ("测试街道2024年工作计划", "全年新建社区食堂3家。"):
        image = Image.new("L", (900, 80), 255)
        ImageDraw.Draw(image).text((20, 15), line, font=font, fill=0)
        pages.append(image)
    scan = tmp_path / "测试街道2024年工作计划.tif"
    pages[0].save(scan, save_all=True, append_images=pages[1:])
    env = {"ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
           "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EMBEDDING_MODEL": "none", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(scan)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    name = scan.name
    first, second = out.stderr.find(f"{name}: OCR page 1 of 2"), out.stderr.find(f"{name}: OCR page 2 of 2")
    assert 0 <= first < second, out.stderr
    assert "1 added" in out.stdout
