"""The targets table: extraction from the real reports, measured against the hand-labelled sample."""

import json
import subprocess
import sys
from pathlib import Path

from assistant.ingest import load_manifest
from assistant.parse import parse_report, read_report
from assistant.settings import Settings
from assistant.targets import all_targets, extract_targets, filter_targets
from assistant.topics import TOPIC_WORDS, classify_topic
from conftest import CORPUS, HAIXI, TIEXI

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
    assert metrics["11次"] == "作风效能督查"  # not the enumeration's first statement with its number
    assert metrics["12%"] == "限额以上批发零售业销售额"  # not cut to its last 18 characters


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
