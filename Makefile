# Two entry points (README): `make demo` and `make test`.  Both create .venv and
# install what they need, so they work on a fresh machine with python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/carbonspec check spec/lbc_gc/v2.0
	$(BIN)/carbonspec compile spec/lbc_gc/v2.0
	$(BIN)/carbonspec annexes --method lbc_gc --version 2.0
	$(BIN)/carbonspec run examples/lbc_gc/fertilisation-yonne.json --method lbc_gc --version 2.0 \
	    --output out/lbc_gc/fertilisation-yonne.results.json
	@$(BIN)/python -c "import json; d = json.load(open('out/lbc_gc/fertilisation-yonne.results.json')); \
	    print('RE_fertilisation =', round(d['results']['RE_fertilisation'], 3), 't CO2e')"
	@echo "docs: generated/lbc_gc/v2.0/docs/index.html"
	$(BIN)/carbonspec amg examples/amg/trial_1.json --format csv

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_kernel.py
	$(BIN)/python bench/bench_amg.py

clean:
	rm -rf $(VENV) out
