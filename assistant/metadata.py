"""What a report is, read from the report itself: its title, office, region, years and kind.

Where each comes from, most trusted first:
- the office: the title block (title, the line of the meeting it was delivered at, a red header
  "…办事处文件"), the page's fields (发布机构, 来源, 信息来源), the breadcrumb, the signature, and
  only then the running text where the report names itself (我代表…办事处, 中共…街道, …社区位于,
  平安…建设); a report that never names itself has no office ("") rather than one it mentions;
- the region: the administrative names written before that office (重庆市巴南区木洞镇 → 巴南区);
- the years and the kind: the title and the headings of its parts (2023年工作回顾, 2024年工作计划);
  a report delivered at a congress or a work meeting (政府工作报告, 社代会报告, 讲话, 致辞) reviews
  one year and plans the next, whatever its title says of it.
Text in traditional script is read through its simplified form (opencc), so 興江鄉 is 兴江乡.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from . import vocab
from .labels import say
from .textnorm import readable

CN_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
            "七": "7", "八": "8", "九": "9"}


def _norm(text: str) -> str:
    """A text to read metadata in: half-width, simplified, without pinyin glosses, and with years
    written in Chinese numerals (二〇二四年) as digits."""
    text = readable(unicodedata.normalize("NFKC", text))
    return re.sub(r"[〇○零一二三四五六七八九]{4}(?=年)", lambda m: "".join(CN_DIGIT[c] for c in m[0]), text)


YEAR = re.compile(r"(20\d{2})\s*(?:[-—~至到]\s*(20\d{2})\s*)?年")
TITLE_LINES = 12  # a title stands among the first lines of a page, after its furniture


@dataclass
class Metadata:
    title: str
    title_inferred: bool
    office: str
    region: str
    years: list[int]
    kind: str  # "plan" | "summary" | "summary+plan"
    date: str = ""  # the signature date
    genre: str = ""  # what the report calls itself: 工作总结, 政府工作报告, 讲话, …
    evidence: dict = field(default_factory=dict)  # where the office was read


def infer_metadata(lines: list, text: str, file_name: str) -> Metadata:
    """The metadata of a report from its classified lines (parse.Line). The lines of its title
    block are marked ``title`` here, so that they are not read as body text."""
    content = [ln for ln in lines if ln.kind not in ("blank", "marker")]
    title_lines = _title_block(content)
    own = [ln for ln in title_lines if not _is_meeting(ln.text) and not _is_date(ln.text)]
    for ln in own:  # the meeting and the date under a title stay text: questions ask about them
        ln.kind = "title"
    if own:  # what stands above a title on a page is the site's furniture (its name, its menus)
        for ln in content[:content.index(own[0])]:
            if ln.kind == "body" and len(ln.text) <= 40 and not re.search(r"[。；;！？]", ln.text):
                ln.kind = "chrome"
    title = _title_text(own)
    block = _norm(" ".join(ln.text for ln in title_lines))
    body = [ln for ln in content if ln.kind in ("body", "heading", "part")]
    headings = [re.split(r"[。；;]", _norm(ln.text))[0] for ln in content if ln.kind in ("heading", "part")]
    opening = _norm(" ".join(ln.text for ln in body[:6]))[:600]
    wider = _norm(" ".join(ln.text for ln in body[:12]))[:2000]
    office, region, evidence = _office(block, content, body)
    if not region:
        region = _region_in_text(block + " " + _norm(" ".join(ln.text for ln in body))[:4000])
    address = bool(body) and bool(vocab.pattern("kinds", "address_pattern").match(body[0].text))
    years, kind, genre = _years_and_kind(_norm(title) or "", block, headings, opening, address, wider)
    date = next((f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" for ln in reversed(content)
                 if ln.kind == "signature" and (m := re.match(r"^[(]?(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
                                                             _dates(_norm(ln.text))))), "")
    inferred = not title
    if not title:
        title = say("zh", "report_title_inferred", office=office,
                    years=f"{'、'.join(map(str, years))}年" if years else "",
                    kind=say("zh", f"report_kind_{kind}")) if office else say("zh", "report_untitled", file=file_name)
    return Metadata(title, inferred, office, region, years, kind, date, genre, evidence)


# --- the title ------------------------------------------------------------------------------------
def _title_block(content: list) -> list:
    """The title line (and a second line it is broken onto, and the meeting line under it): the
    first short line among the opening lines that names a report and has no sentence end."""
    words = vocab.pattern("titles", "words")
    labelled = vocab.pattern("titles", "prefix_pattern")
    for i, ln in enumerate(content[:TITLE_LINES]):
        if ln.kind not in ("body", "part", "header") or len(ln.text) > 80 or "。" in ln.text:
            continue
        if ln.kind == "header" and not (labelled.match(ln.text) and YEAR.search(ln.text)):
            continue  # a field line is a title only when its field is the title (内容概述, 标题)
        text = _bare_title(ln.text)
        if not words.search(text) and not _is_meeting(text):
            continue
        block = [ln]
        following = content[i + 1:i + 4]
        if following and following[0].kind == "body" and _continues(text, following[0].text):
            block.append(following[0])
            following = following[1:]
        for nxt in following[:2]:
            if _is_meeting(nxt.text) or _is_date(nxt.text):
                block.append(nxt)
        if ln.kind == "header":
            ln.kind = "body"  # a field line that is the title (内容概述 …, 称: …)
        return block
    return []


def _continues(title: str, nxt: str) -> bool:
    """A title broken over two lines (a PDF's line break): the next line is short and finishes it."""
    if len(nxt) > 30 or re.search(r"[。，,；]", nxt) or _is_meeting(nxt):
        return False
    return bool(re.search(r"(和|及|暨|与|关于|年|下半年|上半年)$", title)) or bool(
        re.match(r"^(工作|年|\d{4}|的报告|报告|计划|打算|总结)", nxt))


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"[（(]?20\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[）)]?", text.strip()))


