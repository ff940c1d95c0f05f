"""Department demand forecast: the exploration notebook's ARIMA(2,0,2) on 15-basket windows.

The series come from the SQL model department_basket_windows (item counts of consecutive,
non-overlapping windows of a department's baskets). Per department this module forecasts the
next window with an interval (`forecast_departments`) and backtests the same model against a
naive last-value forecast on held-out windows (`backtest_departments`). The dbt Python models
department_demand_forecast and department_demand_forecast_backtest are thin adapters.

A department whose series cannot support the model is not an error: it gets a row with a
status saying why (see STATUSES), and null forecasts.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.arima.model import ARIMA
from threadpoolctl import threadpool_limits

from models_py.options import config_from_options

STATUSES = {
    "forecast": "ARIMA fitted; forecast and interval from the model.",
    "constant_series": "every window has the same item count: the forecast is that count, "
    "with a zero-width interval (ARIMA's likelihood is degenerate on a constant).",
    "too_few_windows": "fewer complete windows than min_windows (plus backtest_windows for "
    "the backtest): skipped, no forecast.",
    "fit_failed": "the ARIMA fit raised a numerical error (the reason column has it): "
    "skipped, no forecast.",
}
WINDOW_COLUMNS = ["department", "window_number", "item_count", "window_ended_at"]


@dataclass(frozen=True)
class ForecastConfig:
    """ARIMA(ar_order, 0, ma_order) per department and the skip / backtest rules."""

    ar_order: int = 2
    ma_order: int = 2
    interval_level: float = 0.95
    # ARIMA(2,0,2) estimates 6 parameters (4 lags, mean, variance): fewer points are noise.
    min_windows: int = 30
    max_windows: int = 400
    backtest_windows: int = 20

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> ForecastConfig:
        """Build from the `forecast` dbt config block (rendered vars arrive as strings)."""
        config = config_from_options(cls, options)
        if not 0 < config.interval_level < 1:
            raise ValueError(
                f"forecast_interval_level={config.interval_level} must be between 0 and 1 "
                "(e.g. 0.95): set the var in dbt_project.yml."
            )
        if config.max_windows < config.min_windows + config.backtest_windows:
            raise ValueError(
                f"forecast_max_windows={config.max_windows} must be at least "
                f"forecast_min_windows + forecast_backtest_windows = "
                f"{config.min_windows + config.backtest_windows}: set the vars in "
                "dbt_project.yml."
            )
        return config

    @property
    def model_name(self) -> str:
        return f"ARIMA({self.ar_order},0,{self.ma_order})"


@dataclass(frozen=True)
class OneStepForecasts:
    """Mean and interval of one-step-ahead forecasts (one value per forecast step)."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    standard_error: np.ndarray
    status: str
    is_converged: bool | None
    aic: float | None


def log(message: str) -> None:
    """Progress lines for the dbt console (dbt shows a Python model's stdout as it runs)."""
    print(f"[models_py {datetime.now():%H:%M:%S}] {message}", file=sys.stdout, flush=True)


def _constant_forecasts(value: float, steps: int) -> OneStepForecasts:
    values = np.full(steps, value, dtype=float)
    return OneStepForecasts(values, values, values, np.zeros(steps), "constant_series", None, None)


def one_step_forecasts(
    history: np.ndarray, config: ForecastConfig, future: np.ndarray | None = None
) -> OneStepForecasts:
    """Fit ARIMA on `history`; forecast the window after it, or, given `future` (held-out
    actuals), each future window from the actuals before it with the fitted parameters.

    Raises np.linalg.LinAlgError / ValueError when the fit fails numerically."""
    history = np.asarray(history, dtype=float)
    future = np.empty(0) if future is None else np.asarray(future, dtype=float)
    steps = max(len(future), 1)
    if np.ptp(history) == 0:
        return _constant_forecasts(float(history[0]), steps)
    alpha = 1 - config.interval_level
    # One BLAS thread: the fit is small, and oversubscribed threads made it several times slower.
    with threadpool_limits(1), warnings.catch_warnings():
        # Starting-parameter and convergence warnings are expected on short noisy series; the
        # outcome is recorded in is_converged instead of flooding the dbt log.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        fitted = ARIMA(history, order=(config.ar_order, 0, config.ma_order)).fit()
        if len(future):
            extended = fitted.append(future, refit=False)
            frame = extended.get_prediction(start=len(history)).summary_frame(alpha=alpha)
        else:
            frame = fitted.get_forecast(steps=1).summary_frame(alpha=alpha)
    return OneStepForecasts(
        mean=frame["mean"].to_numpy(),
        lower=frame["mean_ci_lower"].to_numpy(),
        upper=frame["mean_ci_upper"].to_numpy(),
        standard_error=frame["mean_se"].to_numpy(),
        status="forecast",
        is_converged=bool(fitted.mle_retvals.get("converged", True)),
        aic=float(fitted.aic),
    )


