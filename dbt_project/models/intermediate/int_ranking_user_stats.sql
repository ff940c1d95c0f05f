{#- Each user's history before each snapshot's cutoff: orders, basket sizes, spend, the unit
    price the user usually pays (median), recency, the usual gap between orders and the
    label-length windows with an order (macro label_window_mask). Every
    snapshot is aggregated in one pass (filtered aggregates), then the snapshots are stacked. -#}

with

item_orders as (

    select * from {{ ref('int_ranking_item_orders') }}

),

order_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

user_items as (

    select * from {{ ref('int_ranking_user_items') }}

),

baskets as (

    select
        order_id,
        any_value(user_id) as user_id,
        any_value(day_number) as day_number,
        count(*) as basket_size,
        sum(spend) as basket_value,
        {{ carried_snapshot_roles() }}

    from item_orders

    group by order_id

),

user_baskets_by_snapshot as (

    select
        user_id,
        {% for snapshot in ranking_snapshots() %}
            {%- set in_history = 'is_' ~ snapshot ~ '_history' %}
            max({{ snapshot }}_reference_day) filter (
                where {{ in_history }}
            ) as {{ snapshot }}_reference_day,
            count(*) filter (where {{ in_history }}) as {{ snapshot }}_user_orders,
            avg(basket_size) filter (where {{ in_history }}) as {{ snapshot }}_average_basket_size,
            avg(basket_value) filter (
                where {{ in_history }}
            ) as {{ snapshot }}_average_basket_value,
            min(day_number) filter (where {{ in_history }}) as {{ snapshot }}_first_order_day,
            {{ label_window_mask(snapshot) }} as {{ snapshot }}_window_mask,
            max(day_number) filter (
                where {{ in_history }}
            ) as {{ snapshot }}_last_order_day{% if not loop.last %},{% endif %}
        {% endfor %}

    from baskets

    group by user_id

),

user_prices_by_snapshot as (

    select
        user_id,
        {% for snapshot in ranking_snapshots() %}
            median(unit_price) filter (
                where is_{{ snapshot }}_history
            ) as {{ snapshot }}_usual_unit_price{% if not loop.last %},{% endif %}
        {% endfor %}

    from order_lines

    group by user_id

),

user_products as (

    select
        snapshot,
        user_id,
        count(*) as distinct_products

    from user_items

    group by snapshot, user_id

),

user_stats_by_snapshot as (

    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            user_baskets_by_snapshot.user_id,
            user_baskets_by_snapshot.{{ snapshot }}_user_orders as user_orders,
            user_baskets_by_snapshot.{{ snapshot }}_average_basket_size as average_basket_size,
            user_baskets_by_snapshot.{{ snapshot }}_average_basket_value as average_basket_value,
            user_prices_by_snapshot.{{ snapshot }}_usual_unit_price as usual_unit_price,
            user_baskets_by_snapshot.{{ snapshot }}_reference_day as reference_day,
            user_baskets_by_snapshot.{{ snapshot }}_first_order_day as first_order_day,
            user_baskets_by_snapshot.{{ snapshot }}_last_order_day as last_order_day,
            {%- set mask = 'user_baskets_by_snapshot.' ~ snapshot ~ '_window_mask' %}
            {{ windows_in_mask(mask) }} as active_windows,
            {{ windows_in_mask(mask, 8) }} as active_windows_last_8,
            {{ windows_in_mask(mask, 4) }} as active_windows_last_4

        from user_baskets_by_snapshot

        inner join user_prices_by_snapshot
            on user_baskets_by_snapshot.user_id = user_prices_by_snapshot.user_id

        where user_baskets_by_snapshot.{{ snapshot }}_user_orders > 0

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

user_stats as (

    select
        user_stats_by_snapshot.snapshot,
        user_stats_by_snapshot.user_id,
        user_stats_by_snapshot.user_orders,
        user_products.distinct_products,
        user_stats_by_snapshot.average_basket_size,
        user_stats_by_snapshot.average_basket_value,
        user_stats_by_snapshot.usual_unit_price,
        user_stats_by_snapshot.reference_day
        - user_stats_by_snapshot.last_order_day as days_since_last_order,
        (user_stats_by_snapshot.last_order_day - user_stats_by_snapshot.first_order_day)
        / nullif(user_stats_by_snapshot.user_orders - 1, 0) as usual_order_gap_days,
        user_stats_by_snapshot.active_windows,
        user_stats_by_snapshot.active_windows_last_8,
        user_stats_by_snapshot.active_windows_last_4

    from user_stats_by_snapshot

    inner join user_products
        on
            user_stats_by_snapshot.snapshot = user_products.snapshot
            and user_stats_by_snapshot.user_id = user_products.user_id

)

select * from user_stats
