-- One row per department for a dashboard: lines sold and their share, reorder share, the best
-- selling aisle, the strongest basket partner, and the demand forecast of the next 15-basket
-- window with its backtest against the naive last value.
with

department_sales as (

    select * from {{ ref('department_sales').include(database=false) }}

),

aisle_sales as (

    select * from {{ ref('aisle_sales').include(database=false) }}

),

department_correlations as (

    select * from {{ ref('department_basket_correlation').include(database=false) }}

),

forecasts as (

    select * from {{ ref('department_demand_forecast').include(database=false) }}

),

backtests as (

    select * from {{ ref('department_demand_forecast_backtest').include(database=false) }}

),

top_aisles as (

    select
        department,
        arg_max(category, sale_count) as top_aisle,
        count(*) as aisle_count

    from aisle_sales

    group by department

),

strongest_partners as (

    select
        department,
        arg_max(other_department, correlation) as strongest_partner,
        max(correlation) as partner_correlation

    from department_correlations

    where department != other_department

    group by department

),

dashboard as (

    select
        department_sales.sales_rank,
        department_sales.department,
        department_sales.sale_count,
        department_sales.sale_count / sum(department_sales.sale_count) over () as sales_share,
        department_sales.reorder_percentage,
        top_aisles.aisle_count,
        top_aisles.top_aisle,
        strongest_partners.strongest_partner,
        strongest_partners.partner_correlation,
        forecasts.status as forecast_status,
        forecasts.last_window_item_count,
        forecasts.forecast_item_count,
        forecasts.forecast_lower,
        forecasts.forecast_upper,
        backtests.arima_mae,
        backtests.naive_mae,
        backtests.is_arima_better

    from department_sales

    left join top_aisles
        on department_sales.department = top_aisles.department

    left join strongest_partners
        on department_sales.department = strongest_partners.department

    left join forecasts
        on department_sales.department = forecasts.department

    left join backtests
        on department_sales.department = backtests.department

)

select * from dashboard
order by sales_rank
