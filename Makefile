# Two commands for a newcomer on a fresh Debian machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(PYTHON) -m uv
# Debian packages: PostgreSQL 15 (legacy suite), ffmpeg (rendering), Chromium (browser tests; never downloaded).
APT_PACKAGES := postgresql ffmpeg chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test bench lint system-deps python-deps frontend

help:
	@echo "make run   - install everything and serve the app on http://$(HOST):$(PORT) (embedded defaults)"
	@echo "make test  - install everything and run the whole suite (starts a throwaway PostgreSQL 15)"
	@echo "make bench - render (3-minute song, 720p/360p, 1-2 CPUs), dancers on the beat, web app first load, API load"

run: system-deps python-deps frontend
	@$(UV) run --frozen python -m ray_pipeline.demo
	@echo "Serving on http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/api/docs)"
	$(UV) run --frozen bachata-api --host $(HOST) --port $(PORT)

test: system-deps python-deps lint frontend
	cd frontend && npm test --silent
	$(UV) run --frozen pytest

bench: system-deps python-deps frontend
	$(UV) run --frozen python benchmarks/bench_render.py
	$(UV) run --frozen python -m benchmarks.bench_beat
	$(UV) run --frozen python -m benchmarks.bench_frontend
	$(UV) run --frozen python -m benchmarks.bench_load

lint: python-deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

system-deps:
	@missing=$$(for pkg in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || echo $$pkg; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "Missing Debian packages: $$missing"; \
		echo "Install them as root, then run make again:  sudo apt-get install -y $$missing"; \
		exit 1; \
	fi; \
	echo "Installing Debian packages: $$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

# The SPA: installed exactly from package-lock.json (npm's own cache makes repeats fast), then built;
# the API serves frontend/dist at /.
frontend:
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null || { \
		echo "Node.js 20 or newer (with npm) is needed to build the web app; install it, then run make again."; exit 1; }
	@cd frontend && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || \
		npm ci --no-audit --no-fund --loglevel=error; }
	@cd frontend && npx vite build --logLevel warn

python-deps:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv || { \
		echo "Could not install uv with '$(PYTHON) -m pip install uv'."; \
		echo "Install pip for $(PYTHON) (or uv itself: pip install uv), then run make again."; exit 1; }
	@$(UV) sync --frozen --quiet
	@$(UV) run --frozen python -m ray_pipeline.warmup
