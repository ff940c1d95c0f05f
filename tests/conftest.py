"""Shared test helpers: run dbt into a throw-away warehouse, and a session-wide synthetic build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DBT = Path(sys.executable).parent / "dbt"
# Training budgets for the tiny synthetic data: smaller batches, so that a few hundred steps
# happen at all (the defaults are sized for Complete Journey).
CI_BUDGETS = {
    # Every retrieval variant, so the tests cover the notebook's id model too.
    "tfrs_evaluation_variants": "id,content,hybrid",
    "tfrs_embedding_dim": 64,
    "tfrs_epochs": 5,
    "tfrs_batch_size": 256,
    "sequence_epochs": 15,
    "sequence_batch_size": 256,
    # Two-stage ranker: fewer trees, small batches, and several scoring batches of users.
    "ranker_trees": 50,
    "ranker_batch_size": 256,
    "ranker_score_batch_users": 64,
}


def dbt_env(warehouse_dir: Path) -> dict[str, str]:
    """Environment that points every generated file of a dbt run into warehouse_dir."""
    env = dict(os.environ)
    env.update(
        WAREHOUSE_DB=str(warehouse_dir / "warehouse.duckdb"),
        WAREHOUSE_EXPORT_DIR=str(warehouse_dir / "exports"),
        WAREHOUSE_RAW_DIR=str(warehouse_dir / "raw"),
        WAREHOUSE_ARTIFACT_DIR=str(warehouse_dir / "artifacts"),
        WAREHOUSE_MEMORY_LIMIT="4GB",
        DBT_TARGET_PATH=str(warehouse_dir / "target"),
        DBT_LOG_PATH=str(warehouse_dir / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("WAREHOUSE_DATASET", None)
    env.pop("WAREHOUSE_DATA_DIR", None)
    return env


def run_dbt(
    command: list[str], warehouse_dir: Path, dbt_vars: dict | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <command>` from the repo root into warehouse_dir; never raises on failure."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    args = [str(DBT), *command, "--project-dir", "dbt_project", "--profiles-dir", "."]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(
        args, cwd=REPO, env=dbt_env(warehouse_dir), capture_output=True, text=True, check=False
    )


def query(db_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def synthetic_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`dbt build` of the whole project on the tiny synthetic dataset; yields the DuckDB path."""
    warehouse_dir = tmp_path_factory.mktemp("synthetic_warehouse")
    result = run_dbt(
        ["build"],
        warehouse_dir,
        {"dataset": "synthetic", "synthetic_users": 200, "synthetic_products": 150, **CI_BUDGETS},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    yield warehouse_dir / "warehouse.duckdb"
