"""A team on one server, in real Chromium against `python app.py` with accounts in its database
(issue 17): each role logged in and shown what it may do, and refused on the server what it may
not (a crafted Gradio API call, as tests/test_security.py makes them); a chat that survives a
reload and is reopened; a 👎 with a comment that becomes an eval item `python -m eval --qa` scores;
the copied text and the .docx with their footnotes; and two app processes on one database and
one Chroma server, each seeing the users and chats made through the other."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from assistant import accounts
from assistant.db import Database
from assistant.feedback import votes
from conftest import KAIYUAN, TIEXI, app_process, app_server, make_settings
from test_app import ARTIFACTS, TIMEOUT_MS, ask, browser, cited_offices  # noqa: F401 (browser: the fixture)
from test_security import gradio_client, submit, uploaded

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://assistant.example.gov.cn"
PASSWORDS = {"admin": "admin passphrase 1", "editor": "editor passphrase 2", "reader": "reader passphrase 3"}
QUESTION = "铁西街道2024年招商引资目标是多少？"
NEW_REPORT = "测试街道2024年工作计划\n\n一、发展经济\n\n一是全年新建3家社区食堂。\n"


def add_accounts(data_dir: Path) -> Database:
    db = Database(data_dir / "assistant.db")
    for role, password in PASSWORDS.items():
        accounts.add_user(db, role, password, role)
    return db


@pytest.fixture(scope="module")
def team(built, tmp_path_factory):
    """The app with an admin, an editor and a reader (named after their roles), its links made
    absolute by ASSISTANT_PUBLIC_URL, its eval candidates written into its world."""
    settings, _ = built
    world = tmp_path_factory.mktemp("team")
    add_accounts(world / "data")
    with app_server(settings, world, ASSISTANT_PUBLIC_URL=PUBLIC,
                    ASSISTANT_CANDIDATES_PATH=str(world / "candidates.jsonl")) as served:
        yield served


def login(browser, url: str, name: str, form: bool = False):
    """A page logged in as ``name`` (through the login form, or its POST as the form sends it)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    if form:
        page.goto(url + "/")
        page.locator("input[type=text]").fill(name)
        page.locator("input[type=password]").fill(PASSWORDS[name])
        page.get_by_role("button", name="登录").click()
    else:
        assert context.request.post(url + "/login", form={"username": name, "password": PASSWORDS[name]}).ok
        page.goto(url + "/")
    page.wait_for_selector("#question textarea")
    page.locator("#who", has_text=name).wait_for()
    return page


def open_sidebar(page) -> None:
    """The sidebar of past chats starts closed (the page keeps its width); its toggle opens it."""
    page.locator("#chats-sidebar .toggle-button").click()
    page.wait_for_function("() => document.querySelector('#chats-sidebar').classList.contains('open')")


def test_a_reader_has_no_upload_or_remove_and_the_server_refuses_them(browser, team, tmp_path):
    page = login(browser, team["url"], "reader", form=True)
    page.get_by_role("tab", name="报告").click()
    page.locator("#reports-table", has_text="铁西街道").wait_for()
    page.locator("#audit-table").wait_for()
    assert not page.locator("#upload").is_visible() and not page.locator("#remove").is_visible()
    assert page.get_by_role("tab", name="管理").count() == 0  # no admin tab either
    page.context.close()

    before = sorted(p.name for p in (team["world"] / "corpus").iterdir())
    with gradio_client(team["url"], ("reader", PASSWORDS["reader"])) as client:
        file = uploaded(client, "测试街道2024年工作计划.txt", NEW_REPORT.encode())
        assert submit(client, "on_load", [], session="reader01")[-1]["success"]  # as a page does: choices loaded
        for fn, data in (("on_upload", [[file], [], []]), ("on_remove", [TIEXI, [], []]),
                         ("on_add_user", ["mallory", "mallory passphrase", "admin", ""]),
                         ("review_view", ["", "", False])):
            done = submit(client, fn, data, session="reader01")[-1]
            assert done["msg"] == "process_completed" and not done["success"], (fn, done)
            assert "已拒绝：reader（只读用户）无权" in json.dumps(done, ensure_ascii=False), done
        assert client.get(f"/source/{TIEXI}").status_code == 200  # still there, still readable
    assert sorted(p.name for p in (team["world"] / "corpus").iterdir()) == before
    assert accounts.get_user(Database(team["world"] / "data" / "assistant.db"), "mallory") is None


