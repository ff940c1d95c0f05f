{{ config(materialized='external') }}

with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

baskets_as_lists as (

    select
        order_id,
        any_value(user_id) as user_id,
        any_value(order_number) as order_number,
        any_value(day_number) as day_number,
        any_value(is_holdout) as is_holdout,
        count(line_number) = count(*) as is_add_order_known,
        {{ sorted_list('product_id', basket_order_key()) }} as product_ids,
        count(*) as basket_size

    from enriched_lines

    group by order_id

)

select * from baskets_as_lists
