# m365.photos: everything a fresh machine needs is installed by these targets.
#   make demo   - set up, start the fake Microsoft 365 tenant, sync photos twice, show one user's photo
#   make test   - set up and run every test: unit, fake tenant, integration (ansible-playbook), sanity, lint
#   make bench  - benchmarks against the fake tenant (not part of make test)

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/m365/photos
SANITY_ROOT := $(CURDIR)/build/sanity
SANITY_COPY := $(SANITY_ROOT)/ansible_collections/m365/photos
PYTEST_JOBS ?= 2
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)

.PHONY: all setup test style unit fake-tenant-test integration sanity lint changelog-lint demo bench clean

all: test

$(VENV)/.installed: requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

setup: $(VENV)/.installed $(COLLECTION_LINK)

test: setup style unit fake-tenant-test integration sanity lint changelog-lint
	@echo "make test: all suites passed"

# Lint and formatting of every Python file (plugins, tests, tools); settings in pyproject.toml.
style: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: setup
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/unit -q

fake-tenant-test: setup
	PYTHONPATH=tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/fake_tenant_tests -q

integration: setup
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/integration -q

# ansible-test needs the collection under ansible_collections/<ns>/<name>, a real directory.
# The copy holds what git would ship (tracked + untracked, not ignored).
sanity: setup
	mkdir -p ~/.ansible/test/cache
	for v in 24_2 25_2; do cp .ci/get_pip_offline.py ~/.ansible/test/cache/get_pip_$$v.py; done
	rm -rf $(SANITY_COPY) && mkdir -p $(SANITY_COPY)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $(SANITY_COPY)/ 2>/dev/null || true
	# Its own git repository, or ansible-test finds the enclosing one, where build/ is ignored.
	cd $(SANITY_COPY) && git init -q && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

lint: setup
	$(BIN)/ansible-lint --offline

changelog-lint: setup
	$(BIN)/antsibull-changelog lint

demo: setup
	$(BIN)/python tools/demo.py

bench: setup
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python tools/bench.py

clean:
	rm -rf build .demo .bench tests/output