def test_an_editor_uploads_and_removes_and_the_reports_tab_says_who(browser, team, tmp_path):
    report = tmp_path / "测试街道2024年工作计划.txt"
    report.write_text(NEW_REPORT, encoding="utf-8")
    page = login(browser, team["url"], "editor")
    page.get_by_role("tab", name="报告").click()
    page.locator("#upload input[type=file]").set_input_files(str(report))
    page.locator("#reports-table", has_text="测试街道").wait_for()
    page.locator("#audit-table", has_text="测试街道2024年工作计划").wait_for()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name="测试街道", exact=False).click()
    page.locator("#remove").click()
    page.locator("#remove-yes").click()  # removal is confirmed first
    page.wait_for_function("() => !document.querySelector('#reports-table').innerText.includes('测试街道')")
    page.wait_for_function("() => document.querySelector('#audit-table').innerText.includes('移除')")
    rows = page.locator("#audit-table .virtual-row").evaluate_all(
        "rows => rows.map(r => Array.from(r.querySelectorAll('[role=gridcell]'), c => c.innerText.trim()))")
    mine = [r for r in rows if "测试街道2024年工作计划" in r[3]]
    assert [(r[1], r[2]) for r in mine] == [("editor", "移除"), ("editor", "上传")]  # the newest first
    assert page.get_by_role("tab", name="管理").count() == 0
    page.context.close()


def test_an_admin_adds_a_user_who_can_then_log_in_and_no_password_is_kept(browser, team):
    page = login(browser, team["url"], "admin")
    page.get_by_role("tab", name="管理").click()
    page.locator("#users-table", has_text="reader").wait_for()
    page.locator("#u-name textarea").fill("zhao")
    page.locator("#u-password input").fill("zhao's own passphrase")
    page.locator("#u-role input").click()
    page.get_by_role("option", name="编辑").click()
    page.locator("#u-add").click()
    page.locator("#users-table", has_text="zhao").wait_for()
    assert page.locator("#u-password input").input_value() == ""
    page.context.close()
    with httpx.Client(base_url=team["url"]) as client:
        assert client.post("/login", data={"username": "zhao", "password": "zhao's own passphrase"}).status_code == 200
    db = Database(team["world"] / "data" / "assistant.db")
    assert accounts.get_user(db, "zhao").role == "editor"
    kept = b"".join(p.read_bytes() for p in (team["world"] / "data").glob("assistant.db*"))
    logged = (team["world"] / "app.log").read_text(encoding="utf-8", errors="replace")
    for password in ("zhao's own passphrase", *PASSWORDS.values()):
        assert password.encode() not in kept and password not in logged


def test_a_chat_survives_a_reload_its_follow_up_reads_it_and_it_copies_and_downloads_with_footnotes(
        browser, team, tmp_path):
    from assistant.convert import convert

    page = login(browser, team["url"], "reader")
    ask(page, "铁西街道2024年养老服务有哪些安排？")
    page.locator("#chat .copy-answer").first.wait_for()  # the answer is saved: its copy button is there
    page.reload()
    page.wait_for_selector("#question textarea")
    assert page.locator("#chat .answer").count() == 0
    open_sidebar(page)
    page.locator("#chat-list label", has_text="铁西街道2024年养老服务有哪些安排").click()
    page.locator("#chat .answer").first.wait_for()
    assert cited_offices(page) == {"铁西街道"}  # its citations as they were
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team_reopened_chat.png"))
    ask(page, "那开元街道呢？")
    assert cited_offices(page) == {"开元街道"}  # read with the reopened chat's first question

    page.wait_for_function("() => document.querySelectorAll('#chat .copy-answer').length === 2")  # saved too
    page.locator("#chat .copy-answer").last.click()
    page.locator("#chat .copy-answer", has_text="已复制").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    notes = re.findall(rf"^\[(\d+)\] (.+?)：“(.+?)” {re.escape(PUBLIC)}/source/{KAIYUAN}\?start=\d+&end=\d+#\S+$",
                       copied, re.M)
    assert notes and all("开元街道" in title for _, title, _ in notes), copied
    assert all(f"[{n}]" in copied.split("\n\n")[0] for n, _, _ in notes)  # each marker in the text has its note

    with page.expect_download() as download:
        page.locator("#chat-docx").click()
    path = tmp_path / "chat.docx"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        body, footnotes = z.read("word/document.xml").decode(), z.read("word/footnotes.xml").decode()
    references = body.count("<w:footnoteReference")
    assert references >= 2 and footnotes.count("<w:footnoteRef/>") == references
    html = convert(path.read_bytes(), path, "html").decode("utf-8", "replace")  # as LibreOffice reads it
    assert html.count('class="sdfootnoteanc"') == references
    text = re.sub(r"<[^>]+>|\s+", "", html)
    assert "问：那开元街道呢？" in text and f"{PUBLIC}/source/{KAIYUAN}" in text
    page.context.close()


