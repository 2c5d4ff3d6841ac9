# The two commands: `make run` (portal with demo data at http://127.0.0.1:5000) and `make test`.
# Everything missing is installed on the way; every step is idempotent.
SHELL := /bin/bash
VENV ?= .venv
PORT ?= 5000
NAME ?= dev
PYTEST_ARGS ?=

.PHONY: help install services run portal stop test test-prepare bench clean i18n

help:
	@echo "make run     install what is missing, start services, serve the demo portal on :$(PORT)"
	@echo "make test    install what is missing, start services, run every test"
	@echo "make stop    stop the portals and services this checkout started"
	@echo "make portal NAME=province PORT=5001   another portal beside the first (empty)"
	@echo "make i18n    extract msgids, merge them into the catalogs, compile the .mo files"

install:
	@bash scripts/deps.sh --browser

services: install
	@bash scripts/services.sh start

run: services
	@bash scripts/portal.sh up $(NAME) $(PORT) --demo --title "巢湖市政府数据开放平台（演示）"
	@bash scripts/login-banner.sh $(NAME)

portal: services
	@bash scripts/portal.sh up $(NAME) $(PORT)

stop:
	@for d in .local/portals/*/; do [ -d "$$d" ] && bash scripts/portal.sh stop "$$(basename "$$d")"; done; true
	@bash scripts/services.sh stop

test-prepare: services
	@bash scripts/pg.sh createdb govopen_test
	@bash scripts/pg.sh datastore govopen_test_datastore govopen_test
	@bash scripts/solr.sh core govopen_test

test: test-prepare
	@echo "==> Running the test suite"
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: services
	@bash scripts/pg.sh createdb govopen_bench
	@bash scripts/pg.sh datastore govopen_bench_datastore govopen_bench
	@bash scripts/solr.sh core govopen_bench
	@$(VENV)/bin/ckan -c bench/bench.ini db upgrade >/dev/null
	@for b in bench/*.py; do $(VENV)/bin/python "$$b" || exit 1; done

i18n:
	$(VENV)/bin/python -m ckanext.govopen.catalogs extract
	$(VENV)/bin/python -m ckanext.govopen.catalogs update
	$(VENV)/bin/python -m ckanext.govopen.catalogs compile

clean: stop
	rm -rf .local test-artifacts
