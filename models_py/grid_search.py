"""ALS grid search: train every configuration on the training period, list the evaluation users'
top-k in both modes, and let dbt score the lists with the project's one metric macro.

    python -m models_py.grid_search --factors 32,64,128 --regularization 0.001,0.01,0.1 \\
        --iterations 10,15,20 --weighting count,bm25,tfidf --top-products 5000 \\
        [--db warehouse/warehouse.duckdb]

Run from the repo root (the warehouse's Parquet views use paths relative to it) after a
`dbt build`. The candidate lists go to ml.als_grid_candidates (one connection: read, closed;
write, closed -- the DuckDB file is never held open while dbt runs), then
`dbt build --select als_grid_search` scores them with evaluate_recommendations, the macro
behind model_metrics, and the best configuration per mode is printed. Metrics are never
computed in Python.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from models_py.als import (
    INTERACTION_COLUMNS,
    WEIGHT_COLUMNS,
    AlsConfig,
    TrainedAls,
    UserItemMatrix,
    build_user_item_matrix,
    fit_als,
    interactions_table,
    recommendation_rows,
)

REPO = Path(__file__).resolve().parents[1]
CANDIDATES_TABLE = "ml.als_grid_candidates"
RESULTS_TABLE = "ml.als_grid_search"
CANDIDATE_COLUMNS = [
    "config_id",
    "factors",
    "regularization",
    "iterations",
    "weighting",
    "alpha",
    "top_products",
    "mode",
    "user_id",
    "rank",
    "product_id",
    "score",
]
LOCK_WAIT_SECONDS = 120.0


def parse_list(text: str, cast: Callable[[str], Any]) -> list[Any]:
    """'32,64' -> [32, 64] (order kept, duplicates dropped)."""
    values = [cast(part.strip()) for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(values))


def configurations(
    factors: Sequence[int],
    regularization: Sequence[float],
    iterations: Sequence[int],
    weighting: Sequence[str],
    alpha: Sequence[float],
    top_products: Sequence[int],
    top_k: int,
    random_state: int,
) -> list[AlsConfig]:
    """The cartesian grid, grouped by (weighting, top_products) so each matrix is built once."""
    return [
        AlsConfig(
            factors=n_factors,
            regularization=reg,
            iterations=n_iterations,
            alpha=confidence_scale,
            weighting=weight,  # type: ignore[arg-type]
            top_products=kept,
            top_k=top_k,
            random_state=random_state,
        )
        for weight, kept, n_factors, reg, n_iterations, confidence_scale in itertools.product(
            weighting, top_products, factors, regularization, iterations, alpha
        )
    ]


def config_id(config: AlsConfig) -> str:
    return (
        f"f{config.factors}-r{config.regularization:g}-i{config.iterations}-{config.weighting}"
        f"-a{config.alpha:g}-t{config.top_products}"
    )


def candidate_lists(
    config: AlsConfig, matrix: UserItemMatrix, user_ids: Sequence[str]
) -> tuple[pa.Table, float, float]:
    """Fit one configuration and list the users' top_k in both modes (no reasons).

    Returns the candidates (CANDIDATE_COLUMNS), fit seconds and recommend seconds."""
    model, fit_seconds = fit_als(matrix.weights, config)
    trained = TrainedAls(
        config=config, model=model, user_ids=matrix.user_ids, product_ids=matrix.product_ids
    )
    started = time.perf_counter()
    rows = recommendation_rows(trained, matrix.weights, user_ids, explain=False)
    recommend_seconds = time.perf_counter() - started
    frame = rows.loc[:, ["mode", "user_id", "rank", "product_id", "score"]].assign(
        config_id=config_id(config),
        factors=config.factors,
        regularization=config.regularization,
        iterations=config.iterations,
        weighting=config.weighting,
        alpha=config.alpha,
        top_products=config.top_products,
    )
    table = pa.Table.from_pandas(frame.loc[:, CANDIDATE_COLUMNS], preserve_index=False)
    return table, fit_seconds, recommend_seconds


def run_grid(
    interactions: pa.Table,
    user_ids: Sequence[str],
    configs: Sequence[AlsConfig],
    report: Callable[[str], None] = print,
) -> pa.Table:
    """Every configuration's candidate lists in one table; reports progress per configuration."""
    interactions = interactions_table(interactions, INTERACTION_COLUMNS)
    matrices: dict[tuple[str, int], UserItemMatrix] = {}
    tables = []
    for number, config in enumerate(configs, start=1):
        key = (config.weighting, config.top_products)
        if key not in matrices:
            matrices[key] = build_user_item_matrix(interactions, config)
        table, fit_seconds, recommend_seconds = candidate_lists(config, matrices[key], user_ids)
        tables.append(table)
        report(
            f"[{number}/{len(configs)}] {config_id(config)}: fit {fit_seconds:.1f}s, "
            f"recommend {recommend_seconds:.1f}s, {table.num_rows} rows"
        )
    return pa.concat_tables(tables)


# ------------------------------------------------------------------------------ the edges


