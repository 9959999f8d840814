"""Issue 14, a staff member's first session, replayed in real Chromium against `python app.py`
(one server for the module, on a copy of the session's world; the first start has its own):

- conversations: a standalone question after others is answered as alone, the rewritten
  question of a follow-up is shown, the answer's first line holds the figure;
- her language: refusals, toasts and the rest in Chinese, a question shown as typed;
- reports: removal asks first and can be undone, titles instead of ids and file names;
- not-found replies name the filters in the way and ask again without them; the closest sections link;
- one click opens a source from 指标 and 报告; the viewer's back link returns to the same chat;
- 👍/👎 stay chosen, say thanks, take a reason;
- the first start serves a waiting page with progress that turns into the app;
- the layout at 1366 px and 414 px (screenshots in docs/screenshots/, looked at by a person).
Plus the Gradio-free pieces behind them (render.py, startup.py, feedback.py)."""

from __future__ import annotations

import fcntl
import json
import re
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Error as PlaywrightError, expect

from assistant.documents import Answer, Filters
from assistant.db import Database
from assistant.feedback import add_comment, record_vote, votes
from assistant.labels import EN, ZH
from assistant.render import answer_html, esc, read_as_line
from assistant.startup import Startup, waiting_page
from conftest import TIEXI, app_server
from test_app import ROOT, NEW_REPORT, QUESTION, TIMEOUT_MS, ask, browser, cited_offices, page, server  # noqa: F401

SCREENSHOTS = ROOT / "docs" / "screenshots"  # kept in git: what the pages look like, for review


def answer_text(page, nth: int = -1) -> str:
    """An answer's own text: without the line over it that says how the question was read."""
    return page.locator("#chat .answer").nth(nth).evaluate("""a => { const c = a.cloneNode(true);
        c.querySelectorAll('.read-as').forEach(e => e.remove()); return c.innerText.trim(); }""")


def read_as(page) -> str:
    line = page.locator("#chat .answer").last.locator(".read-as")
    return line.inner_text() if line.count() else ""


def toast_with(page, text: str):
    toast = page.locator(".toast-body", has_text=text).first
    toast.wait_for()
    return toast


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


# --- conversations ----------------------------------------------------------------------------------
# issue 14 (merged from main): only an elliptical question borrows from the last turn
def test_a_standalone_question_after_others_is_answered_as_alone(page):
    standalone = "哪些街道提到了招聘会？"
    ask(page, standalone)
    alone = answer_text(page)
    page.locator("#clear").click()
    page.wait_for_function("() => !document.querySelector('#chat .answer')")  # cleared
    ask(page, "辽西街道上半年清理了多少垃圾？")
    ask(page, standalone)
    assert answer_text(page) == alone
    assert read_as(page) == ""  # read as nothing but itself


def test_the_rewritten_question_of_a_follow_up_is_shown_under_the_answer(page):
    ask(page, "铁西街道2024年养老服务有哪些安排？")
    assert read_as(page) == ""
    ask(page, "那开元街道呢？")
    assert cited_offices(page) == {"开元街道"}
    shown = read_as(page)
    assert shown.startswith("按此理解：") and "开元街道" in shown and "养老" in shown
    line = page.locator("#chat .answer").last.locator(":scope > *").first
    assert line.get_attribute("class") == "read-as"  # over the answer, where it is read first


def test_this_year_is_resolved_against_the_reports_and_said(page):
    ask(page, "铁西今年要开几场招聘会")
    assert read_as(page) == "「今年」按2024年理解"  # 铁西's latest report year
    assert "8次" in answer_text(page)


def test_the_answers_first_line_holds_the_figure(page):
    ask(page, "铁西今年要开几场招聘会")
    first = page.locator("#chat .answer").last.locator("li, p:not(.read-as)").evaluate_all(
        "lines => lines.map(l => l.innerText.trim()).filter(t => t && !/[：:]$/.test(t))")[0]
    assert "8次" in first and first.index("8次") < 20, first  # the figure, not two sentences first
    assert first.startswith("铁西街道") and "[1]" in first  # whose figure, and cited


