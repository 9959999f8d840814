"""Attacks on the real app (issue: uploads that cannot hurt), each reproduced against `python
app.py` in a subprocess, with and without a login, traffic to 127.0.0.1 only:

- a crafted API call naming a file on the server is refused (test_a_crafted_upload…);
- a PDF holding one 5 MB content stream does not freeze anyone (test_a_huge_pdf…);
- an upload never overwrites silently, keeps the old version and can be undone (test_an_upload…);
- a malformed .docx is read or refused with a typed error, and nothing is lost (test_a_malformed_docx…);
- a killed upload is dropped or finished at the next start (test_a_killed_upload…);
- 20 wrong passwords are slowed down, the right one then too (test_wrong_passwords…);
- 200 likes store one vote (test_two_hundred_likes…);
- every page carries the security headers, nothing of the corpus shows before login, and odd
  offsets do not fail the viewer (test_headers_…, test_nothing_of_the_corpus…).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.errors import ReportExistsError, UnsupportedFileError, UploadOutsideFolderError
from assistant.ingest import ingest
from assistant.library import add_report, check_uploaded, drop_incoming, list_removed, remove_report, \
    restore_report
from conftest import lexical_world_of, KAIYUAN, TIEXI, app_server

SECRET = "内部资料：秘密街道2024年工作计划。一、全年招商引资目标99亿元。\n"
AUTH = ("staff", "correct horse battery")
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gradio_client(url: str, auth: tuple[str, str] | None):
    """An HTTP client of the app, logged in when ``auth`` is given."""
    with httpx.Client(base_url=url, timeout=120) as client:
        if auth:
            r = client.post("/login", data={"username": auth[0], "password": auth[1]})
            assert r.status_code == 200, r.text
        yield client


def dependency(client: httpx.Client, fn_name: str) -> dict:
    """The event whose handler is ``fn_name`` (the events are private: no API names to find them by)."""
    config = client.get("/config").json()
    found = [d for d in config["dependencies"] if d.get("api_name") == fn_name]
    assert found, f"no event {fn_name} in the page's config"
    return found[0]


def submit(client: httpx.Client, fn_name: str, data: list, session: str = "attacker01") -> list[dict]:
    """Submit one event through the queue protocol a browser tab speaks; the stream's messages."""
    dep = dependency(client, fn_name)
    r = client.post("/gradio_api/queue/join", json={
        "data": data, "event_data": None, "fn_index": dep["id"], "trigger_id": dep["targets"][0][0],
        "session_hash": session})
    assert r.status_code == 200, r.text
    messages = []
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                messages.append(json.loads(line[5:]))
                if messages[-1]["msg"] in ("process_completed", "unexpected_error", "close_stream"):
                    break
    return messages


def uploaded(client: httpx.Client, name: str, data: bytes) -> dict:
    """A file uploaded as the upload panel does (POST /gradio_api/upload), as the FileData it sends."""
    r = client.post("/gradio_api/upload", files={"files": (name, data)})
    assert r.status_code == 200, r.text
    return {"path": r.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def toasts(messages: list[dict]) -> str:
    return json.dumps([m for m in messages if m.get("msg") == "log"], ensure_ascii=False)


@pytest.fixture(scope="module")
def open_app(built, tmp_path_factory):
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("open")) as app:
        yield app


@pytest.fixture(scope="module")
def locked_app(built, tmp_path_factory):
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("locked"), ASSISTANT_AUTH=f"{AUTH[0]}:{AUTH[1]}") as app:
        yield app


