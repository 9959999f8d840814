"""The targets table: extraction from the real reports, measured against the hand-labelled sample."""

import json
import subprocess
import sys
from pathlib import Path

from assistant.ingest import load_manifest
from assistant.parse import parse_report, read_report
from assistant.settings import Settings
from assistant.metric import metric_name
from assistant.targets import all_targets, extract_targets, filter_targets
from assistant.topics import TOPIC_WORDS, classify_topic
from conftest import CORPUS, HAIXI, KAIYUAN, LIAOXI, TIEXI, WANGYUEHU

ROOT = Path(__file__).resolve().parent.parent


def targets_of(report_id):
    return extract_targets(read_report(CORPUS / f"{report_id}.txt", CORPUS, load_manifest(CORPUS).get(report_id)))


def test_plan_targets_with_units_and_qualifiers():
    rows = {t.quote: t for t in targets_of(TIEXI)}
    assert rows["7亿元"].value == 7 and rows["7亿元"].unit == "亿元" and rows["7亿元"].kind == "target"
    assert "招商引资" in rows["7亿元"].metric and rows["7亿元"].topic == "economy"
    assert rows["8次"].qualifier == "不少于" and rows["8次"].topic == "employment"
    assert rows["2家"].topic == "elderly_care" and "老年食堂" in rows["2家"].metric
    assert rows["1-2个"].value == 1 and rows["1-2个"].value_max == 2
    assert all(t.kind == "target" and t.year == 2024 for t in rows.values())


def test_placeholders_are_undisclosed_never_values():
    undisclosed = [t for t in targets_of(HAIXI) if t.quote.startswith("XX")]
    assert undisclosed and all(t.value is None for t in undisclosed)
    assert not any("哒哒" in t.sentence or t.quote.startswith("9000") for t in targets_of(HAIXI))


def test_offsets_point_at_the_quote():
    report = read_report(CORPUS / f"{HAIXI}.txt", CORPUS, load_manifest(CORPUS).get(HAIXI))
    for t in extract_targets(report):
        assert report.text[t.start:t.end] == t.quote


