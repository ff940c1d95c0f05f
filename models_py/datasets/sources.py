"""Source files and the checks that run before anything is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb


class RawInputError(Exception):
    """Input that cannot be used at all: the message names the file, the column and what to do."""


@dataclass(frozen=True)
class SourceFile:
    """One input file and the columns the adapter needs from it."""

    name: str  # the adapter's name for it, e.g. "transactions"
    path: Path
    format: Literal["csv", "parquet"]
    required_columns: tuple[str, ...]

    def scan_sql(self) -> str:
        """A DuckDB table function over the file with its 1-based row number and file name.

        CSV is read as text: casting (and quarantining values that do not cast) is staging's job.
        """
        path = str(self.path).replace("'", "''")
        # A file's own columns named like the lineage columns must not pass for lineage.
        file_columns = "columns(c -> c not in ('source_file', 'source_row_number'))"
        if self.format == "parquet":
            return (
                f"(select {file_columns}, file_row_number + 1 as source_row_number, "
                f"'{path}' as source_file "
                f"from read_parquet('{path}', file_row_number = true))"
            )
        return (
            f"(select {file_columns}, row_number() over () as source_row_number, "
            f"'{path}' as source_file "
            f"from read_csv('{path}', header = true, all_varchar = true))"
        )


def check_source(con: duckdb.DuckDBPyConnection, source: SourceFile) -> None:
    """Raise RawInputError unless the file exists, can be read and has the required columns."""
    if not source.path.is_file():
        raise RawInputError(
            f"{source.path}: file not found (the {source.name} input). "
            "Check data_dir and the file names in the README's raw contract."
        )
    try:
        columns = [
            row[0].lower()
            for row in con.sql(f"describe {source.scan_sql()}").fetchall()
            if row[0] not in ("source_file", "source_row_number")
        ]
    except duckdb.Error as error:
        raise RawInputError(
            f"{source.path}: cannot be read as {source.format.upper()} ({error})."
        ) from error
    missing = [column for column in source.required_columns if column not in columns]
    if missing:
        raise RawInputError(
            f"{source.path}: required column {', '.join(repr(m) for m in missing)} is missing "
            f"(found: {', '.join(columns)})."
        )


def find_table_file(data_dir: Path, stem: str) -> tuple[Path, Literal["csv", "parquet"]] | None:
    """The `<stem>.parquet` or `<stem>.csv` file of a folder, if present."""
    for suffix in ("parquet", "csv"):
        path = data_dir / f"{stem}.{suffix}"
        if path.is_file():
            return path, suffix  # type: ignore[return-value]
    return None
