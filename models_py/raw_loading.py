"""Helpers for the dbt raw models that are not dataset-specific."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from models_py.datasets import DatasetConfig, resolve_sources


def source_manifest(config: DatasetConfig) -> pd.DataFrame:
    """One row per checked source file: what was read, from where, how big, when."""
    sources = resolve_sources(config)
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    return pd.DataFrame(
        {
            "dataset": config.name,
            "source_name": [source.name for source in sources],
            "file_path": [str(source.path.resolve()) for source in sources],
            "file_format": [source.format for source in sources],
            "file_bytes": [source.path.stat().st_size for source in sources],
            "file_modified_at": [
                datetime.fromtimestamp(source.path.stat().st_mtime, UTC).replace(tzinfo=None)
                for source in sources
            ],
            "checked_at": checked_at,
        }
    )
