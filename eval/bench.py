"""python -m eval.bench: measured latency, throughput and memory at 5, 1,000 and 10,000 reports.

Synthetic corpora recombine whole sections of the five real reports under new office names, so
the text stays realistic and the real parser reads it; a section keeps its words, so its dense
vector comes from the embedding cache after the first time and the run embeds only distinct
passages (the table says how many vectors the model computed and how many came from the cache).

Every phase runs in a fresh process, so its peak memory (ru_maxrss) is its own:
- ingest cold: empty index and empty embedding cache, the model loads and embeds;
- ingest warm: empty index, the embedding cache of the cold run, dictionaries already loaded:
  ingest without dense embedding, measured rather than subtracted;
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
    from assistant.ingest import load_manifest
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


# --- measuring, one phase per process ---------------------------------------------------------------
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _rss_mb() -> float:
    """Resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def _settings():
    from assistant.settings import Settings

    return Settings.from_env()  # the parent points ASSISTANT_CORPUS_DIR / ASSISTANT_INDEX_DIR here


def work_ingest(args: dict) -> dict:
    """Ingest the corpus into an empty index; ``vectors_from``: start with that embedding cache."""
    from assistant.embeddings import make_embedder
    from assistant.index import VECTOR_CACHE, Index
    from assistant.ingest import ingest

    settings = _settings()
    index = Index(settings, make_embedder(settings))
    if args.get("vectors_from"):  # warm: vectors cached, dictionaries loaded, store open
        from assistant.chunking import count_tokens

        settings.index_dir.mkdir(parents=True, exist_ok=True)
        if Path(args["vectors_from"]).exists():  # none with embedding model "none"
            shutil.copy2(args["vectors_from"], settings.index_dir / VECTOR_CACHE)
        index.tokenizer.tokenize("铁西街道")
        count_tokens("铁西街道")
        index.records()
    marks: list[tuple[float, float]] = []  # (time, fraction done) every 2% of the files, at least 100
    step = max(0.02, 100 / max(len(list(settings.corpus_dir.glob("*.txt"))), 1))

    def progress(at) -> None:
        if at.stage not in ("read", "done"):
            return
        fraction = at.fraction
        if not marks or fraction - marks[-1][1] >= step - 1e-9 or fraction == 1.0:
            marks.append((time.perf_counter(), fraction))

    load = os.getloadavg()[0]
    result = ingest(index, progress=progress)
    n = len(result.added)
    windows = [n * (f1 - f0) / (t1 - t0) for (t0, f0), (t1, f1) in zip(marks, marks[1:]) if t1 > t0]
    t0 = time.perf_counter()
    again = ingest(index)
    recheck = time.perf_counter() - t0
    assert not again.added and not again.updated, again.summary()
    return {"reports": n, "errors": len(result.errors), "seconds": result.seconds,
            "embed_seconds": result.embed_seconds, "chunks": result.chunks_stored,
            "embedded": result.chunks_embedded, "reused": result.chunks_reused,
            "window_reports_per_s": windows, "recheck_seconds": recheck, "maxrss_mb": _maxrss_mb(),
            "load": max(load, os.getloadavg()[0]), "vectors": str(index.settings.index_dir / VECTOR_CACHE)}


def work_app(args: dict) -> dict:
    """An app process: open the index (lexical index built from the store, then from the local
    cache), then `search` and `ask` every question, ``runs`` times after one warm-up pass."""
    from assistant.chain import Assistant
    from assistant.embeddings import make_embedder
    from assistant.index import Index

    settings = _settings()
    for path in settings.index_dir.glob("*lexical*"):  # a new app process against a shared store
        shutil.rmtree(path) if path.is_dir() else path.unlink()  # starts without the local lexical files
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    assistant = Assistant(settings, Index(settings, make_embedder(settings)))
    assistant.index.lexical()
    open_from_store = time.perf_counter() - t0
    t0 = time.perf_counter()
    Index(settings, assistant.index.embedder).lexical()
    open_from_cache = time.perf_counter() - t0
    questions = args["questions"]
    for q in questions:  # warm-up: model, segmenter and caches loaded, as in a running app
        assistant.search(q)
        assistant.ask(q)
    runs = []
    for _ in range(args["runs"]):
        search_ms, retrieve_ms, ask_ms = [], [], []
        for q in questions:
            t = time.perf_counter()
            result = assistant.search(q)
            search_ms.append((time.perf_counter() - t) * 1000)
            retrieve_ms.append(result.timings_ms.get("search", 0.0))
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q)
            ask_ms.append((time.perf_counter() - t) * 1000)
        runs.append({name: {f"p{int(q * 100)}": _percentile(values, q) for q in (0.5, 0.95, 0.99)}
                     for name, values in (("search", search_ms), ("retrieve", retrieve_ms), ("ask", ask_ms))})
    return {"runs": runs, "open_from_store_s": open_from_store, "open_from_cache_s": open_from_cache,
            "maxrss_mb": _maxrss_mb(), "rss_end_mb": _rss_mb(), "load": max(load, os.getloadavg()[0]),
            "chunks": len(assistant.index.lexical().rows), "reports": len(assistant.index.reports())}


