"""The TFRS notebook's top-k categorical accuracy on the holdout (user, product) pairs for every
retrieval model, ALS and global popularity. Logic: models_py.tfrs_models."""

from models_py.tfrs_models import retrieval_accuracy_table


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    holdout = dbt.ref("int_order_lines_enriched").filter("is_holdout")
    return retrieval_accuracy_table(
        dbt.ref("tfrs_training_runs").df(),
        training=dbt.ref("user_item_interactions_train").select("product_id, order_count").df(),
        holdout_pairs=holdout.select("user_id, product_id").distinct().df(),
        als_runs=dbt.ref("als_training_runs").df(),
    )
