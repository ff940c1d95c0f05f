{{ config(materialized='external') }}

{#- With add-to-cart positions, the context is the items already in the basket; without them
    (Complete Journey) it is the user's most recent items across earlier baskets, since the
    order of lines inside one of its baskets carries no information. -#}
{%- set context_length = var('next_item_context_length') -%}

with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

context_scope as (

    select count(line_number) > 0 as is_within_basket from enriched_lines

),

lines_in_user_order as (

    select
        enriched_lines.order_id,
        enriched_lines.user_id,
        enriched_lines.product_id,
        enriched_lines.basket_position,
        enriched_lines.order_number,
        enriched_lines.is_holdout,
        context_scope.is_within_basket

    from enriched_lines

    cross join context_scope

),

lines_with_basket_context as (

    select
        *,
        list(product_id) over (
            partition by order_id
            order by basket_position
            rows between {{ context_length }} preceding and 1 preceding
        ) as basket_context

    from lines_in_user_order

    where is_within_basket

),

order_baskets as (

    select
        order_id,
        any_value(user_id) as user_id,
        any_value(order_number) as order_number,
        {{ sorted_list('product_id', 'basket_position') }} as basket_product_ids

    from lines_in_user_order

    where not is_within_basket

    group by order_id

),

orders_with_history_context as (

    -- The user's items before this order, most recent first: the last `context_length` earlier
    -- baskets hold at least `context_length` items, so a window over baskets is enough.
    select
        order_id,
        list_reverse(
            flatten(
                list(basket_product_ids) over (
                    partition by user_id
                    order by order_number
                    rows between {{ context_length }} preceding and 1 preceding
                )
            )
        )[1:{{ context_length }}] as history_context

    from order_baskets

),

lines_with_history_context as (

    select
        lines_in_user_order.*,
        orders_with_history_context.history_context

    from lines_in_user_order

    inner join orders_with_history_context
        on lines_in_user_order.order_id = orders_with_history_context.order_id

),

examples as (

    select
        order_id,
        user_id,
        basket_position as target_position,
        basket_context as context_product_ids,
        product_id as target_product_id,
        is_holdout,
        'basket' as context_scope

    from lines_with_basket_context

    where len(basket_context) > 0

    union all

    select
        order_id,
        user_id,
        basket_position as target_position,
        history_context as context_product_ids,
        product_id as target_product_id,
        is_holdout,
        'user_history' as context_scope

    from lines_with_history_context

    where len(history_context) > 0

)

select * from examples
