"""Top-k accuracy of the GRU next-item model against popularity and co-occurrence baselines
on the same holdout examples (a seeded sample of sequence_evaluation_examples of them).
Logic: models_py.tfrs_models."""

from models_py.tfrs_models import next_item_accuracy_table


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    examples = dbt.ref("basket_next_item_examples")
    pairs = dbt.ref("item_cooccurrence").select("product_id, paired_product_id, baskets_together")
    return next_item_accuracy_table(
        dbt.ref("sequence_training_runs").df(),
        holdout_examples=examples.filter("is_holdout").df(),
        training_targets=examples.filter("not is_holdout")
        .select("target_product_id")
        .df()["target_product_id"],
        cooccurrence=pairs.df(),
        max_examples=int(dbt.config.get("evaluation_examples")),
        seed=int(dbt.config.get("evaluation_seed")),
    )