def _is_meeting(text: str) -> bool:
    """The line under a title that says where it was delivered (——在…会议上); a speech's own
    title (在…会议上的讲话) is a title."""
    return bool(vocab.pattern("titles", "meeting_pattern").search(text)) and not re.search(
        r"(讲话|致辞|发言|报告|总结)[）)]?$", text)


def _bare_title(text: str) -> str:
    text = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)  # 政 府 工 作 报 告
    text = vocab.pattern("titles", "prefix_pattern").sub("", text)
    text = vocab.pattern("titles", "site_suffix_pattern").sub("", text)
    return re.sub(r"\s+20\d{2}-\d{2}-\d{2}$", "", text).strip(" |｜")


def _title_text(block: list) -> str:
    return "".join(_bare_title(ln.text) for ln in block).strip()


# --- the office -----------------------------------------------------------------------------------
@functools.cache
def _kind_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w, _ in vocab.office_kinds()))


@functools.cache
def _region_pattern() -> re.Pattern:
    units = "|".join(re.escape(u) for u in sorted(vocab.words("offices", "region_units"), key=len, reverse=True))
    return re.compile(rf"[\u4e00-\u9fff]{{2,6}}?(?:{units})")


def _masked(text: str) -> str:
    """The text for reading names in: simplified, years and digits blanked (2024年真新街道)."""
    return re.sub(r"20\d{2}\s*年度?|\d+", lambda m: " " * len(m[0]), _norm(text))


