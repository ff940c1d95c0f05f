{#- model_metrics sliced by user segment: warm vs cold users (no training history), and user
    activity buckets by training orders. -#}

with

evaluation_lists as (

    select * from {{ ref('recommendations') }}

    where purpose = 'evaluation'

),

metrics_by_warmth as (

    {{ evaluate_recommendations('evaluation_lists', ['model', 'mode'], ['is_cold']) | indent(4) }}

),

metrics_by_activity as (

    {{ evaluate_recommendations(
        'evaluation_lists', ['model', 'mode'], ['activity_segment']
    ) | indent(4) }}

),

sliced_metrics as (

    select
        'warm_vs_cold' as segment_type,
        case when is_cold then 'cold' else 'warm' end as segment,
        * exclude (is_cold)

    from metrics_by_warmth

    union all by name

    select
        'activity' as segment_type,
        activity_segment as segment,
        * exclude (activity_segment)

    from metrics_by_activity

)

select * from sliced_metrics
