"""dbt_project/analyses: the example queries compile, and on the synthetic build they answer."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, run_dbt

ANALYSES = sorted(path.stem for path in (REPO / "dbt_project" / "analyses").glob("*.sql"))
COMPILED = Path("compiled") / "warehouse_recommender" / "analyses"


def compile_analyses(warehouse_dir: Path, dbt_vars: dict | None = None) -> Path:
    result = run_dbt(["compile", "--select", "path:analyses"], warehouse_dir, dbt_vars)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return warehouse_dir / "target" / COMPILED


def test_every_analysis_compiles_and_escapes_its_parameters(tmp_path: Path) -> None:
    assert len(ANALYSES) >= 6
    compiled = compile_analyses(
        tmp_path, {"user_id": "o'brien", "product_id": "p1", "top_n": 3, "k": 5}
    )
    texts = {name: (compiled / f"{name}.sql").read_text() for name in ANALYSES}
    user_sql = texts["top_recommendations_for_user"]
    assert "'o''brien' as user_id" in user_sql and "rank <= 3" in user_sql
    assert "where k = 5" in texts["model_comparison"]
    # No database name: the same SQL runs on the warehouse and on the serving database.
    for name, text in texts.items():
        assert '"warehouse".' not in text, name
        assert "{{" not in text, name


@pytest.mark.slow
def test_analyses_answer_on_the_synthetic_build(synthetic_warehouse: Path, tmp_path: Path) -> None:
    compiled = compile_analyses(tmp_path)
    con = duckdb.connect(str(synthetic_warehouse), read_only=True)
    try:

        def run(name: str) -> list[dict]:
            relation = con.sql((compiled / f"{name}.sql").read_text())
            return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]

        top = run("top_recommendations_for_user")
        assert [row["rank"] for row in top] == list(range(1, 11))
        assert len({row["user_id"] for row in top}) == 1
        assert all(row["product_name"] and row["reason"] for row in top)

        similar = run("similar_products_for_product")
        assert similar and len({row["product_id"] for row in similar}) == 1
        most_ordered = con.sql(
            "select arg_max(product_id, order_count) from marts.product_stats"
        ).fetchone()[0]
        assert similar[0]["product_id"] == most_ordered
        assert all(row["similarity_rank"] <= 5 for row in similar)

        why = run("why_was_this_recommended")
        assert why and len({(row["user_id"], row["product_id"]) for row in why}) == 1
        assert all(row["fallback_tier"] and row["reason"] for row in why)
        assert any(row["purpose"] == "serving" for row in why)

        comparison = run("model_comparison")
        modes = {row["mode"] for row in comparison}
        assert sorted(row["mode"] for row in comparison if row["ndcg_rank"] == 1) == sorted(modes)
        popularity = [row for row in comparison if row["model"] == "global_popularity"]
        assert popularity and all(
            row["precision_vs_popularity"] in (None, 1.0) for row in popularity
        )

        dashboard = run("department_dashboard")
        departments = con.sql("select count(*) from marts.department_sales").fetchone()[0]
        assert len(dashboard) == departments
        assert sum(row["sales_share"] for row in dashboard) == pytest.approx(1.0)
        forecasts = con.sql("select count(*) from marts.department_demand_forecast").fetchone()[0]
        assert sum(row["forecast_status"] is not None for row in dashboard) == forecasts

        has_promo_targets = con.sql(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_name = 'promo_targets'"
        ).fetchone()[0]
        if has_promo_targets:
            targets = run("promo_target_lists")
            assert all(row["target_rank"] <= 20 for row in targets)
    finally:
        con.close()
