{#- What each user did with each product before each snapshot's cutoff (history orders only):
    counts, spend, recency in days and in orders, periodicity (days since the last purchase
    against the user's usual gap for the product), recent activity and the price the user
    paid. history_rank is personal popularity (most orders, the latest purchase breaking ties). -#}

{%- set recent_days = var('ranker_recent_days') -%}

with

history_lines as (

    select * from {{ ref('int_ranking_history_lines') }}

    where role = 'history'

),

user_orders as (

    select
        snapshot,
        user_id,
        count(distinct order_id) as user_orders,
        max(order_number) as last_order_number

    from history_lines

    group by snapshot, user_id

),

item_orders as (

    select
        snapshot,
        user_id,
        product_id,
        order_id,
        any_value(reference_day) as reference_day,
        any_value(day_number) as day_number,
        any_value(order_number) as order_number,
        sum(quantity) as quantity,
        sum(sales_value) as spend

    from history_lines

    group by snapshot, user_id, product_id, order_id

),

user_items as (

    select
        snapshot,
        user_id,
        product_id,
        any_value(reference_day) as reference_day,
        count(*) as order_count,
        sum(quantity) as quantity,
        sum(spend) as spend,
        min(day_number) as first_purchased_day,
        max(day_number) as last_purchased_day,
        max(order_number) as last_order_number,
        count(*) filter (
            where day_number >= reference_day - {{ recent_days }}
        ) as recent_order_count,
        sum(spend) / nullif(sum(quantity), 0) as average_unit_price

    from item_orders

    group by snapshot, user_id, product_id

),

user_item_features as (

    select
        user_items.snapshot,
        user_items.user_id,
        user_items.product_id,
        user_items.order_count,
        user_items.quantity,
        user_items.spend,
        user_items.recent_order_count,
        user_items.average_unit_price,
        user_items.last_purchased_day,
        user_items.reference_day - user_items.last_purchased_day as days_since_last,
        user_orders.last_order_number - user_items.last_order_number as orders_since_last,
        user_items.order_count / user_orders.user_orders as share_of_user_orders,
        (user_items.last_purchased_day - user_items.first_purchased_day)
        / nullif(user_items.order_count - 1, 0) as usual_gap_days,
        row_number() over (
            partition by user_items.snapshot, user_items.user_id
            order by
                user_items.order_count desc,
                user_items.last_purchased_day desc,
                user_items.product_id asc
        ) as history_rank

    from user_items

    inner join user_orders
        on
            user_items.snapshot = user_orders.snapshot
            and user_items.user_id = user_orders.user_id

),

with_periodicity as (

    select
        *,
        -- Around 1 when the product is "due" again; null without a repeat purchase.
        days_since_last / nullif(usual_gap_days, 0) as gap_ratio

    from user_item_features

)

select * from with_periodicity
