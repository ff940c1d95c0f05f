"""Top 10 next items for every holdout basket prefix, from the saved GRU model."""

from models_py.tfrs_models import next_item_recommendation_rows


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return next_item_recommendation_rows(
        dbt.ref("sequence_training_runs").df(),
        dbt.ref("basket_next_item_examples").filter("is_holdout").df(),
    )
