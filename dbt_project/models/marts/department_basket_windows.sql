-- The exploration notebook's demand series: per department, the baskets that contain it in
-- time order, summed in non-overlapping windows of `forecast_window_baskets` baskets (its
-- rolling(window=15, step=15).sum()). Windows are aligned to the newest basket, so the latest
-- window is complete and a forecast of "the next window" starts right after the data; the
-- incomplete remainder is the oldest baskets, which are dropped.

with

enriched_lines as (

    select * from {{ ref('int_order_lines_enriched') }}

),

department_baskets as (

    select
        department,
        order_id,
        ordered_at,
        count(*) as item_count

    from enriched_lines

    group by department, order_id, ordered_at

),

baskets_in_time_order as (

    select
        department,
        order_id,
        ordered_at,
        item_count,
        -- Timestamps where the data has them (Complete Journey); else the order id, numerically
        -- where it is a number (Instacart), which is the order the notebook used.
        row_number() over (
            partition by department
            order by ordered_at asc, try_cast(order_id as bigint) asc, order_id asc
        ) as basket_position,
        count(*) over (partition by department) as department_baskets

    from department_baskets

),

baskets_windowed as (

    select
        department,
        order_id,
        ordered_at,
        item_count,
        basket_position,
        (
            basket_position - 1 - department_baskets % {{ var('forecast_window_baskets') }}
        ) // {{ var('forecast_window_baskets') }} + 1 as window_number

    from baskets_in_time_order

    -- The oldest department_baskets % window baskets do not fill a window.
    where basket_position > department_baskets % {{ var('forecast_window_baskets') }}

),

windows_summed as (

    select
        department,
        window_number,
        count(*) as basket_count,
        cast(sum(item_count) as bigint) as item_count,
        min(ordered_at) as window_started_at,
        max(ordered_at) as window_ended_at,
        arg_min(order_id, basket_position) as first_order_id,
        arg_max(order_id, basket_position) as last_order_id

    from baskets_windowed

    group by department, window_number

)

select * from windows_summed
