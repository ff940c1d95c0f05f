"""ALS lists (both modes) for the ranker's training snapshot, refit on that snapshot's history
with the als_* configuration: als_recommendations' models saw the label window. Adapter only:
the logic is in models_py.ranker."""

from models_py.als import AlsConfig
from models_py.ranker import als_candidates_from_relation


def model(dbt, session):
    dbt.config(tags=["ml"])
    config = AlsConfig.from_options(dbt.config.get("als"))
    return als_candidates_from_relation(dbt.ref("int_ranking_user_items"), config)
