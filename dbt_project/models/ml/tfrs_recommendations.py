"""Top-k lists (repeat and new_items) of every trained retrieval model for its purpose's warm
users, from the saved models (reloaded, not retrained). Logic: models_py.tfrs_models."""

from models_py.tfrs_models import retrieval_recommendation_rows

INTERACTION_COLUMNS = "user_id, product_id, order_count"


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return retrieval_recommendation_rows(
        dbt.ref("tfrs_training_runs").df(),
        {
            "evaluation": dbt.ref("user_item_interactions_train").select(INTERACTION_COLUMNS).df(),
            "serving": dbt.ref("user_item_interactions_full").select(INTERACTION_COLUMNS).df(),
        },
        users=dbt.ref("int_recommendation_users").select("purpose, user_id, is_cold").df(),
        products=dbt.ref("product_features").select("product_id, product_name").df(),
        k=int(dbt.config.get("top_k")),
    )
