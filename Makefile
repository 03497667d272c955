# Two entry points: `make demo` and `make test`. Both set up what they need in .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test

.PHONY: demo test goldens bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,cluster]'
	touch $@

demo: $(STAMP)
	@echo "### modelservice-fn < examples/resourcelist.yaml"
	@$(VENV)/bin/modelservice-fn < examples/resourcelist.yaml
	@if command -v kubectl >/dev/null 2>&1; then \
	  plugins=$$(mktemp -d); \
	  $(VENV)/bin/modelservice-fn install-kustomize-plugin $$plugins >/dev/null && \
	  echo "### KUSTOMIZE_PLUGIN_HOME=$$plugins kubectl kustomize --enable-alpha-plugins examples/kustomize" && \
	  KUSTOMIZE_PLUGIN_HOME=$$plugins kubectl kustomize --enable-alpha-plugins examples/kustomize; \
	  rc=$$?; rm -rf $$plugins; exit $$rc; \
	fi

test: $(STAMP)
	$(PY) -m pytest -q

# Regenerate the golden outputs of tests/cases on purpose, then review `git diff`.
goldens: $(STAMP)
	UPDATE_GOLDENS=1 $(PY) -m pytest -q tests/test_cases.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/run.py

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff mypy
	$(PY) -m ruff check krm_fn tests bench
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
