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

# llama-cpp-python compiles llama.cpp from source. Built for a baseline x86-64 CPU (SSE4.2, AVX, AVX2, FMA, F16C,
# BMI2; no AVX-512), never with -march=native: a native build crashes on a CPU other than the build machine's.
# --no-cache-dir: pip's wheel cache could hand back a native build made earlier on another machine.
# (These options only matter on x86-64; elsewhere llama.cpp's generic build is used.)
LLAMA_CPP := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF
LOCAL_STAMP := $(VENV)/.installed-local

# `make run` compiles llama.cpp only when the local model is chosen.
RUN_DEPS := $(STAMP)
ifneq ($(filter local,$(ASSISTANT_LLM__BACKEND) $(ASSISTANT_DRAFT__LLM)),)
RUN_DEPS += $(LOCAL_STAMP)
endif

.PHONY: install install-local run ingest test lint bench clean mutation mutation-sample system-packages shared-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: an unpinned torch pulls gigabytes of CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	# dev: test tools. The local model (extra `local`) is installed by install-local.
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The local model: llama-cpp-python built portably (about 10 minutes on 2 cores), its server and the GGUF.
$(LOCAL_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps \
		--no-binary llama-cpp-python "$(LLAMA_CPP)"
	$(BIN)/pip install --quiet -e ".[dev,local]"
	touch $(LOCAL_STAMP)

install: $(STAMP)

# Debian packages (not Python packages) that reading and the tests use: Chromium for the browser tests, Tesseract
# with Swedish for OCR of scanned PDF pages, poppler-utils (pdftoppm) beside it, PostgreSQL for the shared-state
# tests and `make shared-demo`. Without them those tests skip locally and scanned PDFs get a Swedish message;
# .ci/run installs them in CI (CI set).
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-swe poppler-utils postgresql
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

system-packages:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y $(SYSTEM_PACKAGES)

install-local: $(LOCAL_STAMP)

ingest: $(RUN_DEPS)
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/assistant ingest corpus

run: ingest
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/assistant serve

# The tests run the local model too (in its own server process), so they need the local extra.
test: $(LOCAL_STAMP)
	$(BIN)/ruff check assistant tests benchmarks mutation deploy
	$(BIN)/mypy assistant deploy
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python -m pytest -q
	$(MAKE) --no-print-directory mutation-sample

lint: install
	$(BIN)/ruff check assistant tests benchmarks mutation deploy
	$(BIN)/mypy assistant deploy

# All benchmarks (~15 min on 2 idle cores): benchmarks/results.json and the table in BENCHMARKS.md.
bench: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python benchmarks/run_all.py

# Mutation testing (mutmut) over the modules in mutation/modules.toml, each with only its own test files:
# writes mutation/REPORT.md and fails under the floor. ~18 min on 2 cores; MODULES=numbers,pii runs only those.
mutation: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python mutation/run.py $(if $(MODULES),--modules $(MODULES))

# The bounded sample CI runs: a fixed draw of mutants per module; fails when one survives or after 300 s.
mutation-sample: install
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python mutation/run.py --sample --budget 300

# Several app servers on one shared state, to try on this machine: PostgreSQL + chroma run + two app servers on
# loopback ports 7861 and 7862, each with its own data directory (README, "Flera appservrar"). Ctrl-C stops all.
shared-demo: $(RUN_DEPS)
	TIKTOKEN_CACHE_DIR=$(TIKTOKEN_CACHE) $(BIN)/python -m deploy.local_cluster --servers 2

clean:
	rm -rf .assistant .pytest_cache build/mutation mutants