def test_an_english_question_shows_as_typed(page):
    question = "What are Tiexi's targets for attracting investment?"
    ask(page, question)
    assert page.locator("#chat .q").last.inner_text() == question  # not "Tiexi&#x27;s"


# --- her language, her reports ------------------------------------------------------------------------
def test_a_refused_upload_is_told_in_chinese(page, tmp_path):
    refused = tmp_path / "枫桥街道指标表.zip"
    refused.write_bytes(b"PK\x03\x04 not a report")
    open_tab(page, "报告")
    box = page.locator("#upload input[type=file]")
    from assistant.library import UPLOAD_SUFFIXES

    # the dialog offers what can be read: app.js marks the input in the frame after Gradio draws it
    expect(box).to_have_attribute("accept", ",".join(UPLOAD_SUFFIXES), timeout=TIMEOUT_MS)
    assert ".zip" not in UPLOAD_SUFFIXES
    box.set_input_files([str(refused)])
    toast = toast_with(page, "枫桥街道指标表.zip")
    assert toast.locator(".toast-title").inner_text().strip() == "注意"
    text = toast.locator("[data-testid=toast-text]").inner_text()
    assert "不支持的文件类型 .zip" in text and ".docx" in text
    assert not re.search(r"Invalid|Warning|Error|allowed", toast.inner_text())


def test_removal_asks_first_names_titles_and_can_be_undone(page, server, tmp_path):
    corpus, removed = server["world"] / "corpus", server["world"] / "data" / "removed"
    report = tmp_path / "测试街道2024年工作计划.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    open_tab(page, "报告")
    table = page.locator("#reports-table")
    table.filter(has_text="铁西街道2024年工作计划").wait_for()
    assert TIEXI not in table.inner_text() and "铁西街道2024年工作计划" in table.inner_text()
    page.locator("#upload input[type=file]").set_input_files([str(report)])
    table.filter(has_text="测试街道").wait_for()
    page.locator("#remove-choice input").click()
    options = page.get_by_role("option").all_inner_texts()
    assert "测试街道2024年工作计划" in options and not any(TIEXI in o or ".txt" in o for o in options)
    page.get_by_role("option", name="测试街道2024年工作计划", exact=True).click()

    page.locator("#remove").click()  # asks first: nothing is removed yet
    assert "确定移除「测试街道2024年工作计划」" in page.locator("#remove-confirm-text").inner_text()
    assert (corpus / report.name).exists() and "测试街道" in table.inner_text()
    page.locator("#remove-no").click()
    page.locator("#remove-yes").wait_for(state="hidden")
    assert (corpus / report.name).exists()

    page.locator("#remove").click()
    page.locator("#remove-yes").click()
    page.wait_for_function("() => !document.querySelector('#reports-table').innerText.includes('测试街道')")
    assert not (corpus / report.name).exists() and (removed / report.name).exists()
    said = toast_with(page, "已移除「测试街道2024年工作计划」").inner_text()
    assert "removed" not in said and "/" not in said  # no server path
    undo = page.locator("#undo-remove")
    assert undo.inner_text() == "撤销：恢复「测试街道2024年工作计划」"
    undo.click()
    table.filter(has_text="测试街道").wait_for()
    toast_with(page, "已恢复「测试街道2024年工作计划」")
    assert (corpus / report.name).exists() and not undo.is_visible()
    open_tab(page, "问答")
    ask(page, "测试街道2024年新建几家社区食堂？")
    assert "3家" in answer_text(page)


