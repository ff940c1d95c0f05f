"""The dataset's source files, checked before any raw table is loaded. Logic: models_py.datasets."""

from models_py.datasets import DatasetConfig
from models_py.raw_loading import source_manifest


def model(dbt, session):
    dbt.config(materialized="table", alias="dataset_files")
    config = DatasetConfig.from_options(dbt.config.get("dataset_options"))
    return source_manifest(config)
