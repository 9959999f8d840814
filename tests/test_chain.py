"""The answer chain end to end on the real corpus with the extractive answerer."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.conversation import condense
from assistant.errors import EmptyQuestionError
from conftest import HAIXI, TIEXI

ROOT = Path(__file__).resolve().parent.parent
OFFICES = ["铁西街道", "辽西街道", "望月湖街道", "海西街道", "开元街道"]


def test_quantity_question_is_answered_with_the_cited_figure(assistant):
    answer = assistant.ask("铁西街道2024年招商引资目标是多少？")
    assert answer.status == "answered" and "7亿元" in answer.answer
    cited = [c for c in answer.citations if "7亿元" in c.text]
    assert cited and cited[0].report_id == TIEXI
    report = assistant.index.report(TIEXI)
    assert "7亿元" in report.text[cited[0].start:cited[0].end]
    assert cited[0].link == f"/source/{TIEXI}?start={cited[0].start}&end={cited[0].end}#{cited[0].paragraph_id}"
    assert f"[{cited[0].n}]" in answer.answer and not answer.unsupported_numbers


def test_english_question_gets_english_framing(assistant):
    answer = assistant.ask("What growth target did Tiexi set for construction output?")
    assert answer.status == "answered" and "10%" in answer.answer
    first, rest = answer.answer.split("\n", 1)
    assert first.startswith("Tiexi (铁西街道): ") and "10%" in first  # the figure first
    assert "Here is what the reports say" in rest


def test_question_across_reports_groups_by_report(assistant):
    answer = assistant.ask("哪些街道提到了招聘会？")
    assert answer.status == "answered"
    assert len({c.report_id for c in answer.citations}) >= 2


@pytest.mark.parametrize("question", [
    "铁西街道2024年GDP目标是多少？",  # no report states a GDP target
    "朝阳街道2024年招商引资目标是多少？",  # an office not in the corpus
    "铁西街道2023年招商引资完成了多少？",  # 铁西 only plans 2024
    "海西街道累计发放低保金多少元？",  # written as XX元: not disclosed
])
def test_unanswerable_questions_are_refused(assistant, question):
    answer = assistant.ask(question)
    assert answer.status == "not_found"
    assert "没有" in answer.answer or "没有公开" in answer.answer


def test_not_found_says_what_is_covered(assistant):
    answer = assistant.ask("铁西街道2023年招商引资完成了多少？")
    assert "铁西街道2024年工作计划" in answer.answer


def test_follow_up_uses_history(assistant):
    first = "铁西街道2024年招商引资目标是多少？"
    assert condense("那开元街道呢？", [first], OFFICES) == "开元街道2024年招商引资目标是多少？"
    answer = assistant.ask("那开元街道呢？", history=[first])
    assert answer.standalone_question.startswith("开元街道")
    assert all(c.office == "开元街道" for c in answer.citations)


def test_follow_up_switches_half_year():
    assert "下半年" in condense("下半年呢？", ["辽西街道上半年清理了多少吨垃圾？"], OFFICES)


def test_empty_question_is_a_clear_error(assistant):
    with pytest.raises(EmptyQuestionError):
        assistant.ask("   ")


def test_cli_json_file_contract(built, tmp_path):
    settings, _ = built
    questions = tmp_path / "q.txt"
    questions.write_text("铁西街道2024年招商引资目标是多少？\n\n铁西街道2024年GDP目标是多少？\n", encoding="utf-8")
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "--file", str(questions)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["status"] for r in rows] == ["answered", "not_found"]
    for key in ("question", "answer", "status", "citations", "unsupported_numbers", "timings_ms"):
        assert key in rows[0]
    assert {"n", "report_id", "title", "section", "text", "start", "end"} <= rows[0]["citations"][0].keys()


def test_comparison_question_answers_with_a_cited_table(assistant):
    answer = assistant.ask("各街道低保户分别有多少户？")
    assert answer.status == "answered" and answer.answer.count("\n|") >= 3
    assert "225户" in answer.answer and "367户" in answer.answer and "311人" not in answer.answer
    assert {c.office for c in answer.citations} >= {"辽西街道", "海西街道"}
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        report = assistant.index.report(citation.report_id)
        assert citation.text.strip() in report.text[citation.start:citation.end].replace("\n", "")


def test_english_comparison_is_framed_in_english(assistant):
    answer = assistant.ask("Compare the offices' 2024 investment targets")
    assert answer.answer.startswith("Figures the reports give") and "7亿元" in answer.answer


def test_terms_joined_by_or_stand_for_one_another():
    from assistant.query import understand

    # (老年食堂 or 助餐点, the earlier example, are now one word to the reader: data/synonyms.tsv)
    query = understand("哪些街道建了老年大学或托育机构？", ["铁西街道"])
    assert any(set(group) == {"老年大学", "托育"} for group in query.alternatives)
    assert understand("哪些街道建了老年食堂或助餐点？", ["铁西街道"]).search_text.count("老年食堂") == 2


@pytest.mark.parametrize("question, slot", [("新城街道把招商引资放在什么位置？", "位置"),
                                            ("珠山今年招商引资主要盯哪几个产业方向？", "方向"),
                                            ("铁西街道的实事项目都有哪些？", "项目")])
def test_the_kind_of_answer_a_which_asks_for_is_not_required_of_the_answer(question, slot):
    from assistant.extractive import Terms
    from assistant.query import understand

    query = understand(question, ["铁西街道", "新城街道", "珠山街道"])
    assert slot in query.slots and slot in query.terms  # still a term: a sentence that has it ranks higher
    assert not query.slots & {"招商引资", "产业", "实事"}  # the topic before it is no slot
    assert not understand("铁西街道新发展了多少党员？", ["铁西街道"]).slots  # 多少 asks of 党员
    terms = Terms([["招商引资"], ["位置"]], [[], []], [1.0, 1.0], optional=[False, True])
    text = "持续推进招商引资“一号工程”不动摇"
    assert terms.coverage(text, "") == 0.5 and terms.coverage(text, "", lenient=True) == 1.0
    assert terms.coverage("招商引资放在首要位置", "", lenient=True) == 1.0
    assert terms.coverage("位置", "", lenient=True) == 0.5  # the slot alone is half the question


def test_a_counting_word_is_not_read_into_the_term_after_it():
    from assistant.query import understand

    assert "家规" not in understand("江洲镇有多少家规上企业？", []).terms  # 多少家 + 规上企业
    assert "项目" in understand("开元街道有多少项目？", []).terms  # 项目 stays a word
    assert "家庭" in understand("有多少家庭申请了低保？", []).terms


def test_an_honour_ending_in_an_office_kind_is_no_office():
    from assistant.query import understand

    query = understand("鲸园哪个社区评上了山东省首批零碳试点社区？", ["鲸园街道"])
    assert not query.unknown_offices and "试点" in query.terms  # what was won, not a place asked about
    assert understand("中都街道2024年新建了几个食堂？", ["鲸园街道"]).unknown_offices == ["中都街道"]


@pytest.mark.parametrize("question, identifier", [("哪些街道提到了12345热线？", "12345"),
                                                  ("有没有110联动机制", "110")])
def test_identifier_numbers_are_key_terms_but_quantities_and_years_are_not(question, identifier):
    from assistant.query import understand

    assert identifier in understand(question, []).terms
    assert not any(t.isdigit() for t in understand("2024年是否新建300户", []).terms)


def test_a_question_naming_a_hotline_finds_every_office_that_mentions_it(assistant):
    answer = assistant.ask("哪些街道提到了12345热线？")
    assert {"铁西街道", "海西街道", "开元街道"} <= {c.office for c in answer.citations}
    assert all("12345" in c.text for c in answer.citations)


def test_cli_remove_moves_the_file_and_an_unknown_id_is_a_clear_error(tmp_path):
    from conftest import TIEXI, make_settings

    settings = make_settings(tmp_path, embedding_model="none")
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem != TIEXI:
            path.unlink()
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_EMBEDDING_MODEL": "none",
           "PATH": "/usr/bin:/bin"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    assert cli("ingest").returncode == 0
    out = cli("remove", "no-such-report")
    assert out.returncode != 0 and "python -m assistant docs" in out.stderr and "Traceback" not in out.stderr
    out = cli("remove", TIEXI)
    assert out.returncode == 0, out.stderr
    assert (settings.data_dir / "removed" / f"{TIEXI}.txt").exists()
    assert not (settings.corpus_dir / f"{TIEXI}.txt").exists()


def test_a_full_question_after_another_stands_alone():
    from assistant.conversation import condense

    offices = ["铁西街道", "开元街道", "测试街道"]
    assert condense("铁西街道2024年招商引资目标是多少？", ["测试街道2024年新建几家社区食堂？"], offices) == \
        "铁西街道2024年招商引资目标是多少？"
    assert condense("开元街道呢？", ["铁西街道2024年招商引资目标是多少？"], offices) == \
        "开元街道2024年招商引资目标是多少？"


def test_a_money_comparison_keeps_amounts_in_yi_and_wan_yuan(assistant):
    answer = assistant.ask("各街道招商引资到位资金分别是多少元？")
    assert "\n|" in answer.answer
    assert "7亿元" in answer.answer and "1.62亿元" in answer.answer


def test_named_offices_compared_on_plan_and_result_each_get_their_own(assistant):
    answer = assistant.ask("铁西全年到位内资目标和辽西上半年到位资金各是多少？")
    assert "7亿元" in answer.answer and "1.62亿元" in answer.answer


def test_how_a_report_writes_its_items_is_read_into_the_answer(tmp_path):
    """Ways reports write what a question asks, in a report made for the test: a series whose first
    item names it (还存在一些不足：一是…), an item titled in a sentence of its own (第一项：…工程。)
    whose figures follow in sentences of their own (该项目…), two questions in one message."""
    from assistant.chain import Assistant
    from assistant.ingest import ingest
    from conftest import lexical_world_of

    settings, index = lexical_world_of(tmp_path, keep=(TIEXI,), built=False)
    (settings.corpus_dir / "桐林街道2023年工作总结.txt").write_text(
        "桐林街道2023年工作总结\n\n一、2023年工作回顾\n\n"
        "全年新建口袋公园3个。街道现有党员150名。1-11月一般公共预算总收入完成5120万元；税收收入完成3260万元。在肯定成绩的同时，我们也清醒地认识到还存在一些不足：一是桐林老街排水管网老化。"
        "二是社区养老服务站点覆盖不全。三是青年志愿者队伍流失较多。\n\n"
        "二、民生实事完成情况\n\n第一项：桐林小学操场翻新工程。\n包括跑道和看台改造。该项目总投资约86万元，"
        "资金由街道负责。该项目已于8月25日完工并投入使用。\n\n第二项：老年食堂扩建工程。\n"
        "该项目总投资约40万元。该项目已于11月完工。\n\n三、荣誉\n\n"
        "1.桐林社区获评全省首批零碳试点社区。2.桐林街道社工站获评五星级社工站。\n", encoding="utf-8")
    ingest(index)
    assistant = Assistant(settings, index)
    shortcomings = assistant.ask("桐林街道还存在哪些不足？").answer
    assert all(p in shortcomings for p in ("排水管网", "养老服务站点", "青年志愿者")), shortcomings
    both = assistant.ask("桐林小学操场翻新工程总投资多少？什么时候完工？")
    assert both.status == "answered" and "86万元" in both.answer and "8月25日" in both.answer, both.answer
    assert "40万元" not in both.answer and "11月完工" not in both.answer  # the other item's figures
    # a short numbered sentence followed by the next item is an item of a list, not a title
    honour = assistant.ask("桐林街道哪个社区评上了零碳试点社区？")
    assert honour.status == "answered" and "桐林社区获评" in honour.answer, honour.answer
    # a count of the newly added is not the stock: 现有党员150名 does not answer 新发展了多少名党员
    new_members = assistant.ask("桐林街道2023年新发展了多少名党员？")
    assert new_members.status == "not_found" and "150" not in new_members.answer, new_members.answer
    assert "150名" in assistant.ask("桐林街道现有多少名党员？").answer
    # a figure of part of the year (1-11月…；its next clause too) does not answer for the whole year
    whole = assistant.ask("桐林街道2023年全年税收收入完成了多少？")
    assert whole.status == "not_found" and "3260" not in whole.answer, whole.answer
    assert "3260万元" in assistant.ask("桐林街道2023年税收收入完成了多少？").answer


@pytest.mark.parametrize("question, unknown", [
    ("中都街道2024年招商引资目标是多少？", ["中都街道"]),
    ("孙庙乡2024年企业找乡里反映的问题，一共办了多少条？", []),  # 乡里: in the township, no office 企业找乡
    ("镇上今年新建了几个公园？", []),
    ("How many items are on its list of sub-district powers?", []),  # "of sub-district": no office "of"
])
def test_a_place_word_is_no_unknown_office(question, unknown):
    from assistant.query import understand

    query = understand(question, ["孙庙乡", "铁西街道"])
    assert query.unknown_offices == unknown
    assert "中都" not in query.terms and ("企业" in query.terms) == ("企业" in question)


def test_a_season_or_period_of_other_years_is_no_answer():
    from types import SimpleNamespace

    from assistant.extractive import in_period
    from assistant.query import understand

    query = understand("滑雪场2022—2023年雪季接待了多少游客？", [])
    chunk = SimpleNamespace(year=None, half="", phase="summary")

    def sentence(text):
        return SimpleNamespace(hit=SimpleNamespace(chunk=chunk), text=text, search=text, frame="")
    assert not in_period(query, sentence("2021-2022年雪季,滑雪场共接游客7万人次"))
    assert in_period(query, sentence("2022-2023年雪季,滑雪场共接游客9万人次"))


def test_a_place_a_report_speaks_of_is_asked_of_the_reports_that_name_it(assistant):
    # 青石社区 has no report of its own; 铁西's plan speaks of it. Asked about it, the answer comes
    # only from a report that names 青石, never from another office's figures
    query = assistant.understand("青石社区2024年要打造什么？")
    assert query.places == ["青石社区"] and not query.unknown_offices
    answer = assistant.ask("青石社区2024年要打造什么？")
    assert answer.citations and all(c.office == "铁西街道" for c in answer.citations), answer.answer


def test_a_word_with_a_numeral_in_it_states_no_figure():
    from assistant.figures import states_figure
    from assistant.query import understand

    query = understand("新华路街道2023年区级税收完成了多少？", [])
    assert not states_figure("挖掘存量企业“一次性税源”与潜在税收", query)
    assert states_figure("完成区级税收1.2亿元", query)
    visitors = understand("滑雪场雪季接待了多少游客？", [])
    assert not states_figure("投资1600万元建设滑雪场游客接待大厅", visitors)
    assert states_figure("滑雪场共接游客7万人次", visitors)
    years = understand("大英镇连续几年获评无访乡镇？", [])
    assert states_figure("连续六年获评来安县“无访乡镇”", years)  # N years in a row, written in words
    assert not states_figure("实施三年行动计划", years)


def test_a_question_across_offices_finds_every_report_that_holds_its_topic(assistant):
    # the scan of the lexical index, not the top k of one ranking: each report that writes 培训
    # gets its line
    holding = {row.office for row in assistant.index.lexical().rows if "培训" in row.text}  # (indexed text:
    # 海西's 培训 is in the advertising after its report)
    assert len(holding) >= 2
    answer = assistant.ask("哪些街道提到了培训？")
    assert {c.office for c in answer.citations} >= holding, ({c.office for c in answer.citations}, holding)


def test_a_question_about_the_parts_of_a_section_lists_its_headings_each_cited(assistant):
    answer = assistant.ask("辽西街道下半年工作计划分哪几个方面？")
    report = assistant.index.report(answer.citations[0].report_id)
    plan = next(s for s in report.walk() if "下半年工作计划" in s.heading)
    assert [c.text for c in answer.citations] == [c.heading for c in plan.children]
    assert all(report.text[c.start:c.end] == c.text for c in answer.citations)  # cited where it stands
    assert answer.answer.startswith(f"辽西街道2024年下半年工作计划共{len(plan.children)}个部分")
    # the 工程 each top-level heading names are the report's own parts
    projects = assistant.ask("望月湖街道2024年要实施哪几大工程？")
    assert len(projects.citations) == 4 and all("工程" in c.text for c in projects.citations)


def test_parts_written_as_a_series_of_paragraphs_are_listed_and_a_part_asked_of_is_quoted_whole(assistant):
    # 一、重党建，领全局 has no headings under it: its parts are its paragraphs 一是…, 二是…, 三是…
    answer = assistant.ask("铁西街道2024年“重党建，领全局”包括哪几方面？")
    assert [c.text for c in answer.citations] == ["一是落实落细党建责任。", "二是提升基层治理水平。", "三是抓好意识形态建设。"]
    report = assistant.index.report(answer.citations[0].report_id)
    assert all(report.text[c.start:c.end] == c.text for c in answer.citations)  # each cited where it stands
    # what a part holds: every sentence of the section whose heading names it, in order
    part = assistant.ask("辽西街道下半年抓好城市建设具体有哪些内容？")
    assert part.status == "answered" and len(part.citations) >= 2
    assert "村庄规划" in part.answer and "城乡基础设施" in part.answer
    assert all("抓好城市建设" in c.section for c in part.citations)
    assert [c.start for c in part.citations] == sorted(c.start for c in part.citations)
    # how a part is to be done, when a heading names it (（一）抓好农业发展…): what that part plans
    farming = assistant.ask("辽西街道下半年农业方面打算怎么做？")
    assert "五小产业" in farming.answer and all("抓好农业发展" in c.section for c in farming.citations)


def test_a_count_of_another_kind_of_the_thing_asked_is_no_answer(assistant):
    # 开元 writes 法律进企业宣传2场次 and “6.26”禁毒宣传日 but no count of 禁毒宣传: 2 is no answer
    answer = assistant.ask("开元街道禁毒宣传搞了几场？")
    assert answer.status == "not_found" and "2场次" not in answer.answer
    # the kind asked is written: its count answers (辽西's 法律知识讲座4次)
    lectures = assistant.ask("辽西街道各村和社区办了几次法律知识讲座？")
    assert lectures.status == "answered" and "4次" in lectures.answer.split("\n")[0]


def test_a_list_asked_for_takes_every_item_of_the_series_a_chosen_sentence_belongs_to():
    from assistant.extractive import Sentence
    from assistant.series import with_series

    hit, other = object(), object()
    texts = ["还存在一些突出问题:一是产业链条短;", "二是增收渠道单一;", "三是基础设施仍有短板;", "四是农村空心化问题突出。"]
    series = [Sentence(hit, 0, i * 10, i * 10 + 9, t, t) for i, t in enumerate(texts)]
    for item in series[1:]:
        item.intro = "还存在一些突出问题:"
    stranger = Sentence(other, 1, 0, 9, "二是另一份报告的事项;", "二是另一份报告的事项;", intro="还存在一些突出问题:")
    chosen = with_series([series[0], series[3]], [*series, stranger], limit=10)
    assert sorted(s.text for s in chosen) == sorted(texts)  # the items between, not another passage's
    assert len(with_series([series[0]], series, limit=2)) == 2  # within the list's limit
    # the clauses a colon began, one statement separated by ；, are its items too
    clauses = ["我们也清醒地认识到:经济总量还不高;", "6个村的发展面临瓶颈;", "8个社区的治理刚刚起步。"]
    statement = [Sentence(hit, 0, i * 10, i * 10 + 9, t, t) for i, t in enumerate(clauses)]
    statement[1].frame, statement[2].frame = " " + clauses[0], " " + clauses[0] + " " + clauses[1]
    assert [s.text for s in with_series([statement[0]], statement, limit=10)] == clauses
    plain = [Sentence(hit, 0, 0, 9, "全力化解项目遗留问题;", "全力化解项目遗留问题;"), statement[1]]
    plain[1].frame = " 全力化解项目遗留问题;"
    assert len(with_series([plain[0]], plain, limit=10)) == 1  # no colon: the next clause is no item of it


def test_a_table_rows_unit_in_its_label_counts_for_its_figures():
    from assistant.figures import has_unit

    assert has_unit("居家养老服务（人次） | 2024年完成 9650 | 2025年目标 12000", "人次")
    assert has_unit("一般公共预算收入（万元） | 全年目标 16800", "元")
    assert not has_unit("居家养老服务（人次）", "人次")  # a label without a figure states nothing


def test_an_office_named_for_its_road_is_found_by_its_english_name():
    from assistant.query import english_name, understand

    offices = ["中原西路街道", "新华路街道", "铁西街道"]
    assert understand("How many compounds does Zhongyuan West Road Subdistrict have?", offices).offices == ["中原西路街道"]
    assert understand("What did Xinhua Road Subdistrict build?", offices).offices == ["新华路街道"]
    assert english_name("中原西路街道") == "Zhongyuanxilu"


def test_an_english_place_name_around_an_unknown_office_is_not_the_office():
    from assistant.query import understand

    offices = ["铁西街道"]
    assert understand("What rank does the high-tech-zone subdistrict hold?", offices).unknown_offices == []
    assert understand("How many compounds does Foo West Road Subdistrict have?", offices).unknown_offices == ["foo"]
    assert understand("What does each sub-district plan?", offices).unknown_offices == []


def test_an_english_name_cut_inside_a_syllable_is_another_office():
    from assistant.query import understand

    offices = ["莲花街道", "中大槐树街道"]
    assert understand("What was Lianhu Subdistrict's hotline satisfaction rate?", offices).unknown_offices == ["lianhu"]
    assert understand("What did Zhongda sub-district build?", offices).unknown_offices == []  # 中大槐树, shortened
    assert understand("How much did the street-lamp renovation cost?", offices).units == ("元",)
