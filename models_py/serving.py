"""The serving database: a read-only copy of the public tables that BI tools open.

The build writes the warehouse file and holds DuckDB's write lock on it for the whole run, so a
BI tool cannot read it meanwhile (and a tool holding it open makes the build fail). After every
successful build, dbt's on-run-end hook (macro publish_serving) copies the tables whose yml says
`config: {meta: {serve: true}}` into a temporary file next to the serving file, then calls
`swap_serving_file` through a DuckDB function the dbt plugin registers. `os.replace` is atomic on
one file system: a reader opening the path gets the old complete file or the new one, and a
reader that already has the old file open keeps reading it (its inode lives until closed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SERVING_DB_ENV = "WAREHOUSE_SERVING_DB"
SERVING_FILE_NAME = "serving.duckdb"
_TEMP_MARKER = ".next-"


def serving_path(warehouse_path: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the serving database lives: WAREHOUSE_SERVING_DB, else serving.duckdb beside the
    warehouse file (so a test's temporary warehouse gets its own serving file)."""
    environ = os.environ if environ is None else environ
    configured = environ.get(SERVING_DB_ENV, "").strip()
    if configured:
        return Path(configured).absolute()
    if not warehouse_path or warehouse_path == ":memory:":
        raise ValueError(
            f"No serving database path: set {SERVING_DB_ENV} (the warehouse is in memory)."
        )
    return Path(warehouse_path).absolute().parent / SERVING_FILE_NAME


def temporary_path(final_path: Path, run_id: str) -> Path:
    """The file a publish writes before the swap: same folder (os.replace needs one file system)."""
    return final_path.with_name(f"{final_path.name}{_TEMP_MARKER}{run_id}")


def prepare_publish(final_path: Path, run_id: str) -> Path:
    """Create the folder, drop temp files of earlier publishes that died; return the temp path."""
    final_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in final_path.parent.glob(f"{final_path.name}{_TEMP_MARKER}*"):
        stale.unlink(missing_ok=True)
    return temporary_path(final_path, run_id)


def swap_serving_file(temporary: Path, final_path: Path) -> Path:
    """Atomically replace final_path by the fully written temporary file."""
    if not temporary.is_file():
        raise FileNotFoundError(f"Serving database {temporary} was not written; nothing to swap.")
    wal = temporary.with_name(temporary.name + ".wal")
    if wal.exists():
        # A WAL means the copy was not checkpointed; a reader would see the file without it.
        raise RuntimeError(f"Serving database {temporary} has an unmerged WAL; not swapping.")
    os.replace(temporary, final_path)
    # Make the rename itself durable, not only the file's contents.
    directory = os.open(final_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return final_path
