"""Seeded synthetic grocery data with planted structure, written in the raw data contract.

The generator plants structure a recommender should recover, and `planted_structure` returns it
as ground truth for tests:

1. Department taste: every user leans on one or two departments.
2. Repeat purchases: every user has 5-15 staple products bought again and again; popularity
   within a department is Zipf-like (long-tailed).
3. Complementary pairs: when anchor A is in a basket, B is added with high probability, right
   after A.
4. Promotions: about 5% of products are promoted each week; promoted products sell more that week,
   at a discount.
5. Add-to-cart order: lines follow a fixed department order; complements directly follow their
   anchor.

Users are generated in chunks of `chunk_users`, and each chunk becomes one Parquet row group, so
memory stays bounded at Instacart scale (3.4M orders, 32M order lines). All randomness comes from
numpy generators seeded by (seed, stream, chunk), so the output is a pure function of the config
(note that `chunk_users` is part of the config: changing it changes the draws).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Bump when the generated data changes for the same config, so `ensure_generated` regenerates.
GENERATOR_VERSION = 1
MANIFEST_NAME = "_manifest.json"

# Instacart Market Basket Analysis sizes (prior order lines; orders of all eval sets).
INSTACART_USERS = 206_209
INSTACART_ORDERS = 3_421_083
INSTACART_LINES = 32_434_489
INSTACART_PRODUCTS = 49_688
INSTACART_DEPARTMENTS = 21
INSTACART_AISLES = 134

EPOCH = np.datetime64("2020-01-01T00:00:00", "us")
US_PER_SECOND = 1_000_000
SECONDS_PER_DAY = 86_400

# Strength of the planted structure: strong enough that tests on a few hundred users see it.
COMPLEMENT_PROB = 0.7
PROMO_SHARE = 0.05
PROMO_LIFT = 3.0
STAPLE_SHARE = 0.5  # expected share of a basket drawn from the user's staples
MIN_STAPLES, MAX_STAPLES = 5, 15
STAPLE_POPULARITY_EXPONENT = 0.3  # < 1 flattens popularity, so staples are personal
STAPLE_AFFINITY_SD = 1.5  # spread of staple preference: top staples are in most baskets
TASTE_FOCUS = 0.85  # taste weight on the user's top two departments; the rest is spread out
HOME_STORE_SHARE = 0.8
BROWSE_SESSIONS_PER_ORDER = 0.3
ZIPF_EXPONENT = 1.0
RESAMPLE_PASSES = 3  # redraws of duplicate products in a basket before dropping them

PROMO_KINDS = ("mailer", "display", "discount")
PROMO_KIND_PROBS = (0.4, 0.3, 0.3)
DISPLAY_LOCATIONS = ("front_end_cap", "rear_end_cap", "mid_aisle_end_cap", "in_aisle", "secondary")
MAILER_LOCATIONS = ("front_page", "interior_page", "back_page", "wrap_interior")
PACKAGE_SIZES = ("1 ct", "6 ct", "12 ct", "250 g", "500 g", "1 kg", "330 ml", "1 l", "2 l")
N_BRANDS = 20

# Independent random streams, so e.g. the catalogue does not change when users are added.
_STREAM_CATALOG, _STREAM_PROMOTIONS, _STREAM_TASTE, _STREAM_ACTIVITY = range(4)

_STR = pa.string()
SCHEMAS: dict[str, pa.Schema] = {
    "orders": pa.schema(
        [
            ("order_id", _STR),
            ("user_id", _STR),
            ("ordered_at", pa.timestamp("us")),
            ("day_number", pa.int32()),
            ("store_id", _STR),
            ("eval_set", _STR),
        ]
    ),
    "order_lines": pa.schema(
        [
            ("order_id", _STR),
            ("product_id", _STR),
            ("line_number", pa.int32()),
            ("quantity", pa.int32()),
            ("sales_value", pa.float64()),
            ("discount", pa.float64()),
            ("reordered", pa.bool_()),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", _STR),
            ("product_name", _STR),
            ("department", _STR),
            ("category", _STR),
            ("sub_category", _STR),
            ("brand", _STR),
            ("price", pa.float64()),
            ("package_size", _STR),
        ]
    ),
    "promotions": pa.schema(
        [
            ("product_id", _STR),
            ("store_id", _STR),
            ("week_number", pa.int32()),
            ("promo_kind", _STR),
            ("display_location", _STR),
            ("mailer_location", _STR),
        ]
    ),
    "users": pa.schema(
        [
            ("user_id", _STR),
            ("age_band", _STR),
            ("income_band", _STR),
            ("household_size", _STR),
            ("household_composition", _STR),
            ("kids_count", _STR),
            ("home_ownership", _STR),
            ("marital_status", _STR),
        ]
    ),
    "sessions": pa.schema(
        [
            ("user_id", _STR),
            ("session_id", _STR),
            ("order_id", _STR),
            ("started_at", pa.timestamp("us")),
            ("page_views", pa.int32()),
            ("session_seconds", pa.float64()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)


@dataclass(frozen=True)
class SyntheticConfig:
    """Size and seed of a synthetic dataset; equal configs give byte-equal tables."""

    n_users: int = 300
    n_products: int = 400
    n_departments: int = 8
    aisles_per_department: int = 4
    orders_per_user_mean: float = 10.0
    basket_size_mean: float = 8.0
    n_days: int = 364
    n_stores: int = 5
    seed: int = 42
    chunk_users: int = 20_000

    def __post_init__(self) -> None:
        positive = ("n_users", "n_products", "n_departments", "aisles_per_department")
        positive += ("n_days", "n_stores", "chunk_users")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.orders_per_user_mean < 1 or self.basket_size_mean < 1:
            raise ValueError("orders_per_user_mean and basket_size_mean must be >= 1")
        if self.n_products < self.n_departments:
            raise ValueError("n_products must be >= n_departments (no empty departments)")

    @classmethod
    def instacart_size(cls, fraction: float = 1.0, seed: int = 42) -> SyntheticConfig:
        """Instacart-sized config: fraction=1.0 gives ~206k users, ~3.4M orders, ~32M lines.

        Users (and so orders and lines) scale with `fraction`; products scale with its square
        root, since a smaller sample of shoppers still sees much of the catalogue.
        """
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        return cls(
            n_users=max(1, round(INSTACART_USERS * fraction)),
            n_products=max(INSTACART_DEPARTMENTS, round(INSTACART_PRODUCTS * fraction**0.5)),
            n_departments=INSTACART_DEPARTMENTS,
            aisles_per_department=round(INSTACART_AISLES / INSTACART_DEPARTMENTS),
            orders_per_user_mean=INSTACART_ORDERS / INSTACART_USERS,
            basket_size_mean=INSTACART_LINES / INSTACART_ORDERS,
            seed=seed,
        )

    @property
    def n_chunks(self) -> int:
        return math.ceil(self.n_users / self.chunk_users)

    @property
    def n_weeks(self) -> int:
        return (self.n_days - 1) // 7 + 1


@dataclass(frozen=True)
class PlantedStructure:
    """Ground truth planted by the generator, in the ids of the written files."""

    complement_pairs: list[tuple[str, str]]
    department_order: list[str]
    promoted: set[tuple[str, int]]
    user_favourite_department: dict[str, str]


# ---------------------------------------------------------------------------------------------
# Helpers


def _rng(config: SyntheticConfig, stream: int, chunk: int = 0) -> np.random.Generator:
    """An independent generator per (seed, stream, chunk)."""
    return np.random.default_rng([config.seed, stream, chunk])


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded string ids like "o00042", built in Arrow (no Python loop per row)."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), _STR)
    padded = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, padded, "")


def _width(upper_bound: float) -> int:
    """Digits for ids up to `upper_bound`, so string order equals numeric order."""
    return len(str(max(1, int(upper_bound))))


def _labels(values: tuple[str, ...], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """String labels values[index], null where `null` is true."""
    array = pa.array(values, _STR).take(pa.array(index.astype(np.int64)))
    if null is None:
        return array
    return pc.if_else(pa.array(null), pa.nulls(len(index), _STR), array)


def _cumulative(weights: np.ndarray) -> np.ndarray:
    """Cumulative weights with a leading 0, for inverse-CDF sampling."""
    return np.concatenate([[0.0], np.cumsum(weights)])


def _sample_in_department(
    cdf: np.ndarray, dept_start: np.ndarray, dept: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Draw one product per line from its department's block of the cumulative weights."""
    lo, hi = dept_start[dept], dept_start[dept + 1]
    x = cdf[lo] + u * (cdf[hi] - cdf[lo])
    product = np.searchsorted(cdf, x, side="right") - 1
    return np.clip(product, lo, hi - 1)  # guards float edge cases at block ends


