"""Publish the serving tables into PostgreSQL, atomically.

    python -m models_py.publish "postgresql://user@host:5432/db" [--db warehouse/serving.duckdb]
        [--schema serving] [--tables recommendations,similar_products,...] [--grant-select-to bi]

One PostgreSQL transaction: create a staging schema, COPY every table into it (DuckDB streams
Arrow batches, written as CSV into `COPY ... FROM STDIN`), index the lookup columns, then take
ACCESS EXCLUSIVE locks on the published tables (running reads finish first, new ones queue),
rename the old schema away, rename the staging schema to `--schema`, drop the old one, commit.
A reader's query therefore resolves every table in the old schema or every table in the new
one; nothing is visible before the commit, and any error rolls everything back, leaving the
previously published tables as they were. `<schema>.publish_manifest` records the version.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql

from models_py import serving

# Published when present in the source database (any schema); campaign_slates and promo_targets
# come with the ranking work and are skipped while they do not exist.
DEFAULT_TABLES = ("recommendations", "similar_products", "campaign_slates", "promo_targets")
# The column a serving application looks each table's rows up by: indexed before the swap.
LOOKUP_COLUMNS = {
    "recommendations": "user_id",
    "similar_products": "product_id",
    "campaign_slates": "user_id",
    "promo_targets": "product_id",
}
BATCH_ROWS = 200_000

_SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(39, 0)",
    "UHUGEINT": "numeric(39, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
    "BLOB": "bytea",
}


class PublishError(RuntimeError):
    """A publish that did not happen; the previously published tables are unchanged."""


@dataclass(frozen=True)
class PublishConfig:
    """Where and what to publish."""

    schema: str = "serving"
    tables: tuple[str, ...] = DEFAULT_TABLES
    grant_select_to: tuple[str, ...] = ()
    lock_timeout_s: float = 10.0
    swap_attempts: int = 5


@dataclass(frozen=True)
class SourceColumn:
    name: str
    duckdb_type: str

    @property
    def postgres_type(self) -> str:
        return postgres_type(self.duckdb_type)

    @property
    def select_expression(self) -> str:
        """How DuckDB reads the column for CSV: nested values as JSON, blobs as bytea hex."""
        quoted = '"' + self.name.replace('"', '""') + '"'
        if self.postgres_type == "jsonb" and self.duckdb_type != "JSON":
            return f"to_json({quoted})::varchar as {quoted}"
        if self.postgres_type == "bytea":
            return f"'\\x' || hex({quoted}) as {quoted}"
        if self.postgres_type in ("interval", "uuid", "jsonb", "time"):
            return f"{quoted}::varchar as {quoted}"
        return quoted


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str
    columns: tuple[SourceColumn, ...]

    @property
    def qualified(self) -> str:
        return f'"{self.schema}"."{self.name}"'


@dataclass
class PublishReport:
    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    run_id: str | None = None


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL column type for a DuckDB type (lists, structs, maps: jsonb)."""
    normalized = duckdb_type.strip().upper()
    if normalized in _SCALAR_TYPES:
        return _SCALAR_TYPES[normalized]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", normalized)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    if normalized.startswith("ENUM("):
        return "text"
    if normalized.endswith("]") or normalized.startswith(("STRUCT(", "MAP(", "UNION(")):
        return "jsonb"
    raise PublishError(f"No PostgreSQL type for DuckDB type {duckdb_type!r}.")


def redact(conninfo: str) -> str:
    """The connection string without its password, for messages."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "<unparsable connection string>"
    if "password" in parts:
        parts["password"] = "***"
    return psycopg.conninfo.make_conninfo(**{key: str(value) for key, value in parts.items()})


def find_source_tables(
    connection: duckdb.DuckDBPyConnection, names: Sequence[str]
) -> tuple[list[SourceTable], list[str]]:
    """The tables named (searched in every schema; main excluded) and the names not found."""
    rows = connection.execute(
        """
        select schema_name, table_name, list(column_name order by column_index),
            list(data_type order by column_index)
        from duckdb_columns()
        where database_name = current_database() and table_name in (select unnest(?))
        group by all
        order by schema_name
        """,
        [list(names)],
    ).fetchall()
    by_name: dict[str, list[SourceTable]] = {}
    for schema, name, column_names, types in rows:
        columns = tuple(SourceColumn(c, t) for c, t in zip(column_names, types, strict=True))
        by_name.setdefault(name, []).append(SourceTable(schema, name, columns))
    tables, missing = [], []
    for name in names:
        found = by_name.get(name, [])
        if len(found) > 1:
            schemas = ", ".join(table.schema for table in found)
            raise PublishError(
                f"Table {name} is in several schemas ({schemas}); publish is ambiguous."
            )
        if found:
            tables.append(found[0])
        else:
            missing.append(name)
    return tables, missing


def csv_chunks(
    connection: duckdb.DuckDBPyConnection, table: SourceTable, batch_rows: int = BATCH_ROWS
) -> Iterator[bytes]:
    """The table as CSV without header, in batches: strings quoted, NULL as an empty field."""
    select = ", ".join(column.select_expression for column in table.columns)
    reader = connection.sql(f"select {select} from {table.qualified}").to_arrow_reader(batch_rows)
    options = pa_csv.WriteOptions(include_header=False)
    for batch in reader:
        buffer = io.BytesIO()
        pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
        yield buffer.getvalue()


def source_run_id(connection: duckdb.DuckDBPyConnection) -> str | None:
    found = connection.sql(
        "select count(*) from duckdb_tables() where table_name = 'serving_manifest'"
    ).fetchone()
    if not found or not found[0]:
        return None
    return connection.sql("select any_value(run_id) from serving_manifest").fetchone()[0]


def connect(conninfo: str) -> psycopg.Connection:
    try:
        return psycopg.connect(conninfo, connect_timeout=10)
    except psycopg.ProgrammingError as error:
        raise PublishError(f"Bad PostgreSQL connection string: {error}".strip()) from error
    except psycopg.OperationalError as error:
        raise PublishError(
            f"Cannot connect to PostgreSQL ({redact(conninfo)}): {str(error).strip()}"
        ) from error


def load_table(
    cursor: psycopg.Cursor, duck: duckdb.DuckDBPyConnection, table: SourceTable, staging: str
) -> int:
    target = sql.Identifier(staging, table.name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column.name), sql.SQL(column.postgres_type))
        for column in table.columns
    )
    cursor.execute(sql.SQL("create table {} ({})").format(target, columns))
    # FREEZE: the table is new in this transaction, so its rows can be written as already
    # visible (no later hint-bit rewrite, and a repeatable-read reader that meets the new table
    # after the swap sees its rows rather than an empty table).
    copy_sql = sql.SQL("copy {} from stdin with (format csv, freeze)").format(target)
    with cursor.copy(copy_sql) as copy:
        for chunk in csv_chunks(duck, table):
            copy.write(chunk)
    rows = cursor.rowcount
    lookup = LOOKUP_COLUMNS.get(table.name)
    if lookup in {column.name for column in table.columns}:
        cursor.execute(sql.SQL("create index on {} ({})").format(target, sql.Identifier(lookup)))
    cursor.execute(sql.SQL("analyze {}").format(target))
    return rows


def write_manifest(
    cursor: psycopg.Cursor, staging: str, run_id: str | None, counts: dict[str, int]
) -> None:
    target = sql.Identifier(staging, "publish_manifest")
    cursor.execute(
        sql.SQL(
            "create table {} (run_id text, published_at timestamptz, table_name text, "
            "row_count bigint)"
        ).format(target)
    )
    cursor.executemany(
        sql.SQL("insert into {} values (%s, now(), %s, %s)").format(target),
        [(run_id, name, rows) for name, rows in counts.items()],
    )


def schema_tables(cursor: psycopg.Cursor, schema: str) -> list[str]:
    cursor.execute(
        "select tablename from pg_tables where schemaname = %s order by tablename", [schema]
    )
    return [row[0] for row in cursor.fetchall()]


def grant_role(cursor: psycopg.Cursor, schema: str, role: str) -> None:
    """Read access for a role (a BI user): a new schema starts without the old one's grants."""
    names = {"schema": sql.Identifier(schema), "role": sql.Identifier(role)}
    cursor.execute(sql.SQL("grant usage on schema {schema} to {role}").format(**names))
    cursor.execute(
        sql.SQL("grant select on all tables in schema {schema} to {role}").format(**names)
    )


def swap_schemas(cursor: psycopg.Cursor, staging: str, config: PublishConfig) -> None:
    """Lock the published tables, move the old schema away, the staging schema in, drop the old.

    A reader holding one old table while waiting for another can deadlock with the lock step;
    PostgreSQL then aborts one side. The swap rolls back to its savepoint and retries, so the
    reader is the one that goes on."""
    old = f"{config.schema}_old_{uuid.uuid4().hex[:8]}"
    for attempt in range(1, config.swap_attempts + 1):
        cursor.execute("savepoint swap")
        try:
            cursor.execute(
                sql.SQL("set local lock_timeout = {}").format(
                    sql.Literal(f"{int(config.lock_timeout_s * 1000)}ms")
                )
            )
            existing = schema_tables(cursor, config.schema)
            if existing:
                cursor.execute(
                    sql.SQL("lock table {} in access exclusive mode").format(
                        sql.SQL(", ").join(sql.Identifier(config.schema, t) for t in existing)
                    )
                )
            cursor.execute("select count(*) from pg_namespace where nspname = %s", [config.schema])
            if cursor.fetchone()[0]:
                cursor.execute(
                    sql.SQL("alter schema {} rename to {}").format(
                        sql.Identifier(config.schema), sql.Identifier(old)
                    )
                )
            cursor.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(staging), sql.Identifier(config.schema)
                )
            )
            cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old)))
            cursor.execute("release savepoint swap")
            return
        except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
            cursor.execute("rollback to savepoint swap")
            if attempt == config.swap_attempts:
                raise
            time.sleep(0.05 * attempt)


