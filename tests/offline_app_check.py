"""Run inside a network namespace that has only loopback (tests/test_robustness.py): start
`python app.py`, wait for the chat page, open the source viewer, ask one question through
Gradio's queue protocol as a browser tab does (the load test's client), print one JSON line of
what came back, stop the app."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eval.load import KNOWN, LoadLog, Tab, app_api  # noqa: E402


def main(report_id: str) -> int:
    url = f"http://127.0.0.1:{os.environ['ASSISTANT_PORT']}"
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT)
    try:
        started = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=2).read()
                break
            except OSError:
                if app.poll() is not None or time.perf_counter() - started > 180:
                    print(json.dumps({"served": False}))
                    return 1
                time.sleep(0.3)
        with urllib.request.urlopen(f"{url}/source/{report_id}", timeout=10) as r:
            source = r.status == 200 and "铁西" in r.read().decode()
        print(json.dumps({"served": True, "source": source, **asyncio.run(ask(url))}, ensure_ascii=False))
        return 0
    finally:
        app.terminate()
        app.wait(timeout=20)


async def ask(url: str) -> dict:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        tab = Tab(0, http, await app_api(http), LoadLog())
        await tab.open_page()
        turn = await tab.ask(((KNOWN[0],), 0))
    return {"outcome": turn.outcome, "figure": KNOWN[1] in turn.answer, "error": turn.error}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
