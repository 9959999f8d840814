"""The chat app, driven in a real headless Chromium (Playwright, sync API) against `python app.py`
running in a subprocess on a copy of the session's world; plus the app's pieces (HTML
rendering, uploads, first start) tested directly.

Screenshots go to tests/artifacts/ (git-ignored); the time from pressing Enter to the first
answer text is printed (run with -s to see it)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.documents import Answer, Citation
from assistant.documents import Paragraph, Report, Section
from assistant.errors import UnsupportedFileError
from assistant.export import COLUMNS, headers
from assistant.export import shown_rows as exported_rows
from assistant.labels import EN, ZH
from assistant.library import add_report, remove_report
from assistant.render import answer_html, esc, mark_in_passage, sources_html, target_period, target_rows, \
    target_value
from assistant.viewer import not_found_page, source_page
from assistant.targets import Target, all_targets, filter_targets
from assistant.ingest import ingest
from conftest import lexical_world_of, HAIXI, KAIYUAN, TIEXI, app_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "铁西街道2024年招商引资目标是多少？"
NEW_REPORT = "测试街道2024年工作计划\n\n一、发展经济\n\n一是全年新建3家社区食堂。\n"
TIMEOUT_MS = 20_000


# --- the app in a subprocess, a browser ---------------------------------------------------------
@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    """`python app.py` on a copy of the session's world (the tests upload and remove reports)."""
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("app")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Chromium: apt-get install -y chromium fonts-wqy-microhei")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server["url"] + "/")
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def ask(page, question: str) -> float:
    """Type a question, press Enter, wait for the answer; returns ms from Enter to first text."""
    before = page.locator("#chat .answer").count()
    page.evaluate("""(before) => {
        window.__enter = null; window.__first = null;
        const box = document.querySelector('#question textarea');
        box.addEventListener('keydown', e => { if (e.key === 'Enter') window.__enter = performance.now(); },
                             {once: true, capture: true});
        const chat = document.querySelector('#chat');
        const seen = () => {
            const answers = chat.querySelectorAll('.answer');
            if (window.__first === null && answers.length > before && answers[before].textContent.trim())
                window.__first = performance.now();
        };
        new MutationObserver(seen).observe(chat, {subtree: true, childList: true, characterData: true});
    }""", before)
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("() => window.__first !== null", timeout=TIMEOUT_MS)
    page.locator("#chat .answer").nth(before).wait_for()
    page.wait_for_function("() => !document.querySelector('#question textarea').disabled")
    # the event is over (the answer may stream in steps; the sources come with the last one)
    page.wait_for_function("() => document.querySelector('#chat [data-testid=status-tracker]')"
                           ".classList.contains('hide')", timeout=TIMEOUT_MS)
    return page.evaluate("window.__first - window.__enter")


def choose_office(page, office: str, box: str = "#f-office") -> None:
    page.locator(f"{box} input").click()
    page.get_by_role("option", name=office, exact=True).click()
    page.locator("body").click(position={"x": 5, "y": 5})  # close the list


def cited_offices(page) -> set[str]:
    if not page.locator("#sources .src").count():
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "no_sources.png"))
        pytest.fail("no sources for: " + page.locator("#chat .answer").last.inner_text())
    return set(page.locator("#sources .src").evaluate_all("cards => cards.map(c => c.dataset.office)"))


# --- browser tests ----------------------------------------------------------------------------------
def test_answer_cites_the_figure_and_the_citation_opens_the_highlighted_source(page):
    ms = ask(page, QUESTION)
    print(f"\ntime from Enter to first answer text: {ms:.0f} ms")
    line = page.locator("#chat .answer li", has_text="7亿元").first
    link = line.locator("a.cite").first
    assert link.get_attribute("href").startswith(f"/source/{TIEXI}?start=")
    assert "7亿元" in page.locator("#sources mark", has_text="7亿元").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat_answer.png"))

    with page.context.expect_page() as opened:
        link.click()
    source = opened.value
    source.wait_for_load_state()
    assert f"/source/{TIEXI}" in source.url and "#p" in source.url
    mark = source.locator("p.cited mark").first
    assert "7亿元" in mark.inner_text()
    paragraph_id = source.url.rsplit("#", 1)[1]
    assert source.locator("p.cited").first.get_attribute("id") == paragraph_id
    source.wait_for_function("""() => {  // scrolled into view, not hidden under the sticky header
        const r = document.querySelector('p.cited mark').getBoundingClientRect();
        return r.top >= document.querySelector('header').getBoundingClientRect().bottom
               && r.bottom <= innerHeight; }""", timeout=5000)
    assert source.locator("h1").inner_text() == "铁西街道2024年工作计划"
    source.screenshot(path=str(ARTIFACTS / "source_viewer.png"))


