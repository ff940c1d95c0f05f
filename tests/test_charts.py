"""`python -m models_py.charts`: PNGs and a self-contained HTML report from warehouse tables."""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from models_py import charts
from tests.conftest import REPO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_real_png(path: Path) -> None:
    """A PNG that decodes, is a sensible size and is not a blank canvas."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, path
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width >= 400 and height >= 300, (path, width, height)
    assert len(data) > 15_000, (path, len(data))
    pixels = imread(path)
    assert pixels.shape[:2] == (height, width)
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert len(colours) > 20, (path, len(colours))


def assert_report_embeds(report: Path, pngs: list[Path]) -> None:
    text = report.read_text("utf-8")
    for png in pngs:
        encoded = base64.b64encode(png.read_bytes()).decode("ascii")
        assert f"data:image/png;base64,{encoded}" in text, png
    # Self-contained: nothing fetched from elsewhere.
    assert 'src="http' not in text and "<script" not in text and "<link" not in text


def tiny_warehouse(path: Path) -> Path:
    """Hand-made analytics and metrics tables (no forecast tables): 4 departments."""
    departments = ["dairy", "produce", "bakery", "frozen"]
    sales = pd.DataFrame(
        {
            "department": departments,
            "sale_count": [400, 300, 120, 40],
            "reorder_count": [240, 150, 30, 4],
            "sales_rank": [1, 2, 3, 4],
        }
    )
    sales["reorder_percentage"] = sales["reorder_count"] / sales["sale_count"]
    aisles = pd.DataFrame(
        {
            "department": ["dairy", "dairy", "produce", "bakery", "frozen", "frozen"],
            "category": ["milk", "yogurt", "fruit", "bread", "pizza", "ice"],
            "sale_count": [250, 150, 300, 120, 30, 10],
        }
    )
    aisles["rank_most_sold"] = aisles["sale_count"].rank(ascending=False, method="first")
    aisles["rank_least_sold"] = aisles["sale_count"].rank(method="first")
    rng = np.random.default_rng(3)
    matrix = np.corrcoef(rng.normal(size=(4, 50)))
    correlation = pd.DataFrame(
        [
            {"department": a, "other_department": b, "correlation": matrix[i, j]}
            for i, a in enumerate(departments)
            for j, b in enumerate(departments)
        ]
    )
    transitions = pd.DataFrame(
        [
            {
                "from_department": a,
                "to_department": b,
                "is_add_order_known": True,
                "transition_count": 10 * (i + 1) + j,
            }
            for i, a in enumerate(departments)
            for j, b in enumerate(departments)
            if a != b
        ]
    )
    metrics = pd.DataFrame(
        [
            {
                "model": model,
                "mode": mode,
                "k": k,
                "evaluated_users": 100,
                "precision_at_k": quality / k,
                "recall_at_k": quality / 10,
                "ndcg_at_k": quality / 8,
                "hit_rate_at_k": quality / 4,
            }
            for model, quality in [("als", 1.5), ("global_popularity", 0.8)]
            for mode in ("repeat", "new_items")
            for k in (5, 10, 20)
        ]
    )
    con = duckdb.connect(str(path))
    con.sql("create schema marts; create schema ml")
    for name, frame in [
        ("marts.department_sales", sales),
        ("marts.aisle_sales", aisles),
        ("marts.department_basket_correlation", correlation),
        ("marts.department_transitions", transitions),
        ("ml.model_metrics", metrics),
    ]:
        con.register("frame", frame)
        con.sql(f"create table {name} as select * from frame")
        con.unregister("frame")
    con.close()
    return path


def test_charts_from_a_tiny_warehouse_and_a_note_for_missing_tables(tmp_path: Path) -> None:
    db = tiny_warehouse(tmp_path / "tiny.duckdb")
    out = tmp_path / "charts"
    rendered = charts.render_report(db, out, charts.ChartConfig())
    drawn = {item.chart.name: item for item in rendered}
    pngs = [item.path for item in rendered if item.path is not None]
    assert {png.name for png in pngs} == {
        "sales_by_department.png",
        "top_bottom_aisles.png",
        "department_correlation.png",
        "department_transitions.png",
        "model_comparison.png",
    }
    for png in pngs:
        assert_real_png(png)
    # The forecast tables are not there: a note naming the table and the build command.
    skipped = drawn["demand_forecast"]
    assert skipped.path is None and not (out / "demand_forecast.png").exists()
    assert "marts.department_demand_forecast" in skipped.skipped_reason
    assert "dbt build --select department_basket_windows+" in skipped.skipped_reason
    report = out / charts.REPORT_NAME
    assert_report_embeds(report, pngs)
    assert "Not drawn: missing marts.department_demand_forecast" in report.read_text("utf-8")


def test_transition_edges_prefer_add_to_cart_order_and_keep_the_strongest() -> None:
    transitions = pd.DataFrame(
        {
            "from_department": ["a", "a", "b", "c"],
            "to_department": ["b", "c", "a", "a"],
            "is_add_order_known": [True, True, True, False],
            "transition_count": [5, 9, 7, 100],
        }
    )
    edges, is_known = charts.transition_edges(transitions, edges=2)
    assert is_known
    assert list(zip(edges.from_department, edges.to_department, strict=True)) == [
        ("a", "c"),
        ("b", "a"),
    ]
    edges, is_known = charts.transition_edges(transitions.assign(is_add_order_known=False), edges=1)
    assert not is_known and edges.transition_count.tolist() == [100]


def test_a_missing_database_is_a_clear_error(tmp_path: Path, capsys) -> None:
    code = charts.main(["--db", str(tmp_path / "nowhere.duckdb"), "--out", str(tmp_path)])
    assert code == 1
    assert "run `make run`" in capsys.readouterr().err


@pytest.mark.slow
def test_every_chart_from_the_synthetic_build_with_a_read_only_connection(
    synthetic_warehouse: Path, tmp_path: Path
) -> None:
    """The command reads the warehouse while another process holds it open read-only: a
    read-write connection would fail to get the file lock."""
    out = tmp_path / "charts"
    command = [sys.executable, "-m", "models_py.charts", "--db", str(synthetic_warehouse)]
    holder = duckdb.connect(str(synthetic_warehouse), read_only=True)
    try:
        result = subprocess.run(
            [*command, "--out", str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        holder.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Not drawn" not in result.stdout, result.stdout
    pngs = sorted(out.glob("*.png"))
    assert {png.stem for png in pngs} == {chart.name for chart in charts.CHARTS}
    for png in pngs:
        assert_real_png(png)
    assert_report_embeds(out / charts.REPORT_NAME, pngs)
    assert "Forecast backtest" in (out / charts.REPORT_NAME).read_text("utf-8")
