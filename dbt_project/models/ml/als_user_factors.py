"""User factors of the serving ALS model as FLOAT[factors]. Logic: models_py.als."""

from models_py.als import user_factor_table


def model(dbt, session):
    dbt.config(tags=["ml"])
    return user_factor_table(dbt.ref("als_training_runs").df())