def connect(db: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting a while if another process holds its lock."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(2.0)


def read_inputs(db: Path) -> tuple[pa.Table, list[str]]:
    """Training-period interactions (the Parquet export behind the marts view) and the warm
    evaluation users."""
    connection = connect(db, read_only=True)
    try:
        columns = ", ".join(INTERACTION_COLUMNS)
        interactions = connection.sql(
            f"select {columns} from marts.user_item_interactions_train"
        ).to_arrow_table()
        users = connection.sql(
            "select user_id from intermediate.int_recommendation_users "
            "where purpose = 'evaluation' and not is_cold order by user_id"
        ).fetchall()
    finally:
        connection.close()
    return interactions, [str(user_id) for (user_id,) in users]


def write_candidates(db: Path, candidates: pa.Table) -> None:
    connection = connect(db, read_only=False)
    try:
        connection.execute("create schema if not exists ml")
        connection.register("grid_candidates", candidates)
        connection.execute(
            f"create or replace table {CANDIDATES_TABLE} as select * from grid_candidates"
        )
    finally:
        connection.close()


def score_with_dbt(db: Path) -> bool:
    """`dbt build --select als_grid_search` in this process, into the same warehouse."""
    from dbt.cli.main import dbtRunner

    os.environ["WAREHOUSE_DB"] = str(db)
    result = dbtRunner().invoke(
        [
            "build",
            "--select",
            "als_grid_search",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO),
        ]
    )
    release_dbt_connection()
    if result.exception is not None:
        print(f"dbt failed: {result.exception}", file=sys.stderr)
    return bool(result.success)


def release_dbt_connection() -> None:
    """dbt-duckdb keeps its DuckDB instance open in this process after invoke(); close it, so
    the warehouse can be reopened here (DuckDB refuses a second configuration of one file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def best_configurations(db: Path, k: int = 5, top: int = 5) -> pd.DataFrame | None:
    """The `top` configurations per mode by precision@k (None when als_grid_search is absent)."""
    connection = connect(db, read_only=True)
    try:
        exists = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_name = 'als_grid_search'"
        ).fetchone()
        if not exists or exists[0] == 0:
            return None
        return connection.execute(
            f"""
            select
                mode,
                row_number() over (partition by mode order by precision_at_k desc) as position,
                config_id,
                factors,
                regularization,
                iterations,
                weighting,
                alpha,
                top_products,
                precision_at_k as precision_at_{k},
                recall_at_k as recall_at_{k},
                ndcg_at_k as ndcg_at_{k}
            from {RESULTS_TABLE}
            where k = ?
            qualify position <= ?
            order by mode, position
            """,
            [k, top],
        ).df()
    finally:
        connection.close()


def parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    defaults = AlsConfig()
    parser = argparse.ArgumentParser(
        prog="python -m models_py.grid_search", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--factors", default=str(defaults.factors))
    parser.add_argument("--regularization", default=str(defaults.regularization))
    parser.add_argument("--iterations", default=str(defaults.iterations))
    parser.add_argument(
        "--weighting", default=defaults.weighting, help=f"any of {', '.join(WEIGHT_COLUMNS)}"
    )
    parser.add_argument("--alpha", default=str(defaults.alpha))
    parser.add_argument(
        "--top-products", default=str(defaults.top_products), help="0 = every product"
    )
    parser.add_argument("--top-k", type=int, default=defaults.top_k)
    parser.add_argument("--random-state", type=int, default=defaults.random_state)
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("WAREHOUSE_DB", "warehouse/warehouse.duckdb")),
    )
    parser.add_argument(
        "--skip-dbt", action="store_true", help="only write the candidates (score them later)"
    )
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    db = args.db.resolve()
    if not db.exists():
        print(f"No warehouse at {db}: run `dbt build` first.", file=sys.stderr)
        return 2
    configs = configurations(
        factors=parse_list(args.factors, int),
        regularization=parse_list(args.regularization, float),
        iterations=parse_list(args.iterations, int),
        weighting=parse_list(args.weighting, str.lower),
        alpha=parse_list(args.alpha, float),
        top_products=parse_list(args.top_products, int),
        top_k=args.top_k,
        random_state=args.random_state,
    )
    started = time.perf_counter()
    interactions, user_ids = read_inputs(db)
    print(
        f"{len(configs)} configurations; {interactions.num_rows} training interactions, "
        f"{len(user_ids)} warm evaluation users",
        flush=True,
    )
    candidates = run_grid(
        interactions, user_ids, configs, report=lambda line: print(line, flush=True)
    )
    write_candidates(db, candidates)
    print(
        f"Wrote {candidates.num_rows} rows to {CANDIDATES_TABLE} "
        f"in {time.perf_counter() - started:.1f}s",
        flush=True,
    )
    if args.skip_dbt:
        return 0
    if not score_with_dbt(db):
        print(
            "dbt build --select als_grid_search failed; the candidates are kept.", file=sys.stderr
        )
        return 1
    best = best_configurations(db)
    if best is None:
        print(
            f"{RESULTS_TABLE} does not exist (is the als_grid_search model in the project?); "
            f"score {CANDIDATES_TABLE} with it once it is."
        )
        return 0
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("Best configurations by precision@5 (position 1 = best per mode):")
        print(best.to_string(index=False))
    print(f"Total {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
