-- The cold-start cascade fills every list: each model and mode has top_k distinct products
-- for every user of every purpose the model lists, new users included (fewer only when the
-- catalogue itself has fewer products the user may get: sold in the period, and not yet
-- bought in new_items mode).

with

recommendation_users as (

    select
        purpose,
        user_id

    from {{ ref('int_recommendation_users') }}

),

catalogue_sizes as (

    select
        'evaluation' as purpose,
        count(*) as sold_products

    from {{ ref('product_features') }}

    where order_count > 0

    union all

    select
        'serving' as purpose,
        count(*) as sold_products

    from {{ ref('product_stats') }}

    where order_count > 0

),

history_sizes as (

    select
        purpose,
        user_id,
        count(*) as bought_products

    from {{ ref('int_user_histories') }}

    group by purpose, user_id

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

list_keys as (

    select distinct
        model,
        mode,
        purpose

    from lists

),

expected_lists as (

    select
        list_keys.model,
        list_keys.mode,
        recommendation_users.purpose,
        recommendation_users.user_id,
        least(
            {{ var('top_k') }},
            catalogue_sizes.sold_products
            - case
                when list_keys.mode = 'new_items' then coalesce(history_sizes.bought_products, 0)
                else 0
            end
        ) as expected_length

    from list_keys

    inner join recommendation_users
        on list_keys.purpose = recommendation_users.purpose

    inner join catalogue_sizes
        on recommendation_users.purpose = catalogue_sizes.purpose

    left join history_sizes
        on
            recommendation_users.purpose = history_sizes.purpose
            and recommendation_users.user_id = history_sizes.user_id

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
    lists.list_length is distinct from expected_lists.expected_length
    or lists.distinct_products is distinct from expected_lists.expected_length
    or lists.last_rank is distinct from expected_lists.expected_length
