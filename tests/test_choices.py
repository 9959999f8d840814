"""What the interface's lists offer after uploads and removals (choices.py, without Gradio)."""

from assistant.choices import chat_choices, kept_target_filters, removed_choices, report_rows, still_there, \
    target_choices
from assistant.documents import ReportRecord
from assistant.labels import EN, ZH
from assistant.library import Removed
from assistant.targets import Target


def record(rid: str, office: str, years: list[int], kind: str = "plan") -> ReportRecord:
    return ReportRecord(id=rid, title=f"{office}{years[0]}年工作计划", office=office, region="", years=years,
                        kind=kind, source=f"{rid}.txt", date="", chunks=3, title_inferred=False, sha256="x")


def target(office: str, year: int | None, topic: str) -> Target:
    return Target(report_id="r", office=office, title="t", year=year, half="", section="", metric="m", value=1.0,
                  value_max=None, unit="个", qualifier="", kind="target", topic=topic, quote="1个", start=0,
                  end=2, sentence="1个", paragraph_id="p1")


def test_a_pick_that_went_away_is_dropped_and_the_rest_kept_in_order():
    reports = [record("a", "铁西街道", [2024]), record("b", "开元街道", [2023, 2024], "summary+plan")]
    now = chat_choices(reports)
    assert now.offices == ["开元街道", "铁西街道"] and now.years == ["2023", "2024"]
    assert now.reports == [("铁西街道2024年工作计划", "a"), ("开元街道2023年工作计划", "b")]  # titles, no ids
    assert still_there(["铁西街道", "海西街道", "开元街道"], now.offices) == ["铁西街道", "开元街道"]
    assert still_there(None, now.offices) == []
    after_removal = chat_choices(reports[1:])
    assert still_there(["铁西街道"], after_removal.offices) == []
    assert still_there(["2023"], after_removal.years) == ["2023"]


def test_report_rows_show_kind_and_years_in_the_interface_language_and_link_the_title():
    rows = report_rows([record("b_1", "开元街道", [2023, 2024], "summary+plan")], ZH)
    assert rows == [['<a class="report-src" href="/source/b&#95;1" target="_blank" rel="noopener">'
                     '开元街道2023年工作计划</a>', "开元街道", "", "2023、2024", "总结和计划", 3, "TXT"]]
    assert report_rows([record("b", "开元街道", [2023], "summary")], EN)[0][4] == "summary"


def test_two_reports_of_one_title_are_told_apart_and_removed_versions_say_when_and_why():
    twins = [record("a", "铁西街道", [2024]), record("b", "铁西街道", [2024])]
    assert [label for label, _ in chat_choices(twins, ZH).reports] == ["铁西街道2024年工作计划",
                                                                      "铁西街道2024年工作计划（第2份）"]
    kept = [Removed(file="x.20240506-102100.txt", original="x.txt", report_id="x", title="铁西街道2024年工作计划",
                    office="铁西街道", why="replaced", at="2024-05-06T10:21:00")]
    assert removed_choices(kept, ZH) == [("铁西街道2024年工作计划（2024-05-06 10:21 被替换）", "x.20240506-102100.txt")]
    assert removed_choices(kept, EN)[0][0] == "铁西街道2024年工作计划 (replaced 2024-05-06 10:21)"


def test_target_filters_keep_only_what_the_statements_still_have():
    choices = target_choices([target("铁西街道", 2024, "economy"), target("开元街道", None, "employment")], ZH)
    assert choices.offices == ["开元街道", "铁西街道"]
    assert choices.years == [("全部年份", ""), ("2024", "2024")]
    assert choices.topics == [("全部领域", ""), ("经济发展", "economy"), ("就业创业", "employment")]
    assert kept_target_filters(choices, ["海西街道", "铁西街道"], "2023", "safety") == (["铁西街道"], "", "")
    assert kept_target_filters(choices, ["开元街道"], "2024", "economy") == (["开元街道"], "2024", "economy")
