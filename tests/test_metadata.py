"""What a report is, read from the report: office, region, years and kind from titles, page
fields, breadcrumbs, signatures and the running text, in the shapes real reports come in (these
are written here, not taken from the eval reports)."""

from __future__ import annotations

import pytest

from assistant.parse import parse_report

BODY = "\n一、主要工作\n全年新建社区食堂3家，完成老旧小区改造5个。\n"


def parsed(text: str):
    return parse_report(text, "r", "r.txt")


@pytest.mark.parametrize("title,office,years,kind", [
    ("青石镇2023年上半年工作总结及下半年工作计划", "青石镇", [2023], "summary+plan"),
    ("金桥街道2023年度工作总结", "金桥街道", [2023], "summary"),
    ("柳河社区2024年工作要点", "柳河社区", [2024], "plan"),
    ("关于白沙街道2023年工作情况的报告", "白沙街道", [2023], "summary"),
    ("红旗乡人民政府2022年工作总结和2023年工作思路", "红旗乡", [2022, 2023], "summary+plan"),
    ("南岭镇2023年民生实事项目完成情况", "南岭镇", [2023], "summary"),
    ("南岭镇2024年民生实事项目", "南岭镇", [2024], "plan"),
    ("2024年松江镇镇政府工作报告", "松江镇", [2023, 2024], "summary+plan"),
    ("东湖区翠苑街道办事处2021年工作总结暨2022年工作打算", "翠苑街道", [2021, 2022], "summary+plan"),
    ("江北街道梨园社区2023年工作总结", "梨园社区", [2023], "summary"),
    ("在石门街道2024年工作会议上的讲话", "石门街道", [2023, 2024], "summary+plan"),
    ("第3篇 2023年社区工作总结", "", [2023], "summary"),
])
def test_title_says_office_years_and_kind(title, office, years, kind):
    report = parsed(title + BODY)
    assert (report.office, report.years, report.kind) == (office, years, kind)


def test_web_page_chrome_gives_the_office_but_is_not_the_title():
    text = ("首页 | 政务公开 | 无障碍\n当前位置: 首页 > 玉泉街道 > 计划总结\n索引号: 123/2024-01 发布机构: 玉泉街道办事处\n"
            "玉泉街道2024年工作计划\n发布时间: 2024-02-01 浏览次数: 35\n" + BODY + "版权所有：某某区人民政府\n")
    report = parsed(text)
    assert (report.title, report.office, report.years, report.kind) == ("玉泉街道2024年工作计划", "玉泉街道", [2024], "plan")
    body = " ".join(p.text for _, p in report.paragraphs())
    assert "索引号" not in body and "版权所有" not in body and "当前位置" not in body


def test_a_report_without_a_title_is_read_from_its_fields_signature_or_text():
    fields = "发布机构：桃源镇人民政府 | 成文日期：2024-01-05\n现将2023年工作开展情况和2024年工作计划报告如下：" + BODY
    assert (parsed(fields).office, parsed(fields).years, parsed(fields).kind) == ("桃源镇", [2023, 2024], "summary+plan")
    signed = "一、工作回顾\n2023年全年完成投资2亿元。\n二、2024年打算\n继续推进。\n重庆市合川区龙凤镇人民政府\n二〇二四年一月十二日\n"
    report = parsed(signed)
    assert (report.office, report.region, report.date) == ("龙凤镇", "合川区", "2024-01-12")
    speaking = "各位代表：\n现在，我代表青松社区居民委员会向大会报告工作。\n一、2023年工作回顾\n全年办实事20件。\n"
    assert (parsed(speaking).office, parsed(speaking).years, parsed(speaking).kind) == ("青松社区", [2023, 2024], "summary+plan")


def test_a_sumu_an_ocr_misreading_and_a_slogan_verb_are_read_as_they_should_be():
    sumu = "——2023年3月20日在巴彦查干苏木第五届人民代表大会第二次会议上\n各位代表:\n现在,我代表巴彦查干苏木人民政府向大会报告工作。\n一、2022年工作回顾\n全年完成投资2亿元。\n"
    assert parsed(sumu).office == "巴彦查干苏木"  # Inner Mongolia's township
    ocr = ("政府工作报告一、基本情况。青沙河乡位于县西北部,下辖7个行政村。\n青汐河乡全年完成投资2亿元。\n"
           "青汐河乡新建社区食堂3家。\n青汐河乡完成老旧小区改造5个。\n")
    assert parsed(ocr).office == "青汐河乡"  # the spelling repeated, not the one misread first
    slogan = ("2025年工作要点\n实现城镇品质不断提升、乡村振兴加快推进。\n一、主要任务\n(二)城镇品质不断提升。推进规划。\n")
    assert parsed(slogan).office == ""  # 不断提升 is what improves, no name
    subject = "镇农村人居环境整治工作总结\n全县整治工作会议后,红柳镇高度重视,制定了方案。\n全年清理垃圾300吨。\n"
    assert parsed(subject).office == "红柳镇"
    blanked = "乡人民政府2022年上半年工作汇报\n一、乡基本情况乡位于县西南部,下辖个行政村。\n全乡完成投资2亿元。\n"
    assert parsed(blanked).office == ""  # a name blanked out: 基本情况 is the heading, no name


