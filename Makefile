# m365.photos: everything a fresh machine needs is installed by these targets.
#   make demo   - set up, start the fake Microsoft 365 tenant, sync photos twice, show one user's photo
#   make test   - set up and run every test: unit, fake tenant, integration (ansible-playbook), sanity, lint
#   make bench  - benchmarks against the fake tenant (not part of make test)
#   make docs   - the docs site (antsibull-docs + Sphinx, offline) in docs/build/html

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/m365/photos
SANITY_ROOT := $(CURDIR)/build/sanity
SANITY_COPY = $(SANITY_ROOT)/ansible_collections/m365/photos
ANSIBLE_TEST ?= $(BIN)/ansible-test
SANITY_PYTHON ?= 3.11
PYTEST_JOBS ?= 2
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)
# The second ansible-core tested: 2.21 on Python 3.13 (pyenv has it; 2.20+ need Python 3.12+).
PYTHON313 ?= $(shell for p in $$(command -v python3.13) $(HOME)/.pyenv/versions/3.13*/bin/python3.13; do \
	"$$p" -c '' 2>/dev/null && { echo "$$p"; break; }; done)
VENV_NEXT := $(CURDIR)/.venv-2.21
# Docs site: Sphinx fetches intersphinx inventories from docs.python.org, jinja.palletsprojects.com and
# docs.ansible.com, unreachable here. Expected warnings, all caused by that: the fetch failures, and references
# that only those inventories resolve (Ansible's configuration and return-value pages, modules of ansible.builtin and
# of the collections docs/hybrid.md uses).
# Any other warning fails make docs.
DOCS_SRC := $(CURDIR)/build/docsite
DOCS_EXPECTED_WARNINGS := ^WARNING: failed to reach any of the inventories|^intersphinx inventory '|undefined label: '(ansible_configuration_settings|common_return_values|action_plugins|ansible_collections\.(ansible\.builtin|community\.general|microsoft\.ad)\.[a-z0-9_]+(__[a-z0-9_-]+)?)'

.PHONY: all setup test style typecheck unit fake-tenant-test conformance integration sanity lint changelog-lint demo bench clean \
	docsite-rst docs-lint docs changelog-check setup-next sanity-next smoke-next

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

# report.html is checked in a real browser (tests/integration/test_reports.py): Debian's chromium, installed with apt
# when missing and make runs as root; otherwise make says so, and that test fails naming what is missing.
$(VENV)/.chromium-installed: $(VENV)/.installed
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install chromium"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "make: chromium is not installed and this is not root with apt-get: the report.html browser test will fail"; \
	  fi; \
	fi
	@if command -v chromium >/dev/null; then touch $@; fi

setup: $(VENV)/.installed $(VENV)/.ldap-installed $(VENV)/.chromium-installed $(COLLECTION_LINK)

test: setup style typecheck unit fake-tenant-test conformance integration sanity lint changelog-lint changelog-check docs-lint docs sanity-next smoke-next
	@echo "make test: all suites passed"

# Lint and formatting of every Python file (plugins, tests, tools); settings in pyproject.toml.
style: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Type hints of module_utils, checked by mypy through build/collections (settings in pyproject.toml).
typecheck: setup
	$(BIN)/mypy -p ansible_collections.m365.photos.plugins.module_utils

# Unit tier (no network) with the coverage of plugins/ (settings in pyproject.toml). Modules run in AnsiballZ
# subprocesses from a zip in the integration tier, out of coverage's reach, so this tier alone measures module_utils,
# which must keep COVERAGE_MIN % of its lines covered.
COVERAGE_MIN ?= 80
unit: setup
	mkdir -p build/coverage
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/unit -q --cov --cov-report=term:skip-covered
	$(BIN)/coverage report --include='plugins/module_utils/*' --skip-covered --fail-under=$(COVERAGE_MIN)

fake-tenant-test: setup
	PYTHONPATH=tests $(BIN)/python -m pytest -n $(PYTEST_JOBS) tests/fake_tenant_tests -q