# --- not-found replies that help --------------------------------------------------------------------
def test_a_not_found_names_the_filter_and_asks_again_without_it(page):
    page.locator("#f-phase").get_by_label("总结", exact=True).check()
    ask(page, QUESTION)  # 铁西's report is a plan: nothing among the summaries
    drop = page.locator("#drop-filter")
    drop.wait_for(timeout=TIMEOUT_MS)
    assert drop.inner_text() == "去掉这些筛选，重新提问"
    said = answer_text(page)
    assert "已按筛选条件（内容：总结）查找" in said and not re.search(r"phase|summary", said)
    drop.click()
    page.wait_for_function("() => document.querySelectorAll('#chat .answer').length === 2")
    page.wait_for_function("() => !document.querySelector('#question textarea').disabled")
    assert "7亿元" in answer_text(page)
    assert page.locator("#f-phase input:checked").get_attribute("value") == ""  # the filter is off now
    assert not drop.is_visible()


def test_a_not_found_with_no_filter_in_the_way_offers_nothing_to_drop(page):
    page.locator("#f-phase").get_by_label("计划", exact=True).check()
    ask(page, "铁西街道有多少架无人机？")  # not in any report, filtered or not
    assert page.locator("#chat .answer").last.get_attribute("class").endswith("not_found")
    assert not page.locator("#drop-filter").is_visible() and "筛选" not in answer_text(page)


def test_a_not_found_links_the_closest_sections(page):
    ask(page, "铁西街道有多少架无人机？")
    assert page.locator("#chat .answer").last.get_attribute("class").endswith("not_found")
    near = page.locator("#chat .answer").last.locator("a.near")
    assert near.count() >= 1 and near.first.get_attribute("href").startswith(f"/source/{TIEXI}?start=")
    with page.context.expect_page() as opened:
        near.first.click()
    source = opened.value
    source.wait_for_load_state()
    assert source.locator("p.cited").count() >= 1  # the passage is marked


# --- links and navigation -----------------------------------------------------------------------------
def test_one_click_opens_a_source_from_targets_and_from_reports(page):
    open_tab(page, "指标")
    link = page.locator("#targets-table a.target-src:visible").first
    href = link.get_attribute("href")
    with page.context.expect_page() as opened:
        link.click()  # one click, not a first one that only selects the cell
    source = opened.value
    source.wait_for_load_state()
    assert source.url.endswith(href) and source.locator("p.cited mark").count() >= 1
    source.close()
    open_tab(page, "报告")
    title = page.locator("#reports-table a.report-src:visible", has_text="铁西街道2024年工作计划")
    with page.context.expect_page() as opened:
        title.click()
    report = opened.value
    report.wait_for_load_state()
    assert report.url.endswith(f"/source/{TIEXI}") and report.locator("h1").inner_text() == "铁西街道2024年工作计划"


def test_the_viewers_back_link_returns_to_the_same_chat(page, server):
    ask(page, QUESTION)
    with page.context.expect_page() as opened:
        page.locator("#chat a.cite").first.click()
    source = opened.value
    source.wait_for_load_state()
    source.locator("nav a").nth(1).click()  # reading around in the report first
    with source.expect_event("close", timeout=5000):
        try:
            source.locator("a.back").click(no_wait_after=True)
        except PlaywrightError:
            pass  # the click closed its own tab before Playwright heard back: what the link is for
    assert source.is_closed()  # its tab closed: the user is back in the chat she came from
    assert page.locator("#chat .answer").count() == 1 and "7亿元" in answer_text(page)
    shared = page.context.new_page()  # a shared link, in a tab with a history of its own
    shared.goto(server["url"] + "/source/" + TIEXI)
    shared.goto(server["url"] + f"/source/{TIEXI}#p4")
    shared.locator("a.back").click()
    shared.wait_for_selector("#question textarea")  # cannot close: goes to the app instead
    shared.close()


# --- feedback -------------------------------------------------------------------------------------------
def test_a_vote_stays_chosen_says_thanks_and_takes_a_reason(page, server):
    db = Database(server["world"] / "data" / "assistant.db")
    ask(page, QUESTION)
    page.locator("#chat button[aria-label='踩']").last.click()
    toast_with(page, "谢谢反馈")
    page.locator("#reason textarea").fill("数字对，但没有说是全年目标")
    page.locator("#reason-send").click()
    toast_with(page, "已记下，谢谢！")
    page.locator("#reason-row").wait_for(state="hidden")
    ask(page, "望月湖街道2024年要打造一个什么特色商圈？")
    assert page.locator("#chat button[aria-label='Disliked']").count() == 1  # still chosen
    vote = votes(db, liked=False)[0]  # the vote, its reason as its comment (one row)
    assert vote.question == QUESTION and vote.comment == "数字对，但没有说是全年目标"
    assert len([v for v in votes(db) if v.question == QUESTION and v.chat_id == vote.chat_id]) == 1


