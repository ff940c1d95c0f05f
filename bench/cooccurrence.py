"""Benchmark item co-occurrence on Complete Journey: dbt SQL vs scipy sparse vs the notebook.

1. SQL: `dbt run --select item_cooccurrence` in a copy of the built warehouse (the real one is
   not touched); the model's execution_time from run_results.json.
2. scipy: the same training baskets as a CSR basket x product 0/1 matrix X, C = X.T @ X, the
   upper triangle with count >= min_support. Its pairs must equal marts.item_cooccurrence
   exactly (product_id, paired_product_id, baskets_together), else exit 1.
   The read of the baskets out of DuckDB is timed too: SQL against read + scipy is shown for
   information (what a Python model would pay), not as the goal.
3. pandas: the notebook's pivot_table + dot + cosine on samples of baskets, each in a subprocess
   with a time limit and a memory watch, next to scipy on the same samples.

Steps 1 and 2 run in alternating rounds (dbt run, read, scipy; --repeat of them, on a copy
flushed to disk first), and the best of each side is compared.

Exit status: 0 ok, 1 pair mismatch or dbt failure, 2 warehouse or table missing.
Usage: .venv/bin/python bench/cooccurrence.py [--pandas-sizes 500,1000,2000,5000,10000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import scipy
import scipy.sparse as sp
import yaml

REPO = Path(__file__).resolve().parents[1]
PROJECT = REPO / "dbt_project"
DEFAULT_WAREHOUSE = REPO / "warehouse" / "warehouse.duckdb"
MODELS = ("item_cooccurrence",)
BASKETS_SQL = (
    "select distinct order_id, product_id from intermediate.int_order_lines_enriched "
    "where not is_holdout"
)
PAIRS_SQL = "select product_id, paired_product_id, baskets_together from marts.item_cooccurrence"
GIB = 1024**3


def dbt_executable() -> str:
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


def project_var(name: str) -> Any:
    return yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"][name]


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    paths = [f"dbt_project/models/marts/{name}.sql" for name in MODELS]
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty_models": git("status", "--porcelain", *paths).splitlines(),
    }


# ---------------------------------------------------------------------------------------------
# Memory watch (no psutil needed)


def rss_bytes(pid: int) -> int:
    """VmRSS of one process in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


# ---------------------------------------------------------------------------------------------
# 1. SQL: the dbt models in a copy of the warehouse


def check_warehouse(path: Path, label: Path) -> None:
    """Exit 2 unless the warehouse exists and holds the tables the benchmark reads."""
    if not path.exists():
        print(f"{label}: warehouse not found; build it first with `make run`.", file=sys.stderr)
        sys.exit(2)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        print(f"{label}: cannot open read-only ({error}); is a build running?", file=sys.stderr)
        sys.exit(2)
    try:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.sql(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()
    for needed in ("intermediate.int_order_lines_enriched",):
        if needed not in tables:
            print(
                f"{label}: {needed} is missing; build the warehouse with `make run` first.",
                file=sys.stderr,
            )
            sys.exit(2)


def copy_synced(source: Path, target: Path) -> None:
    """Copy a file and flush it to disk: a fresh copy's gigabyte of dirty pages, written back
    while the first dbt run works, slowed that run by 50-70%."""
    shutil.copyfile(source, target)
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())


