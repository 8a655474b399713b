# The usual targets. Everything runs in .venv, made on first use.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install test docs export clean readme main

install: $(VENV)/.installed
$(VENV)/.installed: settings.ini setup.py
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# Every notebook (run as nbdev_test runs it) and every test in tests/, with a `N passed, N failed` summary.
test: install
	$(BIN)/python -m pytest -n 2 tests

# The documentation site, from the notebooks (executed, so pages show fresh outputs): docs/_build/html/index.html
docs: install
	DOCS_EXECUTE=1 $(BIN)/sphinx-build -q -W -b html docs docs/_build/html

export: install
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean

readme: install
	$(BIN)/python docs/nbdocs.py

# The main job: prepare mnist-text-small from the embedded default and show it.
main: install
	$(BIN)/dataset-kit prepare mnist_text_small

clean:
	rm -rf docs/_build docs/nbs docs/index.md docs/index.ipynb _proc _docs .pytest_cache benchmarks/_out
