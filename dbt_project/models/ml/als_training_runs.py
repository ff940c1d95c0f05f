"""Trains ALS twice per build (evaluation: training period; serving: every order) and saves both.

Adapter only: the logic lives in models_py.als. One row per purpose, sharing one run_id."""

from models_py.als import INTERACTION_COLUMNS, AlsConfig, relation_table, train_and_save


def model(dbt, session):
    dbt.config(tags=["ml"])
    config = AlsConfig.from_options(dbt.config.get("als"))
    interactions = {
        "evaluation": relation_table(dbt.ref("user_item_interactions_train"), INTERACTION_COLUMNS),
        "serving": relation_table(dbt.ref("user_item_interactions_full"), INTERACTION_COLUMNS),
    }
    return train_and_save(interactions, config)
