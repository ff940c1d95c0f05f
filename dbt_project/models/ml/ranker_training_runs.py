"""Trains the ranker's two learners (wide & deep, LightGBM) for evaluation and the one that
serves for serving, and saves them.

Adapter only: the logic is in models_py.ranker. One row per (learner, purpose)."""

from models_py.ranker import RankerConfig, train_from_relation


def model(dbt, session):
    dbt.config(tags=["ml"])
    config = RankerConfig.from_options(dbt.config.get("ranker"))
    return train_from_relation(dbt.ref("ranking_features"), config)
