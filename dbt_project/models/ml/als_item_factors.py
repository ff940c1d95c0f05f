"""Item factors of the serving ALS model as FLOAT[factors], without the folded-products
placeholder. Logic: models_py.als."""

from models_py.als import item_factor_table


def model(dbt, session):
    dbt.config(tags=["ml"])
    return item_factor_table(dbt.ref("als_training_runs").df())
