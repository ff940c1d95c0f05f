{#- How the evaluation slates (built from the training period for the first holdout week)
    fare against the holdout purchases, scored by the same SQL as model_metrics
    (evaluate_recommendations): precision@5 and money precision@5 are the campaign's figures.
    Grain: one row (k = 5). -#}

with

evaluation_slates as (

    select
        'campaign_slates' as model,
        user_id,
        rank,
        product_id

    from {{ ref('campaign_slates') }}

    where purpose = 'evaluation'

),

metrics as (

    {{ evaluate_recommendations('evaluation_slates', ['model']) | indent(4) }}

),

slate_metrics as (

    select * from metrics

    where k = 5

)

select * from slate_metrics
