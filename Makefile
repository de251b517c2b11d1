# The two commands of the README, plus the benchmark. Settings: see README.md.
SHELL := /bin/bash
PYTHON3 ?= python3

.PHONY: setup run test bench lint clean

setup:
	@./scripts/setup.sh

run: setup
	@$(PYTHON3) scripts/run_demo.py

test: setup
	@$(PYTHON3) scripts/run_tests.py

bench: setup
	@$(PYTHON3) bench/run_bench.py

# the house style (ruff.toml): formatting and lint, checked, nothing rewritten
lint: setup
	@ruff=$$(sed -n 's/^VENV=//p' .build/env)/bin/ruff; \
	  $$ruff format --check . && $$ruff check .

# drop the cached template databases (they are rebuilt on the next run)
clean:
	@$(PYTHON3) scripts/clean.py