def _safe_forecasts(
    history: np.ndarray, config: ForecastConfig, future: np.ndarray | None = None
) -> tuple[OneStepForecasts | None, str]:
    """one_step_forecasts, or (None, reason) when the fit fails: a skip, not an exception."""
    try:
        forecasts = one_step_forecasts(history, config, future)
    except (np.linalg.LinAlgError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"
    return forecasts, STATUSES[forecasts.status]


def forecast_series(series: np.ndarray, config: ForecastConfig) -> dict[str, Any]:
    """The next window's forecast for one series (oldest window first), as one output row."""
    series = np.asarray(series, dtype=float)
    used = series[-config.max_windows :]
    row: dict[str, Any] = {
        "windows_available": len(series),
        "windows_used": len(used),
        "last_window_item_count": float(series[-1]) if len(series) else None,
        "naive_forecast_item_count": float(series[-1]) if len(series) else None,
        "forecast_item_count": None,
        "forecast_lower": None,
        "forecast_upper": None,
        "forecast_standard_error": None,
        "is_converged": None,
        "aic": None,
    }
    if len(series) < config.min_windows:
        reason = f"{len(series)} complete windows, fewer than min_windows={config.min_windows}."
        return {**row, "status": "too_few_windows", "status_reason": reason}
    forecasts, reason = _safe_forecasts(used, config)
    if forecasts is None:
        return {**row, "status": "fit_failed", "status_reason": reason}
    return {
        **row,
        "status": forecasts.status,
        "status_reason": reason,
        "forecast_item_count": float(forecasts.mean[0]),
        "forecast_lower": float(forecasts.lower[0]),
        "forecast_upper": float(forecasts.upper[0]),
        "forecast_standard_error": float(forecasts.standard_error[0]),
        "is_converged": forecasts.is_converged,
        "aic": forecasts.aic,
    }


def mean_absolute_error(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))


def backtest_series(series: np.ndarray, config: ForecastConfig) -> dict[str, Any]:
    """ARIMA vs naive last value on the last backtest_windows windows, one step ahead each:
    the model is fitted once on the windows before them, then every held-out window is
    forecast from the actual windows before it (no refit, so no look-ahead)."""
    series = np.asarray(series, dtype=float)[-config.max_windows :]
    held = config.backtest_windows
    row: dict[str, Any] = {
        "training_windows": max(len(series) - held, 0),
        "held_out_windows": min(held, len(series)),
        "arima_mae": None,
        "naive_mae": None,
        "arima_mae_ratio": None,
        "is_arima_better": None,
        "interval_coverage": None,
    }
    needed = config.min_windows + held
    if len(series) < needed:
        reason = (
            f"{len(series)} complete windows, fewer than min_windows + backtest_windows = {needed}."
        )
        return {**row, "status": "too_few_windows", "status_reason": reason}
    history, future = series[:-held], series[-held:]
    forecasts, reason = _safe_forecasts(history, config, future)
    if forecasts is None:
        return {**row, "status": "fit_failed", "status_reason": reason}
    naive = series[-held - 1 : -1]
    arima_mae = mean_absolute_error(future, forecasts.mean)
    naive_mae = mean_absolute_error(future, naive)
    inside = (future >= forecasts.lower - 1e-9) & (future <= forecasts.upper + 1e-9)
    return {
        **row,
        "status": forecasts.status,
        "status_reason": reason,
        "arima_mae": arima_mae,
        "naive_mae": naive_mae,
        "arima_mae_ratio": arima_mae / naive_mae if naive_mae > 0 else None,
        "is_arima_better": arima_mae < naive_mae,
        "interval_coverage": float(inside.mean()),
    }


