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
