# The two set-up commands from the README: `make demo` and `make test`.
# Both build a virtual environment in .venv on first use (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "python3-venv is missing: sudo apt-get install python3-venv"; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The annual report's PDF (WeasyPrint) needs the system's Pango library.
PANGO = @ldconfig -p 2>/dev/null | grep -q libpangoft2 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	  else echo "note: PDF reports need Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; fi; }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PANGO)
	$(BIN)/pip install -e '.[demo]'  # the demo's extras: no training stack (torch)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PANGO)
	$(BIN)/pip install -e '.[dev,postgres]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/alpr demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo_output runs .pytest_cache .mypy_cache .ruff_cache
