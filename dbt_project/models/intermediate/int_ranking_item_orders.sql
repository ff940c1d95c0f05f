{#- Each product in each order, once (a product can fill several lines of one order), with its
    order's snapshot roles: the grain of the order counts, recency and basket features. The
    days since the user's previous order of the product feed the repurchase-interval features;
    each snapshot's history is a time prefix of the user's orders, so the previous order of a
    history order is in the same history. -#}

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

),

with_repurchase_gaps as (

    select
        *,
        day_number - lag(day_number) over (
            partition by user_id, product_id
            order by order_number
        ) as days_since_previous_purchase

    from item_orders

)

select * from with_repurchase_gaps
