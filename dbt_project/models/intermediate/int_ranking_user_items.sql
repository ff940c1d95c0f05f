{#- What each user did with each product before each snapshot's cutoff (history orders only):
    counts, spend, recency in days and in orders, periodicity (days since the last purchase
    against the user's usual gap for the product), recent activity, the label-length windows
    with a purchase (macro label_window_mask, kept as window_mask so category-level windows are
    a bit_or away), the quantity and spend of the last order and the price the user paid.
    history_rank is
    personal popularity (most orders, the latest purchase breaking ties).
    One pass over the item orders aggregates every snapshot side by side (filtered aggregates),
    then the snapshots are stacked: at Instacart size a pass per snapshot copied 32M lines each.
    The evaluation snapshot's history is the training period and the serving snapshot's every
    order, so user_item_interactions_train / _full read their rows here instead of aggregating
    the lines again.
    Fewer aggregate states, same values: the serving snapshot's aggregates need no filter (its
    history is every order; macro history_filter); the reference day is constant per user and
    snapshot, so it comes with the user's orders; and each history is a time prefix of the
    user's orders, so a product's first purchase in any history that holds it is its first
    purchase overall, aggregated once. -#}

{%- set recent_days = var('ranker_recent_days') -%}

with

item_orders as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_ranking_item_orders') }}

),

user_history_orders as (

    -- Each user's orders once: counting them per snapshot is then a plain filtered count
    -- instead of a count-distinct over every item order.
    select
        user_id,
        order_id,
        any_value(order_number) as order_number,
        any_value(day_number) as day_number,
        {{ carried_snapshot_roles() }}

    from item_orders

    group by user_id, order_id

),

user_orders_by_snapshot as (

    select
        user_id,
        {% for snapshot in ranking_snapshots() %}
            {%- set history_only = history_filter(snapshot) %}
            count(*) {{ history_only }} as {{ snapshot }}_user_orders,
            max(order_number) {{ history_only }} as {{ snapshot }}_user_last_order_number,
            max(day_number) {{ history_only }} as {{ snapshot }}_user_last_day,
            max({{ snapshot }}_reference_day) {{ history_only }} as {{ snapshot }}_reference_day
            {%- if not loop.last %},{% endif %}
        {% endfor %}

    from user_history_orders

    group by user_id

),

user_products_by_snapshot as (

    select
        user_id,
        product_id,
        min(day_number) as first_purchased_day,
        min(ordered_at) as first_purchased_at,
        {% for snapshot in ranking_snapshots() %}
            {%- set is_recent = 'day_number >= ' ~ snapshot ~ '_reference_day - ' ~ recent_days %}
            {%- set history_only = history_filter(snapshot) %}
            count(*) {{ history_only }} as {{ snapshot }}_order_count,
            sum(quantity) {{ history_only }} as {{ snapshot }}_quantity,
            sum(spend) {{ history_only }} as {{ snapshot }}_spend,
            max(day_number) {{ history_only }} as {{ snapshot }}_last_purchased_day,
            max(ordered_at) {{ history_only }} as {{ snapshot }}_last_purchased_at,
            max(order_number) {{ history_only }} as {{ snapshot }}_last_order_number,
            count(*) {{ history_filter(snapshot, is_recent) }} as {{ snapshot }}_recent_order_count,
            {{ label_window_mask(snapshot) }} as {{ snapshot }}_window_mask,
            arg_max(quantity, order_number) {{ history_only }} as {{ snapshot }}_last_quantity,
            arg_max(spend, order_number) {{ history_only }} as {{ snapshot }}_last_spend
            {%- if not loop.last %},{% endif %}
        {% endfor %}

    from item_orders

    group by user_id, product_id

),

user_products_with_orders as (

    select
        {% for snapshot in ranking_snapshots() %}
            user_orders_by_snapshot.{{ snapshot }}_user_orders,
            user_orders_by_snapshot.{{ snapshot }}_user_last_order_number,
            user_orders_by_snapshot.{{ snapshot }}_user_last_day,
            user_orders_by_snapshot.{{ snapshot }}_reference_day,
        {% endfor %}
        user_products_by_snapshot.*

    from user_products_by_snapshot

    inner join user_orders_by_snapshot
        on user_products_by_snapshot.user_id = user_orders_by_snapshot.user_id

),

user_item_features as (

    -- One select per snapshot, each ranking within its own rows: cheaper than one window
    -- partitioned by (snapshot, user_id) over the stacked rows.
    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            user_id,
            product_id,
            {{ snapshot }}_order_count as order_count,
            {{ snapshot }}_quantity as quantity,
            {{ snapshot }}_spend as spend,
            {{ snapshot }}_recent_order_count as recent_order_count,
            {{ snapshot }}_spend / nullif({{ snapshot }}_quantity, 0) as average_unit_price,
            first_purchased_day,
            {{ snapshot }}_last_purchased_day as last_purchased_day,
            first_purchased_at,
            {{ snapshot }}_last_purchased_at as last_purchased_at,
            {{ snapshot }}_reference_day - {{ snapshot }}_last_purchased_day as days_since_last,
            {{ snapshot }}_user_last_order_number
            - {{ snapshot }}_last_order_number as orders_since_last,
            {{ snapshot }}_user_orders as user_orders,
            {{ snapshot }}_user_last_day as user_last_day,
            {{ snapshot }}_order_count / {{ snapshot }}_user_orders as share_of_user_orders,
            ({{ snapshot }}_last_purchased_day - first_purchased_day)
            / nullif({{ snapshot }}_order_count - 1, 0) as usual_gap_days,
            {{ windows_in_mask(snapshot ~ '_window_mask') }} as windows_bought,
            {{ windows_in_mask(snapshot ~ '_window_mask', 8) }} as windows_bought_last_8,
            {{ windows_in_mask(snapshot ~ '_window_mask', 4) }} as windows_bought_last_4,
            {{ windows_in_mask(snapshot ~ '_window_mask', 2) }} as windows_bought_last_2,
            {{ snapshot }}_window_mask as window_mask,
            {{ snapshot }}_last_quantity as last_quantity,
            {{ snapshot }}_last_spend as last_spend,
            row_number() over (
                partition by user_id
                order by
                    {{ snapshot }}_order_count desc,
                    {{ snapshot }}_last_purchased_day desc,
                    product_id asc
            ) as history_rank

        from user_products_with_orders

        where {{ snapshot }}_order_count > 0

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

with_periodicity as (

    select
        *,
        -- Around 1 when the product is "due" again; null without a repeat purchase.
        days_since_last / nullif(usual_gap_days, 0) as gap_ratio

    from user_item_features

)

select * from with_periodicity
