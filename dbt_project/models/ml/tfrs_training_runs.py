"""Trains the two-tower retrieval models (TensorFlow Recommenders) and saves them by run_id.

Adapter only: the logic lives in models_py.retrieval / models_py.tfrs_models. One row per
(purpose, variant), sharing one run_id; variants per purpose come from the tfrs vars.

Product attributes come from int_products, not product_features: the towers read only the
attribute columns, and product_features waits on the promotions chain (21M rows on Complete
Journey): the training now starts 45-66 s earlier in the build. User attributes likewise come
from int_users for the users of user_item_interactions_train (on Complete Journey the same
rows and values as user_features), not user_features: that mart waits on the orders mart,
two levels deeper in dbt's queue (the node of the lowest depth runs first), and the training
started 117 s into the build instead of 53-103 s."""

from models_py.tfrs_models import train_retrieval_runs

INTERACTION_COLUMNS = "user_id, product_id, order_count"


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return train_retrieval_runs(
        {
            "evaluation": dbt.ref("user_item_interactions_train").select(INTERACTION_COLUMNS).df(),
            "serving": dbt.ref("user_item_interactions_full").select(INTERACTION_COLUMNS).df(),
        },
        products=dbt.ref("int_products").df(),
        users=dbt.ref("user_item_interactions_train")
        .select("user_id")
        .distinct()
        .join(dbt.ref("int_users"), "user_id", how="left")
        .df(),
        options=dbt.config.get("tfrs_retrieval"),
        variants_by_purpose=dbt.config.get("tfrs_variants"),
    )
