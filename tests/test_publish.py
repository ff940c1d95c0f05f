"""`publish` into a real PostgreSQL 15 server that the tests start themselves (initdb in a
temporary folder, loopback, a free port): values, atomic swaps under a reading client, errors."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest

from models_py import publish as publish_module
from models_py.publish import PublishConfig, PublishError, postgres_type, publish

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL 15 server on 127.0.0.1; yields its connection string."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(
            f"PostgreSQL 15 server binaries not in {PG_BIN} (apt-get install postgresql-15)"
        )
    # Not under pytest's tmp_path: its 0700 parents keep the postgres user out.
    root = Path(tempfile.mkdtemp(prefix="publish-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
    data = root / "data"
    subprocess.run(
        as_postgres_user(
            [
                *(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"),
                *("-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        as_postgres_user(
            [
                *(str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root)),
                *("-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"),
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    conninfo = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        for _ in range(100):
            try:
                psycopg.connect(conninfo, connect_timeout=1).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        else:
            raise RuntimeError("PostgreSQL did not start")
        yield conninfo
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def make_source(path: Path, users: int, run_id: str, bad_text: bool = False) -> Path:
    """A serving database: `users` x 2 recommendations, 3 similar products, a manifest."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    reason = "chr(0)" if bad_text else "'bought ' || (range % 7) || ' times'"
    con.sql("create schema ml; create schema marts")
    con.sql(
        f"""
        create table ml.recommendations as
        select
            'u' || range as user_id,
            rank,
            'p' || ((range + rank) % 50) as product_id,
            1.0 / (rank + range) as score,
            {reason} as reason,
            timestamp '2024-01-02 03:04:05.123456' as generated_at
        from range({users}) cross join (select unnest([1, 2]) as rank)
        """
    )
    con.sql(
        """
        create table marts.similar_products as
        select * from (values
            ('p1', 'p2', 0.1::double + 0.2::double, 1, ['a', 'b'], {'why': 'x'},
                'say "hi", ok', true),
            ('p1', 'p3', 1e-300::double, 2, [], null, E'two\\nlines', false),
            ('p2', 'p1', null, 1, null, {'why': null}, '', null)
        ) as t (product_id, similar_product_id, score, similarity_rank, tags, detail, note, flag)
        """
    )
    con.sql(f"create table serving_manifest as select '{run_id}' as run_id")
    con.close()
    return path


def fetch(conninfo: str, statement: str) -> list[tuple]:
    with psycopg.connect(conninfo) as connection:
        return connection.execute(statement).fetchall()


def test_duckdb_types_map_to_postgres_types() -> None:
    assert postgres_type("VARCHAR") == "text"
    assert postgres_type("DOUBLE") == "double precision"
    assert postgres_type("DECIMAL(18,3)") == "numeric(18, 3)"
    assert postgres_type("TIMESTAMP WITH TIME ZONE") == "timestamptz"
    assert postgres_type("FLOAT[64]") == "jsonb"
    assert postgres_type("STRUCT(a INTEGER)") == "jsonb"
    with pytest.raises(PublishError, match="BIT"):
        postgres_type("BIT")


def test_publish_copies_values_exactly(postgres: str, tmp_path: Path) -> None:
    source = make_source(tmp_path / "serving.duckdb", users=3, run_id="run-1")
    result = publish(postgres, source, PublishConfig(schema="exact"))
    assert result.tables == {"recommendations": 6, "similar_products": 3}
    assert result.skipped == ["campaign_slates", "promo_targets"]
    rows = fetch(
        postgres,
        "select product_id, similar_product_id, score, similarity_rank, tags, detail, note, flag"
        " from exact.similar_products order by product_id, similarity_rank",
    )
    assert rows == [
        ("p1", "p2", 0.1 + 0.2, 1, ["a", "b"], {"why": "x"}, 'say "hi", ok', True),
        ("p1", "p3", 1e-300, 2, [], None, "two\nlines", False),
        ("p2", "p1", None, 1, None, {"why": None}, "", None),
    ]
    expected = duckdb.connect(str(source), read_only=True).sql(
        "select user_id, rank, product_id, score, reason, generated_at"
        " from ml.recommendations order by all"
    )
    assert fetch(postgres, "select * from exact.recommendations order by 1, 2") == (
        expected.fetchall()
    )
    assert fetch(
        postgres, "select run_id, table_name, row_count from exact.publish_manifest order by 2"
    ) == [("run-1", "recommendations", 6), ("run-1", "similar_products", 3)]
    indexed = fetch(postgres, "select indexdef from pg_indexes where schemaname = 'exact'")
    assert any("(user_id)" in row[0] for row in indexed)


