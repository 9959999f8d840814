"""A team on one server, without Gradio: the database file (WAL, migrations), accounts and
passwords, who may do what, the audit of report changes, saved chats, votes, eval candidates
made from them, and answers copied as text or exported as .docx with footnotes. Everything on a
real SQLite file in a temp folder; the chain is the session's real one."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import accounts, audit, chats, feedback
from assistant.access import LOCAL, Access, authorize
from assistant.accounts import User
from assistant.audit import Actor
from assistant.candidates import add_candidate, candidate_item, parse_facts, support_choices
from assistant.db import MIGRATIONS, Database
from assistant.documents import Answer, Citation, Filters
from assistant.errors import BadRoleError, LastAdminError, NoKeyFactsError, NotAllowedError, NotLoggedInError, \
    OpenOnNetworkError, OtherOfficeError, QuoteNotFoundError, SettingError, UnknownChatError, \
    UnknownFeedbackError, UserExistsError, UserNameError, WeakPasswordError
from assistant.export import export_rows, write_xlsx
from assistant.footnotes import plain_text
from assistant.labels import ZH
from assistant.library import add_report, list_removed, remove_report, restore_report
from assistant.settings import Settings
from assistant.worddoc import conversation_docx
from conftest import KAIYUAN, TIEXI, lexical_world_of

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
QUESTION = "铁西街道2024年招商引资目标是多少？"
NEW_REPORT = "测试街道2024年工作计划\n\n一、发展经济\n\n一是全年新建3家社区食堂。\n"


@pytest.fixture
def db(tmp_path) -> Database:
    return Database(tmp_path / "data" / "assistant.db")


# --- the database file ------------------------------------------------------------------------------
def test_the_database_is_one_wal_file_migrated_once_by_whoever_opens_it_first(tmp_path):
    path = tmp_path / "data" / "assistant.db"
    script = ("import sys; from assistant.db import Database; "
              "print(Database(__import__('pathlib').Path(sys.argv[1])).version())")
    starts = [subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]  # three processes at once
    outs = [p.communicate(timeout=60) for p in starts]
    assert [o.strip() for o, _ in outs] == [str(len(MIGRATIONS))] * 3, outs
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "audit", "chats", "turns", "feedback"} <= tables
    one, other = Database(path), Database(path)  # two app processes: one's write is the other's read
    accounts.add_user(one, "li", PASSWORD)
    assert [u.name for u in accounts.list_users(other)] == ["li"]


# --- accounts -----------------------------------------------------------------------------------------
def test_failed_logins_are_counted_across_processes_and_no_typed_name_is_kept(db):
    from assistant.login_limit import SharedLoginLimiter

    now = [1000.0]
    one, other = (SharedLoginLimiter(Database(db.path), 5, 60.0, clock=lambda: now[0]) for _ in range(2))
    for n in range(5):  # a guesser spread over two app processes
        assert (one if n % 2 else other).wait("user:li", "addr:10.0.0.9") == 0
        (one if n % 2 else other).failed("user:li", "addr:10.0.0.9")
        now[0] += 1
    assert one.wait("user:li") == pytest.approx(55.0) and other.wait("addr:10.0.0.9") == pytest.approx(55.0)
    assert one.wait("user:wang", "addr:10.0.0.8") == 0  # another user from another address: not slowed
    now[0] += 57
    assert other.wait("user:li", "addr:10.0.0.9") == 0  # the window has passed
    one.failed("user:my password typed as a name")
    one.succeeded("user:li")
    with db.connect() as conn:
        kept = [r["key"] for r in conn.execute("SELECT key FROM login_failures")]
    assert kept and all(len(k) == 64 for k in kept)  # hashes only
    assert b"my password" not in b"".join(p.read_bytes() for p in db.path.parent.glob("assistant.db*"))


def test_accounts_keep_a_scrypt_hash_never_the_password(db):
    accounts.add_user(db, "li", PASSWORD, "editor", "铁西街道")
    assert accounts.check_login(db, "li", PASSWORD) == User("li", "editor", "铁西街道")
    assert accounts.check_login(db, "LI", PASSWORD) is not None  # names are case-blind, as the login limit is
    assert accounts.check_login(db, "li", PASSWORD + "x") is None
    assert accounts.check_login(db, "nobody", PASSWORD) is None
    stored = db.path.read_bytes() + (db.path.with_name(db.path.name + "-wal").read_bytes()
                                     if db.path.with_name(db.path.name + "-wal").exists() else b"")
    assert PASSWORD.encode() not in stored
    with db.connect() as conn:
        hashed = conn.execute("SELECT password FROM users").fetchone()[0]
    assert hashed.startswith("scrypt$16384$8$1$") and PASSWORD not in hashed
    accounts.set_password(db, "li", "another long one")
    assert accounts.check_login(db, "li", PASSWORD) is None and accounts.check_login(db, "li", "another long one")


def test_account_changes_are_refused_with_what_to_do(db):
    accounts.add_user(db, "admin", PASSWORD, "admin")
    with pytest.raises(UserExistsError, match="users passwd"):
        accounts.add_user(db, "ADMIN", PASSWORD)
    with pytest.raises(WeakPasswordError, match="at least 8") as refused:
        accounts.add_user(db, "wang", "abc1234")
    assert "abc1234" not in str(refused.value) and "abc1234" not in refused.value.message("zh")
    with pytest.raises(BadRoleError, match="reader, editor, admin"):
        accounts.add_user(db, "wang", PASSWORD, "boss")
    for bad in ("", "a b", "cli:root", "x" * 65):
        with pytest.raises(UserNameError):
            accounts.add_user(db, bad, PASSWORD)
    with pytest.raises(LastAdminError):
        accounts.remove_user(db, "admin")
    with pytest.raises(LastAdminError):
        accounts.set_role(db, "admin", "reader")
    accounts.add_user(db, "zhang", PASSWORD, "admin")
    accounts.remove_user(db, "admin")
    assert [(u.name, u.role) for u in accounts.list_users(db)] == [("zhang", "admin")]


def test_the_users_command_reads_the_password_from_stdin_and_never_prints_it(tmp_path):
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}

    def users(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "assistant", "users", *args], cwd=ROOT, env=env,
                              input=stdin, capture_output=True, text=True, timeout=60)

    added = users("add", "li", "--role", "editor", "--office", "铁西街道", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "li (editor)" in added.stdout, added
    listed = users("list")
    assert listed.stdout.split() == ["li", "editor", "铁西街道"]
    short = users("passwd", "li", stdin="abc\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr and "abc" not in short.stderr
    assert users("passwd", "li", stdin="a new passphrase\n").returncode == 0
    db = Database(tmp_path / "data" / "assistant.db")
    assert accounts.check_login(db, "li", "a new passphrase")
    for out in (added, listed, short):
        assert PASSWORD not in out.stdout + out.stderr
    assert users("remove", "nobody").stderr.strip().startswith("error: no account 'nobody'")


# --- who may do what -------------------------------------------------------------------------------------
def test_roles_allow_what_the_issue_lists_and_nothing_more():
    reader, editor, admin = User("r", "reader"), User("e", "editor"), User("a", "admin")
    for action in ("ask", "read", "export", "chats", "vote", "audit"):
        assert authorize(reader, action) == reader
    for action in ("upload", "replace", "remove", "restore"):
        with pytest.raises(NotAllowedError, match="needs the editor role"):
            authorize(reader, action)
        assert authorize(editor, action, "开元街道") == editor
    for action in ("users", "review"):
        with pytest.raises(NotAllowedError, match="needs the admin role"):
            authorize(editor, action)
        assert authorize(admin, action) == admin
    with pytest.raises(NotLoggedInError):
        authorize(None, "ask")
    with pytest.raises(KeyError):
        authorize(admin, "delete everything")  # an action nobody named is a bug, never a pass
    tiexi_editor = User("t", "editor", "铁西街道")
    assert authorize(tiexi_editor, "remove", "铁西街道")
    for office in ("开元街道", ""):  # another office's report, or one whose office was not read
        with pytest.raises(OtherOfficeError, match="manages only 铁西街道"):
            authorize(tiexi_editor, "remove", office, "某报告")
    assert authorize(tiexi_editor, "ask")  # the office limits report changes only


def test_who_a_request_is_open_single_admin_or_account(db, tmp_path):
    open_app = Access.open(Settings(data_dir=tmp_path), db)
    assert not open_app.login_required and open_app.user(None) == LOCAL
    open_app.check_listening("127.0.0.1")
    with pytest.raises(OpenOnNetworkError, match="add an account first"):
        open_app.check_listening("0.0.0.0")
    single = Access.open(Settings(data_dir=tmp_path, auth=("boss", "s3cret-pass")), db)
    assert single.login_required and single.login("boss", "s3cret-pass") and not single.login("boss", "nope")
    assert single.user("boss") == User("boss", "admin") and single.user(None) is None
    accounts.add_user(db, "li", PASSWORD, "reader")
    team = Access.open(Settings(data_dir=tmp_path), db)
    assert team.login_required and team.login("li", PASSWORD) and not team.login("li", "wrong")
    assert team.require("li", "ask").role == "reader"
    team.check_listening("0.0.0.0")  # a login is required: it may listen beyond this machine
    with pytest.raises(NotAllowedError):
        team.require("li", "upload")
    accounts.add_user(db, "admin", PASSWORD, "admin")
    accounts.remove_user(db, "li")
    with pytest.raises(NotLoggedInError):  # a removed user's session is refused from its next request
        team.require("li", "ask")


# --- the audit -----------------------------------------------------------------------------------------------
@pytest.fixture
def lexical_world(tmp_path):
    """A small world with BM25 only (no embedding model): fast to build."""
    return lexical_world_of(tmp_path, keep=(TIEXI, KAIYUAN))


def test_report_changes_are_checked_against_the_role_and_office_then_audited(lexical_world, tmp_path):
    settings, index = lexical_world
    db = Database(settings.database_path)
    new = tmp_path / "测试街道2024年工作计划.txt"
    new.write_text(NEW_REPORT, encoding="utf-8")
    with pytest.raises(NotAllowedError):
        add_report(settings, index, new, actor=Actor(User("r", "reader"), db))
    with pytest.raises(OtherOfficeError):
        add_report(settings, index, new, actor=Actor(User("t", "editor", "铁西街道"), db))
    assert not (settings.corpus_dir / new.name).exists() and audit.entries(db) == []

    editor = Actor(User("wang", "editor", "测试街道"), db)
    assert add_report(settings, index, new, actor=editor).added == ["测试街道2024年工作计划"]
    new.write_text(NEW_REPORT + "二是新建1个养老驿站。\n", encoding="utf-8")
    assert add_report(settings, index, new, replace=True, actor=editor).updated == ["测试街道2024年工作计划"]
    with pytest.raises(OtherOfficeError):
        remove_report(settings, index, TIEXI, actor=editor)
    remove_report(settings, index, "测试街道2024年工作计划", actor=editor)
    kept = next(e for e in list_removed(settings) if e.why == "removed")
    restore_report(settings, index, kept.file, actor=Actor(User("admin", "admin"), db))
    log = [(e.user, e.action, e.report_id, e.office) for e in reversed(audit.entries(db))]
    assert log == [("wang", "upload", "测试街道2024年工作计划", "测试街道"),
                   ("wang", "replace", "测试街道2024年工作计划", "测试街道"),
                   ("wang", "remove", "测试街道2024年工作计划", "测试街道"),
                   ("admin", "restore", "测试街道2024年工作计划", "测试街道")]
    assert all(e.at and e.title == "测试街道2024年工作计划" for e in audit.entries(db))
    assert audit.entries(db)[1].detail == kept.file  # where the removed version went


# --- saved chats -----------------------------------------------------------------------------------------------
def test_a_saved_chat_reopens_as_it_was_and_its_follow_up_reads_its_history(db, assistant):
    first = assistant.ask("铁西街道2024年养老服务有哪些安排？")
    chat = chats.save_turn(db, "li", None, first.question, first, Filters(years=(2024,)))
    assert chats.list_chats(db, "li")[0].title == "铁西街道2024年养老服务有哪些安排？"
    turns = chats.load_chat(db, "li", chat)
    assert turns[0].answer == first and turns[0].filters == Filters(years=(2024,))  # citations and all
    follow = assistant.ask("那开元街道呢？", history=chats.history(turns))  # a new process would do the same
    assert {c.office for c in follow.citations} == {"开元街道"}
    chats.save_turn(db, "li", chat, follow.question, follow)
    assert [(c.id, c.turns) for c in chats.list_chats(db, "li")] == [(chat, 2)]
    assert chats.list_chats(db, "wang") == []
    for theirs in (lambda: chats.load_chat(db, "wang", chat), lambda: chats.delete_chat(db, "wang", chat),
                   lambda: chats.save_turn(db, "wang", chat, "x", follow)):
        with pytest.raises(UnknownChatError):
            theirs()
    chats.delete_chat(db, "li", chat)
    assert chats.list_chats(db, "li") == []
    with db.connect() as conn:
        assert conn.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0
    assert chats.title_of("问" * 60) == "问" * 39 + "…"


# --- votes and eval candidates ---------------------------------------------------------------------------------
def test_one_vote_per_user_and_answer_with_the_voters_comment(db, assistant):
    answer = assistant.ask(QUESTION)
    first = feedback.record_vote(db, "li", answer, True, chat_id="c1", turn=1)
    assert feedback.record_vote(db, "li", answer, False, chat_id="c1", turn=1) == first  # changed, not added
    feedback.record_vote(db, "wang", answer, True, chat_id="c9", turn=1)
    feedback.add_comment(db, "li", first, "  应该说明是全年目标  ")
    with pytest.raises(UnknownFeedbackError):
        feedback.add_comment(db, "wang", first, "not my vote")
    down = feedback.votes(db, liked=False)
    assert [(v.user, v.comment) for v in down] == [("li", "应该说明是全年目标")]
    assert down[0].answer == answer and down[0].question == QUESTION
    assert len(feedback.votes(db)) == 2 and [v.user for v in feedback.votes(db, commented=True)] == ["li"]
    assert [v.user for v in feedback.votes(db, text="全年目标")] == ["li"] and feedback.votes(db, user="zhao") == []


def test_a_vote_becomes_an_eval_item_that_the_eval_runner_scores(db, assistant, tmp_path):
    from eval.run import load_items, run

    answer = assistant.ask(QUESTION)
    vote = feedback.get_vote(db, feedback.record_vote(db, "li", answer, False, history=[], comment="要写明单位"))
    choices = support_choices(vote)
    pick = next(value for label, value in choices if "7亿元" in label)
    index = assistant.index
    with pytest.raises(NoKeyFactsError):
        candidate_item(vote, index, [], [pick])
    with pytest.raises(QuoteNotFoundError):
        candidate_item(vote, index, [["7亿元"]], [f"{TIEXI}\t这句话不在报告里"])
    item = candidate_item(vote, index, parse_facts("7亿元 | 7亿\n"), [pick])
    assert item["key_facts"] == [["7亿元", "7亿"]] and item["reports"] == [TIEXI] and item["lang"] == "zh"
    assert set(item) >= set(load_items(ROOT / "eval" / "qa.jsonl")[0]) - {"note"}  # qa.jsonl's fields
    path = tmp_path / "candidates.jsonl"
    add_candidate(path, item)
    add_candidate(path, item)  # the same vote again replaces its line
    refuse = candidate_item(vote, index, [], [], answerable=False)
    add_candidate(path, {**refuse, "id": "fb-x", "question": "铁西街道有几个足球场？"})
    items = load_items(path)
    assert [i["id"] for i in items] == [item["id"], "fb-x"]
    results, report = run(assistant, items)
    assert report["overall"]["items"] == 2 and report["overall"]["key_fact_accuracy"] == 1.0
    assert report["overall"]["refusal_accuracy"] == 1.0 and report["by_type"]["feedback"]["items"] == 2


# --- copied and exported answers --------------------------------------------------------------------------------
def citation(n: int, text: str, start: int) -> Citation:
    return Citation(n=n, report_id=TIEXI, title="铁西街道2024年工作计划", office="铁西街道",
                    section="一、经济发展 › （一）招商引资", text=text, start=start, end=start + len(text),
                    paragraph_id="p4", passage=text, passage_start=start, passage_end=start + len(text))


ANSWER = Answer(question=QUESTION, status="answered", citations=[
    citation(1, "招商引资实际到位内资全年计划完成7亿元", 100), citation(2, "规上工业总产值前三季度计划增长24%", 200)],
    answer="**铁西街道2024年工作计划**：\n- 招商引资实际到位内资全年计划完成7亿元 [1]\n\n| 指标 | 数值 |\n|---|---|\n"
           "| 规上工业总产值 | 24% [2] |")


def test_copied_text_carries_numbered_footnotes_with_absolute_links():
    settings = Settings.from_env(public_url="https://assistant.example.gov.cn/")
    text = plain_text(ANSWER, settings.public_link)
    assert text.splitlines()[:3] == ["铁西街道2024年工作计划：", "- 招商引资实际到位内资全年计划完成7亿元 [1]",
                                     "指标 | 数值"]
    assert "规上工业总产值 | 24% [2]" in text and "**" not in text and "---" not in text
    assert (f"[1] 铁西街道2024年工作计划 › 一、经济发展 › （一）招商引资：“招商引资实际到位内资全年计划完成7亿元” "
            f"https://assistant.example.gov.cn/source/{TIEXI}?start=100&end=119#p4") in text
    assert f" /source/{TIEXI}?start=200" in plain_text(ANSWER)  # no public address: the app's own link
    with pytest.raises(SettingError, match="PUBLIC_URL"):
        Settings.from_env(public_url="assistant.example.gov.cn")


def test_the_word_document_has_real_footnotes_that_libreoffice_reads(tmp_path):
    from assistant.convert import convert

    settings = Settings.from_env(public_url="https://assistant.example.gov.cn")
    follow = Answer(question="那开元街道呢？", status="answered", answer="- 第三句 [1]",
                    citations=[citation(1, "第三句", 300)])
    path = conversation_docx([(QUESTION, ANSWER), ("那开元街道呢？", follow)], tmp_path / "chat.docx", ZH,
                             settings.public_link)
    with zipfile.ZipFile(path) as z:
        notes, body = z.read("word/footnotes.xml").decode(), z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode() + z.read("word/_rels/footnotes.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    assert body.count("<w:footnoteReference") == 3 and all(f'w:footnoteReference w:id="{n}"' in body for n in (1, 2, 3))
    assert notes.count("<w:footnoteRef/>") == 3 and 'w:type="separator" w:id="-1"' in notes
    assert "relationships/footnotes" in rels and "footnotes+xml" in types
    assert f'Target="https://assistant.example.gov.cn/source/{TIEXI}?start=300&amp;end=303#p4"' in rels
    html = convert(path.read_bytes(), path, "html").decode("utf-8", "replace")  # LibreOffice reads it back
    assert html.count('class="sdfootnoteanc"') == 3 and '<div id="sdfootnote3">' in html
    note = re.sub(r"<[^>]+>|\s+", "", html[html.index('<div id="sdfootnote1">'):html.index('<div id="sdfootnote2">')])
    assert note == (f"1铁西街道2024年工作计划›一、经济发展›（一）招商引资：“招商引资实际到位内资全年计划完成7亿元”"
                    f"https://assistant.example.gov.cn/source/{TIEXI}?start=100&amp;end=119#p4")
    assert "问：那开元街道呢？" in re.sub(r"<[^>]+>|\s+", "", html) and "明朝" not in html


def test_exported_target_links_are_absolute_under_the_public_address(built, tmp_path):
    from openpyxl import load_workbook

    from assistant.targets import all_targets

    settings = Settings.from_env(public_url="https://assistant.example.gov.cn")
    targets = all_targets(built[1])[:3]
    rows = export_rows(targets, settings.public_link)
    assert all(r["link"] == "https://assistant.example.gov.cn" + t.link for r, t in zip(rows, targets))
    sheet = load_workbook(write_xlsx(targets, tmp_path / "t.xlsx", public_link=settings.public_link)).active
    link = sheet.cell(row=2, column=len(rows[0])).hyperlink
    assert link is not None and link.target == rows[0]["link"]
    assert export_rows(targets)[0]["link"].startswith("/source/")