def _run_worker(kind: str, args: dict, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "eval.bench", "--worker", kind, json.dumps(args)],
                          env={**os.environ, **env}, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_size(n: int, runs: int, ingest_runs: int, warm_runs: int, questions: list[str], work: Path,
               log) -> dict:
    t0 = time.perf_counter()
    corpus = synthetic_corpus(work / f"corpus-{n}", n)
    out: dict = {"n": n, "generate_s": time.perf_counter() - t0, "runs": runs, "ingest_runs": ingest_runs,
                 "warm_runs": warm_runs, "questions": len(questions), "cold": [], "warm": []}
    index_dir = vectors = None
    for kind, count in (("cold", ingest_runs), ("warm", warm_runs)):
        for i in range(count):
            if index_dir is not None:
                shutil.rmtree(index_dir)  # the last index of all is the one the app opens
            index_dir = work / f"index-{n}-{kind}{i}"
            result = _run_worker("ingest", {"vectors_from": vectors} if kind == "warm" else {},
                                 {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index_dir)})
            if kind == "cold":
                vectors = str(work / f"vectors-{n}.sqlite")
                if Path(result["vectors"]).exists():
                    shutil.copy2(result["vectors"], vectors)
            out[kind].append(result)
            log(f"{n}: {kind} ingest {i + 1}/{count}: {result['seconds']:.1f}s, "
                f"dense embedding {result['embed_seconds']:.1f}s")
    out["app"] = _run_worker("app", {"questions": questions, "runs": runs},
                             {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index_dir)})
    log(f"{n}: app done")
    out["index_mb"] = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 2 ** 20
    out["total_s"] = time.perf_counter() - t0
    return out


# --- the table --------------------------------------------------------------------------------------
def _spread(values: list[float], fmt: str = "{:.0f}") -> str:
    if not values:
        return "–"
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return med
    return f"{med} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def _rows(r: dict) -> dict[str, str]:
    cold, warm, app = r["cold"], r["warm"], r["app"]
    rows: dict[str, str] = {}
    rows["corpus: reports / chunks"] = f"{cold[0]['reports']} / {cold[0]['chunks']}"
    rows["ingest cold: reports/s"] = _spread([c["reports"] / c["seconds"] for c in cold], "{:.1f}")
    rows["ingest cold: chunks/s"] = _spread([c["chunks"] / c["seconds"] for c in cold], "{:.0f}")
    rows["ingest cold: dense embedding share"] = _spread(
        [100 * c["embed_seconds"] / c["seconds"] for c in cold], "{:.0f}%") + \
        f"; {cold[0]['embedded']} passages embedded by the model in " + \
        _spread([c["embed_seconds"] for c in cold], "{:.1f}s") + f", {cold[0]['reused']} vectors from the cache"
    rows["ingest cold without dense embedding: reports/s"] = _spread(
        [c["reports"] / (c["seconds"] - c["embed_seconds"]) for c in cold], "{:.1f}")
    rows["ingest warm (vectors cached): reports/s"] = _spread([w["reports"] / w["seconds"] for w in warm], "{:.1f}")
    rows["ingest warm: chunks/s"] = _spread([w["chunks"] / w["seconds"] for w in warm], "{:.0f}")
    windows = [x for w in (warm or cold) for x in w["window_reports_per_s"]]
    if r["n"] >= 1000:
        q = statistics.quantiles(windows, n=4)
        rows[f"ingest {'warm' if warm else 'cold'}: reports/s per 2% of the files (median, IQR)"] = \
            f"{statistics.median(windows):.1f} ({q[0]:.1f}–{q[2]:.1f})"
    rows["re-ingest, nothing changed: reports/s"] = _spread(
        [w["reports"] / w["recheck_seconds"] for w in warm + cold], "{:.0f}")
    for name, label in (("search", "search"), ("retrieve", "search: retrieval part"), ("ask", "ask (extractive)")):
        for p in ("p50", "p95", "p99"):
            rows[f"{label} {p} ms"] = _spread([run[name][p] for run in app["runs"]], "{:.0f}")
    rows["app start: lexical index from the store / from local cache, s"] = \
        f"{app['open_from_store_s']:.1f} / {app['open_from_cache_s']:.1f}"
    rows["memory of the app: peak / after the runs, MB"] = f"{app['maxrss_mb']:.0f} / {app['rss_end_mb']:.0f}"
    rows["memory of ingest: peak, MB"] = _spread([c["maxrss_mb"] for c in cold + warm], "{:.0f}")
    rows["index on disk, MB"] = f"{r['index_mb']:.0f}"
    rows["load average (1 min) during the runs"] = _spread([x["load"] for x in cold + warm + [app]], "{:.1f}")
    rows["runs: ingest cold + warm / app × questions"] = \
        f"{r['ingest_runs']} + {r['warm_runs']} / {r['runs']} × {r['questions']}"
    return rows


