# Two commands on a fresh machine:  `make run` (set up, index, serve the app)  and  `make test`.
PY := .venv/bin/python
PIP := .venv/bin/pip

.PHONY: setup run app ask ingest test eval eval-gate bench bench-quick bench-scale clean

setup: .venv/.installed

# pip 23 needs >10 min to resolve this stack, pip 26 about one; torch 2.13.0 is a CPU build on
# this machine's disk (plain `torch` would pull gigabytes of CUDA).
.venv/.installed: pyproject.toml constraints.txt
	python3 -m venv .venv
	$(PIP) install -q --upgrade "pip>=26"
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -c constraints.txt -e ".[test,eval]"
	touch $@

ingest: setup
	$(PY) -m assistant ingest

run: app

app: setup  # the chat app at http://127.0.0.1:7860; indexes corpus/ on its first start
	$(PY) app.py

ask: ingest  # one question on the command line
	$(PY) -m assistant ask "铁西街道2024年招商引资目标是多少？"

test: setup
	$(PY) -m pytest -q

eval: ingest
	$(PY) -m eval

eval-gate: ingest
	$(PY) -m eval --gate

# speed side by side with main before the speed work (90f1435, checked out into a temporary git
# worktree): ingest, upload to answerable, 20 sessions at once, 1,000 and 10,000 reports
bench: setup  # about 40 min on a quiet 2-core machine
	$(PY) -m eval.sidebyside

bench-quick: setup  # the same, small (one run each, 200 reports): about 3 min, what CI runs
	$(PY) -m eval.sidebyside --quick

bench-scale: setup  # this checkout alone: latency, throughput and memory at 5, 1,000 and 10,000 reports
	$(PY) -m eval.bench

clean:
	rm -rf index/ .pytest_cache
