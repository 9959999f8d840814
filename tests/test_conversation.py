"""A question asked in a chat: one that names its own topic is answered exactly as it is alone;
an elliptical one borrows only what it lacks from the turn before, and says how it was read.
Answers lead with the clause that holds the asked figure. A not-found reply names the filters
without which the reports answer, and links the nearest passages."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from assistant.documents import Filters
from conftest import ROOT

GARBAGE = "辽西街道上半年清理了多少垃圾？"


def _same(a, b) -> bool:
    return (a.status, a.answer, [(c.report_id, c.start, c.end) for c in a.citations]) == \
        (b.status, b.answer, [(c.report_id, c.start, c.end) for c in b.citations])


def test_questions_that_name_their_own_topic_are_answered_as_alone(assistant):
    # the three questions the issue reproduced, each asked after the garbage question
    for question in ("各街道2024年招商引资目标分别是多少？", "海西街道存在哪些问题？", "哪些街道提到了招聘会？"):
        after = assistant.ask(question, history=[GARBAGE])
        alone = assistant.ask(question)
        assert after.standalone_question == question, after.standalone_question
        assert _same(after, alone), question
        assert "垃圾" not in after.answer.split("\n")[0]
        assert not after.read_as  # nothing was rewritten, so nothing is said about it


def test_a_question_with_its_office_and_a_verb_of_its_own_stands_alone(assistant):
    # 越级上访 is a verb phrase, not a noun: the question still names its own subject
    history = ["辽西街道完成了多少件市交办信访受理事项？", "都完成了吗？"]
    assert assistant.meant("辽西街道有没有越级上访情况？", history) == "辽西街道有没有越级上访情况？"
    # a verb that only says what was done (完成) or asks to switch (换成) borrows the topic before
    assert assistant.meant("辽西街道完成了吗？", history[:1]) != "辽西街道完成了吗？"
    assert assistant.meant("换成开元街道", ["铁西街道2024年招商引资目标是多少？"]) != "换成开元街道"


def test_a_follow_up_about_an_item_of_the_answer_asks_about_that_item(assistant):
    first = "铁西街道2024年“重党建，领全局”包括哪几方面？"
    items = list(dict.fromkeys(c.text for c in sorted(assistant.ask(first).citations, key=lambda c: c.n)))
    assert len(items) >= 3
    meant = assistant.meant("第三条展开说说", [first])
    subject = re.split(r"[，,；;。:：]", re.sub(r"^[一二三四五六七八九十]+是", "", items[2]))[0]
    assert subject in meant and meant.startswith("铁西街道") and "第三条" not in meant, meant
    answer = assistant.ask("第三条展开说说", history=[first])
    assert answer.status == "answered" and any(subject in c.text for c in answer.citations)
    # an item the answer does not have: the question is read as it would be without one
    assert "第九条" in assistant.meant("第九条展开说说", [first])


def test_a_measure_of_the_topic_before_keeps_its_subject_and_shifts_its_year(assistant):
    # 去年完成了多少 after a question of 2024 (the year its report is of) asks of 2023
    assert "2023年" in assistant.meant("去年完成了多少？", ["铁西街道固投全年计划完成多少？"])
    assert assistant.ask("去年完成了多少？", history=["铁西街道固投全年计划完成多少？"]).status == "not_found"
    # 目的是啥 (啥 = 什么) asks the purpose of what was asked about, not of the question's own words
    assert assistant.meant("目的是啥？", ["铁西街道2024年人居环境宣传要结合哪些阶段性工作？"]) \
        == "铁西街道2024年人居环境宣传目的是啥"


def test_an_elliptical_question_borrows_only_what_it_lacks(assistant):
    cases = [
        ("那开元街道呢？", ["铁西街道2024年招商引资目标是多少？"], "开元街道2024年招商引资目标是多少？"),
        ("下半年呢？", [GARBAGE], "辽西街道下半年清理了多少垃圾？"),
        ("清理了多少台僵尸车？", [GARBAGE], "辽西街道上半年清理了多少台僵尸车"),
        ("建筑业呢？", ["铁西街道2024年规上工业总产值计划增长多少？"], "铁西街道2024年建筑业计划增长多少？"),
        ("开元那边呢？", ["铁西街道2024年招商引资目标是多少？"], "开元街道2024年招商引资目标是多少？"),  # 那边: the place itself
    ]
    for question, history, meant in cases:
        assert assistant.meant(question, history) == meant, (question, assistant.meant(question, history))
    answer = assistant.ask("清理了多少台僵尸车？", history=[GARBAGE])
    assert answer.status == "answered" and "63台" in answer.answer
    assert "辽西街道上半年清理了多少台僵尸车" in answer.read_as  # the reading is shown: 按「…」理解


def test_a_follow_up_reads_years_offices_and_measures_against_the_turn_before(assistant):
    cases = [
        # 去年 after a question about 2024 is 2023, written out
        ("去年新增了几个固投项目？", ["开元街道2024年初步报送了几个在建项目？"], "开元街道2023年新增了几个固投项目"),
        # 辽西's one report covers 2024: the 2023 of the question before is not carried to it
        ("那辽西呢？", ["开元街道2023年排查了多少处道路安全隐患？"], "辽西街道排查了多少处道路安全隐患？"),
        # a measure of the topic before (增速, 一共多少钱) is asked of that topic
        ("增长率是多少？", ["开元街道2023年限上商贸零售额是多少？"], "开元街道2023年限上商贸零售额增长率是多少"),
        ("一共领了多少钱？", ["海西街道领取待遇的多少人次"], "海西街道领取待遇一共领了多少钱"),
        ("开元嘞？", ["海西街道2023年排查了多少家液化气罐？"], "开元街道2023年排查了多少家液化气罐？"),  # 嘞 = 呢
        ("农村呢？", ["辽西街道城镇低保今年发放了多少社会救助金？"], "辽西街道农村低保今年发放了多少社会救助金？"),
        # 前一年 of a question that named no year: the year its office's report is of, minus one
        ("前一年呢？", ["辽西街道上半年引进的4个省外投资项目都是什么？"], "辽西街道2023年上半年引进的4个省外投资项目都是什么？"),
        # the plan of what was asked: not in the year of the result asked before
        ("计划呢？", ["开元街道2023年为辖区非公企业解决了多少问题？"], "开元街道为辖区非公企业的计划"),
    ]
    for question, history, meant in cases:
        assert assistant.meant(question, history) == meant, (question, assistant.meant(question, history))
    # "And how many…?" goes on about what was asked before; "What about …?" turns to another thing
    going_on = assistant.meant("And how many problems were found and fixed?", ["How many river patrols did Haixi do?"])
    assert "river patrols" in going_on and "Haixi" in going_on, going_on
    turning = assistant.meant("What about employment?", ["How many river patrols did Haixi do?"])
    assert "river" not in turning, turning
    money = assistant.ask("一共领了多少钱？", history=["海西街道领取待遇的多少人次"])
    assert money.status == "not_found" and "XX" in money.answer  # the report writes the amount as XX元


def test_a_message_of_two_questions_answers_each_the_second_read_after_the_first(assistant):
    from assistant.conversation import questions_in

    assert questions_in("辽西街道上半年清理了多少吨垃圾？清理了多少台僵尸车？") == [
        "辽西街道上半年清理了多少吨垃圾？", "清理了多少台僵尸车？"]
    assert questions_in("铁西街道2024年招商引资目标是多少？") == ["铁西街道2024年招商引资目标是多少？"]
    assert len(questions_in("真的吗？辽西街道清理了多少垃圾？")) == 1  # 真的吗 is no question of its own
    assert questions_in("辽西街道上半年清理了多少吨垃圾，清理了多少台僵尸车？") == [  # between commas too
        "辽西街道上半年清理了多少吨垃圾", "清理了多少台僵尸车？"]
    assert len(questions_in("在高新区领导下的那个街道，2024年要筑牢哪五个底线？")) == 1  # one question word
    answer = assistant.ask("辽西街道上半年清理了多少吨垃圾？清理了多少台僵尸车？")
    assert answer.status == "answered" and "257吨" in answer.answer and "63台" in answer.answer
    markers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)})
    assert markers == [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    second = answer.answer[answer.answer.index("**清理了多少台僵尸车？**"):]
    assert "63台" in second and "257吨" not in second.split("\n\n")[0]


def test_a_comparison_follow_up_asks_of_both_offices(assistant):
    meant = assistant.meant("和开元比哪个多？", ["海西街道临时救助了多少人？"])
    assert "海西街道" in meant and "开元街道" in meant and "临时救助" in meant
    # 这个数 points at the figure just answered: it is no topic, the question before is asked of both
    meant = assistant.meant("这个数比海西多吗？", ["开元街道2023年临时救助了多少人？"])
    assert meant == "开元街道和海西街道2023年临时救助了多少人？", meant
    # which of the two offices just talked about: the question before, of both, answered side by side
    history = assistant.conversation(["辽西街道各村和社区办了几次法律知识讲座？", "开元的呢"])
    meant = assistant.meant("哪个街道办得多？", history)
    assert "辽西街道" in meant and "开元街道" in meant and "法律知识讲座" in meant, meant
    answer = assistant.ask("哪个街道办得多？", history=history)
    assert answer.status == "answered" and {c.office for c in answer.citations} == {"辽西街道", "开元街道"}
    assert "4次" in answer.answer and "2次" in answer.answer
    # with one office talked about, "which office" is asked of every report, as before
    assert "辽西街道" not in assistant.meant("哪个街道办得多？", ["哪些街道举办了法律知识讲座？"])


def test_a_follow_up_in_the_other_language_carries_the_office_not_the_words(assistant):
    english = "Which new community did Haixi create by splitting Saimachang North Road community?"
    assert assistant.meant("为什么要拆分？", [english]) == "海西街道为什么要拆分"
    answer = assistant.ask("为什么要拆分？", history=[english])
    assert answer.status == "answered" and "管理难度大" in answer.answer
    # an English question's half-year is swapped in English, its year added in English
    meant = assistant.meant("What about the first half?", ["What does Liaoxi plan for the environment in the second half of 2024?"])
    assert meant == "What does Liaoxi plan for the environment in the first half of 2024?", meant
    assert assistant.meant("2024年呢？", ["Kaiyuan: Which four units take turns on duty each week?"]) \
        == "Kaiyuan: Which four units take turns on duty each week in 2024?"


def test_a_follow_up_keeps_the_figure_its_report_wrote_without_a_unit(assistant):
    # 农村低保…发放社会救助金311283.5；: the 元 is left out; the 城镇 line beside it has 元 and is not the answer
    answer = assistant.ask("农村呢？", history=["辽西街道城镇低保今年发放了多少社会救助金？"])
    assert answer.status == "answered" and "311283.5" in answer.answer.split("\n")[0]
    assert "1729472.5" not in answer.answer


def test_a_side_of_a_place_swaps_for_the_other_side(assistant):
    history = ["海西街道的经济布局北侧打算打造什么？"]
    assert assistant.meant("南端呢？", history) == "海西街道的经济布局南端打算打造什么？"
    answer = assistant.ask("南端呢？", history=history)
    assert answer.status == "answered" and "便民生活服务网红区域" in answer.answer


def test_asking_for_more_quotes_the_rest_of_where_the_answer_came_from(assistant):
    first = "望月湖街道2024年要化解哪个项目的遗留问题？"
    before = assistant.ask(first)
    more = assistant.ask("还有呢？", history=[first])
    assert more.status == "answered" and more.standalone_question == first
    assert first in more.read_as  # says what it goes on from
    seen = {(c.report_id, c.start) for c in before.citations}
    assert more.citations and not seen & {(c.report_id, c.start) for c in more.citations}  # nothing again
    assert {c.report_id for c in more.citations} == {c.report_id for c in before.citations}
    assert "望月湖地铁站" in more.answer  # the same item of the plan goes on
    again = assistant.ask("还有呢？", history=[first, first])  # and on: past what the second turn showed
    assert not {(c.report_id, c.start) for c in again.citations} & (seen | {(c.report_id, c.start)
                                                                            for c in more.citations})
    # when every sentence of those passages was quoted, it says so rather than repeat them
    history = [first] * 12
    last = assistant.ask("还有别的吗？", history=history)
    assert last.status == "not_found" and "没有更多" in last.answer


def test_a_quantity_answer_leads_with_the_clause_that_holds_the_figure(assistant):
    answer = assistant.ask("铁西今年要开几场招聘会")
    first = answer.answer.split("\n")[0]
    assert first.startswith("铁西街道：") and "8次" in first and first.endswith("[1]"), first
    assert len(first) < 40  # the clause, not the 80-character sentence
    assert "「今年」按2024年理解" in answer.read_as
    # the supporting sentence is still quoted under it, with the same citation
    assert "供需对接平台" in answer.answer and answer.citations[0].n == 1


def test_not_found_names_the_filter_in_the_way_and_links_the_nearest_passages(assistant):
    answer = assistant.ask("铁西街道招商引资目标是多少？", filters=Filters(years=(2023,)))
    assert answer.status == "not_found"
    assert answer.filtered_out == ["years"] and "年份：2023" in answer.answer
    unfiltered = assistant.ask("开元街道上半年清理了多少僵尸车？")
    assert unfiltered.status == "not_found" and not unfiltered.filtered_out
    assert unfiltered.closest and all(c.link.startswith(f"/source/{c.report_id}?") for c in unfiltered.closest)


def test_cli_asks_in_a_conversation(built):
    settings, _ = built
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "--history", GARBAGE,
                          "--history", "清理了多少台僵尸车？", "那开元街道呢？"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["standalone_question"].startswith("开元街道") and "僵尸车" in data["standalone_question"]
    assert data["read_as"].startswith("按「开元街道")
