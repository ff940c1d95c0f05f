{#- The ALS grid search (python -m models_py.grid_search) writes candidate lists for every
    configuration to ml.als_grid_candidates; they are scored here by the same SQL as
    model_metrics. Until a grid search has run, the table is empty. -#}

{%- set candidates = adapter.get_relation(
    database=target.database, schema='ml', identifier='als_grid_candidates'
) -%}

with

candidate_lists as (

    {% if candidates is none %}
        select
            null::varchar as config_id,
            null::integer as factors,
            null::double as regularization,
            null::integer as iterations,
            null::varchar as weighting,
            null::double as alpha,
            null::integer as top_products,
            null::varchar as mode,
            null::varchar as user_id,
            null::integer as rank,
            null::varchar as product_id

        where false
    {% else %}
        select * from {{ candidates }}
    {% endif %}

),

metrics as (

    {{ evaluate_recommendations(
        'candidate_lists',
        ['config_id', 'factors', 'regularization', 'iterations', 'weighting', 'alpha', 'top_products', 'mode'],
    ) | indent(4) }}

),

ranked_configurations as (

    select
        *,
        rank() over (partition by mode, k order by precision_at_k desc) as precision_rank,
        rank() over (partition by mode, k order by precision_at_k desc) = 1 as is_best

    from metrics

)

select * from ranked_configurations
