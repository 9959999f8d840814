"""Every seed report parses with the right metadata and structure; noise is never indexed."""

import re
from pathlib import Path

import pytest

from assistant.chunking import chunk_report
from assistant.errors import UnsupportedFileError
from assistant.ingest import load_manifest
from assistant.loaders import read_text
from assistant.parse import parse_report, read_report
from conftest import CORPUS, HAIXI, KAIYUAN, LIAOXI, TIEXI, WANGYUEHU

EXPECTED = {
    TIEXI: ("铁西街道", [2024], "plan", "铁西街道2024年工作计划"),
    LIAOXI: ("辽西街道", [2024], "summary+plan", "双辽市辽西街道办事处2024年上半年工作总结和下半年工作计划"),
    WANGYUEHU: ("望月湖街道", [2024], "plan", "望月湖街道2024年工作计划"),
    HAIXI: ("海西街道", [2023, 2024], "summary+plan", "XX办事处2023年工作总结和2024年工作计划"),
    KAIYUAN: ("开元街道", [2023, 2024], "summary+plan", "鲤城区开元街道2023年度工作总结和2024年工作计划"),
}


def load(report_id):
    return read_report(CORPUS / f"{report_id}.txt", CORPUS, load_manifest(CORPUS).get(report_id))


@pytest.mark.parametrize("report_id", EXPECTED)
def test_seed_report_metadata(report_id):
    report = load(report_id)
    office, years, kind, title = EXPECTED[report_id]
    assert (report.office, report.years, report.kind, report.title) == (office, years, kind, title)


def test_title_and_office_inferred_without_title_line():
    report = load(WANGYUEHU)
    assert report.title_inferred and report.office == "望月湖街道"
    assert report.region == "岳麓区"


def test_regions_and_signature_date():
    assert load(LIAOXI).region == "双辽市" and load(LIAOXI).date == "2024-05-27"
    assert load(KAIYUAN).region == "鲤城区"
    assert load(HAIXI).region == "回民区"


def test_section_trees():
    tiexi = load(TIEXI)
    assert [s.heading for s in tiexi.sections] == ["一、重党建，领全局", "二、强经济，促发展",
                                                   "三、保民生，增福祉", "四、促安全，维稳定"]
    wang = load(WANGYUEHU)
    top = [s for s in wang.sections if s.heading]
    assert len(top) == 4 and [len(s.children) for s in top] == [3, 3, 3, 3]
    assert top[0].children[0].heading == "1. 精准谋划促项目"
    haixi = load(HAIXI)
    assert [s.heading for s in haixi.sections if s.level == 0] == ["2023年工作总结", "2024年工作计划"]


def test_periods_and_roles():
    liaoxi = {s.heading: s for s in load(LIAOXI).walk()}
    assert liaoxi["一、2024年上半年重点工作"].period == "2024 H1 summary"
    assert liaoxi["二、当前形式分析"].role == "problems"
    assert liaoxi["三、2024年下半年工作计划"].period == "2024 H2 plan"
    kaiyuan = {s.heading: s for s in load(KAIYUAN).walk()}
    assert kaiyuan["(一)坚持思想领航,强化干部理论武装"].period == "2023 summary"
    assert kaiyuan["(一)聚焦党建引领,筑牢筑强基层战斗堡垒"].period == "2024 plan"
    haixi = {s.heading: s for s in load(HAIXI).walk()}
    assert haixi["三、存在问题"].role == "problems" and haixi["三、存在问题"].year == 2023
    assert haixi["（一）聚焦有效需求，巩固经济向稳向好态势"].period == "2024 plan"
    assert all(s.period == "2024 plan" for s in load(TIEXI).walk())


@pytest.mark.parametrize("report_id", EXPECTED)
def test_no_noise_in_chunks(report_id):
    chunks = chunk_report(load(report_id), 360)
    for chunk in chunks:
        for noise in ("哒哒", "素材库", "##paid", "浏览量", "时间:2024-10-08"):
            assert noise not in chunk.text and noise not in chunk.search_text


def test_signature_not_indexed():
    chunks = chunk_report(load(LIAOXI), 360)
    assert not any(c.text.strip().endswith("2024年5月27日") for c in chunks)


