"""dbt-duckdb plugin: make sure the warehouse folders exist before DuckDB opens or writes them.

DuckDB's COPY (behind dbt-duckdb's `external` materialization) does not create folders, and a
fresh clone or a test's temporary warehouse has none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        if creds.path and creds.path != ":memory:":
            Path(creds.path).parent.mkdir(parents=True, exist_ok=True)
        if creds.external_root:
            Path(creds.external_root).mkdir(parents=True, exist_ok=True)
