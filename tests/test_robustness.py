"""Bad input, hostile text, concurrency and no network: clear messages, nothing lost, nothing leaks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.chunking import chunk_report
from assistant.errors import AssistantError, EmptyQuestionError, QuestionTooLongError
from assistant.index import Index
from assistant.parse import parse_report
from assistant.verify import numbers_in, unsupported_numbers
from assistant.ingest import collect_garbage
from conftest import KAIYUAN, TIEXI, make_settings

ROOT = Path(__file__).resolve().parent.parent
REPORT_ALPHABET = st.sampled_from(list("一二三四五六七八九十、（）()1234567890.。；，：“”XD党街道工作计划总结年月日\n \u3000#paidbegnXX元%％") +
                                  ["##paidbegin##", "##paidend##", "时间:2024-10-08 浏览量:1", "【哒哒素材库】会员客服"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(REPORT_ALPHABET, max_size=400).map("".join))
def test_parser_never_fails_and_offsets_stay_in_bounds(text):
    report = parse_report(text, "fuzz", "fuzz.txt")
    previous = 0
    for _, paragraph in report.paragraphs():
        assert 0 <= paragraph.start <= paragraph.end <= len(text)
        assert paragraph.start >= previous
        previous = paragraph.start
    for chunk in chunk_report(report, 120):
        assert 0 <= chunk.start <= chunk.end <= len(text)
        assert "##paid" not in chunk.text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.,%％元亿万XX年月 的增长") + ["１", "２", "．"]), max_size=60))
def test_number_verifier_is_total_and_a_text_supports_itself(text):
    numbers_in(text)
    assert unsupported_numbers(text, [text]) == []


@pytest.mark.parametrize("question,error", [("", EmptyQuestionError), ("  \n\t ", EmptyQuestionError),
                                            ("铁" * 100_000, QuestionTooLongError)])
def test_bad_questions_get_a_clear_message(assistant, question, error):
    with pytest.raises(error) as e:
        assistant.ask(question)
    assert str(e.value)  # says what to do


@pytest.mark.parametrize("question", [
    "铁西街道\x00\x07招商引资\x1b目标？",
    "🎉🎉 铁西街道2024年招商引资目标是多少？🎉",
    "<script>alert('x')</script>铁西招商引资目标",
    "[1](javascript:alert(1)) 铁西街道招商引资目标 [99](/source/../../etc/passwd)",
    "'; DROP TABLE reports; -- 铁西街道招商引资",
])
def test_odd_questions_get_a_normal_answer(assistant, question):
    answer = assistant.ask(question)
    assert answer.status in ("answered", "not_found")
    assert "<script>" not in answer.answer and "javascript:" not in answer.answer
    assert "\x00" not in answer.standalone_question


def test_two_ingests_at_once_are_serialised(tmp_path, embedder):
    settings = make_settings(tmp_path)
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem not in (TIEXI, KAIYUAN):
            path.unlink()
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(settings.index_dir), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "assistant", "ingest"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    summaries = sorted(out for out, _ in outputs)
    assert summaries[0].startswith("0 added") and summaries[1].startswith("2 added")  # one did it all
    index = Index(settings, embedder)
    assert sorted(r.id for r in index.reports()) == sorted([KAIYUAN, TIEXI])
    assert collect_garbage(index) == 0


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare")
def test_ingest_and_ask_work_with_no_network(built, tmp_path):
    settings, _ = built
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"network namespaces not allowed here: {probe.stderr.decode()[:100]}")
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(ROOT)}
    for args in (["ingest"], ["ask", "铁西街道2024年招商引资目标是多少？"]):
        out = subprocess.run(["unshare", "-rn", sys.executable, "-m", "assistant", *args], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
    assert "7亿元" in out.stdout


@pytest.mark.skipif(not (shutil.which("unshare") and shutil.which("ip")), reason="needs unshare and ip")
def test_app_and_eval_work_with_no_network(built, tmp_path):
    """The chat app serves, shows a source and answers through its queue, and the eval runs,
    inside a network namespace that has only loopback."""
    import json

    settings, _ = built
    probe = subprocess.run(["unshare", "-rn", "sh", "-c", "ip link set lo up"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"network namespaces not allowed here: {probe.stderr.decode()[:100]}")
    shutil.copytree(settings.index_dir, tmp_path / "index")
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_PORT": "7861", "PYTHONPATH": str(ROOT)}
    env.pop("ASSISTANT_LLM_BASE_URL", None)
    out = subprocess.run(["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', sys.executable,
                          "tests/offline_app_check.py", TIEXI], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=400)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"served": True, "source": True, "outcome": "answered", "figure": True, "error": ""}, seen
    items = [line for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()][:4]
    (tmp_path / "qa.jsonl").write_text("\n".join(items) + "\n", encoding="utf-8")
    out = subprocess.run(["unshare", "-rn", sys.executable, "-m", "eval", "--qa", str(tmp_path / "qa.jsonl"),
                          "--out", str(tmp_path / "eval")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=400)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| overall | 4 |" in out.stdout


def test_unknown_report_id_is_refused(assistant):
    for bad in ("../../etc/passwd", "nope", ""):
        with pytest.raises(AssistantError):
            assistant.index.report(bad)