class OfficeNames:
    """Reads office names in one report. A name is what stands before an office kind (街道, 镇,
    社区 …); which of the characters before it belong to the name is decided by the whole report:
    the name is the longest ending that its mentions share (在鸢飞街道, 开创鸢飞街道, 鸢飞街道党工委
    share 鸢飞); a name mentioned once loses the common words in front of it (积极发挥兴江乡 → 兴江)."""

    WINDOW = 8  # characters before a kind that may hold a name and its region

    def __init__(self, document: str) -> None:
        self.support: Counter = Counter()
        for window in self._windows(_masked(document)):
            for n in range(2, len(window) + 1):
                self.support[window[-n:]] += 1

    def _windows(self, text: str):
        for m in _kind_pattern().finditer(text):
            yield self._window(text, m.start())

    def _window(self, text: str, at: int) -> str:
        window = re.split(r"[^\u4e00-\u9fffXＸ]", text[max(0, at - self.WINDOW):at])[-1]
        for kind, _ in vocab.office_kinds():  # 江滨街道银杏湾社区: 银杏湾's window starts after 街道
            if len(kind) > 1 and kind in window:  # (镇 and 乡 stand inside names: 湖镇镇)
                window = window[window.rindex(kind) + len(kind):]
        return window

    def offices_in(self, text: str) -> list[tuple[str, str, int, int]]:
        """(office, region, start, end) of each office ``text`` names, left to right."""
        masked = _masked(text)
        kinds = dict(vocab.office_kinds())
        found = []
        for m in _kind_pattern().finditer(masked):
            window = self._window(masked, m.start())
            region, window = _split_region(window)
            name = self._name(window)
            if name is None:
                continue
            office = name + kinds[m[0]]
            if office in vocab.not_names() or name in vocab.not_names():
                continue
            found.append((office, region, m.start() - len(name), m.end()))
        return found

    def _name(self, window: str) -> str | None:
        if len(window) < 2:
            return None
        base = self.support[window[-2:]]
        if base >= 2:  # the longest ending most of the mentions share
            shared = [window[-n:] for n in range(2, len(window) + 1) if self.support[window[-n:]] >= 0.6 * base]
            return _clean_name(shared[-1], alone=False)
        return _clean_name(window)


def _split_region(window: str) -> tuple[str, str]:
    """(region, the rest) of what stands before an office kind: 重庆市巴南区木洞 → (巴南区, 木洞)."""
    found = [m for m in _region_pattern().finditer(window) if m[0] not in vocab.not_names()]
    if not found or len(window) - found[-1].end() < 2:
        return "", window
    return _region(window[:found[-1].end()]), window[found[-1].end():]


def offices_in(text: str) -> list[tuple[str, str, int, int]]:
    """(office, region, start, end) of each office a text names, read within the text alone."""
    return OfficeNames(text).offices_in(text)


def _clean_name(name: str, alone: bool = True) -> str | None:
    """An office's own name: prefixes dropped (中共福海 → 福海) and, for a name mentioned once
    (``alone``), the common verbs and particles in front of it (在鸢飞 → 鸢飞, 积极发挥兴江 → 兴江)."""
    from .textnorm import base_tokenizer

    prefixes = sorted((p.rstrip("，,") for p in vocab.words("offices", "self_before")), key=len, reverse=True)
    while True:
        before = name
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) - len(prefix) >= 2:
                name = name[len(prefix):]
        tokens = base_tokenizer().tagged(name) if alone and len(name) > 2 else []
        if len(tokens) > 1 and tokens[0][1] in COMMON_POS and base_tokenizer().frequency(tokens[0][0]) >= 300:
            if len(name) - len(tokens[0][0]) < 2:
                return None  # 打算办社区: a verb phrase before the kind, no name
            name = name[len(tokens[0][0]):]
        if name == before:
            break
    if len(name) < 2 or re.search(r"[的了和与及或、年]", name) or name in vocab.not_names():
        return None
    return name


def _wordlike(name: str) -> bool:
    """A common verb or adverb (改造, 召开): in running text, 提升改造社区 and 召开街道党工委 name no
    office (in a title or a field it may: 前进街道, 建设街道)."""
    from .textnorm import base_tokenizer

    tagged = base_tokenizer().tagged(name)
    return len(tagged) == 1 and tagged[0][1] in ("v", "vn", "ad", "d", "p", "m", "r") \
        and base_tokenizer().frequency(name) >= 300


