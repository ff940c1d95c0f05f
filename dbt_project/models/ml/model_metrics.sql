{#- Offline evaluation of every model's evaluation lists against the holdout, at k = 5, 10, 20
    (macro evaluate_recommendations documents each metric). -#}

with

evaluation_lists as (

    select * from {{ ref('recommendations') }}

    where purpose = 'evaluation'

),

metrics as (

    {{ evaluate_recommendations('evaluation_lists', ['model', 'mode']) | indent(4) }}

)

select * from metrics