def _sample_rows(row_cdf: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw a column per line from per-row cumulative weights (rows end at 1).

    Adding the row number makes the flattened matrix one increasing array, so a single
    searchsorted samples every line from its own row.
    """
    n_rows, n_cols = row_cdf.shape
    flat = (row_cdf + np.arange(n_rows)[:, None]).ravel()
    column = np.searchsorted(flat, row + u, side="right") - row * n_cols
    return np.clip(column, 0, n_cols - 1)


def _segments(sorted_keys: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(key, start, stop) for each run of equal values in a sorted array."""
    if len(sorted_keys) == 0:
        return
    starts = np.flatnonzero(np.diff(sorted_keys)) + 1
    bounds = np.concatenate([[0], starts, [len(sorted_keys)]])
    for start, stop in itertools.pairwise(bounds):
        yield int(sorted_keys[start]), int(start), int(stop)


def _first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Index of the first occurrence of each distinct key, in key order."""
    _, first = np.unique(keys, return_index=True)  # stable sort: first in array order
    return first


# ---------------------------------------------------------------------------------------------
# Catalogue and promotions (shared by all chunks)


@dataclass(frozen=True, eq=False)
class _Catalog:
    """Products indexed internally in department blocks (product ids are shuffled numbers)."""

    product_ids: pa.Array
    department: np.ndarray  # department index per product
    dept_start: np.ndarray  # department d holds products dept_start[d]:dept_start[d + 1]
    weight: np.ndarray  # Zipf popularity, each department's weights sum to 1
    price: np.ndarray
    complement: np.ndarray  # B for anchor A, else -1
    anchor: np.ndarray  # A for complement B, else -1
    dept_rank: np.ndarray  # position of each department in the add-to-cart order
    department_names: tuple[str, ...]
    department_order: tuple[int, ...]
    table: pa.Table


def _department_sizes(rng: np.random.Generator, n_products: int, n_departments: int) -> np.ndarray:
    """Uneven department sizes (as in real stores), at least one product each."""
    shares = rng.dirichlet(np.full(n_departments, 4.0))
    return 1 + rng.multinomial(n_products - n_departments, shares)


def _zipf_weights(
    rng: np.random.Generator, department: np.ndarray, dept_start: np.ndarray
) -> np.ndarray:
    """Zipf popularity over a random ranking within each department, normalised per department."""
    order = np.lexsort((rng.random(len(department)), department))
    rank = np.empty(len(department), dtype=np.int64)
    rank[order] = np.arange(len(department)) - dept_start[department[order]] + 1
    weight = rank.astype(np.float64) ** -ZIPF_EXPONENT
    return weight / np.bincount(department, weights=weight)[department]


def _complement_pairs(
    rng: np.random.Generator, weight: np.ndarray, dept_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """About one pair per ten products, within a department, each product in at most one pair.

    Anchors lean popular (so pairs show up in small samples); complements are uniform.
    """
    anchors, complements = [], []
    for start, stop in itertools.pairwise(dept_start):
        size = int(stop - start)
        n_pairs = min(size // 2, round(size / 10))
        if n_pairs == 0:
            continue
        # Gumbel top-k: weighted sampling without replacement, by sqrt(popularity).
        keys = 0.5 * np.log(weight[start:stop]) + rng.gumbel(size=size)
        by_key = np.argsort(-keys)
        anchors.append(start + by_key[:n_pairs])
        complements.append(start + rng.permutation(by_key[n_pairs:])[:n_pairs])
    if not anchors:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(anchors), np.concatenate(complements)


def _build_catalog(config: SyntheticConfig) -> _Catalog:
    """Products, prices, popularity, complement pairs and department order from the seed."""
    rng = _rng(config, _STREAM_CATALOG)
    n, n_depts = config.n_products, config.n_departments
    sizes = _department_sizes(rng, n, n_depts)
    department = np.repeat(np.arange(n_depts), sizes)
    dept_start = np.concatenate([[0], np.cumsum(sizes)])
    weight = _zipf_weights(rng, department, dept_start)

    # Lognormal prices around a department price level.
    dept_level = rng.normal(np.log(3.5), 0.5, n_depts)
    price = np.maximum(0.1, np.round(np.exp(rng.normal(dept_level[department], 0.45)), 2))

    anchors, complements = _complement_pairs(rng, weight, dept_start)
    complement = np.full(n, -1, dtype=np.int64)
    anchor = np.full(n, -1, dtype=np.int64)
    complement[anchors], anchor[complements] = complements, anchors

    department_order = rng.permutation(n_depts)
    dept_rank = np.empty(n_depts, dtype=np.int64)
    dept_rank[department_order] = np.arange(n_depts)

    number = rng.permutation(n) + 1  # public ids do not reveal the department blocks
    product_ids = _ids("p", number, _width(n))
    dept_width = max(2, _width(n_depts))
    names = tuple(f"dept_{d + 1:0{dept_width}d}" for d in range(n_depts))
    table = _products_table(rng, config, number, product_ids, department, names, price)
    return _Catalog(
        product_ids=product_ids,
        department=department,
        dept_start=dept_start,
        weight=weight,
        price=price,
        complement=complement,
        anchor=anchor,
        dept_rank=dept_rank,
        department_names=names,
        department_order=tuple(int(d) for d in department_order),
        table=table,
    )


def _products_table(
    rng: np.random.Generator,
    config: SyntheticConfig,
    number: np.ndarray,
    product_ids: pa.Array,
    department: np.ndarray,
    names: tuple[str, ...],
    price: np.ndarray,
) -> pa.Table:
    """The products file, sorted by product number."""
    n = len(number)
    aisle = rng.integers(config.aisles_per_department, size=n)
    sub = rng.integers(3, size=n)
    no_sub = rng.random(n) < 0.2
    brand_weight = 1.0 / np.arange(1, N_BRANDS + 1)  # a few big brands, many small ones
    brand = rng.choice(N_BRANDS, size=n, p=brand_weight / brand_weight.sum())
    package = rng.integers(len(PACKAGE_SIZES), size=n)
    category = [f"{names[d]}_aisle_{a + 1}" for d, a in zip(department, aisle, strict=True)]
    table = pa.table(
        {
            "product_id": product_ids,
            "product_name": [
                f"Product {k} (Dept {d + 1})" for k, d in zip(number, department, strict=True)
            ],
            "department": _labels(names, department),
            "category": pa.array(category, _STR),
            "sub_category": pa.array(
                [
                    None if skip else f"{c}_sub_{s + 1}"
                    for c, s, skip in zip(category, sub, no_sub, strict=True)
                ],
                _STR,
            ),
            "brand": _labels(tuple(f"brand_{b + 1:02d}" for b in range(N_BRANDS)), brand),
            "price": pa.array(price, pa.float64()),
            "package_size": _labels(PACKAGE_SIZES, package),
        },
        schema=SCHEMAS["products"],
    )
    return table.take(pa.array(np.argsort(number)))


@dataclass(frozen=True, eq=False)
class _Promotions:
    """Weekly promotion schedule as dense (week, product) matrices plus the promotions file."""

    store: np.ndarray  # -2: no promotion, -1: all stores, else the one store index
    discount: np.ndarray  # discount fraction of the list price, 0 when none
    table: pa.Table


def _store_ids(config: SyntheticConfig) -> pa.Array:
    return _ids("store_", np.arange(1, config.n_stores + 1), max(2, _width(config.n_stores)))


def _build_promotions(config: SyntheticConfig, catalog: _Catalog) -> _Promotions:
    """~5% of products on promotion each week; some displays run in a single store only."""
    rng = _rng(config, _STREAM_PROMOTIONS)
    n_weeks, n = config.n_weeks, config.n_products
    per_week = min(n, max(1, round(PROMO_SHARE * n)))
    chosen = np.argpartition(rng.random((n_weeks, n)), per_week - 1, axis=1)[:, :per_week]
    chosen.sort(axis=1)  # the chosen set is portable; argpartition's order within it is not
    week = np.repeat(np.arange(n_weeks), per_week)
    product = chosen.ravel()
    rows = len(product)
    kind = rng.choice(len(PROMO_KINDS), size=rows, p=PROMO_KIND_PROBS)
    is_display, is_mailer = kind == 1, kind == 0
    single_store = is_display & (rng.random(rows) < 0.5)
    store = np.where(single_store, rng.integers(config.n_stores, size=rows), -1)
    discount = rng.uniform(0.1, 0.35, rows)

    store_matrix = np.full((n_weeks, n), -2, dtype=np.int32)
    store_matrix[week, product] = store
    discount_matrix = np.zeros((n_weeks, n), dtype=np.float64)
    discount_matrix[week, product] = discount

    display_at = rng.integers(len(DISPLAY_LOCATIONS), size=rows)
    mailer_at = rng.integers(len(MAILER_LOCATIONS), size=rows)
    table = pa.table(
        {
            "product_id": catalog.product_ids.take(pa.array(product)),
            "store_id": pc.if_else(
                pa.array(single_store),
                _store_ids(config).take(pa.array(np.maximum(store, 0))),
                pa.nulls(rows, _STR),
            ),
            "week_number": pa.array(week + 1, pa.int32()),
            "promo_kind": _labels(PROMO_KINDS, kind),
            "display_location": _labels(DISPLAY_LOCATIONS, display_at, ~is_display),
            "mailer_location": _labels(MAILER_LOCATIONS, mailer_at, ~is_mailer),
        },
        schema=SCHEMAS["promotions"],
    )
    table = table.sort_by([("week_number", "ascending"), ("product_id", "ascending")])
    return _Promotions(store=store_matrix, discount=discount_matrix, table=table)


# ---------------------------------------------------------------------------------------------
# Users


def _chunk_users(config: SyntheticConfig, chunk: int) -> tuple[int, int]:
    """(first user index, number of users) of a chunk."""
    first = chunk * config.chunk_users
    return first, min(config.chunk_users, config.n_users - first)


def _user_ids(config: SyntheticConfig, first: int, n: int) -> pa.Array:
    return _ids("u", np.arange(first + 1, first + n + 1), _width(config.n_users))


def _user_taste(config: SyntheticConfig, chunk: int) -> np.ndarray:
    """Department weights (users x departments), most mass on a favourite and a second one.

    Own stream per chunk, so `planted_structure` can recompute it without generating orders.
    """
    rng = _rng(config, _STREAM_TASTE, chunk)
    _, n = _chunk_users(config, chunk)
    n_depts = config.n_departments
    favourite = rng.integers(n_depts, size=n)
    second = (favourite + rng.integers(1, max(2, n_depts), size=n)) % n_depts
    focus = rng.uniform(0.55, 0.9, n)
    taste = (1 - TASTE_FOCUS) * rng.dirichlet(np.ones(n_depts), size=n)
    rows = np.arange(n)
    taste[rows, favourite] += TASTE_FOCUS * focus
    taste[rows, second] += TASTE_FOCUS * (1 - focus)
    return taste


_AGE_BANDS = ("19-24", "25-34", "35-44", "45-54", "55-64", "65+")
_INCOME_BANDS = ("Under 15K", "15-24K", "25-34K", "35-49K", "50-74K", "75-99K", "100-149K", "150K+")
_HOUSEHOLD_SIZES = ("1", "2", "3", "4", "5+")
_COMPOSITIONS = ("1 Adult No Kids", "2 Adults No Kids", "1 Adult Kids", "2 Adults Kids")
_KIDS = ("0", "1", "2", "3+")
_OWNERSHIP = ("Homeowner", "Renter", "Probable Owner", "Probable Renter", "Unknown")
_MARITAL = ("Married", "Unmarried", "Unknown")


def _users_table(rng: np.random.Generator, user_ids: pa.Array) -> pa.Table:
    """Plausible, mutually consistent demographics; all null for ~10% of users."""
    n = len(user_ids)
    missing = rng.random(n) < 0.1
    adults = 1 + (rng.random(n) < 0.55)
    kids = np.where(rng.random(n) < 0.35, rng.choice(3, size=n, p=(0.45, 0.4, 0.15)) + 1, 0)
    composition = (adults - 1) + 2 * (kids > 0)
    household = np.minimum(adults + kids, 5) - 1
    married = rng.random(n) < np.where(adults == 2, 0.85, 0.1)
    marital = np.where(rng.random(n) < 0.15, 2, np.where(married, 0, 1))
    age = rng.choice(len(_AGE_BANDS), size=n, p=(0.06, 0.18, 0.22, 0.25, 0.17, 0.12))
    income = np.clip(np.round(rng.normal(3.5 + 0.4 * (adults - 1), 1.8, n)), 0, 7).astype(int)
    columns = {
        "age_band": _labels(_AGE_BANDS, age, missing),
        "income_band": _labels(_INCOME_BANDS, income, missing),
        "household_size": _labels(_HOUSEHOLD_SIZES, household, missing),
        "household_composition": _labels(_COMPOSITIONS, composition, missing),
        "kids_count": _labels(_KIDS, kids, missing),
        "home_ownership": _labels(
            _OWNERSHIP, rng.choice(5, size=n, p=(0.45, 0.15, 0.15, 0.1, 0.15)), missing
        ),
        "marital_status": _labels(_MARITAL, marital, missing),
    }
    return pa.table({"user_id": user_ids, **columns}, schema=SCHEMAS["users"])


# ---------------------------------------------------------------------------------------------
# Orders, lines and sessions of one chunk of users


@dataclass(frozen=True, eq=False)
class _Orders:
    """Orders of a chunk, sorted by user then time (so index order is chronological per user)."""

    user: np.ndarray
    day: np.ndarray
    second: np.ndarray  # second of the day
    store: np.ndarray
    n_per_user: np.ndarray

    @property
    def week(self) -> np.ndarray:
        return self.day // 7

    @property
    def timestamp_us(self) -> np.ndarray:
        """Microseconds since EPOCH."""
        return (self.day * SECONDS_PER_DAY + self.second) * US_PER_SECOND


@dataclass(frozen=True, eq=False)
class _Lines:
    """Order lines of a chunk, sorted by order then add-to-cart position."""

    order: np.ndarray  # chunk-local order index
    product: np.ndarray
    line_number: np.ndarray
    quantity: np.ndarray
    sales_value: np.ndarray
    discount: np.ndarray
    reordered: np.ndarray


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds of the day, peaking early afternoon as grocery orders do."""
    seconds = rng.normal(13.5 * 3600, 3.5 * 3600, n)
    return np.clip(seconds, 0, SECONDS_PER_DAY - 1).astype(np.int64)


def _draw_orders(rng: np.random.Generator, config: SyntheticConfig, n_users: int) -> _Orders:
    """Orders per user ~ 1 + negative binomial (mean orders_per_user_mean), days uniform."""
    p = min(1.0, 2.0 / (config.orders_per_user_mean + 1.0))  # NB(2, p) has mean 2(1-p)/p
    n_per_user = 1 + rng.negative_binomial(2, p, size=n_users)
    user = np.repeat(np.arange(n_users), n_per_user)
    day = rng.integers(config.n_days, size=len(user))
    second = _time_of_day(rng, len(user))
    chronological = np.lexsort((second, day, user))
    home = rng.integers(config.n_stores, size=n_users)
    away = rng.integers(config.n_stores, size=len(user))
    store = np.where(rng.random(len(user)) < HOME_STORE_SHARE, home[user], away)
    return _Orders(
        user=user,
        day=day[chronological],
        second=second[chronological],
        store=store,
        n_per_user=n_per_user,
    )


def _staple_weights(catalog: _Catalog) -> np.ndarray:
    """Product weights for choosing staples: popularity flattened, so staples are personal."""
    return catalog.weight**STAPLE_POPULARITY_EXPONENT


def _draw_staples(
    rng: np.random.Generator, catalog: _Catalog, taste: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's 5-15 staples (users x MAX_STAPLES, -1 padded) and their log affinities.

    Staples are drawn by taste x a flattened popularity, so they lean to favourite departments
    but are personal: a popularity ranking alone does not predict them.
    """
    n_users = len(taste)
    n_draws = 3 * MAX_STAPLES  # spare draws, since some repeat
    user = np.repeat(np.arange(n_users), n_draws)
    dept = _sample_rows(np.cumsum(taste, axis=1), user, rng.random(len(user)))
    product = _sample_in_department(
        _cumulative(_staple_weights(catalog)),
        catalog.dept_start,
        dept,
        rng.random(len(user)),
    )
    first = np.sort(_first_occurrences(user * len(catalog.weight) + product))  # draw order
    user, product = user[first], product[first]
    slot = np.arange(len(user)) - np.searchsorted(user, user)  # rank among the user's staples
    wanted = rng.integers(MIN_STAPLES, MAX_STAPLES + 1, size=n_users)
    keep = slot < wanted[user]
    products = np.full((n_users, MAX_STAPLES), -1, dtype=np.int64)
    products[user[keep], slot[keep]] = product[keep]
    affinity = np.where(products >= 0, rng.normal(0.0, STAPLE_AFFINITY_SD, products.shape), -np.inf)
    return products, affinity


def _sample_explore(
    rng: np.random.Generator,
    catalog: _Catalog,
    promos: _Promotions,
    taste_cdf: np.ndarray,
    user: np.ndarray,
    week: np.ndarray,
    store: np.ndarray,
) -> np.ndarray:
    """Non-staple picks: department by the user's taste, product by popularity x promotion lift.

    Promotions differ per (week, store), so lines are grouped by it and each group samples from
    its own cumulative weights (a loop per group, not per line).
    """
    dept = _sample_rows(taste_cdf, user, rng.random(len(user)))
    u = rng.random(len(user))
    product = np.empty(len(user), dtype=np.int64)
    n_stores = int(store.max()) + 1 if len(store) else 1
    group = week * n_stores + store
    by_group = np.argsort(group, kind="stable")
    for key, start, stop in _segments(group[by_group]):
        w, s = divmod(key, n_stores)
        promoted = (promos.store[w] == -1) | (promos.store[w] == s)
        cdf = _cumulative(catalog.weight * np.where(promoted, PROMO_LIFT, 1.0))
        lines = by_group[start:stop]
        product[lines] = _sample_in_department(cdf, catalog.dept_start, dept[lines], u[lines])
    return product


def _base_basket_mean(config: SyntheticConfig, catalog: _Catalog) -> float:
    """Basket size before complements are added, so final baskets average basket_size_mean.

    Complements join anchor lines; the expected share of anchor lines mixes staple picks and
    explore picks, averaged over departments (tastes are symmetric across departments).
    """
    is_anchor = catalog.complement >= 0
    shares = []
    for weight, mix in (
        (_staple_weights(catalog), STAPLE_SHARE),
        (catalog.weight, 1 - STAPLE_SHARE),
    ):
        per_dept = np.bincount(
            catalog.department, weights=weight * is_anchor, minlength=config.n_departments
        )
        total = np.bincount(catalog.department, weights=weight, minlength=config.n_departments)
        shares.append(mix * np.mean(per_dept / total))
    anchor_share = sum(shares)
    return max(1.0, config.basket_size_mean / (1.0 + COMPLEMENT_PROB * anchor_share))


def _draw_baskets(
    rng: np.random.Generator,
    config: SyntheticConfig,
    catalog: _Catalog,
    promos: _Promotions,
    taste: np.ndarray,
    orders: _Orders,
) -> tuple[np.ndarray, np.ndarray]:
    """(order, product) pairs, unique per order, sorted by (order, product)."""
    n_products = config.n_products
    staples, affinity = _draw_staples(rng, catalog, taste)
    scale = rng.lognormal(-0.045, 0.3, len(taste))  # some users buy bigger baskets (mean ~1)
    size = 1 + rng.poisson((_base_basket_mean(config, catalog) - 1) * scale[orders.user])
    n_staples = (staples >= 0).sum(axis=1)
    from_staples = np.minimum(rng.binomial(size, STAPLE_SHARE), n_staples[orders.user])

    # Staples: the user's favourites win more often (Gumbel top-k = weighted, no replacement).
    keys = affinity[orders.user] + rng.gumbel(size=(len(orders.user), MAX_STAPLES))
    preferred = np.argsort(-keys, axis=1)
    taken = np.arange(MAX_STAPLES)[None, :] < from_staples[:, None]
    staple_order = np.nonzero(taken)[0]
    staple_product = staples[orders.user[staple_order], preferred[taken]]

    # Explore the rest, redrawing products already in the basket.
    taste_cdf = np.cumsum(taste, axis=1)
    explore_order = np.repeat(np.arange(len(size)), size - from_staples)
    order = np.concatenate([staple_order, explore_order])
    product = np.concatenate([staple_product, np.empty(len(explore_order), dtype=np.int64)])
    redo = np.arange(len(staple_order), len(order))
    for _ in range(RESAMPLE_PASSES + 1):
        o = order[redo]
        product[redo] = _sample_explore(
            rng, catalog, promos, taste_cdf, orders.user[o], orders.week[o], orders.store[o]
        )
        duplicate = np.ones(len(order), dtype=bool)
        duplicate[_first_occurrences(order * n_products + product)] = False
        redo = np.flatnonzero(duplicate)  # staples come first, so only explore picks repeat
        if len(redo) == 0:
            break
    first = _first_occurrences(order * n_products + product)
    order, product = order[first], product[first]

    # Complements: B joins A's basket with COMPLEMENT_PROB (dropped if already there).
    complement = catalog.complement[product]
    joins = (complement >= 0) & (rng.random(len(product)) < COMPLEMENT_PROB)
    order = np.concatenate([order, order[joins]])
    product = np.concatenate([product, complement[joins]])
    first = _first_occurrences(order * n_products + product)
    return order[first], product[first]


def _add_to_cart_order(
    rng: np.random.Generator,
    catalog: _Catalog,
    n_products: int,
    order: np.ndarray,
    product: np.ndarray,
) -> np.ndarray:
    """Permutation putting lines in add-to-cart order: by department order, random within a
    department, and each complement right after its anchor when both are in the basket.

    Expects lines sorted by (order, product). One int64 sort key packs (order, department rank,
    random tie-breaker); a complement's key is its anchor's key + 1, which no other line has.
    """
    random_bits = 20  # ties within a department of one basket are then very rare (and harmless)
    dept_bits = int(catalog.dept_rank.max()).bit_length()
    if int(order.max(initial=0)).bit_length() + dept_bits + random_bits + 1 > 62:
        raise ValueError("chunk too large for the add-to-cart sort key; lower chunk_users")
    dept_rank = catalog.dept_rank[catalog.department[product]]
    tie_breaker = rng.integers(0, 2**random_bits, size=len(product))
    position = (((order << dept_bits) | dept_rank) << (random_bits + 1)) | (tie_breaker << 1)
    is_complement = np.flatnonzero(catalog.anchor[product] >= 0)
    keys = order * n_products + product
    anchor_keys = order[is_complement] * n_products + catalog.anchor[product[is_complement]]
    at = np.minimum(np.searchsorted(keys, anchor_keys), len(keys) - 1)
    found = keys[at] == anchor_keys
    position[is_complement[found]] = position[at[found]] + 1  # odd: just after the anchor
    return np.argsort(position, kind="stable")


def _draw_lines(
    rng: np.random.Generator,
    config: SyntheticConfig,
    catalog: _Catalog,
    promos: _Promotions,
    taste: np.ndarray,
    orders: _Orders,
) -> _Lines:
    """Baskets in add-to-cart order with quantities, prices, discounts and reorder flags."""
    order, product = _draw_baskets(rng, config, catalog, promos, taste, orders)
    cart = _add_to_cart_order(rng, catalog, config.n_products, order, product)
    order, product = order[cart], product[cart]

    per_order = np.bincount(order, minlength=len(orders.user))
    line_number = np.arange(len(order)) - (np.cumsum(per_order) - per_order)[order] + 1

    price = catalog.price[product]
    quantity = 1 + rng.poisson(np.where(price < 2.0, 0.6, 0.25))  # cheap items come in multiples
    week, promo_store = orders.week[order], promos.store[orders.week[order], product]
    on_promo = (promo_store == -1) | (promo_store == orders.store[order])
    gross = quantity * price
    discount = np.round(np.where(on_promo, gross * promos.discount[week, product], 0.0), 2)

    # Lines are chronological per user, so the first line of each (user, product) is the first buy.
    reordered = np.ones(len(order), dtype=bool)
    reordered[_first_occurrences(orders.user[order] * config.n_products + product)] = False
    return _Lines(
        order=order,
        product=product,
        line_number=line_number.astype(np.int32),
        quantity=quantity.astype(np.int32),
        sales_value=np.round(gross - discount, 2),
        discount=discount,
        reordered=reordered,
    )


def _sessions(
    rng: np.random.Generator,
    config: SyntheticConfig,
    orders: _Orders,
    lines_per_order: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One session ending at each order's checkout, plus browse sessions without an order.

    Returns (user, order index or -1, start in us since EPOCH, page views, seconds), sorted by
    user then start.
    """
    n_orders = len(orders.user)
    page_views = lines_per_order + 1 + rng.poisson(3.0, n_orders)  # bigger baskets, more pages
    seconds = np.round(page_views * rng.lognormal(np.log(20.0), 0.5, n_orders) + 30.0, 3)
    start = orders.timestamp_us - (seconds * US_PER_SECOND).astype(np.int64)

    n_browse = rng.poisson(BROWSE_SESSIONS_PER_ORDER * orders.n_per_user)
    browse_user = np.repeat(np.arange(len(n_browse)), n_browse)
    n = len(browse_user)
    browse_day = rng.integers(config.n_days, size=n)
    browse_start = (browse_day * SECONDS_PER_DAY + _time_of_day(rng, n)) * US_PER_SECOND
    browse_views = 1 + rng.poisson(3.0, n)
    browse_seconds = np.round(browse_views * rng.lognormal(np.log(20.0), 0.5, n) + 10.0, 3)

    user = np.concatenate([orders.user, browse_user])
    order = np.concatenate([np.arange(n_orders), np.full(n, -1)])
    start = np.concatenate([start, browse_start])
    views = np.concatenate([page_views, browse_views])
    seconds = np.concatenate([seconds, browse_seconds])
    chronological = np.lexsort((order, start, user))
    return (
        user[chronological],
        order[chronological],
        start[chronological],
        views[chronological],
        seconds[chronological],
    )


def _chunk_tables(
    config: SyntheticConfig,
    catalog: _Catalog,
    promos: _Promotions,
    chunk: int,
    order_offset: int,
    session_offset: int,
) -> dict[str, pa.Table]:
    """Users, orders, order lines and sessions of one chunk of users."""
    first_user, n_users = _chunk_users(config, chunk)
    taste = _user_taste(config, chunk)
    rng = _rng(config, _STREAM_ACTIVITY, chunk)
    user_ids = _user_ids(config, first_user, n_users)
    users = _users_table(rng, user_ids)
    orders = _draw_orders(rng, config, n_users)
    lines = _draw_lines(rng, config, catalog, promos, taste, orders)

    n_orders = len(orders.user)
    expected_orders = config.n_users * config.orders_per_user_mean
    order_ids = _ids("o", order_offset + np.arange(1, n_orders + 1), _width(4 * expected_orders))
    store_ids = _store_ids(config)
    orders_table = pa.table(
        {
            "order_id": order_ids,
            "user_id": user_ids.take(pa.array(orders.user)),
            "ordered_at": pa.array(EPOCH + orders.timestamp_us.astype("timedelta64[us]")),
            "day_number": pa.array(orders.day, pa.int32()),
            "store_id": store_ids.take(pa.array(orders.store)),
            "eval_set": pa.nulls(n_orders, _STR),
        },
        schema=SCHEMAS["orders"],
    )
    lines_table = pa.table(
        {
            "order_id": order_ids.take(pa.array(lines.order)),
            "product_id": catalog.product_ids.take(pa.array(lines.product)),
            "line_number": pa.array(lines.line_number),
            "quantity": pa.array(lines.quantity),
            "sales_value": pa.array(lines.sales_value),
            "discount": pa.array(lines.discount),
            "reordered": pa.array(lines.reordered),
        },
        schema=SCHEMAS["order_lines"],
    )

    per_order = np.bincount(lines.order, minlength=n_orders)
    s_user, s_order, s_start, s_views, s_seconds = _sessions(rng, config, orders, per_order)
    n_sessions = len(s_user)
    session_width = _width(4 * (1 + BROWSE_SESSIONS_PER_ORDER) * expected_orders)
    has_order = s_order >= 0
    sessions_table = pa.table(
        {
            "user_id": user_ids.take(pa.array(s_user)),
            "session_id": _ids("s", session_offset + np.arange(1, n_sessions + 1), session_width),
            "order_id": pc.if_else(
                pa.array(has_order),
                order_ids.take(pa.array(np.maximum(s_order, 0))),
                pa.nulls(n_sessions, _STR),
            ),
            "started_at": pa.array(EPOCH + s_start.astype("timedelta64[us]")),
            "page_views": pa.array(s_views, pa.int32()),
            "session_seconds": pa.array(s_seconds, pa.float64()),
        },
        schema=SCHEMAS["sessions"],
    )
    return {
        "users": users,
        "orders": orders_table,
        "order_lines": lines_table,
        "sessions": sessions_table,
    }


# ---------------------------------------------------------------------------------------------
# Public API


def planted_structure(config: SyntheticConfig) -> PlantedStructure:
    """Ground truth of the planted structure, recomputed from the seed (no orders generated)."""
    catalog = _build_catalog(config)
    promos = _build_promotions(config, catalog)
    ids = catalog.product_ids.to_pylist()
    pairs = np.flatnonzero(catalog.complement >= 0)
    favourites: dict[str, str] = {}
    for chunk in range(config.n_chunks):
        first, n = _chunk_users(config, chunk)
        favourite = _user_taste(config, chunk).argmax(axis=1)
        user_ids = _user_ids(config, first, n).to_pylist()
        favourites.update(
            zip(user_ids, (catalog.department_names[d] for d in favourite), strict=True)
        )
    promoted_rows = promos.table.select(["product_id", "week_number"]).to_pydict()
    return PlantedStructure(
        complement_pairs=[(ids[a], ids[catalog.complement[a]]) for a in pairs],
        department_order=[catalog.department_names[d] for d in catalog.department_order],
        promoted=set(zip(promoted_rows["product_id"], promoted_rows["week_number"], strict=True)),
        user_favourite_department=favourites,
    )


def _write_tables(config: SyntheticConfig, folder: Path) -> dict[str, int]:
    """Write every table into `folder`, one row group per chunk of users; return row counts."""
    catalog = _build_catalog(config)
    promos = _build_promotions(config, catalog)
    counts = {name: 0 for name in TABLES}
    for name, table in (("products", catalog.table), ("promotions", promos.table)):
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        counts[name] = table.num_rows

    chunked = ("orders", "order_lines", "users", "sessions")
    writers = {
        name: pq.ParquetWriter(folder / f"{name}.parquet", SCHEMAS[name], compression="zstd")
        for name in chunked
    }
    try:
        for chunk in range(config.n_chunks):
            tables = _chunk_tables(
                config, catalog, promos, chunk, counts["orders"], counts["sessions"]
            )
            for name in chunked:
                table = tables[name]
                writers[name].write_table(table, row_group_size=max(1, table.num_rows))
                counts[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return counts


def _manifest(config: SyntheticConfig, counts: dict[str, int]) -> dict[str, Any]:
    return {"generator_version": GENERATOR_VERSION, "config": asdict(config), "counts": counts}


def _replace_folder(source: Path, target: Path) -> None:
    """Move a finished folder into place; an old dataset is moved aside first, then deleted."""
    if not target.exists():
        source.rename(target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    target.rename(old)
    try:
        source.rename(target)
    except BaseException:
        old.rename(target)  # put the previous complete dataset back
        raise
    shutil.rmtree(old, ignore_errors=True)


def generate(config: SyntheticConfig, out_dir: Path) -> dict[str, int]:
    """Write orders/order_lines/products/promotions/users/sessions .parquet into out_dir.

    Returns the row count per table. The data is written into a temporary sibling folder, the
    manifest (config and counts) last, and the folder is then renamed into place: a folder with
    a manifest is complete, and a crash never leaves a half dataset at out_dir.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    try:
        counts = _write_tables(config, staging)
        manifest = json.dumps(_manifest(config, counts), indent=2, sort_keys=True)
        (staging / MANIFEST_NAME).write_text(manifest + "\n")
        _replace_folder(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of a complete dataset folder, or None when there is none (or it is corrupt)."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_NAME).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def ensure_generated(config: SyntheticConfig, out_dir: Path) -> dict[str, int]:
    """Generate unless out_dir/_manifest.json exists with the same config; return the counts."""
    manifest = read_manifest(out_dir)
    expected = _manifest(config, {})
    if (
        manifest is not None
        and manifest.get("generator_version") == expected["generator_version"]
        and manifest.get("config") == expected["config"]
    ):
        return {name: int(count) for name, count in manifest["counts"].items()}
    return generate(config, out_dir)