# --- the first start ------------------------------------------------------------------------------------
def test_the_first_start_serves_a_waiting_page_that_turns_into_the_app(built, browser, tmp_path_factory):  # noqa: F811
    """A fresh world (no index) whose ingest waits for the index lock the test holds, as it would
    for another ingest running: the page shows the progress, then becomes the app by itself."""
    settings, _ = built
    world = tmp_path_factory.mktemp("first-start")
    (world / "index").mkdir()
    with open(world / "index" / "ingest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with app_server(settings, world, copy_index=False, ready=False, ASSISTANT_EMBEDDING_MODEL="none") as app:
            status = wait_for_status(app["url"], lambda s: s["stage"] == "indexing" and s["done"] == s["total"])
            assert status["total"] == 5
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(app["url"] + "/")
            assert refused.value.code == 503 and refused.value.headers["Retry-After"]
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            waiting = context.new_page()
            waiting.goto(app["url"] + "/")
            assert waiting.locator("#status").inner_text() == "第一次启动：正在为报告建立索引，第 5/5 份。"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            waiting.screenshot(path=str(SCREENSHOTS / "waiting_1366.png"))
            fcntl.flock(lock, fcntl.LOCK_UN)  # the other ingest is done
            waiting.wait_for_selector("#question textarea", timeout=60_000)  # no reload by hand
            ask(waiting, QUESTION)
            assert "7亿元" in answer_text(waiting)
            context.close()


def wait_for_status(url: str, done, timeout_s: float = 60) -> dict:
    deadline = time.time() + timeout_s
    while True:
        with urllib.request.urlopen(url + "/startup") as r:
            status = json.loads(r.read())
        if done(status) or time.time() > deadline:
            return status
        time.sleep(0.2)


# --- the layout -------------------------------------------------------------------------------------
SETTLED = "() => !document.querySelector('[data-testid=status-tracker]:not(.hide)')"
LINES_OF = """e => { const r = document.createRange(); r.selectNodeContents(e);
    return new Set(Array.from(r.getClientRects(), x => Math.round(x.top))).size; }"""


def test_the_layout_holds_at_1366_and_414(browser, server):  # noqa: F811
    for width, height in ((1366, 768), (414, 896)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server["url"] + "/")
        page.wait_for_selector("#question textarea")
        box = page.locator("#question textarea").bounding_box()
        assert box["y"] + box["height"] <= height, f"the input is below the fold at {width} px"
        assert page.locator("#clear").evaluate(LINES_OF) == 1, f"清空对话 wraps at {width} px"
        filters = page.locator("#filters").bounding_box()["height"]
        page.locator("#f-year input").click()
        page.get_by_role("option", name="2024", exact=True).click()
        page.locator("#f-phase label", has_text="计划").click()
        page.locator("#question textarea").click()  # the radio loses focus: its dot stays
        assert page.locator("#f-phase input:checked").evaluate(
            "i => getComputedStyle(i).backgroundColor") != "rgb(255, 255, 255)"
        assert page.locator("#filters").bounding_box()["height"] == filters, "picking a year moved the chat"
        ask(page, "各街道2024年招商引资目标分别是多少？")
        cells = page.locator("#chat table.compare td:nth-child(4)")
        assert cells.count() >= 2 and all(c.evaluate(LINES_OF) == 1 for c in cells.all()), "a figure wraps"
        page.locator("#chat .bubble-wrap").evaluate("w => w.scrollTop = 0")
        page.wait_for_timeout(200)
        first = page.locator("#chat .message-row").first.bounding_box()
        chat = page.locator("#chat").bounding_box()
        assert page.evaluate("([x, y]) => !!document.elementFromPoint(x, y).closest('.message-row')",
                             [first["x"] + first["width"] - 20, first["y"] + 8]), "the first bubble is covered"
        assert first["y"] >= chat["y"]
        ask(page, "铁西今年要开几场招聘会")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"chat_{width}.png"))
        for tab, table in (("报告", "reports"), ("指标", "targets")):
            open_tab(page, tab)
            page.locator(f"#{table}-table a:visible").first.wait_for()
            page.wait_for_function(SETTLED)  # not greyed out by an update under way
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width, \
                f"the {table} tab is wider than the screen at {width} px"
            page.screenshot(path=str(SCREENSHOTS / f"{table}_{width}.png"))
        context.close()


