"""Frozen-dataclass configs from dbt config blocks, where rendered vars arrive as strings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

Config = TypeVar("Config")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(value: str, default: Any, name: str) -> Any:
    if isinstance(default, bool):
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError(f"Option {name}={value!r} is not a boolean (true/false).")
        return lowered in _TRUE
    if isinstance(default, int):
        return int(float(value))
    if isinstance(default, float):
        return float(value)
    return value


def config_from_options(cls: type[Config], options: Mapping[str, Any] | None) -> Config:
    """`cls` with each field taken from `options` when given there (blank and None = default).

    Unknown option names raise, so a typo in dbt_project.yml is an error, not a silent default."""
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    defaults = cls()
    values: dict[str, Any] = {}
    for name, raw in dict(options or {}).items():
        if name not in fields:
            raise ValueError(
                f"Unknown {cls.__name__} option {name!r}: use one of {', '.join(fields)}."
            )
        text = str(raw).strip()
        if text in ("", "None"):
            continue
        values[name] = _convert(text, getattr(defaults, name), name)
    return dataclasses.replace(defaults, **values)
