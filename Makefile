# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-climacert test bench clean

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
	$(MAKE) --no-print-directory demo-climacert

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

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py

clean:
	rm -rf $(VENV) out
