-- Pearson correlation of per-order item counts between departments, where an order without a
-- line of a department counts 0 for it. Only the non-zero counts are stored: with n orders,
--   r = (n * sum_xy - sum_x * sum_y) / sqrt((n * sum_xx - sum_x^2) * (n * sum_yy - sum_y^2)),
-- and the zeros add nothing to any of the sums. Numerators are exact integer arithmetic.

with

enriched_lines as not materialized (

    -- Read more than once below: each read scans the table (DuckDB would copy it first).
    select * from {{ ref('int_order_lines_enriched') }}

),

order_count as (

    select count(distinct order_id) as orders_total from enriched_lines

),

items_per_order_and_department as (

    select
        order_id,
        department,
        count(*) as item_count

    from enriched_lines

    group by order_id, department

),

department_sums as (

    select
        department,
        count(*) as orders_with_department,
        cast(sum(item_count) as hugeint) as sum_items,
        cast(sum(item_count * item_count) as hugeint) as sum_items_squared

    from items_per_order_and_department

    group by department

),

department_moments as (

    select
        department_sums.department,
        department_sums.orders_with_department,
        department_sums.sum_items,
        -- n * variance * n: zero when the department has the same count in every order.
        order_count.orders_total * department_sums.sum_items_squared
        - department_sums.sum_items * department_sums.sum_items as scaled_variance

    from department_sums

    cross join order_count

),

anchor_department_counts as (select * from items_per_order_and_department),

other_department_counts as (select * from items_per_order_and_department),

co_purchase_sums as (

    select
        anchor_department_counts.department,
        other_department_counts.department as other_department,
        count(*) as orders_with_both,
        cast(
            sum(anchor_department_counts.item_count * other_department_counts.item_count)
            as hugeint
        ) as sum_cross_products

    from anchor_department_counts

    inner join other_department_counts
        on anchor_department_counts.order_id = other_department_counts.order_id

    group by anchor_department_counts.department, other_department_counts.department

),

anchor_moments as (select * from department_moments),

other_moments as (select * from department_moments),

every_department_pair as (

    select
        anchor_moments.department,
        other_moments.department as other_department,
        coalesce(co_purchase_sums.orders_with_both, 0) as orders_with_both,
        order_count.orders_total * coalesce(co_purchase_sums.sum_cross_products, 0)
        - anchor_moments.sum_items * other_moments.sum_items as scaled_covariance,
        anchor_moments.scaled_variance,
        other_moments.scaled_variance as other_scaled_variance

    from anchor_moments

    cross join other_moments

    cross join order_count

    left join co_purchase_sums
        on
            anchor_moments.department = co_purchase_sums.department
            and other_moments.department = co_purchase_sums.other_department

),

pair_correlations as (

    select
        department,
        other_department,
        case
            -- A constant column has no correlation (pandas gives NaN), not even with itself.
            when scaled_variance = 0 or other_scaled_variance = 0 then null
            when department = other_department then 1.0
            else
                cast(scaled_covariance as double)
                / sqrt(cast(scaled_variance as double) * cast(other_scaled_variance as double))
        end as unclamped_correlation,
        orders_with_both

    from every_department_pair

),

pair_correlations_clamped as (

    select
        department,
        other_department,
        -- Rounding can push a perfect correlation a hair past +-1.
        greatest(-1.0, least(1.0, unclamped_correlation)) as correlation,  -- noqa: RF04
        orders_with_both

    from pair_correlations

)

select * from pair_correlations_clamped
