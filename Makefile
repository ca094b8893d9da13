# The project's commands. Each installs what it needs first (scripts/install-deps.sh is idempotent).
PYTHON := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: deps demo test test-fast release changelog bench docs docs-site

deps:
	bash scripts/install-deps.sh

## Quick start 1: a local lab (real Prometheus, Alertmanager, Uptime Kuma) and one heartbeat through the module.
demo: deps
	$(PYTHON) scripts/demo.py

## Quick start 2: the whole test suite (unit, fault, real servers, booted systemd hosts, sanity, lint, release).
test: deps
	$(PYTHON) -m pytest $(PYTEST_ARGS)

## Without the slow gates (booted hosts, ansible-test sanity, release builds): for the edit-test loop.
test-fast: deps
	$(PYTHON) -m pytest -m "not fleet and not sanity and not release" $(PYTEST_ARGS)

release: deps
	bash scripts/release.sh

changelog: deps
	bash scripts/release.sh changelog

## The four benchmarks against the real parts; refreshes BENCHMARKS.md, bench/results.json and bench/chart.png.
bench: deps
	$(PYTHON) bench/run.py

## The module's option docs and both roles' argument specs and defaults, from the core's option definitions.
docs: deps
	$(PYTHON) scripts/generate_docs.py

## The documentation site (antsibull-docs, Sphinx), offline, into .cache/docs-site/html; a broken reference fails it.
docs-site: deps
	bash scripts/docs-site.sh
