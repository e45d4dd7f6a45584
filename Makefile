# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-long fuzz bench clean

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

clean:
	rm -rf $(VENV) out
