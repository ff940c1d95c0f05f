"""Department demand forecast (models_py.forecast) on tiny synthetic series with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models_py import forecast
from models_py.forecast import (
    ForecastConfig,
    backtest_departments,
    backtest_series,
    forecast_departments,
    forecast_series,
)
from tests.conftest import query

CONFIG = ForecastConfig(min_windows=30, max_windows=400, backtest_windows=20)


def windows_frame(series_by_department: dict[str, list[float]]) -> pd.DataFrame:
    """department_basket_windows rows, oldest window first, one a day."""
    rows = [
        {
            "department": department,
            "window_number": number,
            "item_count": value,
            "window_ended_at": pd.Timestamp("2024-01-01") + pd.Timedelta(days=number),
        }
        for department, series in series_by_department.items()
        for number, value in enumerate(series, start=1)
    ]
    return pd.DataFrame(rows)


def white_noise(size: int, mean: float, sd: float, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).normal(mean, sd, size)


def test_a_constant_series_forecasts_the_constant_with_a_zero_width_interval() -> None:
    row = forecast_series(np.full(40, 7.0), CONFIG)
    assert row["status"] == "constant_series"
    assert row["forecast_item_count"] == row["forecast_lower"] == row["forecast_upper"] == 7.0
    backtest = backtest_series(np.full(60, 7.0), CONFIG)
    assert backtest["arima_mae"] == backtest["naive_mae"] == 0.0
    assert backtest["interval_coverage"] == 1.0


def test_too_few_windows_is_a_skip_row_not_an_exception() -> None:
    short = forecast_series(np.arange(29.0), CONFIG)
    assert short["status"] == "too_few_windows" and "29" in short["status_reason"]
    assert short["forecast_item_count"] is None
    assert short["naive_forecast_item_count"] == 28.0
    # The backtest needs min_windows + backtest_windows = 50: 40 windows forecast but do not test.
    series = white_noise(40, 50, 4)
    assert forecast_series(series, CONFIG)["status"] == "forecast"
    skipped = backtest_series(series, CONFIG)
    assert skipped["status"] == "too_few_windows" and skipped["arima_mae"] is None


def test_white_noise_forecasts_its_mean_with_a_95_percent_interval() -> None:
    """i.i.d. N(50, 4): the best forecast is 50 and the 95% interval about 50 +- 1.96 * 4."""
    row = forecast_series(white_noise(300, 50, 4), CONFIG)
    assert row["status"] == "forecast"
    assert abs(row["forecast_item_count"] - 50) < 1.5
    half_width = (row["forecast_upper"] - row["forecast_lower"]) / 2
    assert 1.96 * 4 * 0.85 < half_width < 1.96 * 4 * 1.15
    assert row["forecast_lower"] < row["forecast_item_count"] < row["forecast_upper"]


def test_arima_beats_the_naive_forecast_on_an_alternating_series() -> None:
    """10, 30, 10, 30, ... plus small noise: the last value is always 20 off, ARIMA(2,0,2)
    learns the alternation, so each one-step forecast is close to the held-out actual."""
    alternating = np.tile([10.0, 30.0], 60) + white_noise(120, 0, 1)
    row = backtest_series(alternating, CONFIG)
    assert row["status"] == "forecast" and row["held_out_windows"] == 20
    assert row["naive_mae"] > 15
    assert row["arima_mae"] < 3 and row["is_arima_better"]
    assert row["interval_coverage"] >= 0.8
    # The next window follows a 30 (the series ends on one), so it should be about 10.
    assert abs(forecast_series(alternating, CONFIG)["forecast_item_count"] - 10) < 3


def test_only_the_newest_max_windows_are_fitted() -> None:
    """A level shift long ago is outside the newest 50 windows: the forecast ignores it."""
    series = np.concatenate([white_noise(200, 500, 4, seed=1), white_noise(50, 50, 4, seed=2)])
    row = forecast_series(series, ForecastConfig(min_windows=30, max_windows=50))
    assert row["windows_available"] == 250 and row["windows_used"] == 50
    assert abs(row["forecast_item_count"] - 50) < 5


def test_a_failed_fit_is_a_skip_row(monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenArima:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise np.linalg.LinAlgError("Schur decomposition solver error.")

    monkeypatch.setattr(forecast, "ARIMA", BrokenArima)
    row = forecast_series(white_noise(60, 50, 4), CONFIG)
    assert row["status"] == "fit_failed" and "LinAlgError" in row["status_reason"]
    assert row["forecast_item_count"] is None


def test_department_tables_have_one_typed_row_per_department() -> None:
    windows = windows_frame(
        {
            "dairy": list(white_noise(80, 40, 5)),
            "flowers": [3.0] * 10,
            "salt": [2.0] * 35,
        }
    )
    forecasts = forecast_departments(windows, CONFIG).set_index("department")
    assert list(forecasts.columns) == forecast.FORECAST_COLUMNS[1:]
    assert forecasts["status"].to_dict() == {
        "dairy": "forecast",
        "flowers": "too_few_windows",
        "salt": "constant_series",
    }
    assert forecasts.loc["dairy", "last_window_ended_at"] == pd.Timestamp("2024-03-21")
    assert forecasts.loc["dairy", "model"] == "ARIMA(2,0,2)"
    assert pd.isna(forecasts.loc["flowers", "forecast_item_count"])
    backtests = backtest_departments(windows, CONFIG).set_index("department")
    assert backtests["status"].to_dict() == {
        "dairy": "forecast",
        "flowers": "too_few_windows",
        "salt": "too_few_windows",
    }
    assert backtests.loc["dairy", "training_windows"] == 60
    # Every department skipped still gives typed columns (DuckDB would store NULL-typed ones).
    skipped = forecast_departments(windows_frame({"flowers": [3.0] * 10}), CONFIG)
    assert skipped["forecast_item_count"].dtype == "float64"


def test_options_arrive_as_strings_and_bad_ones_name_the_var() -> None:
    config = ForecastConfig.from_options({"ar_order": "1", "interval_level": "0.8"})
    assert config.ar_order == 1 and config.interval_level == 0.8
    assert config.model_name == "ARIMA(1,0,2)"
    with pytest.raises(ValueError, match="forecast_interval_level"):
        ForecastConfig.from_options({"interval_level": "95"})
    with pytest.raises(ValueError, match="forecast_max_windows"):
        ForecastConfig.from_options({"max_windows": "10"})


def test_missing_window_columns_name_the_table() -> None:
    with pytest.raises(ValueError, match="department_basket_windows"):
        forecast_departments(pd.DataFrame({"department": ["a"]}), CONFIG)


@pytest.mark.slow
def test_forecast_tables_in_the_synthetic_build(synthetic_warehouse: Path) -> None:
    """Every department with a window has one forecast and one backtest row; the windows
    account for every basket of the department except the oldest remainder."""
    window_size = 15
    rows = query(
        synthetic_warehouse,
        """
        with baskets as (
            select department, count(distinct order_id) as baskets, count(*) as lines
            from intermediate.int_order_lines_enriched group by department
        ),
        windows as (
            select department, count(*) as windows, sum(basket_count) as windowed_baskets,
                sum(item_count) as windowed_lines
            from marts.department_basket_windows group by department
        )
        select baskets.department, baskets.baskets, baskets.lines, windows.windows,
            windows.windowed_baskets, windows.windowed_lines, forecasts.status,
            backtests.status
        from baskets
        left join windows using (department)
        left join marts.department_demand_forecast as forecasts using (department)
        left join marts.department_demand_forecast_backtest as backtests using (department)
        """,
    )
    assert rows
    for department, baskets, lines, windows, windowed, windowed_lines, status, bt_status in rows:
        if baskets < window_size:
            assert windows is None and status is None, department
            continue
        assert windowed == baskets - baskets % window_size, department
        assert windowed_lines <= lines
        assert status in forecast.STATUSES and bt_status in forecast.STATUSES
    assert any(row[6] == "forecast" for row in rows)
