"""Each product's GRU input and target embeddings (FLOAT[n]): recommend_next_items reads them."""

from models_py.tfrs_models import sequence_item_embedding_table


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return sequence_item_embedding_table(dbt.ref("sequence_training_runs").df())
