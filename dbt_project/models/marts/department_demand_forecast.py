"""Per department, the next 15-basket window's item count: the exploration notebook's ARIMA(2,0,2)
with a 95% interval. Adapter only: the logic lives in models_py.forecast."""

from models_py.forecast import WINDOW_COLUMNS, ForecastConfig, forecast_departments


def model(dbt, session):
    dbt.config(materialized="table", tags=["forecast"])
    config = ForecastConfig.from_options(dbt.config.get("forecast"))
    windows = dbt.ref("department_basket_windows").select(", ".join(WINDOW_COLUMNS)).df()
    return forecast_departments(windows, config)