# Microsoft's own SDK (msgraph-sdk + azure-identity) against the fake tenant: its answers parse as the SDK expects.
conformance: setup
	PYTHONPATH=tests $(BIN)/python -m pytest tests/conformance -q -rxX -p no:warnings

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
	cd $(SANITY_COPY) && git init -q && $(ANSIBLE_TEST) sanity --venv --python $(SANITY_PYTHON) --color no

lint: setup
	$(BIN)/ansible-lint --offline

changelog-lint: setup
	$(BIN)/antsibull-changelog lint

# antsibull-changelog release for the galaxy.yml version, in a scratch copy (the tree is not touched).
changelog-check: setup
	$(BIN)/python tools/check_changelog.py build/CHANGELOG-dry-run.md

# The guides of the docs site: docs/docsite/rst/*.rst converted from docs/*.md (commit the result).
docsite-rst: setup
	$(BIN)/python tools/docsite.py

# Docs lint: the site's guides match docs/*.md, and antsibull-docs finds no markup or reference error.
docs-lint: setup
	$(BIN)/python tools/docsite.py --check
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION_LINK)

# The docs site, offline: antsibull-docs writes RST for the modules, the role and the guides, Sphinx the HTML.
docs: setup
	rm -rf $(DOCS_SRC) docs/build && mkdir -p $(DOCS_SRC)/rst && chmod og-w $(DOCS_SRC)/rst
	$(BIN)/antsibull-docs sphinx-init --use-current --squash-hierarchy --dest-dir $(DOCS_SRC) \
		--project m365.photos --title m365.photos --copyright 'm365.photos contributors' m365.photos
	$(BIN)/antsibull-docs --config-file $(DOCS_SRC)/antsibull-docs.cfg collection --use-current --squash-hierarchy \
		--fail-on-error --dest-dir $(DOCS_SRC)/rst m365.photos
	$(BIN)/sphinx-build -q -b html -c $(DOCS_SRC) -w $(DOCS_SRC)/warnings.log $(DOCS_SRC)/rst docs/build/html 2>/dev/null
	@if grep -v -E "$(DOCS_EXPECTED_WARNINGS)" $(DOCS_SRC)/warnings.log; then \
		echo "make docs: unexpected Sphinx warnings (above)"; exit 1; fi
	@echo "make docs: docs/build/html/index.html ($$(grep -c . $(DOCS_SRC)/warnings.log) warning lines, all from having no network)"

# ansible-core 2.21 on Python 3.13, beside the main venv's 2.19 on 3.11: sanity, and the installed-copy smoke run.
$(VENV_NEXT)/.installed: requirements-2.21.txt
	@test -n "$(PYTHON313)" || { echo "make: Python 3.13 not found (pyenv install 3.13, or PYTHON313=/path)"; exit 1; }
	$(PYTHON313) -m venv $(VENV_NEXT)
	$(VENV_NEXT)/bin/python -m pip install -r requirements-2.21.txt
	touch $@

setup-next: $(VENV_NEXT)/.installed

sanity-next: setup setup-next
	PATH=$(VENV_NEXT)/bin:$$PATH $(MAKE) sanity SANITY_ROOT=$(CURDIR)/build/sanity-2.21 \
		ANSIBLE_TEST=$(VENV_NEXT)/bin/ansible-test SANITY_PYTHON=3.13

# The sync playbook from the installed tarball, run by ansible-core 2.21 (pytest and the fake tenant stay on 3.11).
smoke-next: setup setup-next
	ANSIBLE_VENV=$(VENV_NEXT) PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python -m pytest tests/integration/test_installed_collection.py -q

demo: setup
	$(BIN)/python tools/demo.py

bench: setup
	PYTHONPATH=$(COLLECTIONS):tests $(BIN)/python tools/bench.py

clean:
	rm -rf build .demo .bench tests/output docs/build
