"""The user's own files in the raw contract: `<table>.parquet` or `<table>.csv` in one folder.

orders, order_lines and products are required; promotions, users and sessions are optional.
Each file needs the contract's required columns; optional columns that are absent are null and
columns outside the contract are ignored. CSV files need a header row and are read as text.
"""

from __future__ import annotations

from pathlib import Path

from models_py.contract import RAW_TABLES, RawTable
from models_py.datasets.sources import RawInputError, SourceFile, find_table_file


def source_files(data_dir: Path) -> list[SourceFile]:
    sources = []
    for table in RAW_TABLES.values():
        found = find_table_file(data_dir, table.name)
        if found is None:
            if table.is_optional_table:
                continue
            raise RawInputError(
                f"{data_dir / table.name}.csv: file not found (nor {table.name}.parquet); "
                f"the files dataset needs orders, order_lines and products."
            )
        path, file_format = found
        sources.append(SourceFile(table.name, path, file_format, table.required))
    return sources


def select_sql(table: RawTable, sources: list[SourceFile]) -> str | None:
    source = next((source for source in sources if source.name == table.name), None)
    if source is None:
        return None
    # Optional columns a file lacks become nulls; DuckDB resolves the name against the file's
    # columns first, so a present column wins over the fallback.
    present = _present_columns(source)
    columns = [
        column if column in present else f"cast(null as varchar) as {column}"
        for column in table.columns
    ]
    return f"select {', '.join(columns)}, source_file, source_row_number from {source.scan_sql()}"


def _present_columns(source: SourceFile) -> set[str]:
    import duckdb

    con = duckdb.connect()
    try:
        return {row[0].lower() for row in con.sql(f"describe {source.scan_sql()}").fetchall()}
    finally:
        con.close()