COMMON_POS = {"v", "vd", "ad", "d", "p", "c", "u", "m", "r", "q", "t"}  # verbs, adverbs, particles …


def _region(prefix: str) -> str:
    """The last administrative unit written before an office (重庆市巴南区 → 巴南区)."""
    found = [m[0] for m in _region_pattern().finditer(prefix)]
    found = [r for r in found if r not in vocab.not_names()]
    return found[-1] if found else ""


def _region_in_text(text: str) -> str:
    """The administrative area a report names most: a name ending in 区, 县, 市 or 旗 whose name is a
    rare word (岳麓区, 回民区), never an ordinary word that ends so (工业区, 住宅小区, 风景区, 大都市)."""
    from .textnorm import base_tokenizer

    tokenizer = base_tokenizer()
    counts = Counter(w for w in tokenizer.cut(text) if len(w) >= 3 and w[-1] in "区县市旗"
                     and w not in vocab.not_names() and not w.endswith("城市")  # 文明城市, 卫生城市
                     and not w.startswith(("全", "各", "本", "我", "该")))
    for word in counts:  # the area whose party committee or government is named counts double
        counts[word] += len(re.findall(rf"{re.escape(word)}(?:委|人民政府|政府)", text))
    # a 街道 or a 镇 belongs to a district or a county: those first, a city only when none is named
    for word, _ in sorted(counts.items(), key=lambda kv: (kv[0][-1] == "市", -kv[1])):
        if tokenizer.frequency(word[:-1]) < 900:  # a proper name is rare as a word; 工业, 风景, 住宅, 大都 are not
            return word
    return ""


def _most_specific(found: list[tuple[str, str, int, int]]) -> tuple[str, str] | None:
    """Of the offices a line names, the innermost: 江滨街道银杏湾社区 is 银杏湾社区's."""
    if not found:
        return None
    rank = {"街道": 1, "镇": 1, "乡": 1, "办事处": 1, "社区": 2}
    office, region, _, _ = max(found, key=lambda f: (rank.get(_kind_of(f[0]), 0), -f[2]))
    if not region:
        region = next((f[1] for f in found if f[1]), "")
    return office, region


def _kind_of(office: str) -> str:
    return next((k for k in ("办事处", "街道", "社区", "镇", "乡") if office.endswith(k)), "")


def _office(block: str, content: list, body: list) -> tuple[str, str, dict]:
    """(office, region, where it was read)."""
    names = OfficeNames(" ".join(ln.text for ln in content))
    sources = [("title", block)]
    fields = [_norm(ln.text) for ln in content if ln.kind == "header"]
    sources.append(("fields", " ".join(re.sub(r".*?(?:发布机构|发布部门|信息来源|来源|发文机关)\s*[\]】]?\s*[:：|]", " ", f)
                                       for f in fields if re.search(r"发布机构|发布部门|信息来源|来源|发文机关", f))))
    sources.append(("breadcrumb", " ".join(f for f in fields if vocab.pattern("chrome", "breadcrumb_pattern").search(f))))
    sources.append(("signature", " ".join(_norm(ln.text) for ln in content if ln.kind == "signature")))
    for where, text in sources:
        if picked := _most_specific(names.offices_in(text)):
            return picked[0], picked[1], {"office": where}
    text = _norm("\n".join(ln.text for ln in body))
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    if han < 0.3 * sum(ch.isalpha() for ch in text):
        return "", "", {}  # not a Chinese report (a README, a letter in English): its mentions name no office
    if picked := _self_named(text, names):
        return picked[0], picked[1], {"office": "text"}
    return "", "", {}


