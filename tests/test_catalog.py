"""Questions about the reports themselves (which reports, what kind, when signed), answered from
the report records with citations of the lines that show it; questions about what the reports say
are left to the ordinary answerer."""

from __future__ import annotations

import pytest

from assistant.catalog import is_catalog_question
from assistant.labels import labels
from assistant.query import understand
from assistant.viewer import source_page
from conftest import HAIXI, KAIYUAN, LIAOXI, TIEXI, WANGYUEHU

OFFICES = ["铁西街道", "辽西街道", "望月湖街道", "海西街道", "开元街道"]


def cited_reports(answer) -> set[str]:
    return {c.report_id for c in answer.citations}


def test_signature_date_is_cited_from_the_signature_line(assistant):
    answer = assistant.ask("辽西街道的报告落款日期是哪天？")
    assert answer.status == "answered"
    assert "2024年5月27日" in answer.answer
    [citation] = answer.citations
    report = assistant.index.report(LIAOXI)
    assert report.text[citation.start:citation.end] == citation.text == "2024年5月27日"
    assert citation.paragraph_id == "signature"


def test_web_publication_time_is_cited_from_the_web_header(assistant):
    answer = assistant.ask("When was Kaiyuan's report posted online?")
    assert answer.status == "answered", answer.answer
    assert "2024-10-08" in answer.answer
    assert cited_reports(answer) == {KAIYUAN}


def test_a_report_without_a_date_says_so(assistant):
    answer = assistant.ask("铁西的计划是什么时候印发的？")
    assert answer.status == "not_found"
    assert "没有落款日期" in answer.answer and not answer.citations


def test_plans_only(assistant):
    answer = assistant.ask("哪几份材料只有工作计划？")
    assert answer.status == "answered"
    assert cited_reports(answer) == {TIEXI, WANGYUEHU}


def test_half_year_summaries(assistant):
    answer = assistant.ask("Which reports contain a half-year summary?")
    assert cited_reports(answer) == {LIAOXI}
    assert "上半年" in answer.citations[0].text


def test_full_year_summaries_of_a_year_cite_the_part_heading(assistant):
    answer = assistant.ask("哪些报告有2023年度的工作总结？")
    assert cited_reports(answer) == {HAIXI, KAIYUAN}
    for citation in answer.citations:
        text = assistant.index.report(citation.report_id).text
        assert text[citation.start:citation.end] == citation.text
        assert "2023" in citation.text


def test_reports_that_analyse_their_problems(assistant):
    answer = assistant.ask("哪些报告分析了存在的问题？")
    assert cited_reports(answer) == {LIAOXI, HAIXI}


def test_every_report_listed(assistant):
    answer = assistant.ask("目前收录了几份报告？")
    assert answer.answer.startswith("共5份报告")
    assert len(cited_reports(answer)) == 5


def test_a_filter_narrows_the_listing(assistant):
    from assistant.retrieve import Filters

    answer = assistant.ask("有哪些报告？", filters=Filters(offices=("开元街道",)))
    assert cited_reports(answer) == {KAIYUAN}


@pytest.mark.parametrize("question", [
    "铁西街道2024年有哪些计划？",  # the plans' content, not the document
    "哪份报告提到了老年食堂？",
    "辽西街道认为目前工作还存在哪些不足？",
    "What are the 2024 employment targets?",
    "When will Tiexi finish installing elevators?",
    "海西街道什么时候完成老旧小区改造？",
])
def test_questions_about_content_are_not_taken_for_catalog_questions(question):
    assert not is_catalog_question(understand(question, OFFICES))


def test_the_source_viewer_shows_and_highlights_the_signature(assistant):
    report = assistant.index.report(LIAOXI)
    start = report.text.index("2024年5月27日")
    page = source_page(report, labels("zh"), start, start + len("2024年5月27日"))
    assert '<div id="signature" class="signature">' in page
    assert "<mark>2024年5月27日</mark>" in page


def test_the_source_viewer_marks_a_cited_heading_and_title(assistant):
    answer = assistant.ask("哪些报告分析了存在的问题？")
    for citation in answer.citations:
        report = assistant.index.report(citation.report_id)
        page = source_page(report, labels("zh"), citation.start, citation.end)
        assert f"<mark>{citation.text}</mark>" in page
    report = assistant.index.report(TIEXI)
    page = source_page(report, labels("zh"), 0, len(report.title))
    assert f'<h1 id="top"><mark>{report.title}</mark></h1>' in page


def test_which_years_a_report_sums_up_and_plans(assistant):
    answer = assistant.ask("辽西街道这份材料总结的是哪个时间段，计划的又是哪个时间段？")
    assert answer.status == "answered", answer.answer
    assert cited_reports(answer) == {LIAOXI}
    assert "2024年上半年" in answer.answer and "2024年下半年" in answer.answer
    report = assistant.index.report(LIAOXI)
    assert any(c.text == "一、2024年上半年重点工作" for c in answer.citations)
    for citation in answer.citations:
        assert report.text[citation.start:citation.end] == citation.text


def test_the_parts_of_a_report_are_its_top_headings_in_order(assistant):
    answer = assistant.ask("辽西街道的报告分为哪几部分？")
    assert [c.text for c in answer.citations] == ["一、2024年上半年重点工作", "二、当前形式分析", "三、2024年下半年工作计划"]


SPEECH = """孙庙乡2025年政府工作报告
政 府 工 作 报 告
——在孙庙乡第十二届人民代表大会第五次会议上
于 亮
(2024年12月23日)
各位代表,同志们:
现在,我代表孙庙乡人民政府向大会作工作报告,请予审议。
一、2024年工作回顾
全乡完成固定资产投资3.2亿元,新建高标准农田5000亩。
二、2025年工作安排
全年力争完成固定资产投资3.5亿元。
孙庙乡党政办公室 2025年1月3日印发
"""


@pytest.fixture(scope="module")
def speech_world(tmp_path_factory, embedder):
    from assistant.chain import Assistant
    from assistant.index import Index
    from assistant.ingest import ingest
    from conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("speech"))
    (settings.corpus_dir / "sunmiao_2025.txt").write_text(SPEECH, encoding="utf-8")
    index = Index(settings, embedder)
    assert not ingest(index).errors
    return Assistant(settings, index)


def test_where_and_by_whom_a_congress_report_was_delivered(speech_world):
    answer = speech_world.ask("孙庙乡2025年政府工作报告是在哪次会议上、什么时候、由谁作的？")
    assert answer.status == "answered", answer.answer
    texts = [c.text for c in answer.citations]
    assert "——在孙庙乡第十二届人民代表大会第五次会议上" in texts
    assert "于 亮" in texts and "(2024年12月23日)" in texts


def test_an_imprint_line_in_the_body_gives_the_date_a_report_was_issued(speech_world):
    answer = speech_world.ask("孙庙乡这份报告是哪天印发的？")
    assert "2025年1月3日" in [c.text for c in answer.citations], answer.answer
