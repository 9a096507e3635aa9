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

# The LDAP end-to-end test (tests/integration/test_hybrid.py) needs OpenLDAP's server and tools and python-ldap, which
# builds against OpenLDAP's headers. Installed with apt when missing and make runs as root; otherwise, or when a step
# fails, make says so and carries on: that test is then skipped with the reason (pytest -rs prints it). The stamp is
# written only on success, so the next make tries again.
LDAP_APT_PACKAGES := slapd ldap-utils libldap2-dev libsasl2-dev
$(VENV)/.ldap-installed: requirements-ldap.txt $(VENV)/.installed
	@missing=$$(for p in $(LDAP_APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install $$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing || \
	      echo "make: apt-get could not install $$missing: the LDAP end-to-end test will be skipped"; \
	  else \
	    echo "make: $$missing not installed and this is not root with apt-get: the LDAP end-to-end test will be skipped"; \
	  fi; \
	fi
	@if $(BIN)/python -m pip install -q -r requirements-ldap.txt; then touch $@; \
	else echo "make: python-ldap could not be installed: the LDAP end-to-end test will be skipped"; fi

setup: $(VENV)/.installed $(VENV)/.ldap-installed $(COLLECTION_LINK)

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
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/integration -q -rs

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