def dbt_env(work: Path, warehouse_db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        WAREHOUSE_DB=str(warehouse_db),
        WAREHOUSE_EXPORT_DIR=str(work / "exports"),
        WAREHOUSE_RAW_DIR=str(work / "raw"),
        WAREHOUSE_ARTIFACT_DIR=str(work / "artifacts"),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def run_sql_models(work: Path, warehouse_db: Path, dbt_vars: dict[str, Any]) -> dict[str, Any]:
    """One `dbt run` of the SQL models; seconds per model from run_results.json."""
    args = [dbt_executable(), "run", "--select", *MODELS]
    args += ["--project-dir", "dbt_project", "--profiles-dir", "."]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    started = time.perf_counter()
    result = subprocess.run(
        args, cwd=REPO, env=dbt_env(work, warehouse_db), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    run_results = work / "target" / "run_results.json"
    models: dict[str, dict[str, Any]] = {}
    if run_results.exists():
        for item in json.loads(run_results.read_text())["results"]:
            name = item["unique_id"].rsplit(".", 1)[-1]
            models[name] = {"status": item["status"], "seconds": item["execution_time"]}
    ok = result.returncode == 0 and all(
        models.get(name, {}).get("status") == "success" for name in MODELS
    )
    return {
        "ok": ok,
        "returncode": result.returncode,
        "dbt_wall_seconds": wall,
        "models": models,
        "seconds": sum(models.get(name, {}).get("seconds", 0.0) for name in MODELS),
        "output_tail": "" if ok else (result.stdout[-4000:] + result.stderr[-2000:]),
    }


# ---------------------------------------------------------------------------------------------
# 2. scipy


def basket_matrix(baskets: pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray]:
    """CSR basket x product 0/1 matrix and the product ids of its columns (sorted, as in SQL)."""
    rows, _ = pd.factorize(baskets["order_id"], sort=False)
    cols, product_ids = pd.factorize(baskets["product_id"], sort=True)
    data = np.ones(len(rows), dtype=np.int32)
    shape = (int(rows.max()) + 1 if len(rows) else 0, len(product_ids))
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape)
    matrix.data[:] = 1  # 0/1 even if a (basket, product) pair were repeated
    return matrix, np.asarray(product_ids, dtype=object)


def scipy_pairs(
    baskets: pd.DataFrame, min_support: int, prefilter: bool = False
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Pairs (product_id < paired_product_id) in >= min_support baskets, and step timings.

    With prefilter, products in fewer than min_support baskets are dropped before the product
    (as item_cooccurrence does); the pairs are the same.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    x, product_ids = basket_matrix(baskets)
    if prefilter:
        keep = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() >= min_support)
        x, product_ids = x[:, keep], product_ids[keep]
    timings["build"] = time.perf_counter() - started

    started = time.perf_counter()
    co = (x.T @ x).tocsr()
    timings["multiply"] = time.perf_counter() - started

    started = time.perf_counter()
    upper = sp.triu(co, k=1, format="coo")
    keep = upper.data >= min_support
    pairs = pd.DataFrame(
        {
            "product_id": product_ids[upper.row[keep]],
            "paired_product_id": product_ids[upper.col[keep]],
            "baskets_together": upper.data[keep].astype(np.int64),
        }
    )
    timings["threshold"] = time.perf_counter() - started
    timings["total"] = timings["build"] + timings["multiply"] + timings["threshold"]
    timings["co_nnz"] = float(co.nnz)
    timings["n_products"] = float(len(product_ids))
    return pairs, timings


def head(frame: pd.DataFrame, columns: list[str], n: int = 5) -> list[list[Any]]:
    return frame[columns].head(n).to_numpy().tolist()


def compare_pairs(sql: pd.DataFrame, py: pd.DataFrame) -> dict[str, Any]:
    """Exact comparison of (product_id, paired_product_id, baskets_together)."""
    key = ["product_id", "paired_product_id"]
    sql = sql.astype({"baskets_together": "int64"})
    duplicates = int(sql.duplicated(key).sum())
    merged = sql.merge(py, on=key, how="outer", suffixes=("_sql", "_scipy"), indicator=True)
    only_sql = merged[merged["_merge"] == "left_only"]
    only_scipy = merged[merged["_merge"] == "right_only"]
    both = merged[merged["_merge"] == "both"]
    differ = both[both["baskets_together_sql"] != both["baskets_together_scipy"]]
    report: dict[str, Any] = {
        "sql_rows": len(sql),
        "scipy_rows": len(py),
        "sql_duplicate_pairs": duplicates,
        "only_in_sql": len(only_sql),
        "only_in_scipy": len(only_scipy),
        "count_differs": len(differ),
        "examples": {
            "only_in_sql": head(only_sql, [*key, "baskets_together_sql"]),
            "only_in_scipy": head(only_scipy, [*key, "baskets_together_scipy"]),
            "count_differs": head(differ, [*key, "baskets_together_sql", "baskets_together_scipy"]),
        },
    }
    if len(only_sql):
        swapped = only_sql.rename(
            columns={"product_id": "paired_product_id", "paired_product_id": "product_id"}
        ).merge(py, on=key, how="inner")
        report["only_in_sql_but_swapped_in_scipy"] = len(swapped)
    report["equal"] = (
        len(sql) == len(py)
        and duplicates == 0
        and not len(only_sql)
        and not len(only_scipy)
        and not len(differ)
    )
    return report


# ---------------------------------------------------------------------------------------------
# 3. The notebook's pandas method on samples, in a subprocess


def pandas_worker(sample_path: Path, result_path: Path) -> None:
    """The notebook: pivot_table count, fillna(0), pivot.T.dot(pivot), zero diagonal, cosine."""
    sales = pd.read_parquet(sample_path)
    sales["line"] = 1
    result: dict[str, Any] = {}
    started = time.perf_counter()
    pivot = pd.pivot_table(
        sales, index="order_id", columns="product_id", values="line", aggfunc="count"
    )
    pivot = pivot.fillna(0)
    result["pivot_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    co = pivot.T.dot(pivot)
    np.fill_diagonal(co.values, 0)
    result["dot_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    values = co.to_numpy()
    norms = np.linalg.norm(values, axis=1)
    normalised = values / np.where(norms == 0, 1.0, norms)[:, None]
    cosine = pd.DataFrame(normalised @ normalised.T, index=co.index, columns=co.index)
    result["cosine_seconds"] = time.perf_counter() - started

    upper = np.triu(values, k=1)
    result.update(
        shape=list(pivot.shape),
        upper_sum=float(upper.sum()),
        upper_nonzero=int(np.count_nonzero(upper)),
        cosine_shape=list(cosine.shape),
    )
    result_path.write_text(json.dumps(result))


def scipy_notebook(sample: pd.DataFrame) -> dict[str, Any]:
    """scipy doing what the notebook does on a sample: co-occurrence and cosine of its rows."""
    started = time.perf_counter()
    x, _ = basket_matrix(sample)
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    cooc_seconds = time.perf_counter() - started

    started = time.perf_counter()
    co_float = co.astype(np.float64)
    norms = np.sqrt(np.asarray(co_float.multiply(co_float).sum(axis=1)).ravel())
    normalised = sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ co_float
    cosine = normalised @ normalised.T
    cosine_seconds = time.perf_counter() - started

    upper = sp.triu(co, k=1)
    return {
        "cooc_seconds": cooc_seconds,
        "cosine_seconds": cosine_seconds,
        "seconds": cooc_seconds + cosine_seconds,
        "upper_sum": float(upper.sum()),
        "upper_nonzero": int(upper.nnz),
        "cosine_nnz": int(cosine.nnz),
    }


def run_pandas_sample(
    sample: pd.DataFrame, work: Path, timeout: float, memory_limit: int
) -> dict[str, Any]:
    """The pandas method in a subprocess, killed past `timeout` seconds or `memory_limit` RSS."""
    sample_path = work / f"sample_{len(sample)}.parquet"
    result_path = work / f"sample_{len(sample)}.json"
    sample[["order_id", "product_id"]].to_parquet(sample_path, index=False)
    args = [sys.executable, __file__, "--pandas-worker", str(sample_path), str(result_path)]
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, reason = 0, None
    while process.poll() is None:
        peak = max(peak, rss_bytes(process.pid))
        if time.perf_counter() - started > timeout:
            reason = f"timeout > {timeout:.0f} s"
        elif peak > memory_limit:
            reason = f"memory > {memory_limit / GIB:.1f} GiB"
        if reason:
            process.kill()
            break
        time.sleep(0.1)
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    outcome: dict[str, Any] = {"wall_seconds": wall, "peak_rss_gib": peak / GIB}
    if reason:
        outcome.update(status="killed", reason=reason)
    elif process.returncode != 0 or not result_path.exists():
        outcome.update(status="failed", reason=failure_reason(process.returncode, stderr))
    else:
        outcome.update(status="ok", **json.loads(result_path.read_text()))
        outcome["cooc_seconds"] = outcome["pivot_seconds"] + outcome["dot_seconds"]
        outcome["seconds"] = outcome["cooc_seconds"] + outcome["cosine_seconds"]
    return outcome


def failure_reason(returncode: int, stderr: str) -> str:
    """The worker's last stderr line, or the signal that ended it (pandas' dense dot can die in
    OpenBLAS without a word: numpy/numpy#19685)."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    tail = stderr.strip().splitlines()[-1:] or [f"exit {returncode}"]
    return tail[0][:200]


def largest_survived(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The largest sample the pandas method finished, or None."""
    finished = [row for row in rows if row["pandas"]["status"] == "ok"]
    return max(finished, key=lambda row: row["baskets"], default=None)


def sample_baskets(baskets: pd.DataFrame, size: int, order: np.ndarray) -> pd.DataFrame:
    """Lines of the first `size` baskets of a fixed random order (samples are nested)."""
    return baskets[baskets["order_id"].isin(order[:size])]


# ---------------------------------------------------------------------------------------------
# Report


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(result: dict[str, Any]) -> None:
    sql, py, check = result["sql"], result["scipy"], result["check"]
    print()
    print(f"Item co-occurrence on Complete Journey (min_support = {result['min_support']})")
    print(
        f"training baskets: {result['baskets']:,}, basket-product lines: {result['lines']:,}, "
        f"products: {result['products']:,}"
    )
    if result["repeat"] > 1:
        print(f"SQL and scipy seconds: best of {result['repeat']} alternating rounds")
    print()
    header = f"{'method':<44} {'seconds':>9} {'pairs':>10}"
    print(header)
    print("-" * len(header))
    for name in MODELS:
        model = sql["models"].get(name, {})
        label = f"  dbt {name} ({model.get('status', '?')})"
        print(f"{label:<44} {fmt(model.get('seconds')):>9}")
    print(f"{'SQL: the dbt model':<44} {fmt(sql['seconds']):>9} {check['sql_rows']:>10,}")
    steps = py["timings"]
    print(
        f"{'scipy: build + X.T @ X + threshold':<44} {fmt(steps['total']):>9} "
        f"{check['scipy_rows']:>10,}"
    )
    print(
        f"{'  (build / multiply / threshold)':<44} "
        f"{steps['build']:.2f} / {steps['multiply']:.2f} / {steps['threshold']:.2f}"
    )
    pre = py["prefiltered_timings"]
    print(
        f"{'scipy, products with >= min_support baskets':<44} {fmt(pre['total']):>9} "
        f"{py['prefiltered_rows']:>10,}"
    )
    goal = "met" if result["ratio_sql_scipy"] <= 1.0 else "NOT met"
    print(
        f"{'ratio SQL / scipy (goal <= 1.0)':<44} {fmt(result['ratio_sql_scipy']):>9}   goal {goal}"
    )
    if result["repeat"] > 1:
        ratios = " / ".join(f"{r['ratio_sql_scipy']:.2f}" for r in result["rounds"])
        print(
            f"{'  same, median of the rounds':<44} "
            f"{fmt(result['ratio_sql_scipy_median_of_rounds']):>9}   (rounds: {ratios})"
        )
    end_to_end = py["read_seconds"] + steps["total"]
    print(
        f"{'read of the baskets from DuckDB + scipy':<44} {fmt(end_to_end):>9}   "
        f"(read {py['read_seconds']:.2f} s; not the goal's measure)"
    )
    print(f"{'ratio SQL / (read + scipy)':<44} {fmt(result['ratio_sql_read_plus_scipy']):>9}")
    print(f"dbt process wall time (parse + the model): {sql['dbt_wall_seconds']:.1f} s")
    verdict = "EQUAL" if check["equal"] else "MISMATCH"
    print(
        f"pairs check SQL vs scipy: {verdict} (sql {check['sql_rows']:,}, scipy "
        f"{check['scipy_rows']:,}, only sql {check['only_in_sql']}, only scipy "
        f"{check['only_in_scipy']}, count differs {check['count_differs']}, "
        f"sql duplicates {check['sql_duplicate_pairs']})"
    )
    if not check["equal"]:
        for kind, rows in check["examples"].items():
            if rows:
                print(f"  {kind}: {rows}")
    print()
    print("The notebook's pandas method (pivot_table + dot + cosine) vs scipy on basket samples")
    header = (
        f"{'baskets':>8} {'products':>9} {'pandas s':>9} {'(cooc':>7} {'cosine)':>8} "
        f"{'peak GiB':>9} {'scipy s':>8} {'(cooc':>7} {'cosine)':>8} {'pandas/scipy':>13} "
        f"{'cooc ratio':>11}  status"
    )
    print(header)
    print("-" * len(header))
    for row in result["pandas"]:
        pandas_run, scipy_run = row["pandas"], row["scipy"]
        status = pandas_run["status"]
        if status != "ok":
            status += f" ({pandas_run.get('reason', '')})"
        elif not row["same_cooccurrence"]:
            status += ", co-occurrence DIFFERS from scipy"
        print(
            f"{row['baskets']:>8,} {row['products']:>9,} {fmt(pandas_run.get('seconds')):>9} "
            f"{fmt(pandas_run.get('cooc_seconds')):>7} {fmt(pandas_run.get('cosine_seconds')):>8} "
            f"{fmt(pandas_run.get('peak_rss_gib')):>9} {fmt(scipy_run['seconds'], 3):>8} "
            f"{fmt(scipy_run['cooc_seconds'], 3):>7} {fmt(scipy_run['cosine_seconds'], 3):>8} "
            f"{fmt(row['ratio_total'], 0):>13} {fmt(row['ratio_cooc'], 0):>11}  {status}"
        )
    for size in result["pandas_skipped"]:
        print(f"{size:>8,}  skipped (a smaller sample already failed or hit the limit)")
    largest = largest_survived(result["pandas"])
    if largest is None:
        print("the pandas method finished no sample")
    else:
        print(
            f"largest sample the pandas method finished: {largest['baskets']:,} baskets in "
            f"{largest['pandas']['seconds']:.1f} s, {largest['ratio_total']:.0f}x scipy on it"
        )
    print()


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results" / "cooccurrence.json"
    )
    parser.add_argument(
        "--pandas-sizes",
        default="500,1000,2000,5000,10000",
        help="comma-separated basket counts, smallest first; stops at the first that fails",
    )
    parser.add_argument("--pandas-timeout", type=float, default=600.0, help="seconds per size")
    parser.add_argument(
        "--pandas-memory-gib",
        type=float,
        default=None,
        help="kill a pandas run above this RSS (default: 60%% of physical memory, at most 16)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="rounds of the SQL and scipy steps, alternated; the best of each is kept",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the basket samples")
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    parser.add_argument("--pandas-worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def default_memory_limit() -> int:
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(min(0.6 * total, 16 * GIB))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.pandas_worker:
        pandas_worker(*args.pandas_worker)
        return 0

    if not args.warehouse.exists():
        print(f"{args.warehouse}: not found; build it first with `make run`.", file=sys.stderr)
        return 2
    min_support = int(project_var("min_support"))
    memory_limit = (
        int(args.pandas_memory_gib * GIB) if args.pandas_memory_gib else default_memory_limit()
    )
    sizes = [int(size) for size in args.pandas_sizes.split(",") if size.strip()]

    work = Path(args.work_dir or tempfile.mkdtemp(prefix="bench_cooccurrence_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        copy = work / "warehouse.duckdb"
        started = time.perf_counter()
        copy_synced(args.warehouse, copy)
        wal = args.warehouse.with_name(args.warehouse.name + ".wal")
        if wal.exists():
            copy_synced(wal, copy.with_name(copy.name + ".wal"))
        copy_seconds = time.perf_counter() - started
        print(f"copied {args.warehouse} to {copy} in {copy_seconds:.1f} s")
        check_warehouse(
            copy, args.warehouse
        )  # on the copy: a reader elsewhere may hold the original's lock

        # Rounds alternate the two sides (dbt run, read, scipy), so a machine that slows down
        # or speeds up for a while weighs on both.
        print(f"{max(1, args.repeat)} rounds of: dbt run --select {' '.join(MODELS)}, read, scipy")
        rounds: list[dict[str, Any]] = []
        check: dict[str, Any] | None = None
        sql_runs, read_runs, runs = [], [], []
        for _ in range(max(1, args.repeat)):
            sql = run_sql_models(work, copy, {})
            if not sql["ok"]:
                print(
                    f"dbt run failed (exit {sql['returncode']}): {sql['models']}", file=sys.stderr
                )
                print(sql["output_tail"], file=sys.stderr)
                return 1
            sql_runs.append(sql)
            # dbt needs the file to itself: the read-only connection lives within the round.
            con = duckdb.connect(str(copy), read_only=True)
            try:
                started = time.perf_counter()
                baskets = con.sql(BASKETS_SQL).df()
                read_runs.append(time.perf_counter() - started)
                sql_pairs = con.sql(PAIRS_SQL).df()
            finally:
                con.close()
            nulls = int(baskets[["order_id", "product_id"]].isna().any(axis=1).sum())
            baskets = baskets.dropna(subset=["order_id", "product_id"])
            runs.append(scipy_pairs(baskets, min_support))
            # Each round's table is checked against its scipy pairs; a mismatch is kept.
            round_check = compare_pairs(sql_pairs, runs[-1][0])
            if check is None or check["equal"]:
                check = round_check
            rounds.append(
                {
                    "sql_seconds": sql["seconds"],
                    "read_seconds": read_runs[-1],
                    "scipy_seconds": runs[-1][1]["total"],
                    "ratio_sql_scipy": ratio(sql["seconds"], runs[-1][1]["total"]),
                    "pairs_equal": round_check["equal"],
                }
            )
            print(
                f"  round {len(rounds)}: SQL {sql['seconds']:.2f} s, read {read_runs[-1]:.2f} s, "
                f"scipy {runs[-1][1]['total']:.2f} s",
                flush=True,
            )
        assert check is not None  # at least one round ran
        sql = min(sql_runs, key=lambda run: run["seconds"])
        sql["all_seconds"] = [run["seconds"] for run in sql_runs]
        read_seconds = min(read_runs)
        py_pairs, timings = min(runs, key=lambda run: run[1]["total"])
        timings["all_totals"] = [run[1]["total"] for run in runs]
        runs = [scipy_pairs(baskets, min_support, True) for _ in range(max(1, args.repeat))]
        pre_pairs, pre_timings = min(runs, key=lambda run: run[1]["total"])
        del runs
        prefilter_same = compare_pairs(pre_pairs, py_pairs)["equal"]

        print("pandas samples ...", flush=True)
        order = np.random.default_rng(args.seed).permutation(np.sort(baskets["order_id"].unique()))
        pandas_rows: list[dict[str, Any]] = []
        skipped: list[int] = []
        for size in sizes:
            if pandas_rows and pandas_rows[-1]["pandas"]["status"] != "ok":
                skipped.append(size)
                continue
            sample = sample_baskets(baskets, size, order)
            scipy_run = scipy_notebook(sample)
            pandas_run = run_pandas_sample(sample, work, args.pandas_timeout, memory_limit)
            same = pandas_run["status"] == "ok" and (
                pandas_run["upper_sum"] == scipy_run["upper_sum"]
                and pandas_run["upper_nonzero"] == scipy_run["upper_nonzero"]
            )
            pandas_rows.append(
                {
                    "baskets": int(sample["order_id"].nunique()),
                    "products": int(sample["product_id"].nunique()),
                    "lines": len(sample),
                    "pandas": pandas_run,
                    "scipy": scipy_run,
                    "same_cooccurrence": same,
                    "ratio_total": ratio(pandas_run.get("seconds"), scipy_run["seconds"]),
                    "ratio_cooc": ratio(pandas_run.get("cooc_seconds"), scipy_run["cooc_seconds"]),
                }
            )
            print(f"  {size} baskets: pandas {pandas_run['status']}", flush=True)

        result = {
            "benchmark": "cooccurrence",
            "dataset": "completejourney",
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_state(),
            "environment": {
                "python": platform.python_version(),
                "duckdb": duckdb.__version__,
                "pandas": pd.__version__,
                "scipy": scipy.__version__,
                "numpy": np.__version__,
                "cpus": os.cpu_count(),
                "warehouse_threads": os.environ.get("WAREHOUSE_THREADS", "2 (profile default)"),
                "warehouse_memory_limit": os.environ.get(
                    "WAREHOUSE_MEMORY_LIMIT", "9GB (profile default)"
                ),
                "pandas_timeout_seconds": args.pandas_timeout,
                "pandas_memory_limit_gib": memory_limit / GIB,
            },
            "min_support": min_support,
            "repeat": max(1, args.repeat),
            "baskets": int(baskets["order_id"].nunique()),
            "lines": len(baskets),
            "products": int(baskets["product_id"].nunique()),
            "null_lines_dropped": nulls,
            "warehouse_copy_seconds": copy_seconds,
            "sql": sql,
            "scipy": {
                "read_seconds": read_seconds,
                "timings": timings,
                "prefiltered_timings": pre_timings,
                "prefiltered_rows": len(pre_pairs),
                "prefiltered_equal": prefilter_same,
            },
            "ratio_sql_scipy": ratio(sql["seconds"], timings["total"]),
            "rounds": rounds,
            "ratio_sql_scipy_median_of_rounds": float(
                np.median([r["ratio_sql_scipy"] for r in rounds])
            ),
            # What a Python model would pay: it has to read the baskets out of DuckDB first.
            "ratio_sql_read_plus_scipy": ratio(sql["seconds"], read_seconds + timings["total"]),
            "goal_ratio_sql_scipy_at_most": 1.0,
            "check": check,
            "pandas": pandas_rows,
            "pandas_skipped": skipped,
            "pandas_largest_finished_baskets": (largest_survived(pandas_rows) or {}).get("baskets"),
        }
        print_report(result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.out}")
        if not check["equal"]:
            print("MISMATCH between marts.item_cooccurrence and scipy", file=sys.stderr)
            return 1
        return 0
    finally:
        if args.keep or args.work_dir:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
