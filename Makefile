# Tripod's tasks. `make site` and `make test` create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site serve check test lint docs clean bench bench-compare packages-site packages-test packages-bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The Debian packages a task needs: installed when missing and we may (root or
# `sudo -n`), otherwise one line saying what to run. The list is in the script.
packages-site packages-test packages-bench:
	@scripts/system-packages $(@:packages-%=%)

# Checks every client, then builds site/clients/<id>/ and site/internal/.
site: packages-site $(STAMP)
	-$(BIN)/tripod check
	$(BIN)/tripod build

serve: packages-site $(STAMP)
	$(BIN)/tripod serve

check: $(STAMP)
	$(BIN)/tripod check

# Across every core (pytest-xdist); an idle worker takes tests from a busy one.
# One module: `.venv/bin/python -m pytest tests/test_site.py`; no browser:
# `-m 'not browser'`; every command in a process of its own: TRIPOD_TESTS_REAL=1.
test: packages-test $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# Style, types, and the contracts that keep the stages apart (import-linter).
lint: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Regenerates the committed schema and format reference from the models.
docs: $(STAMP)
	$(BIN)/tripod schema > schema/client.schema.json
	$(BIN)/tripod schema --provider > schema/provider.schema.json
	$(BIN)/tripod schema --markdown > docs/client-format.md

clean:
	rm -rf $(VENV) site .tripod

# The benchmark: `make bench N=250`. Figures and ratios, written to bench/results.json
# and bench/results-N.json, then every size run on this machine side by side;
# chromium (packages-bench) measures the dashboard in a headless browser.
N ?= 50
bench: packages-bench $(STAMP)
	$(BIN)/python bench/run.py --clients $(N)

# The saved bench/results-N.json of this machine side by side, without running anything.
bench-compare: $(STAMP)
	$(BIN)/python bench/compare.py