def test_a_report_on_how_far_a_plan_got_is_of_results():
    progress = parsed("桃花镇2024年《政府工作报告》重点任务第一季度进展情况\n一、招商引资\n外出招商4次。\n")
    assert progress.years == [2024]  # of the year under way, not a review of 2023
    report = parsed("桃花镇2023年工作总结和2024年工作计划\n一、年度目标任务完成情况\n拆除违建5000平方米。\n"
                    "二、2024年工作计划\n新建食堂2家。\n")
    phases = {s.heading: s.phase for s in report.sections}
    assert phases["一、年度目标任务完成情况"] == "summary" and phases["二、2024年工作计划"] == "plan"


def test_an_office_the_text_only_mentions_is_not_the_reports_own():
    text = "会议纪要\n本次培训邀请了铁西街道、开元街道的同志介绍经验。铁西街道在老旧小区改造方面做法较好。\n"
    report = parsed(text)
    assert report.office == "" and "r.txt" in report.title
    led = "在滨江街道党工委的正确领导下，我社区全年开展活动30场。梧桐社区党支部现有党员41名。\n"
    assert parsed(led).office == "梧桐社区"  # the superior office leads; the report is the community's


def test_traditional_script_and_pinyin_glosses_are_read_as_simplified():
    text = "發(fā)布機構：興江鄉人民政府\n今年來，我鄉(xiāng)全年完成糧食生產(chǎn)任務。\n一、2023年工作回顧\n完成。\n"
    report = parsed(text)
    assert report.office == "兴江乡" and report.years == [2023]


def test_heading_schemes_nest_by_rank():
    text = ("云岭街道2024年工作总结\n第一部分　2024年工作回顾\n一、经济发展\n1．主要指标\n（1）全年完成收入3亿元。\n"
            "①税收2亿元。\n第二部分　2025年工作安排\n一、重点任务\n1．招商引资\n（1）力争到位资金5亿元。\n")
    report = parsed(text)
    parts = [s for s in report.sections if s.heading]
    assert [p.heading for p in parts] == ["第一部分　2024年工作回顾", "第二部分　2025年工作安排"]
    assert [s.level for s in parts[0].walk()][:4] == [0, 1, 2, 3]
    deepest = [s for s in report.walk() if "3亿元" in "".join(p.text for p in s.paragraphs)][0]
    assert deepest.path == ("第一部分　2024年工作回顾", "一、经济发展", "1．主要指标", "（1）全年完成收入3亿元")
    assert deepest.phase == "summary" and deepest.year == 2024
    plan = [s for s in report.walk() if "5亿元" in "".join(p.text for p in s.paragraphs)][0]
    assert plan.phase == "plan" and plan.year == 2025


def test_a_government_report_names_its_town_not_the_verb_before_it():
    # 我代表镇人民政府 is how every 政府工作报告 opens: 代表 is the verb, the town is named elsewhere
    text = ("政府工作报告(2024年)\n发文机构:大姚县青松镇 发布日期:2025年01月10日\n政府工作报告\n"
            "——在青松镇第十四届人民代表大会第七次会议上\n镇长 王某\n2025年1月3日\n各位代表：\n"
            "现在，我代表镇人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾\n全镇完成财税收入1687万元。\n"
            "二、2025年工作安排\n新建社区食堂3家。\n")
    report = parsed(text)
    assert report.office == "青松镇"
    assert report.years == [2024, 2025]  # delivered 2025-01-03: reviews 2024, plans 2025


def test_a_breadcrumb_office_under_its_government_is_the_office_alone():
    text = ("您当前所在位置: 首页 > 机构专页 > 番禺区人民政府市桥街道办事处 > 政府工作报告\n2021年工作总结\n"
            "来源:本网 发布时间:2022-01-25\n2021年，市桥街团结带领全街干部群众奋力推动各项工作。\n" + BODY)
    assert parsed(text).office == "市桥街道"


def test_an_untitled_review_names_its_office_once_and_its_year_with_since():
    text = ("2023年以来，在区委、区政府的正确领导下，未央街道认真学习贯彻党的二十大精神，锚定目标任务。"
            "一年来，我们重点抓好了以下工作：\n一、坚持以抓项目对冲下行压力\n全年固定资产投资29.30亿元，较2022年增长11.37亿元。\n")
    report = parsed(text)
    assert (report.office, report.years, report.kind) == ("未央街道", [2023], "summary")


def test_a_government_report_on_the_year_in_progress_is_of_that_year():
    # delivered mid-year: 今年以来…1-6月 reviews the title's year, not the one before
    text = ("XX县2022年政府工作报告\n今年以来，青松乡紧紧围绕县委县政府战略目标推进各项工作。"
            "1-6月，全乡财政总收入238.68万，同比上升26.9%。\n一、下半年工作打算\n新建社区食堂3家。\n")
    assert parsed(text).years == [2022]


def test_an_untitled_text_that_says_what_was_done_is_a_summary():
    text = ("中山路街道结合辖区特点，积极主动开展各项工作，狠抓落实，成效明显。现将具体工作情况汇报如下。\n"
            "一、尽职履责\n累计走访企业120家，已完成老旧小区改造5个。\n")
    assert parsed(text).kind == "summary"
