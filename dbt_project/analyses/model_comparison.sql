-- Which recommender is best: every model's holdout metrics at one k, per mode, ranked by NDCG,
-- with precision relative to global popularity (the baseline every model must beat) and the
-- training time of its latest evaluation run.
--   dbt compile --select model_comparison --vars '{k: 10}'
{%- set k = var('k', 10) | int %}

with

model_metrics as (

    select * from {{ ref('model_metrics').include(database=false) }}

),

model_runs as (

    select * from {{ ref('model_runs').include(database=false) }}

),

metrics_at_k as (

    select * from model_metrics

    where k = {{ k }}

),

popularity_baseline as (

    select
        mode,
        precision_at_k as baseline_precision

    from metrics_at_k

    where model = 'global_popularity'

),

latest_evaluation_runs as (

    select
        model,
        arg_max(training_seconds, trained_at) as training_seconds

    from model_runs

    where purpose = 'evaluation'

    group by model

),

models_compared as (

    select
        metrics_at_k.mode,
        metrics_at_k.model,
        metrics_at_k.k,
        metrics_at_k.evaluated_users,
        metrics_at_k.precision_at_k,
        metrics_at_k.recall_at_k,
        metrics_at_k.map_at_k,
        metrics_at_k.ndcg_at_k,
        metrics_at_k.hit_rate_at_k,
        metrics_at_k.money_precision_at_k,
        metrics_at_k.catalogue_coverage,
        metrics_at_k.novelty,
        latest_evaluation_runs.training_seconds,
        metrics_at_k.precision_at_k
        / nullif(popularity_baseline.baseline_precision, 0) as precision_vs_popularity,
        rank() over (
            partition by metrics_at_k.mode order by metrics_at_k.ndcg_at_k desc
        ) as ndcg_rank

    from metrics_at_k

    left join popularity_baseline
        on metrics_at_k.mode = popularity_baseline.mode

    left join latest_evaluation_runs
        on metrics_at_k.model = latest_evaluation_runs.model

)

select * from models_compared
order by mode asc, ndcg_rank asc
