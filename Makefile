# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-version test test-long fuzz bench bench-batch openfisca clean screenshots

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# one process (carbonspec demo, compiler/demo.py): every spec under spec/ checked and compiled, every
# example of examples/<method>/ computed once and written as results, html and xlsx under out/<method>/,
# the AMG and intercrop examples, then the summary as the last lines.  Warm: unchanged specs are not
# recompiled (out/.demo-compiled.json) and Numba's kernel cache survives (compiler/build.py)
demo: $(STAMP)
	$(BIN)/carbonspec demo

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

# Random Hypothesis examples, ten times as many per test (tests/conftest.py, profile "long").
test-long: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest

# The fuzz suite in its long mode (>= 2000 cases per input kind; tests/fuzz/README.md).
fuzz: $(STAMP)
	CARBONSPEC_FUZZ=long $(BIN)/python -m pytest -s -p no:cacheprovider tests/fuzz

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

# OpenFisca-core in its own virtualenv (its numpy pin must not touch ours), for bench/bench_batch.py
OPENFISCA_VENV := bench/.venv-openfisca
$(OPENFISCA_VENV)/.installed:
	$(PY) -m venv $(OPENFISCA_VENV)
	$(OPENFISCA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OPENFISCA_VENV)/bin/python -m pip install --quiet "openfisca-core>=41"
	touch $@

openfisca: $(OPENFISCA_VENV)/.installed

# batch path at 10 k, 100 k and 1 M cropping systems, kernel vs NumPy vs OpenFisca (float64)
bench-batch: $(STAMP) $(OPENFISCA_VENV)/.installed
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) $(OPENFISCA_VENV) out
