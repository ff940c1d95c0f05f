-- The cold-start cascade fills every list: each model and mode has exactly top_k distinct
-- products for every user of every purpose, new users included.

with

recommendation_users as (

    select
        purpose,
        user_id
    from {{ ref('int_recommendation_users') }}

),

lists as (

    select
        model,
        mode,
        purpose,
        user_id,
        count(*) as list_length,
        count(distinct product_id) as distinct_products,
        max(rank) as last_rank

    from {{ ref('recommendations') }}

    group by model, mode, purpose, user_id

),

expected_lists as (

    select
        list_keys.model,
        list_keys.mode,
        recommendation_users.purpose,
        recommendation_users.user_id

    from (
        select distinct
            model,
            mode
        from lists
    ) as list_keys

    cross join recommendation_users

)

select
    expected_lists.*,
    lists.list_length,
    lists.distinct_products

from expected_lists

left join lists
    on
        expected_lists.model = lists.model
        and expected_lists.mode = lists.mode
        and expected_lists.purpose = lists.purpose
        and expected_lists.user_id = lists.user_id

where
    lists.list_length is distinct from {{ var('top_k') }}
    or lists.distinct_products is distinct from {{ var('top_k') }}
    or lists.last_rank is distinct from {{ var('top_k') }}
