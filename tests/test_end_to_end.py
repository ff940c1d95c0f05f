"""End-to-end: `dbt build` on the synthetic dataset into a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, query, run_dbt

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


def precision_at_5(db_path: Path) -> dict[tuple[str, str], float]:
    rows = query(db_path, "select model, mode, precision_at_k from ml.model_metrics where k = 5")
    return {(model, mode): precision for model, mode, precision in rows}


def test_models_beat_global_popularity_on_planted_structure(synthetic_warehouse: Path) -> None:
    precision = precision_at_5(synthetic_warehouse)
    popularity = precision[("global_popularity", "repeat")]
    for model in ("personal_popularity", "item_to_item", "als"):
        assert precision[(model, "repeat")] > popularity, (model, precision)
    # Planted complementary pairs: co-occurrence finds new products better than popularity.
    assert precision[("item_to_item", "new_items")] > precision[("global_popularity", "new_items")]


def test_the_whole_build_runs_on_the_instacart_layout(tmp_path: Path) -> None:
    """Kaggle-layout CSVs through every model, ML included (a tiny fixture: 4 users)."""
    result = run_dbt(
        ["build"], tmp_path, {"dataset": "instacart", "data_dir": str(FIXTURES / "instacart")}
    )
    assert result.returncode == 0, result.stdout[-6000:]
    models = {
        row[0]
        for row in query(
            tmp_path / "warehouse.duckdb", "select distinct model from ml.recommendations"
        )
    }
    assert {"global_popularity", "personal_popularity", "item_to_item", "als"} <= models
