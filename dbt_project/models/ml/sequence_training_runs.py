"""Trains the GRU next-item model on the training examples of basket_next_item_examples and
saves it by run_id. Adapter only: the logic lives in models_py.sequential."""

from models_py.tfrs_models import latest_training_examples, train_sequence_run


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    options = dbt.config.get("sequence")
    training = latest_training_examples(dbt.ref("basket_next_item_examples"), options)
    return train_sequence_run(training, options)