def test_precision_and_recall_on_the_labelled_sample():
    from eval.targets import score

    gold = [json.loads(line) for line in (ROOT / "eval" / "targets_gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    assert len(gold) >= 150
    result = score(gold, Settings().corpus_dir)
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result


def test_topic_agreement_on_the_labelled_sample():
    from eval.targets import score

    gold = [json.loads(line) for line in (ROOT / "eval" / "targets_gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    result = score(gold, Settings().corpus_dir)
    # measured 0.912 overall, 0.831 on the part never studied (README_targets.md); the first-match regexes had 0.564
    assert result["topic_agreement"] >= 0.88, result["topic_agreement"]
    assert result["by_part"]["never studied"]["topic_agreement"] >= 0.8, result["by_part"]


def test_metric_names_are_whole_words_of_their_own_statement():
    text = ("东湖街道2023年工作总结\n\n一、加强党的建设\n\n一是从严监督执纪。全年开展日常监督50余次、作风效能督查11次。\n\n"
            "二、发展经济\n\n限额以上批发零售业销售额全年计划（1-11月）计划增长12%。\n")
    metrics = {t.quote: t.metric for t in extract_targets(parse_report(text, "x", "x.txt"))}
    assert metrics["11次"] == "作风效能督查次数"  # not the enumeration's first statement with its number
    assert metrics["12%"] == "限额以上批发零售业销售额增长"  # not cut to its last 18 characters


def seed_targets(report_id):
    return {t.quote: t for t in targets_of(report_id)}


def test_a_metric_is_a_noun_phrase_never_opening_with_de_nor_holding_an_ellipsis():
    every = [t for rid in (TIEXI, LIAOXI, WANGYUEHU, HAIXI, KAIYUAN) for t in targets_of(rid)]
    assert every and not [t.metric for t in every if t.metric.startswith("的") or "…" in t.metric]
    # the count before its noun: the noun, the act done to it, what the unit counts
    assert seed_targets(TIEXI)["1-2个"].metric == "小区业主委员会建立数"
    assert seed_targets(TIEXI)["2家"].metric == "社区老年食堂新建数"
    # a figure joined to its noun by 的 measures the noun
    assert seed_targets(LIAOXI)["8.84公里"].metric == "农村公路养护里程"
    assert metric_name("共栽种绿篱", "", "延长米") == "绿篱栽种长度"  # an act and its object: the object first
    assert metric_name("全街共有低保户", "", "户") == "低保户数"  # a thing that exists: that thing counted


def test_a_growth_figure_keeps_its_direction():
    assert seed_targets(TIEXI)["24%"].metric == "规上工业总产值前三季度增长"
    assert metric_name("税收收入同比下降", "", "%") == "税收收入同比下降"


def test_the_half_year_comes_from_the_clause_that_names_it():
    """固定资产投资上半年计划完成0.06亿元，全年计划完成0.30亿元: the second is the whole year's."""
    rows = seed_targets(TIEXI)
    assert (rows["0.06亿元"].metric, rows["0.06亿元"].half) == ("固定资产投资", "H1")
    assert (rows["0.30亿元"].metric, rows["0.30亿元"].half) == ("固定资产投资", "")
    text = "测试街道2024年上半年工作总结\n\n一、经济\n\n上半年完成投资2亿元，全年计划完成投资5亿元，下半年新增企业3家。\n"
    halves = {t.quote: t.half for t in extract_targets(parse_report(text, "x", "x.txt"))}
    assert halves == {"2亿元": "H1", "5亿元": "", "3家": "H2"}  # whatever the section's half


def test_metric_agreement_on_the_labelled_sample_is_kept():
    from eval.targets import score

    gold = [json.loads(line) for line in (ROOT / "eval" / "targets_gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    # 0.674 before the metric was made a noun phrase (README_targets.md); 0.753 after
    assert score(gold, Settings().corpus_dir)["metric_agreement"] >= 0.74


def test_a_table_of_targets_reads_its_rows_as_statements(tmp_path):
    """指标 | 全年目标 | 上半年完成 | 完成率: value, unit, target or achieved and the period from the head;
    a unit from the label's brackets or a unit column; a head that measures something joins the metric."""
    import docx

    document = docx.Document()
    document.add_paragraph("测试街道2024年上半年工作总结")
    document.add_paragraph("一、主要指标")
    grid = [["序号", "指标", "单位", "全年目标", "上半年完成", "完成率"],
            ["1", "社区老年食堂", "家", "2", "1", "50%"],
            ["2", "一般公共预算收入（万元）", "", "16,800", "8960", "53.3%"],
            ["3", "招聘会", "", "不少于8次", "5次", ""]]
    table = document.add_table(rows=len(grid), cols=len(grid[0]))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(tmp_path / "t.docx")
    report = read_report(tmp_path / "t.docx", tmp_path)
    rows = [(t.metric, t.value, t.unit, t.qualifier, t.kind, t.half, t.year) for t in extract_targets(report)]
    assert rows == [
        ("社区老年食堂", 2, "家", "", "target", "", 2024), ("社区老年食堂", 1, "家", "", "achieved", "H1", 2024),
        ("社区老年食堂完成率", 50, "%", "", "achieved", "H1", 2024),
        ("一般公共预算收入", 16800, "万元", "", "target", "", 2024),
        ("一般公共预算收入", 8960, "万元", "", "achieved", "H1", 2024),
        ("一般公共预算收入完成率", 53.3, "%", "", "achieved", "H1", 2024),
        ("招聘会", 8, "次", "不少于", "target", "", 2024), ("招聘会", 5, "次", "", "achieved", "H1", 2024)]
    for t in extract_targets(report):  # each cites its row, its figure as written
        assert report.text[t.start:t.end] == t.quote and t.quote in t.sentence
        assert report.text[t.sentence_start:t.sentence_end] == t.sentence


def test_a_table_with_periods_down_its_first_column_reads_the_other_way(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "测试街道2024年就业指标"
    for row in (["时段", "招聘会（场）", "新增就业（人）"], ["上半年", 5, 180], ["全年", 8, 300]):
        sheet.append(row)
    book.save(tmp_path / "t.xlsx")
    report = read_report(tmp_path / "t.xlsx", tmp_path)
    rows = {(t.metric, t.half, t.unit, t.value) for t in extract_targets(report)}
    assert rows == {("招聘会", "H1", "场", 5), ("新增就业", "H1", "人", 180), ("招聘会", "", "场", 8),
                    ("新增就业", "", "人", 300)}


def test_filters_and_cli(built):
    settings, index = built
    targets = all_targets(index)
    assert {t.office for t in filter_targets(targets, ("铁西街道",))} == {"铁西街道"}
    assert all(t.kind == "achieved" for t in filter_targets(targets, kind="achieved"))
    env = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "assistant", "targets", "--office", "铁西", "--json",
                          "--csv", str(settings.data_dir / "t.csv")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and all(r["office"] == "铁西街道" for r in rows)
    assert "7亿元" in (settings.data_dir / "t.csv").read_text(encoding="utf-8-sig")


def test_each_topic_word_names_one_topic():
    words = [w for ws in TOPIC_WORDS.values() for w in ws.split()]
    assert len(words) == len(set(words))


def test_topic_of_clear_statements():
    assert classify_topic("今年新增城镇就业岗位120个") == "employment"
    assert classify_topic("为辖区困难群众发放临时救助金3万元") == "social_assistance"
    assert classify_topic("完成老旧小区改造5个") == "urban_construction"
    assert classify_topic("开展消防安全检查40次") == "safety"
    assert classify_topic("完成3项") == "other"  # no topic word anywhere


def test_longer_terms_decide_over_the_words_inside_them():
    assert classify_topic("新增城乡居民养老保险参保200人") == "public_service"  # not elderly care
    assert classify_topic("组织农民工参加技能培训3期") == "employment"  # not agriculture


def test_the_statements_own_words_outweigh_its_heading():
    assert classify_topic("调解矛盾纠纷15起", path=("四、促安全，保稳定", "（二）安全生产")) == "governance"


def test_context_decides_when_the_clause_has_no_topic_word():
    assert classify_topic("共开展12次", path=("二、加强党的建设",)) == "party_building"
    assert classify_topic("开展入户宣传6次", lead="二是扎实推进垃圾分类", path=("三、民生",)) == "environment"
    assert classify_topic("覆盖300户", sentence="发放低保金20万元，覆盖300户") == "social_assistance"


def test_a_tie_goes_to_the_section():
    clause = "组织党员志愿者入户走访80次"  # 党员: party building; 志愿: governance
    assert classify_topic(clause, path=("三、提升基层治理水平",)) == "governance"
    assert classify_topic(clause, path=("一、全面加强党的建设",)) == "party_building"
