{#- Each user's categories before each snapshot's cutoff: orders in the category and the unit
    price the user usually pays there (median), for price-relative features and upsells.

    Two narrow passes over the lines serve every snapshot at once (filtered aggregates), then
    the snapshots are stacked:
    - orders: lines grouped to (user, category, order) first, so counting orders per snapshot
      is a plain filtered count instead of three count-distincts;
    - medians: lines counted per (user, category, unit price), since a user pays the same price
      again and again, and the median read off the cumulative counts with DuckDB's definition
      (quantile_cont 0.5: halfway between the two middle values when the count is even). At
      Instacart size three median() aggregates held every line's price in memory at once. -#}

with

order_lines as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_order_lines_enriched') }}

    where unit_price > 0

),

category_orders as (

    select
        user_id,
        category,
        order_id,
        {{ carried_snapshot_roles(reference_days=false) }}

    from order_lines

    group by user_id, category, order_id

),

order_counts as (

    select
        user_id,
        category,
        {%- for snapshot in ranking_snapshots() %}
            count(*) {{ history_filter(snapshot) }} as {{ snapshot }}_category_orders
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from category_orders

    group by user_id, category

),

price_counts as (

    select
        user_id,
        category,
        unit_price,
        {%- for snapshot in ranking_snapshots() %}
            count(*) {{ history_filter(snapshot) }} as {{ snapshot }}_lines
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from order_lines

    group by user_id, category, unit_price

),

price_positions as (

    -- Lines at or below each price, and the two middle positions (0-based) of the sorted
    -- prices: floor and ceil of (n - 1) / 2.
    select
        user_id,
        category,
        unit_price,
        {%- for snapshot in ranking_snapshots() %}
            sum({{ snapshot }}_lines) over prices_so_far as {{ snapshot }}_lines_so_far,
            (sum({{ snapshot }}_lines) over user_category - 1) // 2 as {{ snapshot }}_lower_middle,
            sum({{ snapshot }}_lines) over user_category // 2 as {{ snapshot }}_upper_middle
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from price_counts

    window
        user_category as (partition by user_id, category),
        prices_so_far as (
            partition by user_id, category
            order by unit_price asc
            rows between unbounded preceding and current row
        )

),

median_prices as (

    -- The price at position i is the lowest price with more than i lines at or below it.
    select
        user_id,
        category,
        {%- for snapshot in ranking_snapshots() %}
            (
                min(unit_price) filter (
                    where {{ snapshot }}_lines_so_far > {{ snapshot }}_lower_middle
                )
                + min(unit_price) filter (
                    where {{ snapshot }}_lines_so_far > {{ snapshot }}_upper_middle
                )
            ) / 2 as {{ snapshot }}_usual_category_unit_price
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from price_positions

    group by user_id, category

),

user_categories_by_snapshot as (

    select
        order_counts.*,
        {%- for snapshot in ranking_snapshots() %}
            median_prices.{{ snapshot }}_usual_category_unit_price
            {%- if not loop.last %},{% endif %}
        {%- endfor %}

    from order_counts

    inner join median_prices
        on
            order_counts.user_id = median_prices.user_id
            and order_counts.category is not distinct from median_prices.category

),

user_categories as (

    {% for snapshot in ranking_snapshots() %}
        select
            '{{ snapshot }}' as snapshot,
            user_id,
            category,
            {{ snapshot }}_category_orders as category_orders,
            {{ snapshot }}_usual_category_unit_price as usual_category_unit_price

        from user_categories_by_snapshot

        where {{ snapshot }}_category_orders > 0

        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from user_categories
