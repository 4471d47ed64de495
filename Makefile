# Two commands for a new user: `make demo` and `make test` (see README).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat constraints.txt pyproject.toml | cksum | cut -d' ' -f1)

export MEDSOS_HOME ?= $(CURDIR)/var

.PHONY: demo test lint types unit bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[airflow,dev]'
	@rm -f $(VENV)/.installed-* && touch $@

## demo: install pinned dependencies and run the weekly audit on the embedded sample
demo: $(STAMP)
	$(BIN)/medsos-audit run --registry seeds/registry.csv --snapshot seeds/snapshot

## test: lint, types and the whole suite, exactly what CI runs
test: $(STAMP) lint types unit

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

## bench: time the non-network pipeline against the baseline (N posts, default 200000)
N ?= 200000
bench: $(STAMP)
	$(BIN)/python -m bench.run --posts $(N)

clean:
	rm -rf $(VENV) var
