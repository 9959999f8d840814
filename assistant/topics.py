"""The topic of a quantitative statement: which area of a sub-district's work it measures.

Each topic is defined by the words a Chinese government work report uses for that area (TOPIC_WORDS).
A statement is scored by the words found around it, nearest first: its own clause counts most, then
the rest of its sentence, the opening clause of its item (一是…), its section heading and the headings
above. The highest score wins; a tie goes to the topic the section headings favour. A statement with no
topic word anywhere near it is "other".

Words are read by longest match, so a longer term decides over a shorter one inside it: 养老保险 is social
insurance (public_service), not elderly care; 农民工 is employment, not agriculture; 粮食安全 is agriculture."""

from __future__ import annotations

import re
from collections import Counter

# Topic → the words that name its work, written from what the topic covers in a work report.
# A word belongs to one topic only (tests/test_targets.py checks this).
TOPIC_WORDS: dict[str, str] = {
    # output, investment, revenue, enterprises and projects
    "economy": "经济 GDP 经营主体 个体户 营业额 旅游 文旅 产值 增加值 生产总值 投资 固投 招商 引资 招引 营业收入 "
               "营收 税收 税源 纳税 财政 预算 零售 社零 消费 销售 企业 市场主体 个体工商户 商户 商贸 商业 产业 "
               "规上 规模以上 限上 楼宇 总部 营商环境 外贸 进出口 电商 直播 纳统 入库 重点项目 产业项目 招商项目 "
               "签约 开工 投产 达产",
    # jobs, job seekers and vocational training
    "employment": "就业 人力资源 再就业 失业 创业 招聘 求职 岗位 用工 务工 劳务 劳动力 农民工 技能培训 职业培训 "
                  "职业技能 见习 高校毕业生 稳岗",
    # care of the elderly (not their pensions: 养老保险 is social insurance)
    "elderly_care": "养老 老年 老人 老龄 高龄 长者 敬老 孝老 助老 为老 适老 日间照料 助餐 一老一小 空巢 失能 银龄",
    # minimum living allowance, relief and aid to people in difficulty or with disabilities
    "social_assistance": "低保 医疗救助 困境儿童 红十字 捐赠 捐款 特困 救助 残疾 残联 困难群众 困难群体 困难家庭 "
                         "困难户 困境 帮扶 慈善 救济 孤儿 孤寡 留守儿童 兜底 五保 低收入 扶贫 返贫 慰问 送温暖 "
                         "民政 补贴 补助 救灾 供养 安全网",
    # production, fire and traffic safety, emergencies and fraud
    "safety": "安全 灾害 液化气 电动自行车 安全生产 消防 防火 火灾 灭火 隐患 燃气 事故 应急 防汛 防灾 减灾 "
              "交通安全 电动车 电瓶车 九小场所 危化品 危险化学品 有限空间 防溺水 诈骗 反诈 演练 救援 烟花爆竹 "
              "安委会",
    # grid management, petitions, disputes, law enforcement, community self-government, civility campaigns
    "governance": "网格 调处 巡逻 信访 上访 接访 矛盾 纠纷 调解 执法 违建 违法建设 拆违 违章 占道 治理 12345 热线 "
                  "工单 诉求 投诉 矫正 安置帮教 维稳 平安 扫黑 综治 法治 普法 法律 学法 自治 议事 业主委员会 "
                  "业委会 居委会 村委会 换届 文明 物管会 村转居 创城 移风易俗 道德 村规民约 积分 志愿 禁毒 邪教 "
                  "舆情 城管",
    # party organisation, members, discipline, ideology, study and propaganda
    "party_building": "党 两新组织 组织生活 学习强国 党建 党员 党组织 党支部 支部 党委 党工委 党总支 党课 "
                      "主题党日 三会一课 廉政 廉洁 纪律 纪检 纪委 监察 警示教育 理论学习 学习教育 主题教育 中心组 "
                      "意识形态 宣讲 宣传思想 入党 作风 从严治党 巡察 理论武装 清廉 诫勉 处分 批评教育 书记 媒体 "
                      "网评 舆论",
    # pollution, waste, greening, sanitation and the living environment
    "environment": "环境 环卫 园林 人居环境 农村人居环境 生态 环保 垃圾 污染 大气 蓝天 碧水 净土 散煤 扬尘 油烟 "
                   "噪声 污水 黑臭 河道 河长 河湖 河流 水体 绿化 植树 造林 林长 绿地 绿篱 毁绿 卫生死角 环境卫生 "
                   "保洁 清运 禁烧 节能 减排 低碳 公厕 厕所 爱国卫生 市容",
    # housing, old residential compounds, roads, utilities and property management
    "urban_construction": "城市建设 管道 路面 人行道 桥梁 井盖 城建 城市更新 老旧小区 小区 改造 提质 房屋 危房 "
                          "棚户区 棚改 拆迁 征迁 征收 道路 公路 农村公路 街巷 背街小巷 路灯 管网 排水 雨污 供暖 "
                          "供热 供水 物业 电梯 停车 车位 基础设施 市政 硬化 修缮 城中村 充电桩 住宅 不动产",
    # government services, social insurance, health, education, culture and sport
    "public_service": "政务服务 党群服务中心 代办 社会保障 就医 慢性病 慢病 书屋 科普 婚姻 政务 便民服务 便民 "
                      "一网通办 办件 窗口 社保 社会保险 医保 医疗保险 养老保险 参保 医疗 卫生院 卫生服务 公共卫生 "
                      "健康 体检 筛查 疫苗 接种 家庭医生 计生 计划生育 生育 学前教育 义务教育 学校 学生 托育 "
                      "幼儿园 文化 文体 体育 健身 图书 文艺 演出 非遗 妇女 儿童 妇联 青少年 未成年人 退休 "
                      "文明实践 公共服务",
    # farming, livestock, farmland, irrigation and rural revitalisation
    "agriculture": "农业 畜禽 动物防疫 玉米 水稻 大豆 小麦 农村 乡村振兴 粮食 粮食安全 耕地 种植 养殖 畜牧 农田 "
                   "水利 灌溉 沟渠 干渠 农机 农户 农民 合作社 家庭农场 撂荒 复耕 春耕 秋收 大棚 温室 棚膜 果蔬 "
                   "蔬菜 食用菌 农产品 秸秆 惠农 涉农 种子 化肥 牛 羊 猪",
    # ethnic and religious affairs, militia and veterans, population
    "other": "民族 党管武装 武装部 人武 应急连 应急排 宗教 民兵 征兵 兵役 国防 退役军人 双拥 拥军 优抚 军属 人口 "
             "户籍 常住 流动人口",
}
TOPICS: tuple[str, ...] = tuple(TOPIC_WORDS)
# Words that hold a topic word but name no topic: 自治区 is a region, not self-government.
NEUTRAL_WORDS = "自治区 自治州 自治县"
# Some reports redact 党 as "D" (D支部, 从严治D); read it back where it stands beside Chinese text.
REDACTED_PARTY = re.compile(r"(?<![A-Za-z0-9])D(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])D(?![A-Za-z0-9])")

