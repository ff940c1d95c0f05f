{{ config(materialized='table') }}

with

accepted_orders as (

    select * from {{ ref('int_orders') }}

),

period_bounds as (

    select
        max(week_number) as last_week_number,
        max(ordered_at) as last_ordered_at,
        max(day_number) as last_day_number,
        count(week_number) > 0 as has_week_numbers,
        count(ordered_at) > 0 as has_timestamps,
        count(eval_set) > 0 as has_eval_sets

    from accepted_orders

),

orders_numbered as (

    select
        *,
        row_number() over (
            partition by user_id
            order by coalesce(ordered_at, timestamp '1970-01-01'), day_number, order_id
        ) as order_number

    from accepted_orders

),

orders_split as (

    -- The holdout is the last `holdout_weeks` weeks: by the data's own week numbers, else by
    -- timestamps, else (Instacart, whose days are relative per user) its `train` eval set,
    -- else by day_number.
    select
        orders_numbered.order_id,
        orders_numbered.user_id,
        orders_numbered.store_id,
        orders_numbered.ordered_at,
        orders_numbered.day_number,
        coalesce(orders_numbered.week_number, orders_numbered.day_number // 7 + 1) as week_number,
        orders_numbered.eval_set,
        orders_numbered.order_number,
        orders_numbered.day_number - lag(orders_numbered.day_number) over (
            partition by orders_numbered.user_id order by orders_numbered.order_number
        ) as days_since_prior_order,
        coalesce(
            case
                when period_bounds.has_week_numbers
                    then orders_numbered.week_number
                        > period_bounds.last_week_number - {{ var('holdout_weeks') }}
                when period_bounds.has_timestamps
                    then orders_numbered.ordered_at
                        > period_bounds.last_ordered_at - to_days(7 * {{ var('holdout_weeks') }})
                when period_bounds.has_eval_sets
                    then orders_numbered.eval_set = 'train'
                else orders_numbered.day_number
                    > period_bounds.last_day_number - 7 * {{ var('holdout_weeks') }}
            end,
            false
        ) as is_holdout

    from orders_numbered

    cross join period_bounds

)

select * from orders_split
