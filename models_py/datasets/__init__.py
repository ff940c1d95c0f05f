"""Dataset adapters: each one maps a dataset's files onto the raw contract (models_py.contract).

The dbt raw models call `load_raw_table`; it returns a DuckDB relation over the source files, so
nothing is copied through Python. Every adapter first resolves and checks its files
(`resolve_sources`): a missing file, a missing required column or an unreadable file raises
`RawInputError` naming the file and the column before any raw table is replaced.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from models_py.contract import RAW_TABLES, RawTable
from models_py.datasets import completejourney, files, instacart
from models_py.datasets.sources import RawInputError, SourceFile, check_source

DATASETS = ("completejourney", "instacart", "files", "synthetic")

__all__ = [
    "DATASETS",
    "DatasetConfig",
    "RawInputError",
    "SourceFile",
    "empty_table_sql",
    "load_raw_table",
    "resolve_sources",
]


@dataclass(frozen=True)
class DatasetConfig:
    """Which dataset fills the raw contract and where its files are."""

    name: str = "completejourney"
    data_dir: Path | None = None
    synthetic_users: int = 300
    synthetic_products: int = 400
    synthetic_seed: int = 42

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> DatasetConfig:
        """Build from the `dataset_options` dbt config (values arrive as rendered strings)."""
        options = dict(options or {})
        name = str(options.get("name") or "completejourney").strip().lower()
        if name not in DATASETS:
            raise RawInputError(
                f"Unknown dataset {name!r}: set the dbt var `dataset` to one of "
                f"{', '.join(DATASETS)}."
            )
        data_dir = str(options.get("data_dir") or "").strip()
        return cls(
            name=name,
            data_dir=Path(data_dir) if data_dir else None,
            synthetic_users=int(options.get("synthetic_users") or cls.synthetic_users),
            synthetic_products=int(options.get("synthetic_products") or cls.synthetic_products),
            synthetic_seed=int(options.get("synthetic_seed") or cls.synthetic_seed),
        )

    @property
    def synthetic_dir(self) -> Path:
        """Where the synthetic dataset is generated (data_dir, else under the warehouse folder)."""
        if self.data_dir is not None:
            return self.data_dir
        raw_root = Path(os.environ.get("WAREHOUSE_RAW_DIR", "warehouse/raw"))
        return (
            raw_root
            / f"synthetic_u{self.synthetic_users}_p{self.synthetic_products}_s{self.synthetic_seed}"
        )


def resolve_sources(config: DatasetConfig) -> list[SourceFile]:
    """The dataset's source files, checked: each exists, is readable and has its columns.

    For `synthetic` this generates the files first (once per configuration).
    """
    if config.name == "completejourney":
        sources = completejourney.source_files()
    elif config.name == "instacart":
        sources = instacart.source_files(_require_data_dir(config))
    elif config.name == "files":
        sources = files.source_files(_require_data_dir(config))
    else:
        from models_py.synthetic import SyntheticConfig, ensure_generated

        synthetic = SyntheticConfig(
            n_users=config.synthetic_users,
            n_products=config.synthetic_products,
            seed=config.synthetic_seed,
        )
        ensure_generated(synthetic, config.synthetic_dir)
        sources = files.source_files(config.synthetic_dir)
    con = duckdb.connect()
    try:
        for source in sources:
            check_source(con, source)
    finally:
        con.close()
    return sources


def load_raw_table(
    con: duckdb.DuckDBPyConnection, table_name: str, config: DatasetConfig
) -> duckdb.DuckDBPyRelation:
    """A relation with the contract columns of `table_name` plus lineage, for the given dataset."""
    table = RAW_TABLES[table_name]
    if config.name == "completejourney":
        sql = completejourney.select_sql(table, completejourney.source_files())
    elif config.name == "instacart":
        sql = instacart.select_sql(table, instacart.source_files(_require_data_dir(config)))
    else:
        data_dir = config.synthetic_dir if config.name == "synthetic" else _require_data_dir(config)
        sql = files.select_sql(table, files.source_files(data_dir))
    return con.sql(sql or empty_table_sql(table))


def empty_table_sql(table: RawTable) -> str:
    """An empty raw table with the contract columns, for optional tables a dataset lacks."""
    columns = ", ".join(f"cast(null as varchar) as {column}" for column in table.columns)
    lineage = "cast(null as varchar) as source_file, cast(null as bigint) as source_row_number"
    return f"select {columns}, {lineage} where false"


def _require_data_dir(config: DatasetConfig) -> Path:
    if config.data_dir is None:
        raise RawInputError(
            f"The {config.name} dataset reads files from a folder: pass it with "
            f"--vars '{{dataset: {config.name}, data_dir: /path/to/folder}}' "
            "or the WAREHOUSE_DATA_DIR environment variable."
        )
    if not config.data_dir.is_dir():
        raise RawInputError(f"{config.data_dir}: data_dir is not a folder.")
    return config.data_dir