def _series_by_department(windows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    missing = [column for column in WINDOW_COLUMNS if column not in windows.columns]
    if missing:
        raise ValueError(
            f"department_basket_windows lacks column(s) {missing}: rebuild it with "
            "`dbt build --select department_basket_windows`."
        )
    ordered = windows.sort_values(["department", "window_number"])
    return {str(name): frame for name, frame in ordered.groupby("department", sort=True)}


def _per_department(
    windows: pd.DataFrame, config: ForecastConfig, label: str, compute: Any
) -> pd.DataFrame:
    started = time.perf_counter()
    departments = _series_by_department(windows)
    log(f"{label}: {config.model_name} on {len(departments)} departments")
    rows = []
    for number, (department, frame) in enumerate(departments.items(), start=1):
        row = compute(frame, config)
        rows.append({"department": department, **row})
        log(
            f"{label}: {number}/{len(departments)} {department} ({len(frame)} windows): "
            f"{row['status']} ({time.perf_counter() - started:.1f} s)"
        )
    return pd.DataFrame(rows)


def _forecast_row(frame: pd.DataFrame, config: ForecastConfig) -> dict[str, Any]:
    return {
        **forecast_series(frame["item_count"].to_numpy(), config),
        "last_window_ended_at": frame["window_ended_at"].iloc[-1],
    }


def _backtest_row(frame: pd.DataFrame, config: ForecastConfig) -> dict[str, Any]:
    return backtest_series(frame["item_count"].to_numpy(), config)


FORECAST_COLUMNS = [
    "department",
    "status",
    "status_reason",
    "model",
    "windows_available",
    "windows_used",
    "last_window_ended_at",
    "last_window_item_count",
    "naive_forecast_item_count",
    "forecast_item_count",
    "forecast_lower",
    "forecast_upper",
    "interval_level",
    "forecast_standard_error",
    "is_converged",
    "aic",
]
COLUMN_DTYPES = {
    "department": "string",
    "status": "string",
    "status_reason": "string",
    "model": "string",
    "windows_available": "int64",
    "windows_used": "int64",
    "last_window_ended_at": "datetime64[us]",
    "last_window_item_count": "float64",
    "naive_forecast_item_count": "float64",
    "forecast_item_count": "float64",
    "forecast_lower": "float64",
    "forecast_upper": "float64",
    "interval_level": "float64",
    "forecast_standard_error": "float64",
    "is_converged": "boolean",
    "aic": "float64",
    "training_windows": "int64",
    "held_out_windows": "int64",
    "arima_mae": "float64",
    "naive_mae": "float64",
    "arima_mae_ratio": "float64",
    "is_arima_better": "boolean",
    "interval_coverage": "float64",
}
BACKTEST_COLUMNS = [
    "department",
    "status",
    "status_reason",
    "model",
    "training_windows",
    "held_out_windows",
    "arima_mae",
    "naive_mae",
    "arima_mae_ratio",
    "is_arima_better",
    "interval_coverage",
    "interval_level",
]


def forecast_departments(windows: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """One row per department: the next window's forecast, or a skip status."""
    result = _per_department(windows, config, "department_demand_forecast", _forecast_row)
    return _finish(result, config, FORECAST_COLUMNS)


def backtest_departments(windows: pd.DataFrame, config: ForecastConfig) -> pd.DataFrame:
    """One row per department: MAE of ARIMA and of the naive forecast on held-out windows."""
    result = _per_department(windows, config, "department_demand_forecast_backtest", _backtest_row)
    return _finish(result, config, BACKTEST_COLUMNS)


def _finish(result: pd.DataFrame, config: ForecastConfig, columns: list[str]) -> pd.DataFrame:
    result = result.reindex(columns=columns)
    result["model"] = config.model_name
    result["interval_level"] = config.interval_level
    # Explicit dtypes, so an all-skipped (or empty) run still writes typed columns, not NULL.
    dtypes = {column: dtype for column, dtype in COLUMN_DTYPES.items() if column in columns}
    return result.astype(dtypes).reset_index(drop=True)