class Reader(threading.Thread):
    """Queries the published tables in a loop, one statement per answer, until stopped."""

    def __init__(self, conninfo: str, schema: str) -> None:
        super().__init__(daemon=True)
        self.conninfo, self.schema = conninfo, schema
        self.answers: list[tuple] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        statement = (
            f"select (select min(run_id) from {self.schema}.publish_manifest),"
            f" (select count(*) from {self.schema}.recommendations),"
            f" (select row_count from {self.schema}.publish_manifest"
            "   where table_name = 'recommendations'),"
            f" (select count(*) from {self.schema}.similar_products)"
        )
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            while not self.stop.is_set():
                try:
                    self.answers.append(connection.execute(statement).fetchone())
                except psycopg.Error as error:
                    self.errors.append(str(error))


def test_a_reader_sees_the_old_or_the_new_tables_never_a_mix(postgres: str, tmp_path: Path) -> None:
    sizes = {"v1": 40_000, "v2": 60_000}
    sources = {
        version: make_source(tmp_path / f"{version}.duckdb", users, version)
        for version, users in sizes.items()
    }
    publish(postgres, sources["v1"], PublishConfig(schema="live"))
    reader = Reader(postgres, "live")
    reader.start()
    try:
        for version in ["v2", "v1", "v2", "v1"]:
            publish(postgres, sources[version], PublishConfig(schema="live"))
            time.sleep(0.2)
    finally:
        reader.stop.set()
        reader.join(timeout=60)
    assert not reader.errors, reader.errors[:3]
    versions = [answer[0] for answer in reader.answers]
    assert len(reader.answers) > 20 and {"v1", "v2"} <= set(versions)
    for run_id, recommendations, manifest_rows, similar in reader.answers:
        assert recommendations == manifest_rows == 2 * sizes[run_id]
        assert similar == 3
    switches = sum(1 for before, after in itertools.pairwise(versions) if before != after)
    assert switches <= 4, "each publish switches the version once"
    leftovers = fetch(postgres, "select nspname from pg_namespace where nspname like 'live\\_%'")
    assert leftovers == []


def test_a_failed_publish_leaves_the_previous_tables(postgres: str, tmp_path: Path) -> None:
    good = make_source(tmp_path / "good.duckdb", users=5, run_id="good")
    publish(postgres, good, PublishConfig(schema="kept"))
    # PostgreSQL text cannot hold a NUL character: the COPY of the second version fails.
    bad = make_source(tmp_path / "bad.duckdb", users=8, run_id="bad", bad_text=True)
    with pytest.raises(PublishError, match=r"rolled back.*0x00"):
        publish(postgres, bad, PublishConfig(schema="kept"))
    assert fetch(postgres, "select min(run_id), count(*) from kept.publish_manifest") == [
        ("good", 2)
    ]
    assert fetch(postgres, "select count(*) from kept.recommendations") == [(10,)]
    assert fetch(postgres, "select nspname from pg_namespace where nspname like 'kept\\_%'") == []


def test_connection_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = make_source(tmp_path / "serving.duckdb", users=2, run_id="r")
    with pytest.raises(PublishError, match="Bad PostgreSQL connection string"):
        publish("host=127.0.0.1 nonsense_option=1", source, PublishConfig())
    unreachable = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(PublishError, match="Cannot connect to PostgreSQL") as raised:
        publish(unreachable, source, PublishConfig())
    assert "secret" not in str(raised.value) and "***" in str(raised.value)
    with pytest.raises(PublishError, match="run `dbt build` first"):
        publish(unreachable, tmp_path / "missing.duckdb", PublishConfig())
    assert publish_module.main([unreachable, "--db", str(source)]) == 1
    assert "Cannot connect to PostgreSQL" in capsys.readouterr().err
