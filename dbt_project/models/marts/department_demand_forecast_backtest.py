"""Per department, ARIMA's one-step forecasts against a naive last-value forecast on held-out
windows (mean absolute error). Adapter only: the logic lives in models_py.forecast."""

from models_py.forecast import WINDOW_COLUMNS, ForecastConfig, backtest_departments


def model(dbt, session):
    dbt.config(materialized="table", tags=["forecast"])
    config = ForecastConfig.from_options(dbt.config.get("forecast"))
    windows = dbt.ref("department_basket_windows").select(", ".join(WINDOW_COLUMNS)).df()
    return backtest_departments(windows, config)
