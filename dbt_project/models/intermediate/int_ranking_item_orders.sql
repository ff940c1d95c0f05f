{#- Each product in each order, once (a product can fill several lines of one order), with its
    order's snapshot roles: the grain of the order counts, recency and basket features. -#}

with

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

item_orders as (

    select
        order_id,
        product_id,
        any_value(user_id) as user_id,
        any_value(day_number) as day_number,
        any_value(ordered_at) as ordered_at,
        any_value(order_number) as order_number,
        sum(quantity) as quantity,
        sum(sales_value) as spend,
        {{ carried_snapshot_roles() }}

    from order_lines

    group by order_id, product_id

)

select * from item_orders