def table(results: list[dict]) -> str:
    per = [_rows(r) for r in results]
    head = "| metric (median, min–max over runs) | " + " | ".join(f"{r['n']:,} reports" for r in results) + " |"
    lines = [head, "|---" * (len(results) + 1) + "|"]
    for key in per[0]:
        lines.append(f"| {key} | " + " | ".join(p.get(key, "–") for p in per) + " |")
    return "\n".join(lines)


def goals(results: list[dict]) -> list[str]:
    out = []
    by_n = {r["n"]: r for r in results}

    def p95(r, name):
        return statistics.median(run[name]["p95"] for run in r["app"]["runs"])

    if 5 in by_n:
        out.append(f"search p95 at 5 reports: {p95(by_n[5], 'search'):.0f} ms (goal ≤ 50)")
        out.append(f"ask p95 at 5 reports: {p95(by_n[5], 'ask'):.0f} ms (goal ≤ 300)")
    if 10000 in by_n:
        out.append(f"search p95 at 10,000 reports: {p95(by_n[10000], 'search'):.0f} ms (goal ≤ 300)")
        app = by_n[10000]["app"]
        out.append(f"app memory at 10,000 reports: {app['maxrss_mb']:.0f} MB peak RSS (while building the "
                   f"lexical index from the store), {app['rss_end_mb']:.0f} MB after the runs")
    for r in results:
        rate = min([w["reports"] / w["seconds"] for w in r["warm"]] or
                   [c["reports"] / (c["seconds"] - c["embed_seconds"]) for c in r["cold"]])
        out.append(f"ingest without dense embedding at {r['n']:,} reports: {rate:.1f} reports/s in the slowest "
                   "run (goal ≥ 20)")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5,1000,10000", help="corpus sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--ingest-runs", type=int, default=0,
                        help="cold ingests per size (default: 5 up to 100 reports, 2 up to 1,000, then 1)")
    parser.add_argument("--warm-runs", type=int, default=-1,
                        help="warm ingests per size (default: as many as cold up to 1,000 reports, then 0)")
    parser.add_argument("--questions", type=int, default=0, help="ask this many of the eval questions, "
                        "spread over the set (default: all up to 1,000 reports, 60 beyond)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora and indexes")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, payload = args.worker
        result = {"ingest": work_ingest, "app": work_app}[kind](json.loads(payload))
        print(json.dumps(result))
        return 0
    every = [json.loads(line)["question"] for line in QA.read_text(encoding="utf-8").splitlines() if line]
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    args.out.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    results = []
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            ingest_runs = args.ingest_runs or (5 if n <= 100 else 2 if n <= 1000 else 1)
            warm_runs = args.warm_runs if args.warm_runs >= 0 else ingest_runs if n <= 1000 else 0
            count = args.questions or (len(every) if n <= 1000 else 60)
            questions = every[::max(1, len(every) // count)][:count]
            results.append(bench_size(n, args.runs, ingest_runs, warm_runs, questions, work, log))
            (args.out / f"bench-{n}.json").write_text(json.dumps(results[-1], indent=1), encoding="utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python -m eval.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join([f"# Benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)", "",
                      f"`{command.strip()}`", "", table(results), "", *[f"- {g}" for g in goals(results)], ""])
    print(text)
    (args.out / "bench.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