# --- 1. files read off the server -------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("which", ["open_app", "locked_app"])
def test_a_crafted_upload_naming_a_server_file_is_refused(request, tmp_path, which):
    app = request.getfixturevalue(which)
    auth = AUTH if which == "locked_app" else None
    secret = tmp_path / "secret_notes.txt"
    secret.write_text(SECRET, encoding="utf-8")
    with gradio_client(app["url"], auth) as client:
        for path in (secret, ROOT / "README.md"):
            file = {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
            messages = submit(client, "on_upload", [[file], [], []])
            done = messages[-1]
            assert done["msg"] == "process_completed" and not done["success"], messages
            assert "99亿元" not in json.dumps(messages, ensure_ascii=False)
            r = client.post("/gradio_api/call/on_upload", json={"data": [[file], [], []]})
            assert r.status_code != 200 or "event: complete" not in client.get(
                f"/gradio_api/call/on_upload/{r.json()['event_id']}").text
        for name in ("secret_notes", "README"):
            assert not any((app["world"] / "corpus").glob(f"{name}.*"))
            assert client.get(f"/source/{name}").status_code == 404


def test_the_upload_check_refuses_paths_outside_the_upload_folder(tmp_path, built):
    settings, index = built
    root = tmp_path / "uploads"
    (root / "abc").mkdir(parents=True)
    inside = root / "abc" / "report.txt"
    inside.write_text("x", encoding="utf-8")
    outside = tmp_path / "notes.txt"
    outside.write_text(SECRET, encoding="utf-8")
    link = root / "abc" / "link.txt"
    link.symlink_to(outside)
    assert check_uploaded(inside, root) == inside.resolve()
    for path in (outside, link, root / "abc" / ".." / ".." / "notes.txt", root / "abc", root / "missing.txt"):
        with pytest.raises(UploadOutsideFolderError, match="not a file uploaded through this app"):
            check_uploaded(path, root)
    with pytest.raises(UploadOutsideFolderError):
        add_report(settings, index, outside, upload_root=root)
    assert not (settings.corpus_dir / "notes.txt").exists()


# --- 2. one upload freezes everyone --------------------------------------------------------------------
def huge_stream_pdf(chars: int = 3_500_000) -> bytes:
    """A small PDF (a few KB) whose one page's content stream draws `chars` characters of text."""
    run = b"(" + b"A" * 1000 + b") Tj\n"
    content = zlib.compress(b"BT /F1 10 Tf 72 720 Td\n" + run * (chars // 1000) + b"ET\n", 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.slow
def test_a_huge_pdf_upload_does_not_stop_questions_or_the_viewer(open_app):
    pdf = huge_stream_pdf()
    assert len(pdf) < 40_000
    before = sorted(p.name for p in (open_app["world"] / "corpus").iterdir())
    outcome: dict = {}

    def upload():
        with gradio_client(open_app["url"], None) as client:
            started = time.perf_counter()
            outcome["messages"] = submit(client, "on_upload", [[uploaded(client, "大文件.pdf", pdf)], [], []],
                                         session="uploader")
            outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=upload)
    thread.start()
    waits = []
    with gradio_client(open_app["url"], None) as client:
        time.sleep(1.0)  # the upload is being read
        n = 0
        while thread.is_alive() or n < 3:
            n += 1
            t = time.perf_counter()
            messages = submit(client, "ask", ["铁西街道2024年招商引资目标是多少？", [], [], [], [], "", None],
                              session=f"asker{n}")
            asked = time.perf_counter() - t
            assert messages[-1]["success"] and "7亿元" in json.dumps(messages, ensure_ascii=False)
            t = time.perf_counter()
            assert client.get(f"/source/{TIEXI}?start=10&end=20").status_code == 200
            waits.append((asked, time.perf_counter() - t))
            if n > 200:
                break
    thread.join()
    print(f"\nupload refused after {outcome['seconds']:.1f} s; {len(waits)} questions meanwhile, slowest "
          f"{max(a for a, _ in waits):.2f} s, slowest source page {max(s for _, s in waits):.2f} s")
    assert all(asked < 2.0 and shown < 2.0 for asked, shown in waits), waits
    assert "上传失败" in toasts(outcome["messages"]) and "大文件.pdf" in toasts(outcome["messages"])
    assert sorted(p.name for p in (open_app["world"] / "corpus").iterdir()) == before


def test_an_oversized_paragraph_is_chunked_within_the_budget(tmp_path, embedder):
    from assistant.chunking import chunk_report, count_tokens
    from assistant.parse import parse_report

    report = parse_report("测试街道2024年工作计划\n一、概况\n" + "全街共有居民一万户，" * 5000 + "\n", "x", "x.txt")
    chunks = chunk_report(report, 360)
    assert len(chunks) > 50 and max(count_tokens(c.text) for c in chunks) <= 360
    assert "".join(c.text for c in chunks) == report.text[report.text.index("全街"):].strip()


# --- 3. silent overwrite -------------------------------------------------------------------------------
def test_an_upload_never_overwrites_silently_and_can_be_undone(lexical_world, tmp_path):
    settings, index = lexical_world
    seed = settings.corpus_dir / f"{TIEXI}.txt"
    original = seed.read_bytes()
    other = tmp_path / seed.name
    other.write_text("测试街道2024年工作计划\n一、经济\n一是新建3家社区食堂。\n", encoding="utf-8")
    with pytest.raises(ReportExistsError, match="already indexed"):
        add_report(settings, index, other)
    assert seed.read_bytes() == original  # nothing happened
    # the same report as another file name (.md beside the .txt): also asked first
    twin = tmp_path / f"{TIEXI}.md"
    twin.write_bytes(original)
    with pytest.raises(ReportExistsError):
        add_report(settings, index, twin)
    result = add_report(settings, index, other, replace=True)
    assert result.updated == [TIEXI] and seed.read_bytes() != original
    kept = list_removed(settings)
    assert kept[0].why == "replaced" and kept[0].original == seed.name and kept[0].title == "铁西街道2024年工作计划"
    assert (settings.data_dir / "removed" / kept[0].file).read_bytes() == original
    restore_report(settings, index, kept[0].file)  # undo: the original is back, the other kept
    assert seed.read_bytes() == original and index.report(TIEXI).title == "铁西街道2024年工作计划"
    assert list_removed(settings)[0].why == "replaced"


def test_files_of_one_name_and_two_formats_are_two_reports(lexical_world, tmp_path):
    settings, index = lexical_world
    (settings.corpus_dir / f"{TIEXI}.md").write_text("测试街道2024年工作计划\n一、经济\n一是新建3家社区食堂。\n",
                                                    encoding="utf-8")
    ingest(index)
    ids = {r.id: r.source for r in index.reports()}
    assert ids == {TIEXI: f"{TIEXI}.txt", f"{TIEXI}_md": f"{TIEXI}.md"}
    assert not ingest(index).updated  # and a later ingest does not flip them


def test_an_upload_whose_office_cannot_be_read_is_not_given_one(lexical_world, tmp_path):
    settings, index = lexical_world
    readme = tmp_path / "README.md"
    readme.write_bytes((ROOT / "README.md").read_bytes())
    add_report(settings, index, readme)
    record = next(r for r in index.reports() if r.id == "README")
    assert record.office == ""  # it mentions 铁西街道 often: that does not make it 铁西's


# --- 4. one bad file stops the app -----------------------------------------------------------------------
def malformed_docx() -> bytes:
    """A .docx whose table has a vertical-merge continuation in its top row: python-docx raises
    ValueError('no tr above topmost tr') when the table is read."""
    import docx

    document = docx.Document()
    document.add_paragraph("测试街道2024年工作计划")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    xml = source.read("word/document.xml").decode().replace("<w:tc><w:tcPr>", "<w:tc><w:tcPr><w:vMerge/>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, xml if info.filename == "word/document.xml" else source.read(info.filename))
    return out.getvalue()


def broken_xml_docx() -> bytes:
    """A .docx whose document.xml is cut off half-way: no parser can read it."""
    source = zipfile.ZipFile(io.BytesIO(malformed_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, data[:len(data) // 2] if info.filename == "word/document.xml" else data)
    return out.getvalue()


def test_a_malformed_docx_is_read_or_refused_and_ingest_goes_on(lexical_world, tmp_path):
    settings, index = lexical_world
    table = tmp_path / "坏表格.docx"  # the table python-docx chokes on: read without its merges
    table.write_bytes(malformed_docx())
    result = add_report(settings, index, table)
    assert not result.errors and result.added == ["坏表格"] and "指标" in index.report("坏表格").text
    broken = tmp_path / "坏文件.docx"  # beyond repair: refused by name, the corpus as it was
    broken.write_bytes(broken_xml_docx())
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    result = add_report(settings, index, broken)
    assert result.errors and result.errors[0].startswith("坏文件.docx: ")
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before
    (settings.corpus_dir / "坏文件.docx").write_bytes(broken_xml_docx())  # put there by hand
    result = ingest(index)
    assert len(result.errors) == 1 and "坏文件.docx" in result.errors[0]
    assert sorted(r.id for r in index.reports()) == sorted([TIEXI, "坏表格"])
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(tmp_path / "fresh"),
           "ASSISTANT_EMBEDDING_MODEL": "none", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "assistant", "ingest"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "坏文件.docx" in out.stderr and "2 added" in out.stdout, out


def test_a_killed_upload_is_dropped_or_finished_at_the_next_start(lexical_world):
    from app import catch_up

    settings, index = lexical_world
    incoming = settings.corpus_dir / ".incoming"
    incoming.mkdir()
    (incoming / "半截.txt").write_text("测试街道2024年", encoding="utf-8")  # killed while being written
    (settings.corpus_dir / "已放好.txt").write_text("测试街道2024年工作计划\n一、经济\n一是新建3家社区食堂。\n",
                                                  encoding="utf-8")  # killed after the rename
    assert drop_incoming(settings) == ["半截.txt"] and not incoming.exists()
    catch_up(index)
    assert "已放好" in {r.id for r in index.reports()}


# --- 5. the edges ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_wrong_passwords_are_slowed_down_and_then_the_right_one_too(locked_app):
    with httpx.Client(base_url=locked_app["url"], timeout=30) as client:
        codes = [client.post("/login", data={"username": AUTH[0], "password": f"guess{n}"}).status_code
                 for n in range(20)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
        refused = client.post("/login", data={"username": AUTH[0], "password": AUTH[1]})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "秒后再试" in refused.json()["detail"]
        # the same address guessing other users is slowed down too
        assert client.post("/login", data={"username": "admin", "password": "x"}).status_code == 429


@pytest.mark.slow
def test_two_hundred_likes_of_one_answer_store_one_vote(open_app):
    from assistant.db import Database
    from assistant.feedback import votes

    db = Database(open_app["world"] / "data" / "assistant.db")
    with gradio_client(open_app["url"], None) as client:
        session = "liker01"
        messages = submit(client, "ask", ["铁西街道2024年招商引资目标是多少？", [], [], [], [], "", None], session=session)
        assert messages[-1]["success"]
        before = len(votes(db))
        dep = dependency(client, "on_like")
        for _ in range(200):
            r = client.post("/gradio_api/queue/join", json={
                "data": [None] * len(dep["inputs"]), "event_data": {"index": [1, 0], "value": "", "liked": True},
                "fn_index": dep["id"], "trigger_id": dep["targets"][0][0], "session_hash": session})
            assert r.status_code == 200
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            done = 0
            for line in stream.iter_lines():
                if line.startswith("data:") and json.loads(line[5:])["msg"] == "process_completed":
                    done += 1
                    if done == 200:
                        break
    stored = votes(db)
    assert len(stored) - before == 1 and stored[0].liked is True


@pytest.mark.slow
def test_headers_on_every_page_and_odd_offsets(open_app):
    with httpx.Client(base_url=open_app["url"], timeout=30) as client:
        for path in ("/", f"/source/{KAIYUAN}", "/source/nothing", "/config", "/gradio_api/info"):
            r = client.get(path)
            assert r.headers["x-frame-options"] == "DENY", path
            assert r.headers["x-content-type-options"] == "nosniff", path
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        for odd in ("²", "٣", "-5", "1e3", "99999999999999999999"):
            assert client.get(f"/source/{KAIYUAN}", params={"start": odd, "end": "40"}).status_code == 200, odd


@pytest.mark.slow
def test_nothing_of_the_corpus_before_login(locked_app):
    with httpx.Client(base_url=locked_app["url"], timeout=30) as client:
        page = client.get("/").text
        for secret in ("铁西街道", "开元街道", TIEXI, KAIYUAN, "on_upload", "api_name"):
            assert secret not in page, secret
        assert client.get("/config").status_code in (401, 403)
        assert client.get(f"/source/{TIEXI}", follow_redirects=False).status_code == 303


@pytest.fixture
def lexical_world(tmp_path):
    """A small world with BM25 only (no embedding model): fast to build."""
    return lexical_world_of(tmp_path)


def test_an_unreadable_file_keeps_its_name_in_every_error(lexical_world, tmp_path):
    settings, index = lexical_world
    bad = tmp_path / "空白.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    result = add_report(settings, index, bad)
    assert result.errors and result.errors[0].startswith("空白.pdf: ")
    with pytest.raises(UnsupportedFileError, match="x.exe: unsupported file type"):
        add_report(settings, index, tmp_path / "x.exe")
    assert not remove_report(settings, index, TIEXI) is None and index.reports() == []
