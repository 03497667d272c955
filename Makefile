# Two entry points: `make demo` and `make test`. Both set up what they need in .venv:
# demo the runtime only, test the test tools and the cluster client too. V=1: full output.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test
RUNTIME := $(VENV)/.installed-runtime
V ?= 0
# pip's own output goes to a log unless V=1; it is shown when pip fails
PIP_LOG = $(if $(filter 1,$(V)),,> $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; })

.PHONY: demo test goldens bench fuzz mutation lint clean

$(RUNTIME): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing modelservice-fn (runtime only) into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -e . $(PIP_LOG)
	@touch $@

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing modelservice-fn with the test and cluster extras into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip $(PIP_LOG)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,cluster]' $(PIP_LOG)
	@touch $@ $(RUNTIME)

demo: $(RUNTIME)
	@V=$(V) bash scripts/demo.sh $(VENV)

test: $(STAMP)
	$(PY) -m pytest -q

# Regenerate the golden outputs of tests/cases on purpose, then review `git diff`.
goldens: $(STAMP)
	UPDATE_GOLDENS=1 $(PY) -m pytest -q tests/test_cases.py

# The mutation fuzzer for FUZZ_SECONDS (default 540); findings are saved under fuzz-findings/.
FUZZ_SECONDS ?= 540
fuzz: $(STAMP)
	$(PY) -m tests.fuzz --seconds $(FUZZ_SECONDS) --findings fuzz-findings

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

# Mutation score per module (docs/reliability.md). Narrow or sample with e.g.
#   make mutation MUTATION_ARGS="--module cli --module plugin --survivors"
#   make mutation MUTATION_ARGS="--sample 100 --seed 1"
mutation: $(STAMP)
	$(PY) -m tests.mutation $(MUTATION_ARGS)

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff mypy types-PyYAML
	$(PY) -m ruff check krm_fn tests bench
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis fuzz-findings
