"""dbt-duckdb plugin: make sure the warehouse folders exist before DuckDB opens or writes them.

DuckDB's COPY (behind dbt-duckdb's `external` materialization) does not create folders, and a
fresh clone or a test's temporary warehouse has none.

It also registers the file operations of the serving database's publish (models_py.serving) as
DuckDB functions, for the on-run-end macro publish_serving, which has no file system access.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from models_py import serving


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        if creds.path and creds.path != ":memory:":
            Path(creds.path).parent.mkdir(parents=True, exist_ok=True)
        if creds.external_root:
            Path(creds.external_root).mkdir(parents=True, exist_ok=True)

    def configure_connection(self, conn: Any) -> None:
        warehouse_path = self.creds.path if self.creds else None

        def prepare(run_id: str) -> str:
            final_path = serving.serving_path(warehouse_path)
            return str(serving.prepare_publish(final_path, run_id))

        def swap(temporary: str) -> str:
            final_path = serving.serving_path(warehouse_path)
            return str(serving.swap_serving_file(Path(temporary), final_path))

        for name, function in (("serving_prepare", prepare), ("serving_swap", swap)):
            conn.create_function(name, function, ["VARCHAR"], "VARCHAR", side_effects=True)
