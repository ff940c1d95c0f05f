with

sequenced_orders as (

    select * from {{ ref('int_orders_sequenced') }}

),

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

basket_totals as (

    select
        order_id,
        count(*) as basket_size,
        count(distinct product_id) as distinct_products,
        sum(quantity) as basket_quantity,
        sum(sales_value) as basket_value,
        sum(discount) as basket_discount

    from enriched_lines

    group by order_id

),

orders_with_baskets as (

    select
        sequenced_orders.order_id,
        sequenced_orders.user_id,
        sequenced_orders.store_id,
        sequenced_orders.ordered_at,
        sequenced_orders.day_number,
        sequenced_orders.week_number,
        sequenced_orders.order_number,
        sequenced_orders.days_since_prior_order,
        coalesce(basket_totals.basket_size, 0) as basket_size,
        coalesce(basket_totals.distinct_products, 0) as distinct_products,
        coalesce(basket_totals.basket_quantity, 0) as basket_quantity,
        basket_totals.basket_value,
        basket_totals.basket_discount,
        sequenced_orders.eval_set,
        sequenced_orders.is_holdout

    from sequenced_orders

    left join basket_totals
        on sequenced_orders.order_id = basket_totals.order_id

)

select * from orders_with_baskets
