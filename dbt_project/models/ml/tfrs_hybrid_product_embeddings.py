"""Product vectors of the tfrs_hybrid retrieval model as FLOAT[n]. Logic: models_py.tfrs_models."""

from models_py.tfrs_models import retrieval_embeddings


def model(dbt, session):
    dbt.config(tags=["ml", "tfrs"])
    return retrieval_embeddings(dbt.ref("tfrs_training_runs").df(), "tfrs_hybrid", "product")
