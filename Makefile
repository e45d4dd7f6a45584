# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-climacert demo-version test bench clean screenshots

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# one process (carbonspec demo, compiler/demo.py): compile once, each example computed once and
# written as results, html and xlsx; the AMG CSV goes to out/amg/; the summary is the last lines
demo: $(STAMP)
	$(BIN)/carbonspec demo
	$(MAKE) --no-print-directory demo-climacert
	$(MAKE) --no-print-directory demo-version
	$(BIN)/carbonspec intercrop examples/quantica/gers-synthetic.json --format html --output out/quantica/gers-synthetic.html

# ClimaCert FM1 v2 (second method, spec only): check, compile, annexes, template, and each example
# in json, html and xlsx; prelevement-a-refaire.json must give the verdict "à refaire" (exit 1).
CC_EXAMPLES := grandes-cultures.json ferme-laitiere.json ferme-laitiere.xlsx
CC_RUN := $(BIN)/carbonspec run --method climacert_fm1 --version 2

demo-climacert: $(STAMP)
	$(BIN)/carbonspec check spec/climacert_fm1/v2
	$(BIN)/carbonspec compile spec/climacert_fm1/v2
	$(BIN)/carbonspec annexes --method climacert_fm1 --version 2
	$(BIN)/carbonspec template --method climacert_fm1 --version 2 --out out/climacert_fm1/dossier-template.xlsx
	@for f in $(CC_EXAMPLES); do \
	    b=$$(echo $$f | tr . -); \
	    for fmt in json html xlsx; do \
	        ext=$$fmt; [ $$fmt = json ] && ext=results.json; [ $$fmt != json ] && ext=report.$$fmt; \
	        $(CC_RUN) examples/climacert_fm1/$$f --format $$fmt --output out/climacert_fm1/$$b.$$ext || exit $$?; \
	    done; \
	done
	@$(CC_RUN) examples/climacert_fm1/prelevement-a-refaire.json --output out/climacert_fm1/prelevement-a-refaire-json.results.json; \
	    rc=$$?; [ $$rc -eq 1 ] || { echo "expected the verdict 'à refaire' (exit 1), got $$rc"; exit 1; }
	@echo "reports: out/climacert_fm1/*.report.html, *.report.xlsx; docs: generated/climacert_fm1/v2/docs/index.html"

# A new version is a short file + recompile (README "Writing a new version"): the demonstration
# version v2.1-demo (not an official version), its diff with v2.0, one dossier on both versions,
# and the same dossier for a project notified and labelled before v2.1-demo (resolver).  The NumPy
# reference backend (same results as the kernels, to 1e-9) spares two JIT compilations.
DEMO_DOSSIER := examples/lbc_gc/fertilisation-yonne.json
DEMO_RUN := $(BIN)/carbonspec run $(DEMO_DOSSIER) --method lbc_gc --backend reference
demo-version: $(STAMP)
	$(BIN)/carbonspec compile spec/lbc_gc/v2.1-demo
	$(BIN)/carbonspec diff spec/lbc_gc/v2.0 spec/lbc_gc/v2.1-demo --no-effects
	$(DEMO_RUN) --version 2.0 --output out/lbc_gc/versions/v2.0.results.json
	$(DEMO_RUN) --version 2.1-demo --output out/lbc_gc/versions/v2.1-demo.results.json
	$(DEMO_RUN) --version 2.1-demo --notified 2025-06-01 --labelled 2025-09-01 \
	    --output out/lbc_gc/versions/v2.1-demo-labellise-2025.results.json
	$(DEMO_RUN) --version 2.1-demo --notified 2025-06-01 --labelled 2025-09-01 \
	    --format html --output out/lbc_gc/versions/v2.1-demo-labellise-2025.report.html
	@$(BIN)/python -c "import json; \
	    [print(f'{n:34s} RE = {json.load(open(\"out/lbc_gc/versions/\" + n + \".results.json\"))[\"results\"][\"RE\"]:9.3f} t CO2e') \
	     for n in ('v2.0', 'v2.1-demo', 'v2.1-demo-labellise-2025')]"
	@echo "changes page: generated/lbc_gc/v2.1-demo/docs/changements.html"

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py
	$(BIN)/python bench/bench_intercrop.py

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
