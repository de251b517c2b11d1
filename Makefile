# The two commands of the README, plus the benchmark. Settings: see README.md.
SHELL := /bin/bash
PYTHON3 ?= python3

.PHONY: setup run check-demo test test-uninstall test-odoo-pos bench race scale lint clean

setup:
	@./scripts/setup.sh

run: setup
	@$(PYTHON3) scripts/run_demo.py

# make run's demo, checked over RPC as each ready user of the README (about 2 minutes)
check-demo: setup
	@$(PYTHON3) scripts/check_demo.py

test: setup
	@$(PYTHON3) scripts/run_tests.py

# a real uninstall on a fresh database: nothing the addon created may stay behind
test-uninstall: setup
	@$(PYTHON3) scripts/check_uninstall.py

# Odoo's own point_of_sale tests (tours left out), with and without the addon, compared
# (about 15 minutes, see README.md: not part of `make test`)
test-odoo-pos: setup
	@$(PYTHON3) scripts/run_odoo_pos_tests.py

bench: setup
	@$(PYTHON3) bench/run_bench.py

# 20 tills selling at once on a multi-worker Odoo, addon and stock Odoo (about 10 minutes)
race: setup
	@$(PYTHON3) bench/run_race.py

# Odoo scaled out: a PostgreSQL primary and a streaming replica, two multi-worker
# servers, SCALE_TILLS tills (100) and managers; with and without the replica, and stock
# Odoo's sync (about 10 minutes, see README.md: not part of `make test`)
scale: setup
	@$(PYTHON3) bench/run_scale.py

# the house style: ruff (ruff.toml) formatting and lint, then pylint-odoo (.pylintrc);
# checked, nothing rewritten. Two pylint-odoo checks are off: the manifest's author is
# not the OCA, and messages use _() as the house style has it (not self.env._).
lint: setup
	@bin=$$(sed -n 's/^VENV=//p' .build/env)/bin; \
	  $$bin/ruff format --check . && $$bin/ruff check . && \
	  $$bin/pylint --rcfile=.pylintrc \
	    --disable=manifest-required-author,prefer-env-translation .

# drop the cached template databases (they are rebuilt on the next run)
clean:
	@$(PYTHON3) scripts/clean.py