@pytest.mark.parametrize("report_id", EXPECTED)
def test_offsets_round_trip(report_id):
    report = load(report_id)
    for _, paragraph in report.paragraphs():
        original = report.text[paragraph.start:paragraph.end]
        assert re.sub(r"\s+", "", original) == re.sub(r"\s+", "", paragraph.text)
    for chunk in chunk_report(report, 360):
        original = re.sub(r"\s+|##paid(begin|end)##", "", report.text[chunk.start:chunk.end])
        assert original == re.sub(r"\s+", "", chunk.text)


def test_broken_line_is_joined():
    report = load(LIAOXI)
    assert any("主要体现在以下几点：" in p.text for _, p in report.paragraphs())


def test_d_for_dang_is_searchable_but_displayed_as_written():
    chunks = chunk_report(load(HAIXI), 360)
    hit = [c for c in chunks if "D支部" in c.text]
    assert hit and all("党支部" in c.search_text for c in hit)
    # 3D (a product name in 望月湖's plan) is not 党
    assert not any("3党" in c.search_text for c in chunk_report(load(WANGYUEHU), 360))


def test_fullwidth_is_folded_for_search_only():
    chunks = chunk_report(load(TIEXI), 360)
    c = next(c for c in chunks if "90％" in c.text)
    assert "90%" in c.search_text


def test_gbk_file_reads_like_utf8(tmp_path):
    text = (CORPUS / f"{TIEXI}.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(text.encode("gb18030"))
    assert read_text(gbk) == text


@pytest.mark.parametrize("name,data,message", [
    ("a.exe", b"MZ", "unsupported file type .exe; use one of .txt .md .docx .doc .wps .xlsx .pdf"),
    ("a.pptx", b"PK\x03\x04", "save them as PDF from WPS or PowerPoint"),  # a known format: what to save it as
    ("a.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx from WPS or Excel"),
    ("a.ofd", b"PK\x03\x04", "save it as PDF from an OFD reader"),
    ("a.xlsx", b"PK\x03\x04", "not a valid .xlsx"),
    ("empty.txt", b"   \n", "empty"),
    ("broken.docx", b"not a zip at all", "not a valid .docx"),
    ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
    ("latin.txt", bytes(range(128, 256)) * 20, "encoding"),
])
def test_bad_files_get_a_clear_error_naming_the_file(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnsupportedFileError) as e:
        read_text(path)
    assert name in str(e.value) and message in str(e.value)


def test_docx_and_html_read(tmp_path):
    import docx

    document = docx.Document()
    for line in ["测试街道2024年工作计划", "一、发展经济", "一是全年新建3家社区食堂。"]:
        document.add_paragraph(line)
    document.save(tmp_path / "r.docx")
    report = parse_report(read_text(tmp_path / "r.docx"), "r", "r.docx")
    assert report.office == "测试街道" and report.sections[0].heading == "一、发展经济"
    (tmp_path / "r.html").write_text("<html><body><h1>测试街道2024年工作计划</h1><p>一、发展经济</p>"
                                     "<p>一是全年新建3家社区食堂。</p><script>alert(1)</script></body></html>",
                                     encoding="utf-8")
    text = read_text(tmp_path / "r.html")
    assert "alert" not in text and "新建3家社区食堂" in text


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as entry:  # 64 MB of zeros: a ~64 KB file
            block = b"\0" * (1 << 20)
            for _ in range(64):
                entry.write(block)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(UnsupportedFileError) as e:
        read_text(bomb)
    assert "bomb.docx" in str(e.value) and "zip bomb" in str(e.value)


def test_a_numbered_line_that_heads_nothing_is_searched_and_cited_as_text():
    # (1) and (3) are whole sentences on numbered lines with no text under them: they are the text
    text = ("桐林街道2025年工作安排\n一、聚力产业转型\n1．抓好重点项目\n"
            "（1）确保桐林产业园二期于2025年9月底前竣工投用，力争研发中心年内引进团队10个以上。\n"
            "（2）全年计划实施重点项目16个\n年度计划投资21.5亿元。\n"
            "（3）盘活闲置厂房4.8万平方米，引入文创业态\n2．强化招商引资\n全年力争新签约项目10个。\n")
    report = parse_report(text, "tonglin", "tonglin.txt")
    chunked = "\n".join(c.text for c in chunk_report(report, max_tokens=400))
    assert "2025年9月底前竣工投用" in chunked and "4.8万平方米" in chunked and "年度计划投资21.5亿元" in chunked
    assert "1．抓好重点项目" not in chunked  # a heading with lines under it stays a heading only
