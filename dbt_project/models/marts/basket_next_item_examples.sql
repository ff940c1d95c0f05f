{{ config(materialized='external') }}

{#- With add-to-cart positions, the context is the items already in the basket; without them
    (Complete Journey) it is the user's most recent items across earlier baskets, since the
    order of lines inside one of its baskets carries no information.
    Both are slices of basket_sequences' product lists, which hold each basket's lines in
    basket order (macro basket_order_key): a window over every line (list() over each order's
    preceding lines) did the same in twice the time at 1/4 Instacart size (7.0 s against 3.4 s
    in-process). -#}
{%- set context_length = var('next_item_context_length') -%}

with

basket_sequences as (

    select * from {{ ref('basket_sequences') }}

),

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

context_scope as (

    select count(line_number) > 0 as is_within_basket from enriched_lines

),

baskets as (

    select
        basket_sequences.order_id,
        basket_sequences.user_id,
        basket_sequences.order_number,
        basket_sequences.is_holdout,
        basket_sequences.product_ids,
        context_scope.is_within_basket

    from basket_sequences

    cross join context_scope

),

basket_lines as not materialized (

    -- One row per line: product_ids[target_position] is the line at that basket position.
    -- Unnested again by each reader: DuckDB materializes a CTE read twice, and holding the
    -- 32M unnested lines took longer than unnesting twice (34.2 s against 25.2 s in-process at
    -- Instacart size).
    select
        *,
        unnest(range(1, len(product_ids) + 1)) as target_position

    from baskets

),

basket_examples as (

    select
        order_id,
        user_id,
        target_position,
        product_ids[greatest(1, target_position - {{ context_length }}):target_position - 1]
            as context_product_ids,
        product_ids[target_position] as target_product_id,
        is_holdout,
        'basket' as context_scope

    from basket_lines

    where is_within_basket and target_position > 1

),

orders_with_history_context as (

    -- The user's items before this order, most recent first: the last `context_length` earlier
    -- baskets hold at least `context_length` items, so a window over baskets is enough.
    select
        order_id,
        list_reverse(
            flatten(
                list(product_ids) over (
                    partition by user_id
                    order by order_number
                    rows between {{ context_length }} preceding and 1 preceding
                )
            )
        )[1:{{ context_length }}] as history_context

    from baskets

    where not is_within_basket

),

history_examples as (

    select
        basket_lines.order_id,
        basket_lines.user_id,
        basket_lines.target_position,
        orders_with_history_context.history_context as context_product_ids,
        basket_lines.product_ids[basket_lines.target_position] as target_product_id,
        basket_lines.is_holdout,
        'user_history' as context_scope

    from basket_lines

    inner join orders_with_history_context
        on basket_lines.order_id = orders_with_history_context.order_id

    where len(orders_with_history_context.history_context) > 0

),

examples as (

    select * from basket_examples

    union all

    select * from history_examples

)

select * from examples
