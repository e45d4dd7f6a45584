# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-version test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

EXAMPLES := fertilisation-yonne.json yonne-120ha.json yonne-120ha.xlsx multi-systemes.json projet-collectif.json yonne-amg.json
RUN := $(BIN)/carbonspec run --method lbc_gc --version 2.0

demo: $(STAMP)
	$(BIN)/carbonspec check spec/lbc_gc/v2.0
	$(BIN)/carbonspec compile spec/lbc_gc/v2.0
	$(BIN)/carbonspec annexes --method lbc_gc --version 2.0
	$(BIN)/carbonspec template --method lbc_gc --version 2.0 --out out/lbc_gc/dossier-template.xlsx
	@for f in $(EXAMPLES); do \
	    b=$$(echo $$f | tr . -); \
	    $(RUN) examples/lbc_gc/$$f --output out/lbc_gc/$$b.results.json || exit $$?; \
	    $(RUN) examples/lbc_gc/$$f --format html --output out/lbc_gc/$$b.report.html || exit $$?; \
	    $(RUN) examples/lbc_gc/$$f --format xlsx --output out/lbc_gc/$$b.report.xlsx || exit $$?; \
	done
	@$(BIN)/python -c "import json; \
	    [print(f'{f:32s} RE = {d[\"RE\"]:9.3f}  RE_certifiable = {d[\"RE_certifiable\"]:9.3f} t CO2e') \
	     for f in '$(EXAMPLES)'.split() \
	     for d in [json.load(open('out/lbc_gc/' + f.replace('.', '-') + '.results.json'))['results']]]"
	@echo "reports: out/lbc_gc/*.report.html, *.report.xlsx; docs: generated/lbc_gc/v2.0/docs/index.html"
	$(BIN)/carbonspec amg examples/amg/trial_1.json --format csv
	$(MAKE) --no-print-directory demo-version

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

clean:
	rm -rf $(VENV) out