def test_office_filter_changes_which_offices_are_cited(page):
    question = "养老服务有哪些措施？"
    choose_office(page, "开元街道")
    ask(page, question)
    kaiyuan = cited_offices(page)
    page.locator("#clear").click()
    page.locator("#f-office .remove-all").click()
    choose_office(page, "铁西街道")
    ms = ask(page, question)
    print(f"\ntime from Enter to first answer text (warm): {ms:.0f} ms")
    assert kaiyuan == {"开元街道"}
    assert cited_offices(page) == {"铁西街道"}


def test_follow_up_question_uses_the_previous_one(page):
    ask(page, "铁西街道2024年养老服务有哪些安排？")
    assert cited_offices(page) == {"铁西街道"}
    ask(page, "那开元街道呢？")
    assert cited_offices(page) == {"开元街道"}


def test_thumbs_up_is_stored_with_question_answer_and_citations(page, server):
    from assistant.db import Database
    from assistant.feedback import votes

    ask(page, QUESTION)
    page.locator("#chat button[aria-label='赞'], #chat button[aria-label='Like']").last.click()
    db = Database(server["world"] / "data" / "assistant.db")
    deadline = time.time() + 10
    while not votes(db, liked=True):
        assert time.time() < deadline, "no vote stored"
        time.sleep(0.1)
    vote = votes(db, liked=True)[0]
    assert vote.question == QUESTION and vote.user == "local"  # no accounts: the person at this machine
    assert "7亿元" in vote.answer.answer and vote.answer.citations[0].report_id == TIEXI
    page.locator("#clear").click()  # and the empty screen offers example questions again
    page.locator("#chat button", has_text="望月湖街道2024年要打造一个什么特色商圈？").wait_for()
    assert page.locator("#chat .answer").count() == 0
    assert "提问后" in page.locator("#sources").inner_text()


def test_question_text_is_shown_not_run(page):
    ask(page, '<img src=x onerror="window.__xss=1">铁西街道招商引资目标是多少？')
    assert page.evaluate("window.__xss") is None
    assert "<img src=x" in page.locator("#chat .q").last.inner_text()


# --- the Targets tab ------------------------------------------------------------------------------
TIEXI_ECONOMY = dict(offices=("铁西街道",), kind="target", topic="economy")


def shown_rows(page) -> list[list[str]]:
    return page.locator("#targets-table .virtual-row").evaluate_all(
        "rows => rows.map(r => Array.from(r.querySelectorAll('[role=gridcell]'), c => c.innerText.trim()))")


def expected_rows(targets: list[Target]) -> list[list[str]]:
    return [[t.office, target_period(t, ZH), t.metric, target_value(t, ZH), ZH[f"statement_{t.kind}"],
             ZH[f"topic_{t.topic}"], t.sentence] for t in targets]


def wait_for_count(page, shown: int, total: int) -> None:
    from playwright.sync_api import TimeoutError

    expected = ZH["targets_count"].format(shown=shown, total=total)
    try:
        page.wait_for_function("text => document.querySelector('#t-count').innerText.trim() === text",
                               arg=expected)
    except TimeoutError:
        assert page.locator("#t-count").inner_text().strip() == expected


def wait_for_rows(page, expected: list[list[str]]) -> None:
    """The table shows exactly these rows (all of them: few enough not to be virtualised away)."""
    from playwright.sync_api import TimeoutError

    try:
        page.wait_for_function("""expected => JSON.stringify(Array.from(
            document.querySelectorAll('#targets-table .virtual-row'),
            r => Array.from(r.querySelectorAll('[role=gridcell]'), c => c.innerText.trim())))
            === JSON.stringify(expected)""", arg=expected, timeout=TIMEOUT_MS)
    except TimeoutError:
        assert shown_rows(page) == expected


