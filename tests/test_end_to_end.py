"""End-to-end: `dbt build` on the synthetic dataset into a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import query

pytestmark = pytest.mark.slow


def test_schemas_have_clean_names(synthetic_warehouse: Path) -> None:
    schemas = {
        row[0]
        for row in query(synthetic_warehouse, "select schema_name from information_schema.schemata")
    }
    assert {"raw", "staging", "intermediate", "audit"} <= schemas
    assert not any(schema.startswith("main_") for schema in schemas)


def test_every_raw_row_is_kept_or_quarantined(synthetic_warehouse: Path) -> None:
    raw_lines = query(synthetic_warehouse, "select count(*) from raw.order_lines")[0][0]
    kept = query(synthetic_warehouse, "select count(*) from intermediate.int_order_lines")[0][0]
    rejected = query(
        synthetic_warehouse,
        "select count(*) from audit.rejected_rows where source_table = 'order_lines'",
    )[0][0]
    assert raw_lines > 1000
    assert kept + rejected == raw_lines
    audit = query(
        synthetic_warehouse,
        "select any_value(rows_read), sum(row_count) from audit.load_audit "
        "where source_table = 'order_lines'",
    )[0]
    assert audit == (raw_lines, raw_lines)


def test_synthetic_data_loads_every_contract_table(synthetic_warehouse: Path) -> None:
    for table in ("orders", "order_lines", "products", "promotions", "users", "sessions"):
        count = query(synthetic_warehouse, f"select count(*) from intermediate.int_{table}")[0][0]
        assert count > 0, table
