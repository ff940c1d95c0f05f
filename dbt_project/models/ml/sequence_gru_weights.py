"""The GRU's weights per gate and unit, so SQL can replay it (macro recommend_next_items)."""

from models_py.tfrs_models import sequence_gru_weight_table


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return sequence_gru_weight_table(dbt.ref("sequence_training_runs").df())
