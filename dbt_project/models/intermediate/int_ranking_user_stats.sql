{#- Each user's history before each snapshot's cutoff: orders, basket sizes, spend, the unit
    price the user usually pays (median), recency and the usual gap between orders. -#}

with

history_lines as (

    select * from {{ ref('int_ranking_history_lines') }}

    where role = 'history'

),

baskets as (

    select
        snapshot,
        user_id,
        order_id,
        any_value(reference_day) as reference_day,
        any_value(day_number) as day_number,
        count(distinct product_id) as basket_size,
        sum(sales_value) as basket_value

    from history_lines

    group by snapshot, user_id, order_id

),

user_baskets as (

    select
        snapshot,
        user_id,
        any_value(reference_day) as reference_day,
        count(*) as user_orders,
        avg(basket_size) as average_basket_size,
        avg(basket_value) as average_basket_value,
        min(day_number) as first_order_day,
        max(day_number) as last_order_day

    from baskets

    group by snapshot, user_id

),

user_prices as (

    select
        snapshot,
        user_id,
        count(distinct product_id) as distinct_products,
        median(unit_price) as usual_unit_price

    from history_lines

    group by snapshot, user_id

),

user_stats as (

    select
        user_baskets.snapshot,
        user_baskets.user_id,
        user_baskets.user_orders,
        user_prices.distinct_products,
        user_baskets.average_basket_size,
        user_baskets.average_basket_value,
        user_prices.usual_unit_price,
        user_baskets.reference_day - user_baskets.last_order_day as days_since_last_order,
        (user_baskets.last_order_day - user_baskets.first_order_day)
        / nullif(user_baskets.user_orders - 1, 0) as usual_order_gap_days

    from user_baskets

    inner join user_prices
        on
            user_baskets.snapshot = user_prices.snapshot
            and user_baskets.user_id = user_prices.user_id

)

select * from user_stats
