"""Purchase probability of every evaluation and serving candidate, scored in batches of users
by the saved learners of ranker_training_runs. Adapter only: the logic is in models_py.ranker."""

from models_py.ranker import RankerConfig, scores_from_relation


def model(dbt, session):
    dbt.config(tags=["ml"])
    config = RankerConfig.from_options(dbt.config.get("ranker"))
    runs = dbt.ref("ranker_training_runs").df()
    return scores_from_relation(dbt.ref("ranking_features"), runs, config)
