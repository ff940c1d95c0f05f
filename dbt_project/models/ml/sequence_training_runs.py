"""Trains the GRU next-item model on the training examples of basket_next_item_examples and
saves it by run_id. Adapter only: the logic lives in models_py.sequential."""

from models_py.tfrs_models import train_sequence_run


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    training = dbt.ref("basket_next_item_examples").filter("not is_holdout")
    return train_sequence_run(training.df(), dbt.config.get("sequence"))
