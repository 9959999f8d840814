"""Office names in a report's text: what stands before an office kind (街道, 镇, 乡, 社区 …), which
of its characters belong to the name (decided by the whole report), the region written before it,
and the office a report names as its own (我代表…, 中共…街道, …社区位于, slogans). metadata.py asks
these questions of a report's title block, fields, breadcrumb, signature and running text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter

from . import vocab
from .textnorm import readable

CN_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
            "七": "7", "八": "8", "九": "9"}


def normalised(text: str) -> str:
    """A text to read metadata in: half-width, simplified, without pinyin glosses, and with years
    written in Chinese numerals (二〇二四年) as digits."""
    text = readable(unicodedata.normalize("NFKC", text))
    return re.sub(r"[〇○零一二三四五六七八九]{4}(?=年)", lambda m: "".join(CN_DIGIT[c] for c in m[0]), text)


@functools.cache
def _kind_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w, _ in vocab.office_kinds()))


@functools.cache
def _region_pattern() -> re.Pattern:
    units = "|".join(re.escape(u) for u in sorted(vocab.words("offices", "region_units"), key=len, reverse=True))
    return re.compile(rf"[\u4e00-\u9fff]{{2,6}}?(?:{units})")


def _masked(text: str) -> str:
    """The text for reading names in: simplified, years and digits blanked (2024年真新街道)."""
    return re.sub(r"20\d{2}\s*年度?|\d+", lambda m: " " * len(m[0]), normalised(text))


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
    """(region, the rest) of what stands before an office kind: 重庆市巴南区木洞 → (巴南区, 木洞);
    an office's name never holds the government above it (番禺区人民政府市桥街道办事处: 市桥)."""
    organ = re.search(r"^(.*)(?:人民政府|政府|党委|区委|县委|市委)", window)
    if organ and len(window) - organ.end() >= 2:
        return _region(organ[1]), window[organ.end():]
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

    written = name
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
    if len(name) < 2 or re.search(r"[的了和与及或、年]|情况|概况", name) or name in vocab.not_names():  # 乡基本情况: a heading (one anonymised dev report)
        return None
    if re.match(r"[一二三四五六七八九十]+是|第[一二三四五六七八九十\d]", name):
        return None  # 三是乡村振兴…: an item's numbering before 乡村, no name
    if alone and name != written and _wordlike(name):
        return None  # 前不久召开镇十七届三次党代会: words, then a verb before the kind (进化镇2022年… names 进化)
    return name


def _wordlike(name: str) -> bool:
    """A common verb or adverb (改造, 召开): in running text, 提升改造社区 and 召开街道党工委 name no
    office (in a title or a field it may: 前进街道, 建设街道)."""
    from .textnorm import base_tokenizer

    tagged = base_tokenizer().tagged(name)
    return len(tagged) == 1 and tagged[0][1] in ("v", "vn", "ad", "d", "p", "m", "r") \
        and base_tokenizer().frequency(name) >= 300


def _verb_phrase(name: str) -> bool:
    """Only verbs (升级改造街道…: what was done to a street, no name; 镇 and 乡 end ordinary words too)."""
    from .textnorm import base_tokenizer

    tagged = base_tokenizer().tagged(name)
    return bool(tagged) and all(flag in ("v", "vn", "vd", "ad", "d") for _, flag in tagged)


COMMON_POS = {"v", "vd", "ad", "d", "p", "c", "u", "m", "r", "q", "t"}  # verbs, adverbs, particles …


def _region(prefix: str) -> str:
    """The last administrative unit written before an office (重庆市巴南区 → 巴南区)."""
    found = [m[0] for m in _region_pattern().finditer(prefix)]
    found = [r for r in found if r not in vocab.not_names()]
    return found[-1] if found else ""


def region_in_text(text: str) -> str:
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
    rank = {"社区": 2}  # a 社区 inside a 街道 or 镇; every other kind ranks 1
    office, region, _, _ = max(found, key=lambda f: (rank.get(_kind_of(f[0]), 1 if _kind_of(f[0]) else 0), -f[2]))
    if not region:
        region = next((f[1] for f in found if f[1]), "")
    return office, region


def _kind_of(office: str) -> str:
    return next((k for k in vocab.kind_names() if office.endswith(k)), "")


