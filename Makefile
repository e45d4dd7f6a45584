# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-batch openfisca clean

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

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py

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
