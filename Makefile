# pytest-persona: `make demo` gates the shipped example, `make test` runs the whole suite.
# Both create a project-local virtual environment (.venv) and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Gate the example persona's recorded replies; the gate's verdict (pass or fail) is the
# point of the demo, so only a harness failure (exit code 2 or more) fails `make demo`.
demo: $(STAMP)
	@rc=0; $(PY) -m pytest evalsets/josi.yaml --model untuned=examples/josi/replies-untuned.jsonl \
	    --model tuned=examples/josi/replies-tuned.jsonl -p no:cacheprovider \
	    --persona-report out/demo-report.json --persona-report out/demo-report.md -q || rc=$$?; \
	if [ $$rc -le 1 ]; then \
	    echo; echo "make demo: the gate ran (pytest exit $$rc). Red cases above are the gate doing its job:"; \
	    echo "the untuned replies break the Josi contract. Reports: out/demo-report.json, out/demo-report.md"; \
	else echo "make demo: the harness itself failed (pytest exit $$rc)"; exit $$rc; fi

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check pytest_persona tests
	$(PY) -m ruff format --check pytest_persona tests

clean:
	rm -rf $(VENV) .persona_cache .pytest_cache out
