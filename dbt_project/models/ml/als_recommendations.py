"""ALS top-k lists (repeat and new_items) for the warm users of both purposes, from the models
als_training_runs saved (reloaded, not retrained). Adapter only: the logic is in models_py.als."""

from models_py.als import INTERACTION_COLUMNS, recommendations_for_runs, relation_table


def model(dbt, session):
    dbt.config(tags=["ml"])
    interactions = {
        "evaluation": relation_table(dbt.ref("user_item_interactions_train"), INTERACTION_COLUMNS),
        "serving": relation_table(dbt.ref("user_item_interactions_full"), INTERACTION_COLUMNS),
    }
    users = dbt.ref("int_recommendation_users").select("purpose, user_id, is_cold").df()
    products = dbt.ref("product_features").select("product_id, product_name").df()
    return recommendations_for_runs(
        dbt.ref("als_training_runs").df(), interactions, users, products
    )
