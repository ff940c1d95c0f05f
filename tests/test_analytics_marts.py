"""The analytics marts against the notebook's own pandas formulations, on a small synthetic build.

Each expected value is computed the way the exploration notebook does it
(../shared/seeds/instacart-eda-and-gru-next-item.md): a groupby for department and aisle sales,
groupby + shift for department transitions, and pivot + fillna(0) + .corr() for the basket
correlation. Only int_order_lines_enriched is shared between the two sides.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_dbt

pytestmark = pytest.mark.slow

MARTS = (
    "department_sales",
    "aisle_sales",
    "department_basket_correlation",
    "department_transitions",
)
SMALL_SYNTHETIC = {"dataset": "synthetic", "synthetic_users": 150, "synthetic_products": 120}


@pytest.fixture(scope="module")
def analytics_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The four marts and their upstream models (with the marts' own tests) in a throw-away DB."""
    warehouse_dir = tmp_path_factory.mktemp("analytics_warehouse")
    selection = [f"+{mart}" for mart in MARTS]
    result = run_dbt(["run", "--select", *selection], warehouse_dir, SMALL_SYNTHETIC)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    # Data and unit tests of the marts only; upstream tests belong to other suites.
    result = run_dbt(["test", "--select", *MARTS], warehouse_dir, SMALL_SYNTHETIC)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    yield warehouse_dir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def tables(analytics_warehouse: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(analytics_warehouse), read_only=True)
    try:
        frames = {mart: con.sql(f"select * from marts.{mart}").df() for mart in MARTS}
        frames["lines"] = con.sql(
            "select * from intermediate.int_order_lines_enriched "
            "order by order_id, line_number, source_row_number"
        ).df()
    finally:
        con.close()
    return frames


@pytest.fixture(scope="module")
def lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Accepted lines with the notebook's `reordered`: the dataset flag, else a repeat purchase."""
    lines = tables["lines"].copy()
    assert len(lines) > 1000 and lines["department"].nunique() > 3
    flag = lines["dataset_reordered_flag"]
    lines["reordered"] = np.where(flag.isna(), lines["is_repeat_purchase"], flag).astype(bool)
    return lines


def test_department_sales_match_the_notebook_groupby(
    tables: dict[str, pd.DataFrame], lines: pd.DataFrame
) -> None:
    deptsales = (
        lines.groupby("department")
        .agg(sale_count=("reordered", "size"), reorder_count=("reordered", "sum"))
        .reset_index()
        .sort_values(["sale_count", "department"], ascending=[False, True])
    )
    deptsales["reorder_pct"] = deptsales["reorder_count"] / deptsales["sale_count"]
    deptsales["sales_rank"] = range(1, len(deptsales) + 1)

    mart = tables["department_sales"].set_index("department")
    assert sorted(mart.index) == sorted(deptsales["department"])
    for row in deptsales.itertuples():
        got = mart.loc[row.department]
        assert got["sale_count"] == row.sale_count
        assert got["reorder_count"] == row.reorder_count
        assert got["reorder_percentage"] == pytest.approx(row.reorder_pct)
        assert got["sales_rank"] == row.sales_rank
    assert mart["sale_count"].sum() == len(lines)


def test_aisle_sales_match_the_notebook_groupby(
    tables: dict[str, pd.DataFrame], lines: pd.DataFrame
) -> None:
    aislesales = (
        lines.groupby(["department", "category"])
        .agg(sale_count=("reordered", "size"), reorder_count=("reordered", "sum"))
        .reset_index()
        .sort_values(["sale_count", "department", "category"], ascending=[False, True, True])
    )
    aislesales["rank_most_sold"] = range(1, len(aislesales) + 1)

    mart = tables["aisle_sales"].set_index(["department", "category"])
    assert len(mart) == len(aislesales)
    for row in aislesales.itertuples():
        got = mart.loc[(row.department, row.category)]
        assert got["sale_count"] == row.sale_count
        assert got["reorder_count"] == row.reorder_count
        assert got["reorder_percentage"] == pytest.approx(row.reorder_count / row.sale_count)
        assert got["rank_most_sold"] == row.rank_most_sold
        assert got["rank_least_sold"] == len(aislesales) + 1 - row.rank_most_sold

    # The notebook's top / bottom N (head / tail of the sorted frame) is one filter away.
    top = mart[mart["rank_most_sold"] <= 7].sort_values("rank_most_sold")
    bottom = mart[mart["rank_least_sold"] <= 7].sort_values("rank_most_sold")
    assert list(top.index) == [tuple(key) for key in aislesales.iloc[:7, :2].to_numpy()]
    assert list(bottom.index) == [tuple(key) for key in aislesales.iloc[-7:, :2].to_numpy()]


def test_department_transitions_match_the_notebook_shift(
    tables: dict[str, pd.DataFrame], lines: pd.DataFrame
) -> None:
    # Basket order: add-to-cart position, lines without one last, then the input file's order.
    deptchanges = lines.sort_values(
        ["order_id", "line_number", "source_row_number"], na_position="last"
    ).copy()
    deptchanges["department_prev"] = deptchanges.groupby("order_id")["department"].shift(1)
    deptchanges = deptchanges.dropna(subset=["department_prev"])
    deptchanges = deptchanges[deptchanges["department_prev"] != deptchanges["department"]]
    counts = deptchanges.groupby(["department_prev", "department"]).size()
    assert len(counts) > 3

    mart = tables["department_transitions"]
    mart_counts = mart.groupby(["from_department", "to_department"])["transition_count"].sum()
    assert mart_counts.sort_index().to_dict() == counts.sort_index().to_dict()

    # The synthetic data has add-to-cart positions on every line.
    assert lines["line_number"].notna().all()
    assert mart["is_add_order_known"].all()


def test_department_correlation_matches_pandas_corr_of_the_zero_filled_pivot(
    tables: dict[str, pd.DataFrame], lines: pd.DataFrame
) -> None:
    dept_counts = lines.groupby(["order_id", "department"]).size().reset_index(name="count")
    pivot = dept_counts.pivot(index="order_id", columns="department", values="count").fillna(0)
    corrs = pivot.corr()
    present = (pivot > 0).astype(int)
    orders_with_both = present.T @ present
    # A real test of the zeros: some orders lack some departments.
    assert (pivot == 0).to_numpy().any()

    mart = tables["department_basket_correlation"]
    departments = list(corrs.columns)
    assert len(mart) == len(departments) ** 2
    for row in mart.itertuples():
        expected = corrs.loc[row.department, row.other_department]
        if math.isnan(expected):
            assert row.correlation is None or math.isnan(row.correlation)
        else:
            assert row.correlation == pytest.approx(expected, abs=1e-9)
        assert row.orders_with_both == orders_with_both.loc[row.department, row.other_department]
    diagonal = mart[mart["department"] == mart["other_department"]]
    assert (diagonal["correlation"] == 1.0).all()
