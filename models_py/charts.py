"""Charts of the exploration notebook, from warehouse tables only, as PNGs and one HTML report.

    python -m models_py.charts --db warehouse/warehouse.duckdb --out warehouse/charts

Reads the marts and ml tables through a read-only DuckDB connection (open it on the serving
database too; a build holding the warehouse file blocks it), draws with matplotlib's Agg
backend (no display), and writes one PNG per chart plus report.html with every PNG embedded
(base64), so the report is a single file to mail or attach. A chart whose table is missing is
skipped with a note naming the table and the dbt command that builds it.

Charts (the notebook's, ../shared/seeds/instacart-eda-and-gru-next-item.md, plus the models'):
sales by department with reorder share, top and bottom aisles, the department basket
correlation heatmap, the department transition network, the model comparison from
ml.model_metrics, and the demand forecast with its backtest.
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # before any figure exists: never needs a display

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

REPORT_NAME = "report.html"
PALETTE = ("royalblue", "darkorange")  # the notebook's sns.set_palette


@dataclass(frozen=True)
class ChartConfig:
    """What each chart shows."""

    aisles_each_end: int = 7  # the notebook's numberaisles
    network_edges: int = 40  # strongest transitions drawn (the notebook: counts > 1000)
    metric_k: int = 10
    forecast_departments: int = 4
    forecast_tail_windows: int = 60
    dpi: int = 110


@dataclass(frozen=True)
class Chart:
    """One chart: its file stem, title, the tables it reads and how it is drawn."""

    name: str
    title: str
    description: str
    tables: tuple[str, ...]
    build_command: str
    draw: Callable[[dict[str, pd.DataFrame], ChartConfig], Figure]


@dataclass(frozen=True)
class RenderedChart:
    chart: Chart
    path: Path | None
    skipped_reason: str | None = None


# ---------------------------------------------------------------- loading (the only I/O in)

QUERIES = {
    "marts.department_sales": """
        select department, sale_count, reorder_count, reorder_percentage, sales_rank
        from marts.department_sales order by sales_rank""",
    "marts.aisle_sales": """
        select department, category, sale_count, rank_most_sold, rank_least_sold
        from marts.aisle_sales""",
    "marts.department_basket_correlation": """
        select department, other_department, correlation
        from marts.department_basket_correlation""",
    "marts.department_transitions": """
        select from_department, to_department, is_add_order_known, transition_count
        from marts.department_transitions""",
    "ml.model_metrics": """
        select model, mode, k, evaluated_users, precision_at_k, recall_at_k, ndcg_at_k,
            hit_rate_at_k
        from ml.model_metrics""",
    "marts.department_demand_forecast": """
        select department, status, windows_available, forecast_item_count, forecast_lower,
            forecast_upper, interval_level
        from marts.department_demand_forecast""",
    "marts.department_demand_forecast_backtest": """
        select department, status, training_windows, held_out_windows, arima_mae, naive_mae,
            arima_mae_ratio, interval_coverage
        from marts.department_demand_forecast_backtest""",
    "marts.department_basket_windows": """
        select department, window_number, item_count
        from marts.department_basket_windows""",
}


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.sql("select table_schema || '.' || table_name from information_schema.tables")
    return {name for (name,) in rows.fetchall()}


def load_tables(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The tables the charts read that exist in the database (missing ones are left out)."""
    present = existing_tables(con)
    return {name: con.sql(QUERIES[name]).df() for name in names if name in present}


# ---------------------------------------------------------------- drawing (pure: frames in)


def _bar_labels(axes, labels: Sequence[str], rotation: int = 45) -> None:
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=rotation, ha="right", fontsize=8)


