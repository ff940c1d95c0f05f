{#- Product and user statistics over a period. The analyst tables (product_stats, user_stats)
    cover every order; the exported model features (product_features, user_features) cover the
    training period only, so evaluated models never see the holdout. -#}

{% macro product_stats(include_holdout) %}

with

enriched_lines as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_order_lines_enriched') }}

    {% if not include_holdout -%}
        where not is_holdout
    {%- endif %}

),

products as (

    select * from {{ ref('int_products') }}

),

promoted_weeks as (

    select distinct
        product_id,
        week_number

    from {{ ref('int_promotions') }}

),

period_weeks as (

    select count(distinct week_number) as week_count from enriched_lines

),

product_weeks as (

    -- Only the promoted product-weeks are looked up: counting every product's every week took
    -- a count-distinct over all lines.
    select
        product_id,
        week_number,
        count(distinct order_id) as baskets

    from enriched_lines

    semi join promoted_weeks using (product_id, week_number)

    group by product_id, week_number

),

promotion_lift as (

    -- Baskets per week with vs without a promotion, weeks without sales counting as zero.
    select
        product_id,
        count(*) as promoted_week_count,
        sum(coalesce(product_weeks.baskets, 0)) as promoted_week_baskets

    from promoted_weeks

    left join product_weeks using (product_id, week_number)

    where promoted_weeks.week_number in (select distinct week_number from enriched_lines)

    group by product_id

),

product_totals as (

    select
        product_id,
        count(distinct order_id) as order_count,
        count(distinct user_id) as user_count,
        count(*) as line_count,
        sum(quantity) as quantity_sold,
        sum(sales_value) as sales_value,
        count(*) filter (where is_repeat_purchase) as repeat_line_count,
        sum(sales_value) / nullif(sum(quantity), 0) as average_unit_price

    from enriched_lines

    group by product_id

),

product_stats as (

    select
        products.product_id,
        products.product_name,
        products.department,
        products.category,
        products.sub_category,
        products.brand,
        products.price as list_price,
        coalesce(product_totals.order_count, 0) as order_count,
        coalesce(product_totals.user_count, 0) as user_count,
        coalesce(product_totals.quantity_sold, 0) as quantity_sold,
        product_totals.sales_value,
        product_totals.repeat_line_count / product_totals.line_count as reorder_rate,
        coalesce(product_totals.average_unit_price, products.price) as average_unit_price,
        rank() over (
            order by coalesce(product_totals.order_count, 0) desc
        ) as popularity_rank,
        coalesce(promotion_lift.promoted_week_count, 0) as promoted_week_count,
        (promotion_lift.promoted_week_baskets / promotion_lift.promoted_week_count)
        / nullif(
            (product_totals.order_count - promotion_lift.promoted_week_baskets)
            / nullif(period_weeks.week_count - promotion_lift.promoted_week_count, 0),
            0
        ) as promotion_lift

    from products

    left join product_totals
        on products.product_id = product_totals.product_id

    left join promotion_lift
        on products.product_id = promotion_lift.product_id

    cross join period_weeks

)

select * from product_stats

{% endmacro %}


{% macro user_stats(include_holdout) %}

with

enriched_lines as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_order_lines_enriched') }}

    {% if not include_holdout -%}
        where not is_holdout
    {%- endif %}

),

orders as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('orders') }}

    {% if not include_holdout -%}
        where not is_holdout
    {%- endif %}

),

users as (

    select * from {{ ref('int_users') }}

),

period_end as (

    select max(day_number) as last_day from orders

),

user_orders as (

    select
        user_id,
        count(*) as order_count,
        min(day_number) as first_order_day,
        max(day_number) as last_order_day,
        sum(basket_value) as monetary,
        avg(basket_value) as average_basket_value,
        avg(basket_size) as average_basket_size,
        median(days_since_prior_order) as median_days_between_orders

    from orders

    group by user_id

),

user_price_quartiles as (

    -- One list quantile sorts each user's prices once; median() and two quantile_cont()
    -- kept three copies of every line's price.
    select
        user_id,
        quantile_cont(unit_price, [0.25, 0.5, 0.75]) as price_quartiles

    from enriched_lines

    group by user_id

),

user_prices as (

    select
        user_id,
        price_quartiles[2] as typical_unit_price,
        price_quartiles[3] - price_quartiles[1] as unit_price_spread

    from user_price_quartiles

),

user_department_lines as (

    select
        user_id,
        department,
        count(*) as line_count

    from enriched_lines

    group by user_id, department

),

user_favourite_departments as (

    select
        user_id,
        list(department order by line_count desc, department)[1:3] as favourite_departments

    from user_department_lines

    group by user_id

),

user_stats as (

    select
        user_orders.user_id,
        user_orders.order_count as frequency,
        user_orders.first_order_day,
        user_orders.last_order_day,
        period_end.last_day - user_orders.last_order_day as recency_days,
        user_orders.monetary,
        user_orders.average_basket_value,
        user_orders.average_basket_size,
        user_orders.median_days_between_orders,
        user_prices.typical_unit_price,
        user_prices.unit_price_spread,
        user_favourite_departments.favourite_departments,
        user_favourite_departments.favourite_departments[1] as favourite_department,
        users.age_band,
        users.income_band,
        users.household_size,
        users.household_composition,
        users.kids_count,
        users.home_ownership,
        users.marital_status

    from user_orders

    cross join period_end

    left join user_prices
        on user_orders.user_id = user_prices.user_id

    left join user_favourite_departments
        on user_orders.user_id = user_favourite_departments.user_id

    left join users
        on user_orders.user_id = users.user_id

)

select * from user_stats

{% endmacro %}
