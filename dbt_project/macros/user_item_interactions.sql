{#- One row per user and product over a period: the `_train` and `_full` models share this.
    The per-user-product counts come from int_ranking_user_items, whose `evaluation` snapshot
    has the training period as its history and whose `serving` snapshot every order: the lines
    are aggregated once for the ranker and these tables (at Instacart size each table's own
    pass over the 32M lines took 130-140 s). Confidence weights follow
    implicit.nearest_neighbours on the item x user matrix of order counts (the orientation of
    implicit's own examples): N = products in the period, idf(user) = ln(N) - ln(1 + products
    the user bought), and for bm25 a length norm per product
    (1 - B) + B * product total / mean product total. -#}
{% macro user_item_interactions(include_holdout) %}

with

user_products as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_ranking_user_items') }}

    where snapshot = '{{ "serving" if include_holdout else "evaluation" }}'

),

period_end as (

    -- Days compare across users only when orders have real dates.
    select
        max(user_last_day) as last_day,
        count(last_purchased_at) > 0 as has_dates

    from user_products

),

user_product_counts as (

    select
        user_id,
        count(*) as user_product_count

    from user_products

    group by user_id

),

product_totals as (

    select
        product_id,
        sum(order_count) as product_order_total

    from user_products

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
        user_products.user_id,
        user_products.product_id,
        user_products.order_count,
        user_products.quantity,
        user_products.spend,
        user_products.first_purchased_day,
        user_products.last_purchased_day,
        user_products.first_purchased_at,
        user_products.last_purchased_at,
        case
            when period_end.has_dates then period_end.last_day
            else user_products.user_last_day
        end - user_products.last_purchased_day as days_since_last,
        user_products.order_count - 1 as reorder_count,
        user_products.user_orders as user_order_count,
        user_products.share_of_user_orders,
        user_products.history_rank,
        user_products.order_count::double as weight_count,
        ln(matrix_shape.product_count) - ln(1 + user_product_counts.user_product_count)
            as user_idf,
        (1 - {{ var('bm25_b') }})
        + {{ var('bm25_b') }} * product_totals.product_order_total / matrix_shape.mean_product_total
            as product_length_norm

    from user_products

    inner join user_product_counts
        on user_products.user_id = user_product_counts.user_id

    inner join product_totals
        on user_products.product_id = product_totals.product_id

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
