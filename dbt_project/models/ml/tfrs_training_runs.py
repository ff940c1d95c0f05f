"""Trains the two-tower retrieval models (TensorFlow Recommenders) and saves them by run_id.

Adapter only: the logic lives in models_py.retrieval / models_py.tfrs_models. One row per
(purpose, variant), sharing one run_id; variants per purpose come from the tfrs vars."""

from models_py.tfrs_models import train_retrieval_runs

INTERACTION_COLUMNS = "user_id, product_id, order_count"


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return train_retrieval_runs(
        {
            "evaluation": dbt.ref("user_item_interactions_train").select(INTERACTION_COLUMNS).df(),
            "serving": dbt.ref("user_item_interactions_full").select(INTERACTION_COLUMNS).df(),
        },
        products=dbt.ref("product_features").df(),
        users=dbt.ref("user_features").df(),
        options=dbt.config.get("tfrs_retrieval"),
        variants_by_purpose=dbt.config.get("tfrs_variants"),
    )
