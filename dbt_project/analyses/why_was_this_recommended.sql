-- Why a product was recommended to a user: every list it is on (model, mode, purpose), where,
-- with what score and reason, whether the model chose it or the cold-start cascade filled it
-- in (fallback_tier: model, segment_popular, global_popular), and the run that produced it.
--   dbt compile --select why_was_this_recommended --vars '{user_id: "1", product_id: "1082185"}'
-- Without product_id: the user's first serving recommendation; without user_id: the first user.
{#- Ids given as vars become quoted literals; without them SQL picks a default. #}
{%- set user_id = var('user_id', none) %}
{%- set user_id_expression = (
    "'" ~ (user_id | string | replace("'", "''")) ~ "'"
) if user_id is not none else (
    "min(user_id)"
) %}
{%- set product_id = var('product_id', none) %}
{%- set product_id_expression = (
    "'" ~ (product_id | string | replace("'", "''")) ~ "'"
) if product_id is not none else (
    "arg_min(recommendations.product_id, (recommendations.rank, recommendations.model))"
) %}

with

recommendations as (

    select * from {{ ref('recommendations').include(database=false) }}

),

model_runs as (

    select * from {{ ref('model_runs').include(database=false) }}

),

chosen_user as (

    select
        {{ user_id_expression }} as user_id

    from recommendations

    where purpose = 'serving'

),

chosen_pair as (

    select
        chosen_user.user_id,
        {{ product_id_expression }} as product_id

    from chosen_user

    left join recommendations
        on
            chosen_user.user_id = recommendations.user_id
            and recommendations.purpose = 'serving'

    group by chosen_user.user_id

),

explanations as (

    select
        recommendations.user_id,
        recommendations.product_id,
        recommendations.product_name,
        recommendations.model,
        recommendations.mode,
        recommendations.purpose,
        recommendations.rank,
        recommendations.score,
        recommendations.reason,
        recommendations.fallback_tier,
        recommendations.run_id,
        model_runs.trained_at,
        model_runs.parameters

    from recommendations

    inner join chosen_pair
        on
            recommendations.user_id = chosen_pair.user_id
            and recommendations.product_id = chosen_pair.product_id

    left join model_runs
        on
            recommendations.run_id = model_runs.run_id
            and recommendations.model = model_runs.model
            and recommendations.purpose = model_runs.purpose

)

select * from explanations
order by purpose asc, rank asc, model asc, mode asc
