"""The serving database BI tools read: published after successful builds only, atomically, in a
storage format old DuckDB clients open, and readable through SQLAlchemy (duckdb-engine)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from models_py import serving
from tests.conftest import REPO, query, run_dbt

SYNTHETIC = {"dataset": "synthetic", "synthetic_users": 200, "synthetic_products": 150}
# The oldest DuckDB 1.x release: a file it opens opens in every 1.x client BI tools bundle.
OLD_DUCKDB = "1.0.0"


def write_db(path: Path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.sql(f"create table t as select range as x from range({rows})")
    con.close()


# ---------------------------------------------------------------- file operations (unit)


def test_serving_path_is_beside_the_warehouse_unless_configured(tmp_path: Path) -> None:
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    assert serving.serving_path(str(warehouse), {}) == tmp_path / "w" / "serving.duckdb"
    configured = tmp_path / "bi" / "s.duckdb"
    env = {serving.SERVING_DB_ENV: str(configured)}
    assert serving.serving_path(str(warehouse), env) == configured
    with pytest.raises(ValueError, match=serving.SERVING_DB_ENV):
        serving.serving_path(":memory:", {})


def test_prepare_drops_temporary_files_of_dead_publishes(tmp_path: Path) -> None:
    final = tmp_path / "serving.duckdb"
    stale = serving.temporary_path(final, "dead-run")
    stale.write_bytes(b"half written")
    unrelated = tmp_path / "serving.duckdb.bak"
    unrelated.write_bytes(b"keep")
    temporary = serving.prepare_publish(final, "new-run")
    assert temporary.parent == final.parent and "new-run" in temporary.name
    assert not stale.exists() and unrelated.exists()


def test_swap_replaces_while_an_open_reader_keeps_its_version(tmp_path: Path) -> None:
    final = tmp_path / "serving.duckdb"
    write_db(final, 3)
    reader = duckdb.connect(str(final), read_only=True)
    temporary = serving.prepare_publish(final, "run-2")
    write_db(temporary, 5)
    serving.swap_serving_file(temporary, final)
    # The reader that had the old file open still sees it whole (its inode lives until closed) ...
    assert reader.sql("select count(*) from t").fetchone() == (3,)
    reader.close()
    # ... and a new reader sees the new one.
    assert query(final, "select count(*) from t") == [(5,)]
    assert not temporary.exists()


def test_swap_refuses_a_missing_or_unmerged_file(tmp_path: Path) -> None:
    final = tmp_path / "serving.duckdb"
    write_db(final, 3)
    with pytest.raises(FileNotFoundError):
        serving.swap_serving_file(tmp_path / "never-written", final)
    temporary = serving.temporary_path(final, "run")
    write_db(temporary, 5)
    Path(str(temporary) + ".wal").write_bytes(b"x")
    with pytest.raises(RuntimeError, match="WAL"):
        serving.swap_serving_file(temporary, final)
    assert query(final, "select count(*) from t") == [(3,)]


# ---------------------------------------------------------------- after a dbt build


def served_models(warehouse: Path) -> set[tuple[str, str]]:
    """(schema, table) of every model whose yml says meta.serve, from the build's manifest."""
    manifest = json.loads((warehouse.parent / "target" / "manifest.json").read_text())
    return {
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("meta", {}).get("serve")
    }


@pytest.mark.slow
def test_build_publishes_every_served_table_with_a_manifest(synthetic_warehouse: Path) -> None:
    serving_db = synthetic_warehouse.with_name("serving.duckdb")
    assert serving_db.exists(), "a successful dbt build publishes the serving database"
    manifest = query(
        serving_db, "select table_schema, table_name, row_count, run_id from serving_manifest"
    )
    assert {(schema, table) for schema, table, _, _ in manifest} == served_models(
        synthetic_warehouse
    )
    assert {"recommendations", "model_metrics", "similar_products"} <= {row[1] for row in manifest}
    assert len({row[3] for row in manifest}) == 1, "one version: one run id"
    for schema, table, row_count, _ in manifest:
        assert query(serving_db, f"select count(*) from {schema}.{table}") == [(row_count,)]
        assert query(synthetic_warehouse, f"select count(*) from {schema}.{table}") == [
            (row_count,)
        ]
    [(storage,)] = query(
        serving_db,
        "select tags['storage_version'] from duckdb_databases() where database_name = 'serving'",
    )
    assert storage == "v1.0.0+"
    [(comment,)] = query(
        serving_db,
        "select comment from duckdb_tables() where table_name = 'recommendations'",
    )
    assert "Grain" in comment