def publish(
    conninfo: str,
    database: Path,
    config: PublishConfig,
    report: Callable[[str], None] = lambda line: None,
) -> PublishReport:
    """Copy the configured tables of `database` (DuckDB) into `config.schema`, atomically."""
    if not database.exists():
        raise PublishError(f"No DuckDB database at {database}: run `dbt build` first.")
    started = time.perf_counter()
    result = PublishReport(schema=config.schema)
    duck = duckdb.connect(str(database), read_only=True)
    try:
        tables, result.skipped = find_source_tables(duck, config.tables)
        if not tables:
            raise PublishError(f"None of {', '.join(config.tables)} is in {database}.")
        result.run_id = source_run_id(duck)
        staging = f"{config.schema}_next_{uuid.uuid4().hex[:8]}"
        with connect(conninfo) as connection:
            try:
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.execute(sql.SQL("create schema {}").format(sql.Identifier(staging)))
                    for table in tables:
                        table_started = time.perf_counter()
                        result.tables[table.name] = load_table(cursor, duck, table, staging)
                        report(
                            f"publish: {table.schema}.{table.name} -> {config.schema}: "
                            f"{result.tables[table.name]:,} rows in "
                            f"{time.perf_counter() - table_started:.1f}s"
                        )
                    write_manifest(cursor, staging, result.run_id, result.tables)
                    for role in config.grant_select_to:
                        grant_role(cursor, staging, role)
                    swap_schemas(cursor, staging, config)
            except psycopg.Error as error:
                raise PublishError(
                    f"Publish to schema {config.schema} failed and was rolled back "
                    f"(the previous tables are unchanged): {str(error).strip()}"
                ) from error
    finally:
        duck.close()
    result.seconds = time.perf_counter() - started
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = PublishConfig()
    parser = argparse.ArgumentParser(
        prog="python -m models_py.publish", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "conninfo",
        nargs="?",
        default=os.environ.get("WAREHOUSE_PUBLISH_DSN"),
        help="libpq connection string or URI (default: env WAREHOUSE_PUBLISH_DSN)",
    )
    default_db = serving.serving_path(os.environ.get("WAREHOUSE_DB", "warehouse/warehouse.duckdb"))
    parser.add_argument("--db", type=Path, default=default_db, help=f"default {default_db}")
    parser.add_argument("--schema", default=defaults.schema)
    parser.add_argument("--tables", default=",".join(defaults.tables))
    parser.add_argument("--grant-select-to", default="", help="comma-separated roles")
    return parser.parse_args(list(argv) if argv is not None else None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.conninfo:
        print("publish: give a connection string (or set WAREHOUSE_PUBLISH_DSN).", file=sys.stderr)
        return 2
    config = PublishConfig(
        schema=args.schema,
        tables=tuple(name.strip() for name in args.tables.split(",") if name.strip()),
        grant_select_to=tuple(
            role.strip() for role in args.grant_select_to.split(",") if role.strip()
        ),
    )
    try:
        result = publish(
            args.conninfo, args.db, config, report=lambda line: print(line, flush=True)
        )
    except PublishError as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    skipped = f"; not in the source: {', '.join(result.skipped)}" if result.skipped else ""
    print(
        f"publish: {len(result.tables)} tables, {sum(result.tables.values()):,} rows into schema "
        f"{result.schema} in {result.seconds:.1f}s{skipped}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