def _self_named(text: str, names: OfficeNames) -> tuple[str, str] | None:
    """The office a report's running text names as its own: in the words a report uses of itself
    (我代表塘桥街道办事处, 中共福海街道…, 象山社区位于…, 阿娄社区党支部, 平安九峰, 贡献望月湖力量)."""
    before = "|".join(re.escape(w) for w in vocab.words("offices", "self_before"))
    after = "|".join(re.escape(w) for w in vocab.words("offices", "self_after"))
    votes: Counter = Counter()
    regions: dict[str, str] = {}
    organs = ("党工委", "工委", "党委", "人民政府", "政府", "居民委员会", "居委会", "党支部", "党总支")
    institutional = "|".join(re.escape(w) for w, _ in vocab.office_kinds() if w.endswith(organs))
    for office, region, at, end in names.offices_in(text):
        if _wordlike(office[:len(office) - len(_kind_of(office))]):
            continue
        window_before, window_after = text[max(0, at - 8):at], text[end:end + 6]
        written = text[at:end]
        if re.search(rf"(?:{before})\s*$", window_before):
            votes[office] += 3  # 我代表…, 中共…: the report speaking of itself
        elif re.search(r"(在|按照|根据|遵照)[^，,。]{0,2}$", window_before) or re.match(
                r"\s*(?:的|、)?\s*(?:正确|坚强)?(?:领导|部署|要求|指导)", window_after):
            continue  # 在滨江街道党工委的领导下, 按照光华路街道工委的部署: the office above it
        elif re.match(rf"\s*(?:{after})", window_after) or re.search(rf"(?:{institutional})$", written):
            votes[office] += 1
            regions.setdefault(office, region)
    if votes:
        office, _ = votes.most_common(1)[0]
        return office, regions.get(office, "")
    return _slogan_named(text)


def _slogan_named(text: str) -> tuple[str, str] | None:
    """A name the report repeats inside its slogans (平安九峰建设, 贡献望月湖力量, 现代化望月湖),
    at least twice, and not a common word: the office's short name (a 街道's, the common case)."""
    slogan = vocab.pattern("offices", "slogan_pattern")
    from .textnorm import base_tokenizer

    tokenizer = base_tokenizer()
    counts = Counter(m[1] for m in slogan.finditer(text) if not m[1].startswith("化"))
    for word, count in counts.most_common():
        if count >= 2 and tokenizer.frequency(word) < 100 and word not in vocab.not_names():
            kind = next((k for k in ("社区", "镇", "乡") if f"{word}{k}" in text), "街道")
            return word + kind, ""
    return None


# --- years and kind -------------------------------------------------------------------------------
def _years_and_kind(title: str, block: str, headings: list[str], opening: str,
                    address: bool, wider: str) -> tuple[list[int], str, str]:
    summary_words = vocab.alternation("kinds", "summary")
    plan_words = vocab.alternation("kinds", "plan")
    genre = next((g for g in sorted(vocab.words("kinds", "review_and_plan"), key=len, reverse=True)
                  if g in block or (not title and g in opening)), "address" if address and not title else "")
    source = title or opening
    summary_years, plan_years = _phase_years(source, summary_words, plan_words)
    top = [h for h in headings[:40] if YEAR.search(h)]
    for heading in top:  # 一、2023年工作回顾 / 二、2024年工作计划: the parts of the report
        s, p = _phase_years(heading, summary_words, plan_words)
        summary_years |= s
        plan_years |= p
    delivered = _delivered_year(block)
    if genre:  # reviews one year, plans the next
        if summary_years and not plan_years:
            plan_years = {max(summary_years) + 1}
        elif plan_years and not summary_years:
            summary_years = {min(plan_years) - 1}
        elif not summary_years and not plan_years:
            if delivered:  # delivered early in a year: it reviews the one before
                summary_years, plan_years = {delivered - 1}, {delivered}
            elif year := _first_year(source):  # 2024年政府工作报告 is delivered in 2024; 2023年工作报告 reviews 2023
                delivered_in_title = any(g in genre for g in vocab.words("kinds", "titled_by_delivery"))
                summary_years, plan_years = ({year - 1}, {year}) if delivered_in_title else ({year}, {year + 1})
        return sorted(summary_years | plan_years), "summary+plan", genre
    has_summary, has_plan = bool(summary_years), bool(plan_years)  # the years say which parts there are
    if title or not (has_summary or has_plan):  # a title's words say it too; an opening's only without years
        done = re.sub(r"[^，,。]*(?:完成|落实|进展|执行)情况", "", source)  # 实事项目完成情况 plans nothing
        has_summary = has_summary or bool(re.search(summary_words, source))
        has_plan = has_plan or bool(re.search(plan_words, done))
    if not has_summary and not has_plan:
        has_plan = True  # a text that says neither looks ahead (a 规划, a list of tasks)
    kind = "summary+plan" if has_summary and has_plan else "summary" if has_summary else "plan"
    years = summary_years | plan_years
    if not years and (year := _first_year(source) or _common_year(wider, headings)):
        years = {year}
    return sorted(years), kind, ""