@pytest.mark.slow
def test_sqlalchemy_reads_the_serving_database(synthetic_warehouse: Path) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    serving_db = synthetic_warehouse.with_name("serving.duckdb")
    engine = sqlalchemy.create_engine(f"duckdb:///{serving_db}", connect_args={"read_only": True})
    try:
        with engine.connect() as connection:
            tables = sqlalchemy.inspect(connection).get_table_names(schema="ml")
            assert "recommendations" in tables
            count = connection.execute(
                sqlalchemy.text("select count(*) from ml.recommendations")
            ).scalar_one()
            manifest = connection.execute(
                sqlalchemy.text(
                    "select row_count from serving_manifest where table_name = 'recommendations'"
                )
            ).scalar_one()
            assert count == manifest > 0
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def old_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DuckDB OLD_DUCKDB installed into a folder of its own (pip's cache makes reruns fast)."""
    target = tmp_path_factory.mktemp(f"duckdb_{OLD_DUCKDB}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            f"duckdb=={OLD_DUCKDB}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot install duckdb=={OLD_DUCKDB} (offline?): {result.stderr[-500:]}")
    return target


@pytest.mark.slow
def test_serving_database_opens_in_the_oldest_duckdb_1x(
    synthetic_warehouse: Path, old_duckdb: Path
) -> None:
    serving_db = synthetic_warehouse.with_name("serving.duckdb")
    script = textwrap.dedent(
        f"""
        import duckdb
        con = duckdb.connect({str(serving_db)!r}, read_only=True)
        count = con.sql("select count(*) from ml.recommendations").fetchone()[0]
        manifest = con.sql(
            "select row_count from serving_manifest where table_name = 'recommendations'"
        ).fetchone()[0]
        print(duckdb.__version__, count, manifest)
        """
    )
    # -S: no site-packages, so the old DuckDB is the only one importable.
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        env={"PYTHONPATH": str(old_duckdb), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    version, count, manifest = result.stdout.split()
    assert version == OLD_DUCKDB
    assert int(count) == int(manifest) > 0


# ---------------------------------------------------------------- failed builds, concurrent readers

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    database, log, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    with log.open("w") as out:
        while not stop.exists():
            try:
                # A new connection per answer, as a BI tool's refresh opens the file anew.
                con = duckdb.connect(database, read_only=True)
                try:
                    manifest = dict(con.sql(
                        "select table_name, row_count from serving_manifest"
                    ).fetchall())
                    run_id = con.sql("select any_value(run_id) from serving_manifest").fetchone()[0]
                    counts = {
                        "recommendations": con.sql(
                            "select count(*) from ml.recommendations").fetchone()[0],
                        "similar_products": con.sql(
                            "select count(*) from marts.similar_products").fetchone()[0],
                        "model_runs": con.sql("select count(*) from ml.model_runs").fetchone()[0],
                    }
                finally:
                    con.close()
                answer = {"run_id": run_id, "manifest": manifest, "counts": counts}
            except Exception as error:
                answer = {"error": repr(error)}
            out.write(json.dumps(answer) + "\\n")
            out.flush()
            time.sleep(0.02)
    """
)


def manifest_run_id(serving_db: Path) -> str:
    return query(serving_db, "select any_value(run_id) from serving_manifest")[0][0]


@pytest.mark.slow
def test_readers_see_whole_versions_during_builds_and_a_failed_build_keeps_the_old(
    synthetic_warehouse: Path, tmp_path: Path
) -> None:
    """A reader loops over the serving database while two builds run on a copy of the synthetic
    warehouse (built with similar_products_k 10): a build (models and data tests) with k 3,
    then a failing one."""
    warehouse_dir = tmp_path / "warehouse"
    warehouse_dir.mkdir()
    shutil.copy(synthetic_warehouse, warehouse_dir / "warehouse.duckdb")
    shutil.copy(synthetic_warehouse.with_name("serving.duckdb"), warehouse_dir / "serving.duckdb")
    serving_db = warehouse_dir / "serving.duckdb"
    published = [manifest_run_id(serving_db)]

    log, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving_db), str(log), str(stop)], cwd=REPO
    )
    try:
        build = run_dbt(
            # A bounded selection (models and their data tests) keeps the test's time flat as
            # the project grows downstream of similar_products.
            ["build", "--select", "similar_products similar_products_validation department_sales"],
            warehouse_dir,
            {**SYNTHETIC, "similar_products_k": 3},
        )
        assert build.returncode == 0, build.stdout[-4000:]
        published.append(manifest_run_id(serving_db))

        # similar_products_k is compared with an integer rank: a string makes the model fail.
        failing = run_dbt(
            ["run", "--select", "similar_products"],
            warehouse_dir,
            {**SYNTHETIC, "similar_products_k": "'not a number'"},
        )
        assert failing.returncode != 0
        assert "serving: not published" in failing.stdout
        assert manifest_run_id(serving_db) == published[-1], "a failed build keeps the old file"
        time.sleep(0.5)
    finally:
        stop.touch()
        reader.wait(timeout=60)

    answers = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [answer["error"] for answer in answers if "error" in answer]
    assert not errors, errors[:3]
    assert len(answers) >= 20
    for answer in answers:
        assert answer["run_id"] in published
        for table, count in answer["counts"].items():
            assert answer["manifest"][table] == count, answer
    # Versions appear in publish order, and the reader saw both.
    seen = [published.index(answer["run_id"]) for answer in answers]
    assert seen == sorted(seen)
    assert set(seen) == {0, 1}
    counts = {
        published.index(answer["run_id"]): answer["counts"]["similar_products"]
        for answer in answers
    }
    assert counts[1] < counts[0], "k=3 lists are shorter than k=10 lists"
    [(k_max,)] = query(
        serving_db,
        "select max(similarity_rank) from marts.similar_products where method = 'cosine'",
    )
    assert k_max == 3