# How much a topic counts, by where its words are found (once per place). The statement's own clause says
# what it measures, so it outweighs its sentence, its item's opening clause and its heading together; those
# usually share its topic; a heading may also cover statements on other subjects, the headings above more so.
CLAUSE_WEIGHT = 6.0
SENTENCE_WEIGHT = 2.0
LEAD_WEIGHT = 2.0
HEADING_WEIGHT = 1.5
PARENT_WEIGHT = 1.0

_WORD_TOPIC = {word: topic for topic, words in TOPIC_WORDS.items() for word in words.split()}
_WORD_TOPIC.update({word: "" for word in NEUTRAL_WORDS.split()})
_WORDS = re.compile("|".join(re.escape(w) for w in sorted(_WORD_TOPIC, key=len, reverse=True)))


def topic_words(text: str) -> list[tuple[str, str]]:
    """(word, topic) of each topic word in ``text``, longest match first, left to right."""
    text = REDACTED_PARTY.sub("党", text)
    return [(m[0], _WORD_TOPIC[m[0]]) for m in _WORDS.finditer(text) if _WORD_TOPIC[m[0]]]


def _scores(text: str, weight: float) -> Counter:
    # a topic counts once per place: a list of five crops is no more about farming than one crop
    return Counter({topic: weight for _, topic in topic_words(text)})


def classify_topic(clause: str, sentence: str = "", lead: str = "", path: tuple[str, ...] = ()) -> str:
    """The topic of the statement in ``clause``. ``sentence`` is the whole sentence around it, ``lead``
    the opening clause of its item (一是…), ``path`` the section headings from the top down."""
    own = _scores(clause, CLAUSE_WEIGHT) + _scores(sentence.replace(clause, " ", 1), SENTENCE_WEIGHT)
    if lead and lead not in sentence:
        own += _scores(lead, LEAD_WEIGHT)
    headings = [h for h in path if h]
    section = Counter()
    for depth, heading in enumerate(reversed(headings)):
        section += _scores(heading, HEADING_WEIGHT if depth == 0 else PARENT_WEIGHT)
    total = own + section
    if not total:
        return "other"
    return max(TOPICS, key=lambda topic: (total[topic], section[topic]))
