# Two commands matter (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT_ARGS := --project-dir dbt_project --profiles-dir .
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format install build docs clean

run: $(INSTALLED)
	$(BIN)/dbt build $(DBT_ARGS)

test: $(INSTALLED) lint
	$(BIN)/python -m pytest

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project --processes 2

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project --processes 2

docs: $(INSTALLED)
	$(BIN)/dbt docs generate $(DBT_ARGS)

clean:
	rm -rf dbt_project/target dbt_project/logs logs warehouse/warehouse.duckdb warehouse/exports
