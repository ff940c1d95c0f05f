"""Raw promotions in the contract's columns, from the dataset files (models_py.datasets)."""

from models_py.datasets import DatasetConfig, load_raw_table


def model(dbt, session):
    dbt.config(materialized="table", alias="promotions")
    dbt.ref("raw_dataset_files")  # the files were checked there before anything loads
    config = DatasetConfig.from_options(dbt.config.get("dataset_options"))
    return load_raw_table(session, "promotions", config)
