"""The targets table's filters, source links and exports (CSV with a BOM, Excel), on the real reports."""

import csv
import os
from dataclasses import replace

import pytest

from assistant.errors import UnknownChoiceError
from assistant.export import COLUMNS, export_files, headers, shown_rows, write_csv, write_xlsx
from assistant.labels import EN, ZH
from assistant.ingest import load_manifest
from assistant.parse import read_report
from assistant.targets import extract_targets, filter_targets
from conftest import CORPUS, HAIXI, LIAOXI, TIEXI


def report_of(report_id):
    return read_report(CORPUS / f"{report_id}.txt", CORPUS, load_manifest(CORPUS).get(report_id))


def targets_of(report_id):
    return extract_targets(report_of(report_id))



def test_link_opens_the_viewer_on_the_clause():
    report = report_of(TIEXI)
    t = next(t for t in extract_targets(report) if t.quote == "24%")
    assert t.link == f"/source/{TIEXI}?start={t.sentence_start}&end={t.sentence_end}#{t.paragraph_id}"
    assert report.text[t.sentence_start:t.sentence_end] == t.sentence == "规上工业总产值前三季度计划增长24%"
    assert t.to_json()["link"] == t.link


def test_filters_by_half_words_and_reject_unknown_choices():
    liaoxi = targets_of(LIAOXI)
    assert {t.half for t in filter_targets(liaoxi, half="H2")} == {"H2"}
    # a half-year report's whole-year figures are the ones its own clause says are (计划全年完成12次)
    whole_year = filter_targets(liaoxi, half="full")
    assert whole_year and all("全年" in t.sentence for t in whole_year)
    assert filter_targets(targets_of(TIEXI), half="full")
    found = filter_targets(liaoxi, text="垃圾  清理")  # every word, anywhere in metric or sentence
    assert found and all("垃圾" in t.metric + t.sentence and "清理" in t.metric + t.sentence for t in found)
    assert filter_targets(targets_of(TIEXI), text="ＧＤＰ产值") == []  # folded, not ignored
    with pytest.raises(UnknownChoiceError, match="unknown kind 'goal'; choose one of: target, achieved"):
        filter_targets(liaoxi, kind="goal")
    with pytest.raises(UnknownChoiceError, match="unknown half"):
        filter_targets(liaoxi, half="Q3")


def test_csv_export_has_a_bom_and_every_column(tmp_path):
    targets = targets_of(HAIXI)
    path = write_csv(targets, tmp_path / "out" / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        head, *data = list(csv.reader(f))
    assert head == headers(ZH) and head[:5] == ["街道", "时期", "类别", "领域", "指标"]  # the staff's words
    rows = [dict(zip(COLUMNS, r)) for r in data]  # headers(ZH) is COLUMNS in order: the mapping
    assert rows == [{c: "" if v is None else str(v) for c, v in row.items()} for row in shown_rows(targets, ZH)]
    assert {r["kind"] for r in rows} <= {"目标", "已完成"} and "基层治理" in {r["topic"] for r in rows}
    assert not {r["kind"] for r in rows} & {"target", "achieved"} and all("H" not in r["period"] for r in rows)
    undisclosed = [r for r in rows if r["quote"].startswith("XX")]
    assert undisclosed and all(r["value"] == "" for r in undisclosed)
    assert all(r["link"] == f"/source/{HAIXI}?start={r['sentence_start']}&end={r['sentence_end']}"
                           f"#{r['paragraph_id']}" for r in rows)


def test_xlsx_export_holds_numbers_as_numbers_and_maps_its_heads_to_codes(tmp_path):
    from openpyxl import load_workbook

    targets = targets_of(TIEXI)
    book = load_workbook(write_xlsx(targets, tmp_path / "t.xlsx"))
    assert book.sheetnames == ["指标", "字段说明"]
    header, *cells = [list(r) for r in book["指标"].iter_rows(values_only=True)]
    assert header == headers(ZH)
    assert cells == [[None if v == "" else v for v in row.values()] for row in shown_rows(targets, ZH)]
    seven = next(dict(zip(COLUMNS, r)) for r in cells if r[COLUMNS.index("quote")] == "7亿元")
    assert seven["value"] == 7 and isinstance(seven["value"], int) and seven["office"] == "铁西街道"
    mapping = [tuple(r) for r in book["字段说明"].iter_rows(values_only=True)]
    assert mapping == [("列名", "字段代码"), *zip(headers(ZH), COLUMNS)]
    english = load_workbook(write_xlsx(targets, tmp_path / "en.xlsx", EN))
    header, *cells = [list(r) for r in english["targets"].iter_rows(values_only=True)]
    assert header[:3] == ["Office", "Period", "Kind"] and {r[2] for r in cells} <= {"target", "achieved"}


def test_exported_text_never_becomes_a_formula(tmp_path):
    from openpyxl import load_workbook

    t = replace(targets_of(TIEXI)[0], metric='=HYPERLINK("http://x","y")', sentence="+1", qualifier="@a")
    with write_csv([t], tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as f:
        row = dict(zip(COLUMNS, list(csv.reader(f))[1]))
    assert row["metric"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["sentence"] == "'+1" and row["qualifier"] == "'@a"
    cell = load_workbook(write_xlsx([t], tmp_path / "t.xlsx")).active.cell(row=2, column=COLUMNS.index("metric") + 1)
    assert cell.data_type == "s" and cell.value == t.metric


def test_export_files_go_to_a_new_folder_each_time_and_old_ones_are_removed(tmp_path):
    targets = targets_of(TIEXI)
    first = export_files(targets, tmp_path)
    second = export_files(targets[:1], tmp_path)
    assert first[0].parent != second[0].parent and [p.name for p in second] == ["指标.csv", "指标.xlsx"]
    os.utime(first[0].parent, (0, 0))  # as if written long ago
    export_files(targets, tmp_path)
    assert not first[0].parent.exists() and second[0].exists()


def test_the_same_statements_exported_again_reuse_the_files(tmp_path):
    """Every page load offers the whole table for download: written once, not once per page."""
    targets = targets_of(TIEXI)
    first = export_files(targets, tmp_path)
    again = export_files(list(targets), tmp_path)
    assert again == first and first[1].stat().st_size > 0
    assert export_files(targets[:2], tmp_path)[0].parent != first[0].parent
