# The two commands of the README, plus the benchmark. Settings: see README.md.
SHELL := /bin/bash
PYTHON3 ?= python3

.PHONY: setup run test bench clean

setup:
	@./scripts/setup.sh

run: setup
	@$(PYTHON3) scripts/run_demo.py

test: setup
	@$(PYTHON3) scripts/run_tests.py

bench: setup
	@$(PYTHON3) bench/run_bench.py

# drop the cached template databases (they are rebuilt on the next run)
clean:
	@$(PYTHON3) scripts/clean.py
