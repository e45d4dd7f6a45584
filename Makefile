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

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py

# Headless Chromium (Debian's package, installed here when root) takes the screenshots of the
# reports listed in tools/screenshots.py and drives the browser tests of the docs and the report;
# everything lands in out/screenshots/.
SCREENSHOT_TESTS := tests/test_docs_browser.py tests/test_report_browser.py
screenshots: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
	  { echo "chromium is needed: apt-get install -y chromium" >&2; exit 2; }
	mkdir -p out/screenshots
	$(BIN)/python tools/screenshots.py
	CARBONSPEC_SCREENSHOTS=$(CURDIR)/out/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider $(SCREENSHOT_TESTS)
	@ls out/screenshots/*.png

clean:
	rm -rf $(VENV) out
