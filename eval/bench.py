"""python -m eval.bench: measured latency, throughput and memory at 5, 1,000 and 10,000 reports.

Synthetic corpora recombine whole sections of the five real reports under new office names, so
the text stays realistic and the real parser reads it; a section keeps its words, so its dense
vector comes from the embedding cache after the first time and the run embeds only distinct
passages (the table says how many vectors the model computed and how many came from the cache).

Every phase runs in a fresh process, so its peak memory (ru_maxrss) is its own:
- ingest cold: empty index and empty embedding cache, the model loads and embeds;
- ingest warm: empty index, embedding cache kept: ingest without dense embedding, measured;
- re-ingest: nothing changed, every report is checked and skipped;
- app: open the index as an app process does (lexical index from Chroma or its cache), then
  `search` and `ask` (extractive) for every question of eval/qa.jsonl, several runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.settings import ROOT

OUT = ROOT / "bench" / "out"
QA = ROOT / "eval" / "qa.jsonl"
# Characters of place names (no 区/市/县/省/旗: they would read as a region prefix in a title).
PLACE_CHARS = ("东南北中新金玉石青红白云山水河湖江泉溪林松柏桃梅兰竹花田园桥港湾岭峰坡岗阳春秋"
               "安康宁平和兴隆盛昌荣华富永长泰丰顺通达明光辉文德仁义礼智信忠廉勤嘉庆祥瑞")
REGIONS = ("鲤城区", "岳麓区", "回民区", "双辽市", "铁西区", "丰泽区", "天心区", "新城区", "洪山区", "海曙区")
CN = "一二三四五六七八九十"
LEVEL1 = re.compile(rf"^\s*[{CN}]{{1,3}}\s*[、．.]\s*")
LEVEL2 = re.compile(rf"^\s*[（(]\s*[{CN}]{{1,3}}\s*[）)]\s*")


# --- synthetic corpus -----------------------------------------------------------------------------
def _blocks(corpus: Path) -> dict[str, list[str]]:
    """Whole sections of the real reports, their heading number removed: plan items, summary
    items and problem analyses. A block is the heading line and everything under it, as written."""
    from assistant.index import load_manifest
    from assistant.parse import read_report

    manifest = load_manifest(corpus)
    blocks: dict[str, list[str]] = {"plan": [], "summary": [], "problems": []}
    for path in sorted(corpus.glob("*.txt")):
        report = read_report(path, corpus, manifest.get(path.stem))
        for section in report.walk():
            # the items: a 一、 section without （一） sub-items, or a （一） section
            if section.level not in (1, 2) or not section.heading or any(c.level == 2 for c in section.children):
                continue
            text = report.text[section.start:section.end]
            first, _, rest = text.partition("\n")
            first = LEVEL2.sub("", LEVEL1.sub("", first))
            kind = "problems" if section.role == "problems" else section.phase
            blocks[kind].append(first + ("\n" + rest if rest else ""))
    return blocks


def office_names(n: int, seed: int, avoid: list[str]) -> list[str]:
    """``n`` distinct three-character office names that no question of the eval set mentions."""
    from pypinyin import lazy_pinyin

    rng = random.Random(seed)
    questions = " ".join(avoid).lower().replace(" ", "")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        short = "".join(rng.sample(PLACE_CHARS, 3))
        if short in seen or short in questions or "".join(lazy_pinyin(short)) in questions:
            continue
        seen.add(short)
        names.append(short + "街道")
    return names


def synthetic_corpus(target: Path, n: int, seed: int = 7) -> Path:
    """The five real reports plus ``n - 5`` recombined ones, as .txt files in ``target``."""
    real = ROOT / "corpus"
    target.mkdir(parents=True, exist_ok=True)
    for path in real.iterdir():
        shutil.copy2(path, target / path.name)
    if n <= 5:
        return target
    blocks = _blocks(real)
    questions = [json.loads(line)["question"] for line in QA.read_text(encoding="utf-8").splitlines() if line]
    rng = random.Random(seed)
    for i, office in enumerate(office_names(n - 5, seed, questions)):
        region = rng.choice(REGIONS)
        plans = rng.sample(blocks["plan"], rng.randint(3, 6))
        if rng.random() < 0.5:  # a plan: 一、 items
            lines = [f"{region}{office}2024年工作计划", ""]
            lines += [f"{CN[j]}、{b}" for j, b in enumerate(plans)]
        else:  # a summary of 2023 and a plan for 2024: （一） items under three parts
            done = rng.sample(blocks["summary"], rng.randint(3, 7))
            lines = [f"{region}{office}2023年工作总结和2024年工作计划", "", "一、2023年工作完成情况"]
            lines += [f"（{CN[j]}）{b}" for j, b in enumerate(done)]
            lines += ["二、存在问题", rng.choice(blocks["problems"]).partition("\n")[2], "三、2024年工作计划"]
            lines += [f"（{CN[j]}）{b}" for j, b in enumerate(plans)]
        (target / f"syn_{i:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
