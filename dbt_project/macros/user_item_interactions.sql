{#- One row per user and product over a period: the `_train` and `_full` models share this.
    Confidence weights follow implicit.nearest_neighbours on the item x user matrix of order
    counts (the orientation of implicit's own examples): N = products in the period,
    idf(user) = ln(N) - ln(1 + products the user bought), and for bm25 a length norm per product
    (1 - B) + B * product total / mean product total. -#}
{% macro user_item_interactions(include_holdout) %}

with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

    {% if not include_holdout -%}
        where not is_holdout
    {%- endif %}

),

user_orders as (

    select
        user_id,
        count(distinct order_id) as user_order_count,
        max(day_number) as user_last_day

    from enriched_lines

    group by user_id

),

period_end as (

    -- Days compare across users only when orders have real dates.
    select
        max(day_number) as last_day,
        count(ordered_at) > 0 as has_dates

    from enriched_lines

),

user_product_totals as (

    select
        user_id,
        product_id,
        count(distinct order_id) as order_count,
        sum(quantity) as quantity,
        sum(sales_value) as spend,
        min(day_number) as first_purchased_day,
        max(day_number) as last_purchased_day,
        min(ordered_at) as first_purchased_at,
        max(ordered_at) as last_purchased_at

    from enriched_lines

    group by user_id, product_id

),

user_product_counts as (

    select
        user_id,
        count(*) as user_product_count

    from user_product_totals

    group by user_id

),

product_totals as (

    select
        product_id,
        sum(order_count) as product_order_total

    from user_product_totals

    group by product_id

),

matrix_shape as (

    select
        count(*)::double as product_count,
        avg(product_order_total) as mean_product_total

    from product_totals

),

interactions as (

    select
        user_product_totals.user_id,
        user_product_totals.product_id,
        user_product_totals.order_count,
        user_product_totals.quantity,
        user_product_totals.spend,
        user_product_totals.first_purchased_day,
        user_product_totals.last_purchased_day,
        user_product_totals.first_purchased_at,
        user_product_totals.last_purchased_at,
        case
            when period_end.has_dates then period_end.last_day
            else user_orders.user_last_day
        end - user_product_totals.last_purchased_day as days_since_last,
        user_product_totals.order_count - 1 as reorder_count,
        user_orders.user_order_count,
        user_product_totals.order_count / user_orders.user_order_count as share_of_user_orders,
        user_product_totals.order_count::double as weight_count,
        ln(matrix_shape.product_count) - ln(1 + user_product_counts.user_product_count)
            as user_idf,
        (1 - {{ var('bm25_b') }})
        + {{ var('bm25_b') }} * product_totals.product_order_total / matrix_shape.mean_product_total
            as product_length_norm

    from user_product_totals

    inner join user_orders
        on user_product_totals.user_id = user_orders.user_id

    inner join user_product_counts
        on user_product_totals.user_id = user_product_counts.user_id

    inner join product_totals
        on user_product_totals.product_id = product_totals.product_id

    cross join period_end

    cross join matrix_shape

),

weighted_interactions as (

    select
        * exclude (user_idf, product_length_norm),
        sqrt(weight_count) * user_idf as weight_tfidf,
        weight_count * ({{ var('bm25_k1') }} + 1.0)
        / ({{ var('bm25_k1') }} * product_length_norm + weight_count)
        * user_idf as weight_bm25

    from interactions

)

select * from weighted_interactions

{% endmacro %}
