# The two commands a new user needs: `make demo` and `make test`.
# Odoo 19.0 is found at ODOO_HOME (default /opt/odoo); PostgreSQL 15+ must be installed.

ODOO_HOME ?= /opt/odoo
DEMO_DB ?= crm_suite_demo
HTTP_PORT ?= 8069
VENV ?= $(CURDIR)/.venv
export ODOO_HOME VENV

PYTHON := $(VENV)/bin/python
ODOO := $(PYTHON) $(ODOO_HOME)/odoo-bin -c $(CURDIR)/.odoorc
ADDONS := $(shell ls -d */__manifest__.py 2>/dev/null | cut -d/ -f1 | paste -sd, -)

.PHONY: help setup demo test lint bench clean

help:
	@echo "make demo   set everything up, build the demo database and serve http://localhost:$(HTTP_PORT)"
	@echo "make test   run every test, lint included; ends with 'N passed, M failed'"

setup:
	@bash tools/setup.sh

## Demo database with every addon of this repository and its demo data, then serve it.
demo: setup
	@bash tools/demo_db.sh "$(DEMO_DB)" "$(ADDONS)"
	@echo ""
	@echo "Serving the demo on http://localhost:$(HTTP_PORT)  (login: admin, password: admin; Ctrl+C stops)"
	@echo ""
	@$(ODOO) -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --http-port=$(HTTP_PORT) --log-level=warn

test:
	@WITH_TEST_TOOLS=1 bash tools/setup.sh
	@$(PYTHON) tools/run_tests.py

lint: setup
	@$(PYTHON) tools/run_tests.py --only lint

## Benchmarks on a generated data set (1,000,000 partners, 2,000,000 sale order lines ...;
## BENCH_SCALE scales it); the database crm_suite_bench is kept and reused at the same scale.
bench: setup
	@$(PYTHON) tests/bench/run_bench.py

clean:
	rm -rf $(VENV) .odoorc .odoo-data test-results