def _common_year(opening: str, headings: list[str]) -> int | None:
    """The year a title-less text speaks of most (2019年10项重点民生实事项目 …)."""
    counts = Counter(int(m[1]) for m in YEAR.finditer(" ".join([opening, *headings[:20]])))
    return counts.most_common(1)[0][0] if counts else None


def _phase_years(text: str, summary_words: str, plan_words: str) -> tuple[set[int], set[int]]:
    """Years a text ties to a summary (2023年工作总结, 2020-2022年工作总结) or a plan (2024年计划);
    a year tied to neither counts for what the text as a whole is."""
    summary, plan = set(), set()
    for m in YEAR.finditer(text):
        first, last = int(m[1]), int(m[2] or m[1])
        span = set(range(first, last + 1)) if 0 <= last - first <= 10 else {first}
        nxt = YEAR.search(text, m.end())
        after = text[m.end():min(m.end() + 16, nxt.start() if nxt else len(text))]  # up to the next year
        after = re.split(r"[，,。；;：:“”「」（）()]|是", after)[0]  # the year's own phrase: 2022年工作总结
        before = text[max(0, m.start() - 4):m.start()]
        s, p = re.search(summary_words, after), re.search(plan_words, after)
        if re.search(r"(完成|落实|进展|执行)情况", after):  # 2023年民生实事项目完成情况: a summary
            summary |= span
        elif re.search(r"(回首|回顾|总结|过去的)\s*$", before):  # 回首2023年
            summary |= span
        elif re.search(r"(展望|谋划|部署|安排)\s*$", before):  # 展望2024年
            plan |= span
        elif s and (not p or s.start() < p.start()):
            summary |= span
        elif p:
            plan |= span
        elif re.search(summary_words, text) and not re.search(plan_words, text):
            summary |= span
        elif re.search(plan_words, text) and not re.search(summary_words, text):
            plan |= span
    return summary, plan


def _dates(text: str) -> str:
    """Month and day in Chinese numerals as digits too: 2024年一月十二日 → 2024年1月12日."""
    def number(word: str) -> str:
        tens, _, ones = word.partition("十")
        if "十" not in word:
            return CN_DIGIT.get(word, word)
        return str((int(CN_DIGIT.get(tens, "1")) if tens else 1) * 10 + (int(CN_DIGIT.get(ones, "0")) if ones else 0))
    return re.sub(r"年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日",
                  lambda m: f"年{number(m[1])}月{number(m[2])}日", text)


def _delivered_year(block: str) -> int | None:
    """The year a speech or a congress report was delivered: the date of its meeting line."""
    m = re.search(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", block)
    return int(m[1]) if m else None


def _first_year(text: str) -> int | None:
    m = YEAR.search(text)
    return int(m[1]) if m else None
