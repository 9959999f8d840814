"""Attacks on the real app (issue: uploads that cannot hurt), each reproduced against `python
app.py` in a subprocess, with and without a login, traffic to 127.0.0.1 only."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from assistant.errors import UploadOutsideFolderError
from assistant.library import add_report, check_uploaded
from conftest import app_server

SECRET = "内部资料：秘密街道2024年工作计划。一、全年招商引资目标99亿元。\n"
AUTH = ("staff", "correct horse battery")


@contextmanager
def gradio_client(url: str, auth: tuple[str, str] | None):
    """An HTTP client of the app, logged in when ``auth`` is given."""
    with httpx.Client(base_url=url, timeout=60) as client:
        if auth:
            r = client.post("/login", data={"username": auth[0], "password": auth[1]})
            assert r.status_code == 200, r.text
        yield client


def dependency(client: httpx.Client, api_name: str) -> dict:
    config = client.get("/config").json()
    return next(d for d in config["dependencies"] if d.get("api_name") == api_name)


def crafted_upload(client: httpx.Client, path: Path) -> list[dict]:
    """POST the upload event with a FileData naming ``path``, as a crafted API call would, through
    the queue protocol a browser tab speaks; the event stream's messages."""
    dep = dependency(client, "on_upload")
    session = "attacker01"
    data = [[{"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}], [], []]
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


def call_api(client: httpx.Client, api_name: str, data: list) -> str:
    """The same through the /gradio_api/call/<api_name> route of the issue's report."""
    r = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    if r.status_code != 200:
        return f"HTTP {r.status_code}"
    event = r.json()["event_id"]
    return client.get(f"/gradio_api/call/{api_name}/{event}").text


@pytest.mark.slow
@pytest.mark.parametrize("auth", [None, AUTH], ids=["no-login", "login"])
def test_a_crafted_upload_naming_a_server_file_is_refused(built, tmp_path, auth):
    settings, _ = built
    secret = tmp_path / "secret_notes.txt"
    secret.write_text(SECRET, encoding="utf-8")
    env = {"ASSISTANT_AUTH": f"{auth[0]}:{auth[1]}"} if auth else {}
    with app_server(settings, tmp_path / "world", **env) as app:
        with gradio_client(app["url"], auth) as client:
            messages = crafted_upload(client, secret)
            done = messages[-1]
            assert done["msg"] == "process_completed" and not done["success"], messages
            text = json.dumps(messages, ensure_ascii=False)
            assert "99亿元" not in text
            readme = Path(__file__).resolve().parent.parent / "README.md"
            reply = call_api(client, "on_upload", [[{"path": str(readme), "meta": {"_type": "gradio.FileData"}}],
                                                   [], []])
            assert "event: complete" not in reply, reply
            for name in ("secret_notes", "README"):
                assert not (app["world"] / "corpus" / f"{name}.txt").exists()
                assert not (app["world"] / "corpus" / f"{name}.md").exists()
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
