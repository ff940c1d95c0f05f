-- Consistency of the demand forecast tables: full windows, forecasts inside their intervals,
-- skipped departments without numbers, errors that are not negative. One row per violation.

with

basket_windows as (

    select * from {{ ref('department_basket_windows') }}

),

forecasts as (

    select * from {{ ref('department_demand_forecast') }}

),

backtests as (

    select * from {{ ref('department_demand_forecast_backtest') }}

),

partial_windows as (

    select
        'department_basket_windows' as table_name,
        department,
        'window of ' || basket_count || ' baskets' as problem

    from basket_windows

    where basket_count != {{ var('forecast_window_baskets') }}

),

forecasts_out_of_interval as (

    select
        'department_demand_forecast' as table_name,
        department,
        'status ' || status || ' with forecast '
        || coalesce(forecast_item_count::varchar, 'null') as problem

    from forecasts

    where
        (
            status in ('forecast', 'constant_series')
            and not coalesce(
                forecast_lower <= forecast_item_count
                and forecast_item_count <= forecast_upper,
                false
            )
        )
        or (
            status in ('too_few_windows', 'fit_failed')
            and forecast_item_count is not null
        )

),

bad_backtests as (

    select
        'department_demand_forecast_backtest' as table_name,
        department,
        'status ' || status || ' with arima_mae '
        || coalesce(arima_mae::varchar, 'null') as problem

    from backtests

    where
        (
            status in ('forecast', 'constant_series')
            and not coalesce(
                arima_mae >= 0
                and naive_mae >= 0
                and interval_coverage between 0 and 1,
                false
            )
        )
        or (status in ('too_few_windows', 'fit_failed') and arima_mae is not null)

),

violations as (

    select * from partial_windows
    union all
    select * from forecasts_out_of_interval
    union all
    select * from bad_backtests

)

select * from violations
