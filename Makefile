# Cloakr developer entry points. A newcomer needs two: `make run` and `make test`.
# Every target does its own set-up, so a fresh clone works with nothing but Python 3.11+.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# No AWS account is needed for anything here; keep stray credentials and telemetry out.
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export AWS_DEFAULT_REGION ?= us-east-1
PYTEST_ARGS ?=
# checkov pins clash with the project's (it would downgrade boto3 and packaging): it gets its own tool venv.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
# checkov offline: no guideline mapping download, no PyPI version check (.checkov.yaml adds skip-download).
export BC_SKIP_MAPPING := TRUE
export CKV_SKIP_PACKAGE_UPDATE_CHECK := TRUE
LOAD_ARGS ?= --duration 60

.PHONY: help setup run test synth ls eval bench verify clean checkov checkov-setup load

help:
	@echo "make run    - set up and start the local gateway on 127.0.0.1:8787"
	@echo "make test   - set up, synthesize all regions and run the whole test suite"
	@echo "make synth  - synthesize Cloakr-<region> stacks into cdk.out/ (no AWS account needed)"
	@echo "make eval   - score the PII engine on the generated labelled corpus"
	@echo "make bench  - engine vs Presidio (same run), gateway added latency, Lambda init time"
	@echo "make checkov - checkov over the synthesized templates (skips and reasons in .checkov.yaml)"
	@echo "make load   - load the local gateway for 60 s: requests/s, latency per route, errors, RSS"
	@echo "make verify - make test, then long fuzzing, the ReDoS scaling check and a 10-minute load soak"

$(VENV)/.installed: pyproject.toml scripts/node-shims.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[dev]'
	scripts/node-shims.sh $(VENV)
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

setup: $(VENV)/.installed node_modules/.installed

run: setup
	$(PY) -m cloakr.local

synth: setup
	CLOAKR_LAYER_WITHOUT_BYTECODE=$${CLOAKR_LAYER_WITHOUT_BYTECODE:-1} npx cdk synth --quiet

ls: setup
	npx cdk ls

test: setup synth checkov-setup
	@rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

eval: setup
	$(PY) -m bench.eval

bench: $(VENV)/.bench-installed
	$(PY) -m bench.speed
	$(PY) -m bench.gateway

$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	echo '*' > $(CHECKOV_VENV)/.gitignore
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

checkov-setup: $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

checkov: synth checkov-setup
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml $$(printf -- '-f %s ' cdk.out/*.template.json)

load: setup
	$(PY) -m bench.load $(LOAD_ARGS)

verify: test
	HYPOTHESIS_PROFILE=verify $(PY) -m pytest -q tests/integration/test_fuzz_handlers.py tests/unit/test_unicode_evasion.py tests/e2e/test_schemathesis.py
	$(PY) -m bench.redos
	$(PY) -m bench.load --soak

clean:
	rm -rf cdk.out .pytest_cache .build