def office_and_region(block: str, content: list, body: list) -> tuple[str, str, dict]:
    """(office, region, where it was read)."""
    names = OfficeNames(" ".join(ln.text for ln in content))
    sources = [("title", block)]
    fields = [normalised(ln.text) for ln in content if ln.kind == "header"]
    publisher = vocab.alternation("offices", "publisher_fields")
    sources.append(("fields", " ".join(re.sub(rf".*?(?:{publisher})\s*[\]】]?\s*[:：|]", " ", f)
                                       for f in fields if re.search(publisher, f))))
    sources.append(("breadcrumb", " ".join(f for f in fields if vocab.pattern("chrome", "breadcrumb_pattern").search(f))))
    sources.append(("signature", " ".join(normalised(ln.text) for ln in content if ln.kind == "signature")))
    text = normalised("\n".join(ln.text for ln in body))
    for where, source in sources:
        if picked := _most_specific(names.offices_in(source)):
            return _usual_spelling(picked[0], names, text), picked[1], {"office": where}
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    if han < 0.3 * sum(ch.isalpha() for ch in text):
        return "", "", {}  # not a Chinese report (a README, a letter in English): its mentions name no office
    if picked := _self_named(text, names):
        return _usual_spelling(picked[0], names, text), picked[1], {"office": "text"}
    return "", "", {}


def _usual_spelling(office: str, names: OfficeNames, text: str) -> str:
    """The spelling of an office a report uses most, of those one character apart: OCR misreads a
    character now and then (济淡河乡, 济法河乡 beside five 济沁河乡), so the name read first may be a misreading.
    (Found on one OCR'd dev report; the thresholds keep neighbours such as 铁东/铁西 apart.)"""
    kind = _kind_of(office)
    if len(office) - len(kind) < 3:
        return office  # 铁东 and 铁西, 城东 and 城西: neighbours, not misreadings
    counts = Counter(o for o, _, _, _ in names.offices_in(text)
                     if len(o) == len(office) and _kind_of(o) == kind and sum(a != b for a, b in zip(o, office)) <= 1)
    best, most = max(counts.items(), key=lambda kv: kv[1], default=(office, 0))
    # a misreading is a one-off beside a spelling the report keeps to
    return best if most >= 3 and counts.get(office, 0) <= 1 and best != office else office


def _self_named(text: str, names: OfficeNames) -> tuple[str, str] | None:
    """The office a report's running text names as its own: in the words a report uses of itself
    (我代表塘桥街道办事处, 中共福海街道…, 象山社区位于…, 阿娄社区党支部, 平安九峰, 贡献望月湖力量)."""
    before = "|".join(re.escape(w) for w in vocab.words("offices", "self_before"))
    after = "|".join(re.escape(w) for w in vocab.words("offices", "self_after"))
    votes: Counter = Counter()
    regions: dict[str, str] = {}
    lone: list[str] = []  # every 街道 named, but the ones above (在…领导下)
    organs = ("党工委", "工委", "党委", "人民政府", "政府", "居民委员会", "居委会", "党支部", "党总支")
    institutional = "|".join(re.escape(w) for w, _ in vocab.office_kinds() if w.endswith(organs))
    for office, region, at, end in names.offices_in(text):
        if _wordlike(office[:len(office) - len(_kind_of(office))]):
            continue
        window_before, window_after = text[max(0, at - 8):at], text[end:end + 6]
        written = text[at:end]
        if re.search(rf"(?:{before})\s*$", window_before):
            votes[office] += 3  # 我代表…, 中共…: the report speaking of itself
            continue
        if re.search(r"(在|按照|根据|遵照)[^，,。]{0,2}$", window_before) or re.match(
                r"\s*(?:的|、)?\s*(?:正确|坚强)?(?:领导|部署|要求|指导)", window_after):
            continue  # 在滨江街道党工委的领导下, 按照光华路街道工委的部署: the office above it
        name = office[:len(office) - len(_kind_of(office))]
        if _kind_of(office) in ("街道", "办事处") and len(office) <= 8 and not _verb_phrase(name):
            lone.append(office)
            regions.setdefault(office, region)
        if re.match(rf"\s*(?:{after})", window_after) or re.search(rf"(?:{institutional})$", written):
            votes[office] += 1
            regions.setdefault(office, region)
    if votes:
        office, _ = votes.most_common(1)[0]
        return office, regions.get(office, "")
    if slogan := _slogan_named(text):
        return slogan
    if len(alone := set(lone)) == 1:  # the one 街道 a report names at all, as the subject of its
        office = alone.pop()  # opening (…领导下，未央宫街道以迎接党的二十大…): its own
        return office, regions.get(office, "")
    return None


def _slogan_named(text: str) -> tuple[str, str] | None:
    """A name the report repeats inside its slogans (平安九峰建设, 贡献望月湖力量, 现代化望月湖),
    at least twice, and not a common word: the office's short name (a 街道's, the common case)."""
    slogan = vocab.pattern("offices", "slogan_pattern")
    from .textnorm import base_tokenizer

    tokenizer = base_tokenizer()
    counts = Counter(m[1] for m in slogan.finditer(text) if not m[1].startswith("化"))
    for word, count in counts.most_common():
        if count >= 2 and tokenizer.frequency(word) < 100 and word not in vocab.not_names() \
                and not _verb_phrase(word):  # 城镇品质不断提升: what improves, no name (one dev report)
            kind = next((k for k in ("社区", "镇", "乡") if f"{word}{k}" in text), "街道")
            return word + kind, ""
    return None