def sales_by_department(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    """The notebook's two panels: lines sold, and the reordered share stacked on the rest."""
    sales = tables["marts.department_sales"].sort_values("sales_rank")
    figure = Figure(figsize=(11, 8))
    counts, shares = figure.subplots(nrows=2)
    positions = np.arange(len(sales))
    counts.bar(positions, sales["sale_count"], color=PALETTE[0], label="Lines sold")
    counts.set_title("Sales by department")
    counts.set_ylabel("basket lines")
    counts.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    counts.legend()
    _bar_labels(counts, sales["department"].tolist())
    reordered = sales["reorder_percentage"].to_numpy()
    shares.bar(positions, 1 - reordered, bottom=reordered, color=PALETTE[1], label="First purchase")
    shares.bar(positions, reordered, color=PALETTE[0], label="Reordered")
    shares.set_title("Reorder percentage by department")
    shares.set_ylim(0, 1)
    shares.legend(loc="upper right")
    _bar_labels(shares, sales["department"].tolist())
    figure.tight_layout()
    return figure


def top_and_bottom_aisles(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    aisles = tables["marts.aisle_sales"]
    count = config.aisles_each_end
    top = aisles[aisles["rank_most_sold"] <= count].sort_values("rank_most_sold")
    bottom = aisles[aisles["rank_least_sold"] <= count].sort_values("rank_least_sold")
    bottom = bottom[~bottom.index.isin(top.index)].iloc[::-1]  # few aisles: no double bars
    shown = pd.concat([top, bottom])
    labels = [f"{row.category}\n({row.department})" for row in shown.itertuples()]
    colors = [PALETTE[0]] * len(top) + [PALETTE[1]] * len(bottom)
    figure = Figure(figsize=(13, 7))
    axes = figure.subplots()
    axes.bar(range(len(shown)), shown["sale_count"], color=colors)
    axes.set_yscale("log")  # the bottom aisles are orders of magnitude below the top
    axes.set_ylabel("basket lines (log scale)")
    axes.set_title(f"Top and bottom {count} aisles by lines sold")
    _bar_labels(axes, labels)
    figure.tight_layout()
    return figure


def correlation_heatmap(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    pairs = tables["marts.department_basket_correlation"]
    order = sorted(set(pairs["department"]))
    matrix = (
        pairs.pivot(index="department", columns="other_department", values="correlation")
        .reindex(index=order, columns=order)
        .astype(float)
    )
    size = max(6.0, 0.45 * len(order) + 3)
    figure = Figure(figsize=(size + 1.5, size))
    axes = figure.subplots()
    image = axes.imshow(matrix.to_numpy(), cmap="RdBu", vmin=-1, vmax=1)
    figure.colorbar(image, ax=axes, shrink=0.8, label="Pearson correlation of items per basket")
    axes.set_xticks(range(len(order)))
    axes.set_xticklabels(order, rotation=90, fontsize=7)
    axes.set_yticks(range(len(order)))
    axes.set_yticklabels(order, fontsize=7)
    if len(order) <= 25:  # annotations stay legible (the notebook's annot=True)
        for row, column in np.ndindex(matrix.shape):
            value = matrix.iat[row, column]
            if not math.isnan(value):
                axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=6)
    axes.set_title("Department correlation within baskets")
    figure.tight_layout()
    return figure


def transition_edges(transitions: pd.DataFrame, edges: int) -> tuple[pd.DataFrame, bool]:
    """The strongest department changes; add-to-cart order where the data has it."""
    known = transitions[transitions["is_add_order_known"]]
    is_add_order_known = not known.empty
    chosen = known if is_add_order_known else transitions
    summed = chosen.groupby(["from_department", "to_department"], as_index=False)[
        "transition_count"
    ].sum()
    strongest = summed.sort_values(
        ["transition_count", "from_department", "to_department"], ascending=[False, True, True]
    )
    return strongest.head(edges).reset_index(drop=True), is_add_order_known


def transition_network(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    edges, is_add_order_known = transition_edges(
        tables["marts.department_transitions"], config.network_edges
    )
    graph = nx.DiGraph()
    for edge in edges.itertuples():
        graph.add_edge(edge.from_department, edge.to_department, count=edge.transition_count)
    figure = Figure(figsize=(11, 10))
    axes = figure.subplots()
    axes.set_axis_off()
    order_note = "add-to-cart order" if is_add_order_known else "input line order, no cart order"
    axes.set_title(f"Department transitions: the {len(edges)} most frequent ({order_note})")
    if graph.number_of_edges() == 0:
        axes.text(0.5, 0.5, "No department changes in the data", ha="center")
        return figure
    positions = nx.circular_layout(sorted(graph.nodes))
    weights = np.array([graph.edges[edge]["count"] for edge in graph.edges], dtype=float)
    widths = 0.5 + 7 * weights / weights.max()
    traffic = {node: 0.0 for node in graph.nodes}
    for (source, target), weight in zip(graph.edges, weights, strict=True):
        traffic[source] += weight
        traffic[target] += weight
    top_traffic = max(traffic.values())
    sizes = [300 + 2500 * traffic[node] / top_traffic for node in graph.nodes]
    nx.draw_networkx_nodes(
        graph, positions, ax=axes, node_size=sizes, node_color=PALETTE[0], alpha=0.85
    )
    nx.draw_networkx_edges(
        graph,
        positions,
        ax=axes,
        width=widths,
        edge_color=PALETTE[1],
        alpha=0.7,
        arrows=True,
        arrowsize=12,
        connectionstyle="arc3,rad=0.12",
        node_size=sizes,
    )
    nx.draw_networkx_labels(graph, positions, ax=axes, font_size=8)
    axes.margins(0.12)
    figure.tight_layout()
    return figure


MODEL_METRICS = ("precision_at_k", "recall_at_k", "ndcg_at_k", "hit_rate_at_k")


def model_comparison(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    """Grouped bars per model, one panel per mode, at k = metric_k (else the largest k)."""
    metrics = tables["ml.model_metrics"]
    k = config.metric_k if (metrics["k"] == config.metric_k).any() else int(metrics["k"].max())
    at_k = metrics[metrics["k"] == k]
    modes = sorted(at_k["mode"].unique())
    figure = Figure(figsize=(12, 4.5 * len(modes)))
    panels = np.atleast_1d(figure.subplots(nrows=len(modes), squeeze=False)[:, 0])
    width = 0.8 / len(MODEL_METRICS)
    colors = ("royalblue", "darkorange", "seagreen", "firebrick")
    for axes, mode in zip(panels, modes, strict=True):
        rows = at_k[at_k["mode"] == mode].sort_values("ndcg_at_k", ascending=False)
        positions = np.arange(len(rows))
        for number, (metric, color) in enumerate(zip(MODEL_METRICS, colors, strict=True)):
            offset = (number - (len(MODEL_METRICS) - 1) / 2) * width
            label = metric.replace("_at_k", f"@{k}")
            axes.bar(positions + offset, rows[metric], width, label=label, color=color)
        axes.set_title(f"Model comparison on the holdout, mode {mode} (k = {k})")
        _bar_labels(axes, rows["model"].tolist(), rotation=30)
        axes.set_ylim(0, 1.15)  # headroom: the legend sits above bars that reach 1
        axes.set_yticks(np.linspace(0, 1, 6))
        axes.legend(ncols=len(MODEL_METRICS), fontsize=8, loc="upper right")
    figure.tight_layout()
    return figure


def demand_forecast(tables: dict[str, pd.DataFrame], config: ChartConfig) -> Figure:
    """The notebook's plot: the latest windows and the next one's forecast with its interval."""
    forecasts = tables["marts.department_demand_forecast"]
    windows = tables["marts.department_basket_windows"]
    fitted = forecasts[forecasts["status"].isin(["forecast", "constant_series"])]
    chosen = fitted.sort_values(["windows_available", "department"], ascending=[False, True])
    chosen = chosen.head(config.forecast_departments)
    panels_count = max(len(chosen), 1)
    figure = Figure(figsize=(12, 3.2 * panels_count))
    panels = figure.subplots(nrows=panels_count, squeeze=False)[:, 0]
    if chosen.empty:
        panels[0].text(0.5, 0.5, "No department has enough windows to forecast", ha="center")
        panels[0].set_axis_off()
        return figure
    for axes, row in zip(panels, chosen.itertuples(), strict=False):
        series = windows[windows["department"] == row.department].sort_values("window_number")
        tail = series.tail(config.forecast_tail_windows)
        axes.plot(tail["window_number"], tail["item_count"], color=PALETTE[0], label="Actual")
        next_window = int(series["window_number"].max()) + 1
        low, high = row.forecast_lower, row.forecast_upper
        axes.errorbar(
            [next_window],
            [row.forecast_item_count],
            yerr=[[row.forecast_item_count - low], [high - row.forecast_item_count]],
            fmt="o",
            color="black",
            capsize=4,
            label=f"Forecast, {row.interval_level:.0%} interval",
        )
        axes.set_title(f"{row.department}: items per 15-basket window", fontsize=10)
        axes.set_ylabel("items")
        axes.legend(fontsize=8, loc="upper left")
    panels[-1].set_xlabel("window number")
    figure.tight_layout()
    return figure


CHARTS = (
    Chart(
        "sales_by_department",
        "Sales by department",
        "Basket lines sold per department and the share of them that were reorders.",
        ("marts.department_sales",),
        "dbt build --select department_sales",
        sales_by_department,
    ),
    Chart(
        "top_bottom_aisles",
        "Top and bottom aisles",
        "The most and least sold aisles (product categories), with their department.",
        ("marts.aisle_sales",),
        "dbt build --select aisle_sales",
        top_and_bottom_aisles,
    ),
    Chart(
        "department_correlation",
        "Department basket correlation",
        "Pearson correlation between departments of the items per basket.",
        ("marts.department_basket_correlation",),
        "dbt build --select department_basket_correlation",
        correlation_heatmap,
    ),
    Chart(
        "department_transitions",
        "Department transition network",
        "The most frequent changes of department between consecutive lines of a basket.",
        ("marts.department_transitions",),
        "dbt build --select department_transitions",
        transition_network,
    ),
    Chart(
        "model_comparison",
        "Model comparison",
        "Offline metrics of every recommender on the holdout (ml.model_metrics).",
        ("ml.model_metrics",),
        "dbt build --select +model_metrics",
        model_comparison,
    ),
    Chart(
        "demand_forecast",
        "Demand forecast",
        "ARIMA forecast of the next 15-basket window for the departments with the longest series.",
        ("marts.department_demand_forecast", "marts.department_basket_windows"),
        "dbt build --select department_basket_windows+",
        demand_forecast,
    ),
)


# ---------------------------------------------------------------- report


def backtest_table_html(backtest: pd.DataFrame) -> str:
    """The backtest numbers as an HTML table (tested departments first)."""
    tested = backtest[backtest["arima_mae"].notna()].sort_values(
        "training_windows", ascending=False
    )
    if tested.empty:
        return "<p>No department has enough windows for a backtest.</p>"
    header = (
        "<tr><th>department</th><th>held-out windows</th><th>ARIMA MAE</th>"
        "<th>naive MAE</th><th>ratio</th><th>interval coverage</th></tr>"
    )
    body = "".join(
        "<tr>"
        f"<td>{html.escape(str(row.department))}</td><td>{row.held_out_windows}</td>"
        f"<td>{row.arima_mae:.2f}</td><td>{row.naive_mae:.2f}</td>"
        f"<td>{'' if pd.isna(row.arima_mae_ratio) else f'{row.arima_mae_ratio:.2f}'}</td>"
        f"<td>{row.interval_coverage:.0%}</td>"
        "</tr>"
        for row in tested.itertuples()
    )
    skipped = len(backtest) - len(tested)
    note = f"<p>{skipped} department(s) skipped: too few windows.</p>" if skipped else ""
    return f"<table>{header}{body}</table>{note}"


def report_html(
    rendered: Sequence[RenderedChart], tables: dict[str, pd.DataFrame], source: str
) -> str:
    """One self-contained page: every PNG inline as base64, no external files or scripts."""
    sections = []
    for item in rendered:
        title = html.escape(item.chart.title)
        if item.path is None:
            reason = html.escape(item.skipped_reason or "")
            sections.append(f'<section><h2>{title}</h2><p class="skipped">{reason}</p></section>')
            continue
        encoded = base64.b64encode(item.path.read_bytes()).decode("ascii")
        sections.append(
            f'<section id="{item.chart.name}"><h2>{title}</h2>'
            f"<p>{html.escape(item.chart.description)}</p>"
            f'<img alt="{title}" src="data:image/png;base64,{encoded}"></section>'
        )
    backtest = tables.get("marts.department_demand_forecast_backtest")
    if backtest is not None:
        sections.append(
            "<section><h2>Forecast backtest: ARIMA vs naive last value</h2>"
            + backtest_table_html(backtest)
            + "</section>"
        )
    style = (
        "body{font-family:sans-serif;max-width:1300px;margin:2em auto;color:#222}"
        "img{max-width:100%;border:1px solid #ddd}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        ".skipped{color:#a40}"
    )
    generated = f"{datetime.now():%Y-%m-%d %H:%M}"
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>Warehouse charts</title><style>{style}</style></head><body>"
        f"<h1>Warehouse charts</h1><p>From {html.escape(source)}, {generated}.</p>"
        + "".join(sections)
        + "</body></html>"
    )


def render_all(
    tables: dict[str, pd.DataFrame], out_dir: Path, config: ChartConfig
) -> list[RenderedChart]:
    """Every chart whose tables are present, as out_dir/<name>.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = []
    for chart in CHARTS:
        missing = [name for name in chart.tables if name not in tables]
        empty = [name for name in chart.tables if name in tables and tables[name].empty]
        if missing or empty:
            problem = f"missing {', '.join(missing)}" if missing else f"empty {', '.join(empty)}"
            reason = f"Not drawn: {problem}. Build it with `{chart.build_command}`."
            rendered.append(RenderedChart(chart, None, reason))
            continue
        figure = chart.draw(tables, config)
        path = out_dir / f"{chart.name}.png"
        figure.savefig(path, dpi=config.dpi)
        rendered.append(RenderedChart(chart, path))
    return rendered


def render_report(db_path: Path, out_dir: Path, config: ChartConfig) -> list[RenderedChart]:
    """Read the warehouse (read-only), write the PNGs and report.html into out_dir."""
    if not db_path.is_file():
        raise FileNotFoundError(f"No DuckDB file at {db_path}: run `make run` (dbt build) first.")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = load_tables(con, list(QUERIES))
    finally:
        con.close()
    rendered = render_all(tables, out_dir, config)
    (out_dir / REPORT_NAME).write_text(report_html(rendered, tables, str(db_path)), "utf-8")
    return rendered


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("warehouse/warehouse.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("warehouse/charts"))
    parser.add_argument("--aisles", type=int, default=ChartConfig.aisles_each_end)
    parser.add_argument("--network-edges", type=int, default=ChartConfig.network_edges)
    parser.add_argument("--k", type=int, default=ChartConfig.metric_k)
    args = parser.parse_args(argv)
    config = ChartConfig(
        aisles_each_end=args.aisles, network_edges=args.network_edges, metric_k=args.k
    )
    try:
        rendered = render_report(args.db, args.out, config)
    except (FileNotFoundError, duckdb.Error) as error:
        print(f"charts: {error}", file=sys.stderr)
        return 1
    for item in rendered:
        print(f"{item.chart.name}: {item.path or item.skipped_reason}")
    print(f"report: {args.out / REPORT_NAME}")
    return 0 if any(item.path for item in rendered) else 1


if __name__ == "__main__":
    sys.exit(main())