# --- the pieces, without a browser ------------------------------------------------------------------
def test_text_is_escaped_once():
    assert esc("Tiexi's <b>") == "Tiexi&#39;s &lt;b&gt;"
    assert esc("#1 & [2]") == "&#35;1 &amp; &#91;2&#93;"


def test_the_reading_heads_the_answer_in_its_language():
    def answer(question, standalone, read_as):
        return Answer(question=question, answer="铁西街道：招聘会全年不少于8次", status="answered",
                      standalone_question=standalone, read_as=read_as)

    follow_up = answer("那开元街道呢？", "开元街道2024年养老服务有哪些安排？", "按「开元街道2024年养老服务有哪些安排？」理解")
    assert read_as_line(follow_up) == "按此理解：开元街道2024年养老服务有哪些安排？"
    both = answer("今年呢？", "铁西今年要开几场招聘会", "按「铁西今年要开几场招聘会」理解、「今年」按2024年理解")
    assert read_as_line(both) == "按此理解：铁西今年要开几场招聘会（「今年」按2024年理解）"
    alone = answer("铁西今年要开几场招聘会", "铁西今年要开几场招聘会", "「今年」按2024年理解")
    assert read_as_line(alone) == "「今年」按2024年理解"
    english = answer("And Kaiyuan?", "Kaiyuan's elderly care in 2024?", "read as “Kaiyuan's elderly care in 2024?”")
    assert read_as_line(english) == "Read as: Kaiyuan's elderly care in 2024?"
    html = answer_html(follow_up)
    assert html.index('class="read-as"') < html.index("招聘会") and "<script" not in answer_html(
        answer("<script>", "<script>x", "按「<script>x」理解"))
    assert 'class="read-as"' not in answer_html(answer("铁西", "铁西", ""))


def test_a_reason_is_the_same_vote_again(assistant, tmp_path):
    db = Database(tmp_path / "assistant.db")
    answer = assistant.ask(QUESTION)
    vote = record_vote(db, "local", answer, False, Filters(), chat_id="c1", turn=0)
    add_comment(db, "local", vote, "  数字不对  ")
    assert record_vote(db, "local", answer, False, Filters(), chat_id="c1", turn=0) == vote  # voted again: the same
    assert [(v.id, v.comment) for v in votes(db)] == [(vote, "数字不对")]
    assert record_vote(db, "local", answer, True, Filters(), chat_id="c1", turn=1) != vote


def test_the_waiting_page_tells_the_progress_and_nothing_else():
    startup = Startup()
    startup.indexing(3, 5)
    status = startup.status(ZH)
    assert status["text"] == "第一次启动：正在为报告建立索引，第 3/5 份。"
    page = waiting_page(status, ZH, "n0nce")
    assert 'style="width:40%"' in page and '<script nonce="n0nce">' in page and "/startup" in page
    startup.failed("<索引目录不可写>")
    assert "&lt;索引目录不可写&gt;" in waiting_page(startup.status(ZH), ZH, "n")
    startup.loading()
    assert startup.status(EN)["text"] == "Loading the search model…" and not startup.is_ready
    startup.ready()
    assert startup.is_ready
