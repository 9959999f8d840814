"""The interface's words, Chinese (the default: the offices' staff) and English. One table per
language with the same keys, so a label missing in one language fails the test that compares them."""

from __future__ import annotations

ZH = {
    "title": "街道工作计划问答助手",
    "subtitle": "回答关于各街道办事处工作计划与工作总结的问题，每句话都注明原文出处。",
    "tab_chat": "问答",
    "tab_reports": "报告",
    "question_placeholder": "输入问题，按回车发送，例如：铁西街道2024年招商引资目标是多少？",
    "send": "发送",
    "clear": "清空对话",
    "chat": "对话",
    "office": "街道",
    "year": "年份",
    "phase": "内容",
    "phase_all": "全部",
    "phase_plan": "计划",
    "phase_summary": "总结",
    "sources": "引用来源",
    "sources_empty": "提问后，回答所引用的原文段落会显示在这里。",
    "open_source": "查看原文 ↗",
    "back": "← 返回问答",
    "contents": "目录",
    "cited_here": "引用的句子已高亮显示。",
    "not_found_page": "没有找到编号为「{id}」的报告。它可能已被移除；请回到问答页面查看现有报告。",
    "reports_table": "已收录的报告",
    "col_title": "标题", "col_office": "街道", "col_region": "区域",
    "col_years": "年份", "col_kind": "类型", "col_chunks": "片段数", "col_source": "文件",
    "kind_plan": "计划", "kind_summary": "总结", "kind_summary+plan": "总结和计划",
    "upload": "上传报告（.txt .md .docx .pdf .html，不超过 {mb} MB）",
    "uploaded": "已加入「{title}」，现在可以就它提问。",
    "unchanged": "{name} 与已收录的版本相同，无需更新。",
    "upload_failed": "上传失败：{error}",
    "remove_choice": "选择要移除的报告",
    "remove": "移除报告",
    "removed": "已移除「{title}」；文件已移到 {where}。",
    "nothing_selected": "请先选择要移除的报告。",
    "failed": "出错了：{error}",
    "unexpected": "出现意外错误（{kind}），详情见服务器日志。",
    "examples": ["铁西街道2024年招商引资目标是多少？", "望月湖街道2024年要打造一个什么特色商圈？",
                 "哪些街道提到了招聘会？", "辽西街道上半年一共清理了多少吨垃圾？"],
    "lang_attr": "zh-CN",
}

EN = {
    "title": "Sub-district work-plan assistant",
    "subtitle": "Answers questions about the sub-district offices' work plans and summaries, "
                "citing the source of every sentence.",
    "tab_chat": "Ask",
    "tab_reports": "Reports",
    "question_placeholder": "Type a question and press Enter, e.g. What growth target did Tiexi set "
                            "for construction output?",
    "send": "Send",
    "clear": "Clear chat",
    "chat": "Chat",
    "office": "Office",
    "year": "Year",
    "phase": "Content",
    "phase_all": "All",
    "phase_plan": "Plans",
    "phase_summary": "Summaries",
    "sources": "Sources",
    "sources_empty": "Ask a question; the passages the answer cites are shown here.",
    "open_source": "Open source ↗",
    "back": "← Back to the chat",
    "contents": "Contents",
    "cited_here": "The cited sentence is highlighted.",
    "not_found_page": "There is no report with id “{id}”. It may have been removed; go back to the "
                      "chat to see the reports there are.",
    "reports_table": "Indexed reports",
    "col_title": "Title", "col_office": "Office", "col_region": "Region",
    "col_years": "Years", "col_kind": "Kind", "col_chunks": "Chunks", "col_source": "File",
    "kind_plan": "plan", "kind_summary": "summary", "kind_summary+plan": "summary and plan",
    "upload": "Upload a report (.txt .md .docx .pdf .html, at most {mb} MB)",
    "uploaded": "Added “{title}”; you can ask about it now.",
    "unchanged": "{name} is the same as the indexed version; nothing to do.",
    "upload_failed": "Upload failed: {error}",
    "remove_choice": "Report to remove",
    "remove": "Remove report",
    "removed": "Removed “{title}”; its file moved to {where}.",
    "nothing_selected": "Choose a report to remove first.",
    "failed": "Something went wrong: {error}",
    "unexpected": "Unexpected error ({kind}); the server log has the details.",
    "examples": ["What growth target did Tiexi set for construction output?",
                 "铁西街道2024年招商引资目标是多少？", "Which offices mention job fairs?",
                 "辽西街道上半年一共清理了多少吨垃圾？"],
    "lang_attr": "en",
}

LANGUAGES = {"zh": ZH, "en": EN}


def labels(lang: str) -> dict:
    """The label table for a language; anything but "en" gets Chinese, the default."""
    return LANGUAGES.get(lang, ZH)
