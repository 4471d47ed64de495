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

# Airflow for the demo lives under var/ (gitignored): SQLite metadata DB, no scheduler to start.
AIRFLOW_ENV := AIRFLOW_HOME=$(MEDSOS_HOME)/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
DEMO_WEEK ?= 2026-W47
# the metadata DB is migrated once per Airflow version (from the lock file)
AIRFLOW_READY = $(MEDSOS_HOME)/airflow/.ready-$(shell grep -i '^apache-airflow==' constraints.txt | cut -d= -f3)

## demo: install pinned dependencies and run weekly_audit through Airflow on the embedded sample
demo: $(STAMP)
	@mkdir -p $(MEDSOS_HOME)/airflow && chmod 700 $(MEDSOS_HOME)
	@test -f $(AIRFLOW_READY) || ( \
		echo "preparing Airflow (metadata DB and pools under $(MEDSOS_HOME)/airflow)" && \
		($(AIRFLOW_ENV) $(BIN)/airflow db migrate > $(MEDSOS_HOME)/airflow/db-migrate.log 2>&1 \
			|| (tail -40 $(MEDSOS_HOME)/airflow/db-migrate.log; exit 1)) && \
		$(AIRFLOW_ENV) $(BIN)/airflow pools set warehouse 1 "DuckDB has one writer" >/dev/null 2>&1 && \
		$(AIRFLOW_ENV) $(BIN)/airflow pools set instagram 2 "chunks against Instagram" >/dev/null 2>&1 && \
		touch $(AIRFLOW_READY))
	@echo "running weekly_audit for $(DEMO_WEEK) with airflow dags test (log: $(MEDSOS_HOME)/airflow/demo-run.log)"
	@$(AIRFLOW_ENV) $(BIN)/airflow dags test weekly_audit \
		-c '{"snapshot": "$(CURDIR)/seeds/snapshot", "week": "$(DEMO_WEEK)"}' \
		> $(MEDSOS_HOME)/airflow/demo-run.log 2>&1 \
		|| (tail -60 $(MEDSOS_HOME)/airflow/demo-run.log; exit 1)
	@$(BIN)/python -m medsos_audit.demo --week $(DEMO_WEEK)

## test: lint, types and the whole suite, exactly what CI runs
test: $(STAMP) lint types unit

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

# two workers, one per CI core: 407-447 s instead of 764-793 s in one process (2026-12-08)
unit: $(STAMP)
	$(BIN)/pytest -q -n 2

## bench: time the non-network pipeline against the baseline (N posts, default 200000)
N ?= 200000
bench: $(STAMP)
	$(BIN)/python -m bench.run --posts $(N)

clean:
	rm -rf $(VENV) var