def test_a_thumbs_down_with_a_comment_becomes_an_eval_item_that_the_eval_scores(browser, team, tmp_path):
    page = login(browser, team["url"], "reader")
    ask(page, QUESTION)
    page.locator("#chat .copy-answer").first.wait_for()
    page.locator("#chat button[aria-label='踩'], #chat button[aria-label='Dislike']").last.click()
    page.locator("#reason textarea").fill("应写明这是全年目标")
    page.locator("#reason-send").click()
    page.locator("#reason-row").wait_for(state="hidden")
    page.context.close()

    page = login(browser, team["url"], "admin")
    page.get_by_role("tab", name="管理").click()
    page.get_by_role("tab", name="用户反馈").click()
    page.locator("#review-table", has_text="应写明这是全年目标").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team_feedback_review.png"))
    vote = votes(Database(team["world"] / "data" / "assistant.db"), liked=False)[0]
    assert (vote.user, vote.comment, vote.question) == ("reader", "应写明这是全年目标", QUESTION)
    page.locator("#r-pick input").click()
    page.get_by_role("option", name=f"#{vote.id} ", exact=False).click()
    page.locator("#r-support input").click()  # its choices come with the pick's answer, which also empties the facts
    page.get_by_role("option", name="7亿元", exact=False).first.click()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.locator("#r-facts textarea").fill("7亿元 | 7亿")
    page.locator("#r-add").click()
    page.locator("#review-table", has_text=f"fb-{vote.id}").wait_for()
    page.context.close()

    candidates = team["world"] / "candidates.jsonl"
    item = json.loads(candidates.read_text(encoding="utf-8").splitlines()[-1])
    assert item["question"] == QUESTION and item["key_facts"] == [["7亿元", "7亿"]] and item["reports"] == [TIEXI]
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "ASSISTANT_CORPUS_DIR": str(team["world"] / "corpus"),
           "ASSISTANT_INDEX_DIR": str(team["world"] / "index"), "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "eval", "--qa", str(candidates), "--out", str(tmp_path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    scored = json.loads((tmp_path / "report-candidates.json").read_text(encoding="utf-8"))["overall"]
    assert scored["items"] == 1 and scored["key_fact_accuracy"] == 1.0 and scored["citation_recall"] == 1.0


# --- the team deployment: two processes, one database, one index ------------------------------------------
@pytest.fixture(scope="module")
def two_apps(chroma_url, tmp_path_factory):
    """Two `python app.py` behind (what would be) one reverse proxy: one data folder (the
    database), one corpus folder, one Chroma server. Lexical search only (no dense model): what
    is shared is state, and two model loads would only slow the test."""
    from assistant.embeddings import make_embedder
    from assistant.index import Index
    from assistant.ingest import ingest

    world = tmp_path_factory.mktemp("pair")
    settings = make_settings(world, chroma_url=chroma_url, collection="pair", embedding_model="none")
    ingest(Index(settings, make_embedder(settings)))
    add_accounts(settings.data_dir)
    env = dict(ASSISTANT_CHROMA_URL=chroma_url, ASSISTANT_COLLECTION="pair", ASSISTANT_EMBEDDING_MODEL="none",
               ASSISTANT_CORPUS_DIR=str(settings.corpus_dir), ASSISTANT_DATA_DIR=str(settings.data_dir))
    with app_process(world / "one.log", ASSISTANT_INDEX_DIR=str(world / "cache-one"), **env) as one, \
            app_process(world / "two.log", ASSISTANT_INDEX_DIR=str(world / "cache-two"), **env) as two:
        yield one, two, world


def test_two_processes_on_one_database_see_each_others_users_and_chats(browser, two_apps):
    one, two, _ = two_apps
    with gradio_client(one, ("admin", PASSWORDS["admin"])) as client:
        done = submit(client, "on_add_user", ["wang", "wang's passphrase", "reader", "开元街道"])[-1]
        assert done["success"], done
    PASSWORDS["wang"] = "wang's passphrase"
    page = login(browser, two, "wang")  # an account made through one logs in through the other
    ask(page, QUESTION)
    assert "7亿元" in page.locator("#chat .answer").last.inner_text()
    page.locator("#chat .copy-answer").first.wait_for()
    page.context.close()
    page = login(browser, one, "wang")  # and the chat asked through the other is listed here
    open_sidebar(page)
    page.locator("#chat-list label", has_text=QUESTION).click()
    page.locator("#chat .answer", has_text="7亿元").wait_for()
    assert page.locator("#chat .q").first.inner_text() == QUESTION
    page.context.close()


def test_five_wrong_passwords_in_a_minute_slow_the_next_try_through_either_process(two_apps):
    """Last in this file: the address (127.0.0.1) is slowed down too, for a minute. The guesses
    go to both processes in turn, as a round-robin proxy would send them; no password is kept."""
    one, two, world = two_apps
    guesses = [f"editor guess {n}" for n in range(5)]
    codes = []
    for n, guess in enumerate(guesses):
        with httpx.Client(base_url=(one, two)[n % 2], timeout=30) as client:
            codes.append(client.post("/login", data={"username": "editor", "password": guess}).status_code)
    assert codes == [400] * 5
    for url in (one, two):
        with httpx.Client(base_url=url, timeout=30) as client:
            refused = client.post("/login", data={"username": "editor", "password": PASSWORDS["editor"]})
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert "秒后再试" in refused.json()["detail"] and PASSWORDS["editor"] not in refused.text
    logged = "".join((world / name).read_text(encoding="utf-8", errors="replace") for name in ("one.log", "two.log"))
    kept = b"".join(p.read_bytes() for p in (world / "data").glob("assistant.db*"))
    for password in (*guesses, *PASSWORDS.values()):
        assert password not in logged and password.encode() not in kept