def open_targets(page, total: int) -> None:
    page.get_by_role("tab", name="指标").click()
    wait_for_count(page, total, total)


def filter_tiexi_economy_targets(page, targets: list[Target]) -> list[Target]:
    """Office 铁西街道, kind 目标, topic 经济发展 in the Targets tab; returns the statements expected."""
    choose_office(page, "铁西街道", "#t-office")
    wait_for_count(page, len(filter_targets(targets, ("铁西街道",))), len(targets))
    page.locator("#t-kind").get_by_label("目标", exact=True).check()
    page.locator("#t-topic input").click()
    page.get_by_role("option", name="经济发展", exact=True).click()
    expected = filter_targets(targets, **TIEXI_ECONOMY)
    wait_for_count(page, len(expected), len(targets))
    wait_for_rows(page, expected_rows(expected))
    return expected


def test_targets_tab_filters_by_office_kind_topic_and_words(page, built):
    targets = all_targets(built[1])
    open_targets(page, len(targets))
    assert {r[0] for r in shown_rows(page)} >= {"铁西街道"}  # the first rows, unfiltered

    choose_office(page, "开元街道", "#t-office")
    kaiyuan = filter_targets(targets, ("开元街道",))
    wait_for_count(page, len(kaiyuan), len(targets))
    rows = shown_rows(page)
    assert rows and {r[0] for r in rows} == {"开元街道"} and not any("24%" in r[3] for r in rows)
    page.locator("#t-office .remove-all").click()

    choose_office(page, "铁西街道", "#t-office")
    tiexi = filter_targets(targets, ("铁西街道",))
    wait_for_count(page, len(tiexi), len(targets))
    page.locator("#t-kind").get_by_label("已完成", exact=True).check()  # a plan: nothing achieved yet
    wait_for_count(page, len(filter_targets(tiexi, kind="achieved")), len(targets))
    assert filter_targets(tiexi, kind="achieved") == [] and shown_rows(page) == []

    page.locator("#t-kind").get_by_label("目标", exact=True).check()
    page.locator("#t-topic input").click()
    page.get_by_role("option", name="经济发展", exact=True).click()
    economy = filter_targets(targets, **TIEXI_ECONOMY)
    wait_for_count(page, len(economy), len(targets))
    wait_for_rows(page, expected_rows(economy))
    assert ["铁西街道", "2024年", "规上工业总产值前三季度增长", "24%", "目标", "经济发展",
            "规上工业总产值前三季度计划增长24%"] in shown_rows(page)
    assert len(economy) < len(filter_targets(tiexi, kind="target"))  # the topic filter took some away

    page.locator("#t-text textarea").fill("产值")
    wait_for_rows(page, expected_rows(filter_targets(targets, **TIEXI_ECONOMY, text="产值")))
    assert {r[2] for r in shown_rows(page)} == {"规上工业总产值前三季度增长", "建筑业总产值增长"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#t-text textarea").fill("")
    wait_for_rows(page, expected_rows(economy))
    page.wait_for_function("""() => Array.from(document.querySelectorAll(
        '#targets-table [data-testid=status-tracker], #t-count [data-testid=status-tracker]'))
        .every(s => s.classList.contains('hide'))""")  # no update under way: not greyed out
    page.screenshot(path=str(ARTIFACTS / "targets_tab.png"))


def test_a_targets_row_opens_its_sentence_in_the_source_viewer(page, built):
    targets = all_targets(built[1])
    open_targets(page, len(targets))
    expected = filter_tiexi_economy_targets(page, targets)
    target = next(t for t in expected if t.quote == "24%")
    link = page.locator("#targets-table a.target-src", has_text="24%")
    assert link.get_attribute("href") == target.link == \
        f"/source/{TIEXI}?start={target.sentence_start}&end={target.sentence_end}#{target.paragraph_id}"
    with page.context.expect_page() as opened:
        link.click()
    source = opened.value
    source.wait_for_load_state()
    assert source.url.endswith(target.link)
    assert source.locator("p.cited mark").all_inner_texts() == ["规上工业总产值前三季度计划增长24%"]
    assert source.locator("p.cited").get_attribute("id") == target.paragraph_id
    assert source.locator("h1").inner_text() == "铁西街道2024年工作计划"


def test_targets_download_as_csv_and_excel_holds_the_filtered_rows(page, built, tmp_path):
    import csv

    from openpyxl import load_workbook

    targets = all_targets(built[1])
    open_targets(page, len(targets))
    expected = exported_rows(filter_tiexi_economy_targets(page, targets), ZH)
    assert any(r["quote"] == "24%" and r["metric"] == "规上工业总产值前三季度增长" and r["kind"] == "目标"
               for r in expected)

    with page.expect_download() as download:
        page.locator("#t-csv").click()
    assert download.value.suggested_filename == "指标.csv"
    path = tmp_path / "targets.csv"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        head, *data = list(csv.reader(f))
    assert head == headers(ZH)  # Chinese heads, in the order of the codes
    assert [dict(zip(COLUMNS, r)) for r in data] == \
        [{c: "" if v is None else str(v) for c, v in row.items()} for row in expected]

    with page.expect_download() as download:
        page.locator("#t-xlsx").click()
    assert download.value.suggested_filename == "指标.xlsx"
    download.value.save_as(tmp_path / "targets.xlsx")
    header, *cells = load_workbook(tmp_path / "targets.xlsx").active.iter_rows(values_only=True)
    assert list(header) == headers(ZH)
    assert [dict(zip(COLUMNS, r)) for r in cells] == \
        [{c: None if v == "" else v for c, v in row.items()} for row in expected]


def test_uploaded_report_is_answerable_and_can_be_removed(page, server, built, tmp_path):
    report = tmp_path / "测试街道2024年工作计划.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf at all")
    total = len(all_targets(built[1]))
    open_targets(page, total)
    page.get_by_role("tab", name="报告").click()
    page.locator("#upload input[type=file]").set_input_files([str(report), str(broken)])
    page.locator("#reports-table", has_text="测试街道").wait_for()
    page.locator(".toast-body", has_text="broken.pdf").first.wait_for()  # says which file failed
    assert not (server["world"] / "corpus" / "broken.pdf").exists()

    page.get_by_role("tab", name="问答").click()
    ask(page, "测试街道2024年新建几家社区食堂？")
    assert "3家" in page.locator("#chat .answer").last.inner_text()
    assert cited_offices(page) == {"测试街道"}

    page.get_by_role("tab", name="指标").click()  # its statement is in the targets table
    wait_for_count(page, total + 1, total + 1)
    choose_office(page, "测试街道", "#t-office")
    wait_for_count(page, 1, total + 1)
    assert [(r[0], r[3]) for r in shown_rows(page)] == [("测试街道", "3家")]

    page.get_by_role("tab", name="问答").click()  # a chat filter on the office about to go
    choose_office(page, "测试街道", "#f-office")
    page.get_by_role("tab", name="报告").click()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="测试街道", exact=False).click()
    page.locator("#remove").click()
    page.locator("#remove-yes").click()  # confirmed
    page.wait_for_function("() => !document.querySelector('#reports-table').innerText.includes('测试街道')")
    assert (server["world"] / "data" / "removed" / report.name).exists()
    assert not (server["world"] / "corpus" / report.name).exists()
    page.get_by_role("tab", name="指标").click()  # gone from the table and its office filter
    wait_for_count(page, total, total)
    assert page.locator("#t-office .token").count() == 0
    page.get_by_role("tab", name="问答").click()  # the stale filter is dropped, the chat still answers
    assert page.locator("#f-office .token").count() == 0
    ask(page, QUESTION)
    assert "7亿元" in page.locator("#chat .answer").last.inner_text()


