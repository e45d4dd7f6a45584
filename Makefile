# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean screenshots

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# one process (carbonspec demo, compiler/demo.py): compile once, each example computed once and
# written as results, html and xlsx; the AMG CSV goes to out/amg/; the summary is the last lines
demo: $(STAMP)
	$(BIN)/carbonspec demo

# headless Chromium screenshots of the reports (and docs) listed in tools/screenshots.py -> out/screenshots/
screenshots: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
	    || echo "chromium could not be installed: screenshots skipped"
	$(BIN)/python tools/screenshots.py

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py

clean:
	rm -rf $(VENV) out
