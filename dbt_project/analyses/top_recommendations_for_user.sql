-- Top recommendations for one user, with product names: what a "picked for you" panel or a CRM
-- export shows. Serving lists (trained on every order, every user).
--   dbt compile --select top_recommendations_for_user \
--       --vars '{user_id: "1", recommender: als, mode: repeat, top_n: 10}'
-- then run target/compiled/warehouse_recommender/analyses/top_recommendations_for_user.sql
-- on the warehouse or the serving database. Without user_id: the first user with lists.
-- mode: repeat (already-bought products allowed) or new_items (never bought).
{#- Ids given as vars become quoted literals; without them SQL picks a default. #}
{%- set user_id = var('user_id', none) %}
{%- set user_id_expression = (
    "'" ~ (user_id | string | replace("'", "''")) ~ "'"
) if user_id is not none else (
    "min(user_id)"
) %}
{%- set recommender = var('recommender', 'als') %}
{%- set mode = var('mode', 'repeat') %}
{%- set top_n = var('top_n', 10) | int %}

with

recommendations as (

    select * from {{ ref('recommendations').include(database=false) }}

),

serving_lists as (

    select * from recommendations

    where
        purpose = 'serving'
        and model = '{{ recommender | replace("'", "''") }}'
        and mode = '{{ mode | replace("'", "''") }}'

),

chosen_user as (

    select
        {{ user_id_expression }} as user_id

    from serving_lists

),

user_recommendations as (

    select
        serving_lists.user_id,
        serving_lists.rank,
        serving_lists.product_id,
        serving_lists.product_name,
        serving_lists.department,
        serving_lists.category,
        serving_lists.score,
        serving_lists.reason,
        serving_lists.fallback_tier

    from serving_lists

    inner join chosen_user
        on serving_lists.user_id = chosen_user.user_id

    where serving_lists.rank <= {{ top_n }}

)

select * from user_recommendations
order by rank