def test_source_viewer_serves_only_known_reports(server):
    def get(path):
        try:
            with urllib.request.urlopen(server["url"] + path) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    status, body = get(f"/source/{KAIYUAN}")
    assert status == 200 and "开元街道" in body
    status, body = get("/source/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert status == 404 and "<script>alert" not in body and "&lt;script&gt;" in body
    assert "没有找到编号为" in body
    for path in ("/source/..%2F..%2Fcorpus%2Fmanifest.toml", "/source/../app.py", "/source/manifest"):
        status, body = get(path)
        assert status == 404 and "office" not in body, path


def test_source_viewer_asks_for_the_same_login_as_the_chat(assistant):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from app import create_app

    client = TestClient(create_app(replace(assistant.settings, auth=("user", "secret")), assistant))
    assert client.get(f"/source/{TIEXI}", follow_redirects=False).status_code == 303
    assert client.post("/login", data={"username": "user", "password": "secret"}).status_code == 200
    page = client.get(f"/source/{TIEXI}")
    assert page.status_code == 200 and "铁西街道2024年工作计划" in page.text


# --- the pieces -------------------------------------------------------------------------------------
def citation(**kw) -> Citation:
    base = dict(n=1, report_id="r1", title="<b>标题</b>", office="铁西街道", section="一、经济",
                text="全年完成7亿元。", start=10, end=18, paragraph_id="p2",
                passage="一是招商。\n全年完成\n7亿元。二是服务。", passage_start=0, passage_end=30)
    return Citation(**{**base, **kw})


def test_answer_markers_link_to_the_cited_span_and_text_is_escaped():
    answer = Answer(question="q", status="answered", citations=[citation()],
                    answer="**<b>标题</b>**：\n- 全年完成7亿元 *不是强调* <script>x</script> [1] [9]",
                    notice="语言模型服务不可用")
    out = answer_html(answer)
    assert '<a class="cite" href="/source/r1?start=10&end=18#p2"' in out
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>" not in out
    assert "&#42;不是强调&#42;" in out  # Markdown cannot turn report text into emphasis
    assert "&#91;9&#93;" in out  # a marker with no citation stays text
    assert "\n" not in out and '<p class="notice">' in out


def test_comparison_table_cells_keep_their_citation_links():
    answer = Answer(question="q", status="answered", citations=[citation()],
                    answer="各街道的数字：\n\n| 街道 | 数值 |\n|---|---|\n| 铁西街道 | 7亿元 [1] |")
    out = answer_html(answer)
    assert "<thead><tr><th>街道</th><th>数值</th></tr></thead>" in out
    assert '<td>7亿元 <a class="cite" href="/source/r1?start=10&end=18#p2"' in out and "---" not in out


def test_sources_panel_marks_the_cited_sentence_across_line_breaks():
    out = sources_html(Answer(question="q", answer="", status="answered", citations=[citation()]), ZH)
    assert "<mark>全年完成<br>7亿元。</mark>" in out and "&lt;b&gt;标题" in out
    assert 'data-office="铁西街道"' in out
    assert mark_in_passage("a<b>c", [(1, "zzz")]) == "a&lt;b&gt;c"


def test_source_page_highlights_exactly_the_cited_text_and_escapes_the_report():
    text = "标题\n一、经济\n一是<script>招商</script>。全年完成\n7亿元。\n"
    start = text.index("全年")
    end = text.index("元。") + 2
    p = Paragraph("p2", text.index("一是"), len(text) - 1, "一是<script>招商</script>。全年完成7亿元。")
    section = Section(id="s1", level=1, heading="一、经济", path=("一、经济",), start=3, end=len(text),
                      paragraphs=[p])
    report = Report(id="r1", title="标题", office="铁西街道", region="", years=[2024], kind="plan",
                    source="r1.txt", text=text, sections=[section])
    out = source_page(report, ZH, start, end, nonce="abc")
    assert '<p id="p2" class="cited">' in out and "<mark>全年完成7亿元。</mark>" in out
    assert "<script>招商" not in out and "&lt;script&gt;招商" in out
    assert '<a href="#s1" class="current">' in out and '<script nonce="abc">' in out
    assert "<mark>" not in source_page(report, ZH)
    missing = not_found_page("<x>", EN)
    assert "<x>" not in missing and "&lt;x&gt;" in missing


def test_question_errors_are_told_in_the_interface_language():
    from assistant.errors import EmptyQuestionError, IndexNotBuiltError, QuestionTooLongError
    from assistant.labels import error_message

    assert error_message(EmptyQuestionError(), ZH).startswith("问题是空的")
    assert error_message(QuestionTooLongError(1200, 1000), ZH) == "问题有1200个字，太长了；请缩短到1000字以内。"
    assert "1000" in error_message(QuestionTooLongError(1200, 1000), EN)
    assert error_message(IndexNotBuiltError("index/"), ZH) == \
        "还没有建立索引（index/）；请运行：python -m assistant ingest"  # in Chinese, the fix-it kept
    assert str(IndexNotBuiltError("index/")) == "no index at index/; build it with: python -m assistant ingest"


def test_every_label_exists_in_both_languages():
    assert ZH.keys() == EN.keys()
    assert esc("[1]") == "&#91;1&#93;"


def target(**kw) -> Target:
    base = dict(report_id="r_1", office="铁西街道", title="标题", year=2024, half="H1", section="一、经济",
                metric="<b>产值</b>", value=8.0, value_max=None, unit="次", qualifier="不少于", kind="target",
                topic="economy", quote="8次", start=14, end=16, sentence="全年<i>不少于</i>8次", paragraph_id="p#2",
                sentence_start=10, sentence_end=17)
    return Target(**{**base, **kw})


def test_targets_rows_escape_report_text_and_link_the_clause():
    office, period, metric, value, kind, topic, sentence = target_rows([target()], ZH)[0]
    assert (office, period, value, kind, topic) == ("铁西街道", "2024年上半年", "不少于8次", "目标", "经济发展")
    assert metric == "&lt;b&gt;产值&lt;/b&gt;" and "<i>" not in sentence and "&lt;i&gt;" in sentence
    assert sentence.startswith('<a class="target-src" href="/source/r&#95;1?start=10&amp;end=17&#35;p%232" '
                               'target="_blank" rel="noopener"')
    assert "<strong>8次</strong></a>" in sentence
    assert target_rows([target()], EN)[0][1:6] == ["2024 H1", "&lt;b&gt;产值&lt;/b&gt;", "不少于8次", "target",
                                                   "economy"]


def test_target_values_and_periods_read_as_written():
    assert target_value(target(value=None, quote="XX万元", unit="万元", qualifier=""), ZH) == "未公开（万元）"
    assert target_value(target(value=None, unit="人", qualifier=""), EN) == "undisclosed (人)"
    assert target_value(target(value=100.0, unit="人", qualifier="余"), ZH) == "100余人"
    assert target_value(target(value=90.0, unit="%", qualifier="以上"), ZH) == "90%以上"
    assert target_value(target(value=1.0, value_max=2.0, unit="个", qualifier=""), ZH) == "1–2个"
    assert target_value(target(value=1729470.5, unit="元", qualifier=""), ZH) == "1729470.5元"
    assert target_value(target(value=0.06, unit="亿元", qualifier=""), ZH) == "0.06亿元"
    assert target_period(target(half=""), ZH) == "2024年" and target_period(target(year=None, half="H2"), ZH) == "下半年"


def test_every_topic_and_kind_of_the_reports_has_a_label(built):
    targets = all_targets(built[1])
    for words in (ZH, EN):
        assert {f"topic_{t.topic}" for t in targets} <= words.keys()
        assert {f"statement_{t.kind}" for t in targets} <= words.keys()
    assert any(t.value is None for t in targets if t.report_id == HAIXI)  # undisclosed XX amounts are listed


@pytest.fixture
def lexical_world(tmp_path):
    """A small world with BM25 only (no embedding model): fast to build."""
    return lexical_world_of(tmp_path, built=False)


def test_first_start_builds_the_index(lexical_world):
    from app import build_index_if_missing

    settings, index = lexical_world
    assert not index.is_built()
    build_index_if_missing(index)
    assert [r.id for r in index.reports()] == [TIEXI]


def test_upload_rejects_wrong_type_and_size_and_leaves_no_broken_file(lexical_world, tmp_path):
    settings, index = lexical_world
    ingest(index)
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(UnsupportedFileError, match="virus.exe: unsupported file type"):
        add_report(settings, index, exe)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (settings.max_upload_mb * 1024 * 1024 + 1))
    with pytest.raises(UnsupportedFileError, match="big.txt: is 20.0 MB; the limit is 20 MB"):
        add_report(settings, index, big)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    result = add_report(settings, index, broken)
    assert result.errors and result.errors[0].startswith("broken.docx")
    assert not (settings.corpus_dir / "broken.docx").exists()

    new = tmp_path / "测试街道2024年工作计划.txt"
    new.write_text(NEW_REPORT, encoding="utf-8")
    result = add_report(settings, index, new)
    assert result.added == ["测试街道2024年工作计划"]
    moved = remove_report(settings, index, "测试街道2024年工作计划")
    assert moved == settings.data_dir / "removed" / new.name and moved.exists()
    assert [r.id for r in index.reports()] == [TIEXI]
