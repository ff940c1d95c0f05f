"""Tests of the synthetic dataset generator: contract, determinism, and the planted structure."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from models_py import synthetic
from models_py.synthetic import (
    PlantedStructure,
    SyntheticConfig,
    ensure_generated,
    generate,
    planted_structure,
)

# Small enough to generate in well under a second; chunk_users < n_users so every test also
# covers ids and history across chunk boundaries.
CONFIG = SyntheticConfig(n_users=300, n_products=300, chunk_users=128, seed=7)
TABLES = ("orders", "order_lines", "products", "promotions", "users", "sessions")

STR = pa.string()
EXPECTED_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "orders": [
        ("order_id", STR),
        ("user_id", STR),
        ("ordered_at", pa.timestamp("us")),
        ("day_number", pa.int32()),
        ("store_id", STR),
        ("eval_set", STR),
    ],
    "order_lines": [
        ("order_id", STR),
        ("product_id", STR),
        ("line_number", pa.int32()),
        ("quantity", pa.int32()),
        ("sales_value", pa.float64()),
        ("discount", pa.float64()),
        ("reordered", pa.bool_()),
    ],
    "products": [
        ("product_id", STR),
        ("product_name", STR),
        ("department", STR),
        ("category", STR),
        ("sub_category", STR),
        ("brand", STR),
        ("price", pa.float64()),
        ("package_size", STR),
    ],
    "promotions": [
        ("product_id", STR),
        ("store_id", STR),
        ("week_number", pa.int32()),
        ("promo_kind", STR),
        ("display_location", STR),
        ("mailer_location", STR),
    ],
    "users": [
        ("user_id", STR),
        ("age_band", STR),
        ("income_band", STR),
        ("household_size", STR),
        ("household_composition", STR),
        ("kids_count", STR),
        ("home_ownership", STR),
        ("marital_status", STR),
    ],
    "sessions": [
        ("user_id", STR),
        ("session_id", STR),
        ("order_id", STR),
        ("started_at", pa.timestamp("us")),
        ("page_views", pa.int32()),
        ("session_seconds", pa.float64()),
    ],
}


def read_tables(folder: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(folder / f"{name}.parquet") for name in TABLES}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("synthetic") / "data"
    return folder, generate(CONFIG, folder)


@pytest.fixture(scope="module")
def frames(dataset: tuple[Path, dict[str, int]]) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in read_tables(dataset[0]).items()}


@pytest.fixture(scope="module")
def truth() -> PlantedStructure:
    return planted_structure(CONFIG)


@pytest.fixture(scope="module")
def lines(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Order lines with their order and product attributes, in add-to-cart order."""
    orders = frames["orders"][["order_id", "user_id", "day_number", "store_id"]]
    products = frames["products"][["product_id", "department", "price"]]
    merged = frames["order_lines"].merge(orders, on="order_id").merge(products, on="product_id")
    merged["week_number"] = merged["day_number"] // 7 + 1
    return merged.sort_values(["order_id", "line_number"], ignore_index=True)


# --- Determinism and bookkeeping -------------------------------------------------------------


def test_same_seed_gives_identical_tables(
    dataset: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    again = tmp_path / "again"
    assert generate(CONFIG, again) == dataset[1]
    first, second = read_tables(dataset[0]), read_tables(again)
    for name in TABLES:
        assert first[name].equals(second[name]), name


def test_other_seed_gives_other_data(dataset: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(dataclasses.replace(CONFIG, seed=8), other)
    first, second = read_tables(dataset[0]), read_tables(other)
    for name in ("orders", "order_lines", "products", "promotions", "sessions"):
        assert not first[name].equals(second[name]), name


def test_counts_match_files_and_manifest(dataset: tuple[Path, dict[str, int]]) -> None:
    folder, counts = dataset
    assert set(counts) == set(TABLES)
    for name in TABLES:
        assert pq.ParquetFile(folder / f"{name}.parquet").metadata.num_rows == counts[name]
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["counts"] == counts
    assert manifest["config"] == dataclasses.asdict(CONFIG)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["data"]  # no temporary folders


def test_columns_and_types_follow_the_contract(dataset: tuple[Path, dict[str, int]]) -> None:
    for name, expected in EXPECTED_COLUMNS.items():
        schema = pq.read_schema(dataset[0] / f"{name}.parquet")
        assert [(field.name, field.type) for field in schema] == expected, name


def test_chunking_keeps_users_and_ids_unique(
    dataset: tuple[Path, dict[str, int]], frames: dict[str, pd.DataFrame]
) -> None:
    assert dataset[1]["users"] == CONFIG.n_users
    assert frames["users"]["user_id"].is_unique
    assert frames["orders"]["user_id"].nunique() == CONFIG.n_users
    lines_file = pq.ParquetFile(dataset[0] / "order_lines.parquet")
    assert lines_file.metadata.num_row_groups == 3  # one row group per chunk of 128 users
    for name, key in (("orders", "order_id"), ("sessions", "session_id")):
        assert frames[name][key].is_unique, name


def test_many_small_chunks(tmp_path: Path) -> None:
    config = SyntheticConfig(n_users=50, n_products=60, n_departments=4, chunk_users=7)
    counts = generate(config, tmp_path / "data")
    users = pq.read_table(tmp_path / "data" / "users.parquet")
    assert counts["users"] == users.num_rows == 50
    assert len(set(users["user_id"].to_pylist())) == 50
    orders = pq.read_table(tmp_path / "data" / "orders.parquet")
    assert len(set(orders["order_id"].to_pylist())) == counts["orders"]


# --- Referential integrity and values --------------------------------------------------------


def test_every_reference_resolves(frames: dict[str, pd.DataFrame]) -> None:
    orders, order_lines, products = frames["orders"], frames["order_lines"], frames["products"]
    assert products["product_id"].is_unique
    assert order_lines["order_id"].isin(orders["order_id"]).all()
    assert order_lines["product_id"].isin(products["product_id"]).all()
    assert orders["order_id"].isin(order_lines["order_id"]).all()  # no empty orders
    assert orders["user_id"].isin(frames["users"]["user_id"]).all()
    assert frames["promotions"]["product_id"].isin(products["product_id"]).all()
    promo_stores = frames["promotions"]["store_id"].dropna()
    assert promo_stores.isin(orders["store_id"]).all()
    sessions = frames["sessions"]
    assert sessions["user_id"].isin(frames["users"]["user_id"]).all()
    assert sessions["order_id"].dropna().isin(orders["order_id"]).all()
    assert not order_lines.duplicated(["order_id", "product_id"]).any()


def test_line_numbers_are_one_to_n(frames: dict[str, pd.DataFrame]) -> None:
    per_order = frames["order_lines"].groupby("order_id")["line_number"]
    stats = per_order.agg(["min", "max", "count", "nunique"])
    assert (stats["min"] == 1).all()
    assert (stats["max"] == stats["count"]).all()
    assert (stats["nunique"] == stats["count"]).all()


def test_values_are_plausible(frames: dict[str, pd.DataFrame], lines: pd.DataFrame) -> None:
    assert (lines["quantity"] >= 1).all()
    assert (lines["discount"] >= 0).all()
    gross = lines["quantity"] * lines["price"]
    np.testing.assert_allclose(lines["sales_value"], gross - lines["discount"], atol=0.011)

    orders = frames["orders"]
    assert orders["day_number"].between(0, CONFIG.n_days - 1).all()
    day = (orders["ordered_at"] - pd.Timestamp("2020-01-01")).dt.days
    assert (day == orders["day_number"]).all()
    assert orders["eval_set"].isna().all()
    assert orders["store_id"].nunique() == CONFIG.n_stores

    products = frames["products"]
    assert (products["price"] > 0).all()
    assert products["department"].str.fullmatch(r"dept_\d\d").all()
    assert products["department"].nunique() == CONFIG.n_departments
    assert (products["category"].str.split("_aisle_").str[0] == products["department"]).all()
    assert 5 <= products["brand"].nunique() <= 21
    assert products["price"].groupby(products["department"]).median().std() > 0

    promotions = frames["promotions"]
    assert promotions["week_number"].between(1, CONFIG.n_weeks).all()
    assert set(promotions["promo_kind"]) == {"mailer", "display", "discount"}
    mailer = promotions["promo_kind"] == "mailer"
    assert promotions.loc[mailer, "mailer_location"].notna().all()
    assert promotions.loc[~mailer, "mailer_location"].isna().all()

    users = frames["users"]
    missing = users["age_band"].isna().mean()
    assert 0.02 < missing < 0.25
    assert users.drop(columns="user_id").notna().all(axis=1).mean() > 0.7


def test_sessions_follow_orders(frames: dict[str, pd.DataFrame]) -> None:
    sessions, orders = frames["sessions"], frames["orders"]
    with_order = sessions.dropna(subset=["order_id"])
    assert with_order["order_id"].is_unique
    assert len(with_order) == len(orders)
    assert 0.05 < sessions["order_id"].isna().mean() < 0.5  # some browsing without ordering
    merged = with_order.merge(orders, on="order_id", suffixes=("", "_order"))
    assert (merged["user_id"] == merged["user_id_order"]).all()
    assert (merged["started_at"] <= merged["ordered_at"]).all()
    basket = frames["order_lines"].groupby("order_id").size().rename("basket")
    merged = merged.join(basket, on="order_id")
    assert merged["page_views"].corr(merged["basket"]) > 0.5
    assert (sessions["session_seconds"] > 0).all()


# --- Planted structure -----------------------------------------------------------------------


def test_reordered_means_bought_before(lines: pd.DataFrame) -> None:
    history = lines.sort_values(["user_id", "day_number", "order_id", "line_number"])
    bought_before = history.groupby(["user_id", "product_id"]).cumcount() > 0
    assert (history["reordered"] == bought_before).all()
    assert 0.35 < lines["reordered"].mean() < 0.85  # staples are bought again and again


def test_staples_recur_in_most_orders(lines: pd.DataFrame) -> None:
    orders_per_user = lines.groupby("user_id")["order_id"].nunique()
    regulars = orders_per_user[orders_per_user >= 5].index
    per_product = lines[lines["user_id"].isin(regulars)].groupby(["user_id", "product_id"]).size()
    top_share = per_product.groupby(level="user_id").max() / orders_per_user[regulars]
    assert top_share.median() > 0.75


def test_personal_history_beats_popularity(lines: pd.DataFrame) -> None:
    """Staples are personal: a user's own top-10 predicts the last basket far better than the
    global top-10 does (popularity alone gives repeats too, but much weaker)."""
    history = lines.sort_values(["user_id", "day_number", "order_id"])
    last = history.groupby("user_id")["order_id"].transform("last")
    train, test = history[history["order_id"] != last], history[history["order_id"] == last]
    counts = train.groupby(["user_id", "product_id"]).size().sort_values(ascending=False)
    personal = set(counts.groupby(level="user_id").head(10).index)
    pairs = zip(test["user_id"], test["product_id"], strict=True)
    personal_recall = np.mean([key in personal for key in pairs])
    popular_recall = test["product_id"].isin(train["product_id"].value_counts().index[:10]).mean()
    assert personal_recall > 0.4
    assert personal_recall > 2 * popular_recall


def test_popularity_is_long_tailed(frames: dict[str, pd.DataFrame]) -> None:
    sales = frames["order_lines"]["product_id"].value_counts()
    top_tenth = sales.iloc[: len(frames["products"]) // 10].sum() / sales.sum()
    assert top_tenth > 0.3


def test_users_buy_most_from_their_favourite_department(
    lines: pd.DataFrame, truth: PlantedStructure
) -> None:
    assert len(truth.user_favourite_department) == CONFIG.n_users
    counts = lines.groupby(["user_id", "department"]).size()
    most_bought = counts.groupby(level="user_id").idxmax().str[1]
    favourite = pd.Series(truth.user_favourite_department)
    assert (most_bought == favourite.reindex(most_bought.index)).mean() > 0.7


def test_lines_follow_the_department_order(lines: pd.DataFrame, truth: PlantedStructure) -> None:
    assert sorted(truth.department_order) == sorted(lines["department"].unique())
    rank = lines["department"].map({d: i for i, d in enumerate(truth.department_order)})
    step = rank.groupby(lines["order_id"]).diff().dropna()
    assert (step >= 0).all()


def test_complement_directly_follows_its_anchor(
    lines: pd.DataFrame, frames: dict[str, pd.DataFrame], truth: PlantedStructure
) -> None:
    n_pairs = len(truth.complement_pairs)
    assert 0.5 * CONFIG.n_products / 10 <= n_pairs <= 1.5 * CONFIG.n_products / 10
    paired = [p for pair in truth.complement_pairs for p in pair]
    assert len(set(paired)) == len(paired)  # each product in at most one pair
    department = frames["products"].set_index("product_id")["department"]
    assert all(department[a] == department[b] for a, b in truth.complement_pairs)

    partner = lines["product_id"].map(dict(truth.complement_pairs))
    following = lines.groupby("order_id")["product_id"].shift(-1)
    with_anchor = partner.notna()
    assert with_anchor.sum() > 50
    assert (following[with_anchor] == partner[with_anchor]).mean() > 0.5


def test_promotions_match_the_truth(
    frames: dict[str, pd.DataFrame], truth: PlantedStructure
) -> None:
    promotions = frames["promotions"]
    rows = set(zip(promotions["product_id"], promotions["week_number"], strict=True))
    assert rows == truth.promoted
    per_week = promotions.groupby("week_number").size()
    assert len(per_week) == CONFIG.n_weeks
    assert (per_week == round(0.05 * CONFIG.n_products)).all()


def test_promoted_products_sell_more_in_promoted_weeks(
    lines: pd.DataFrame, truth: PlantedStructure
) -> None:
    products = sorted({product for product, _ in truth.promoted})
    grid = pd.MultiIndex.from_product(
        [products, range(1, CONFIG.n_weeks + 1)], names=["product_id", "week_number"]
    )
    sold = lines.groupby(["product_id", "week_number"]).size().reindex(grid, fill_value=0)
    promoted = np.array([key in truth.promoted for key in grid])
    assert sold[promoted].mean() > 1.3 * sold[~promoted].mean()


def test_discounts_only_on_promotion(lines: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> None:
    key = ["product_id", "week_number"]
    promotions = frames["promotions"][[*key, "store_id"]].rename(
        columns={"store_id": "promo_store"}
    )
    assert not promotions.duplicated(key).any()
    merged = lines.merge(promotions, on=key, how="left", indicator=True)
    store_matches = merged["promo_store"].isna() | (merged["promo_store"] == merged["store_id"])
    on_promotion = (merged["_merge"] == "both") & store_matches
    assert ((merged["discount"] > 0) == on_promotion).all()
    assert on_promotion.mean() > 0.02


# --- Caching and atomic writes ---------------------------------------------------------------


def test_ensure_generated_reuses_a_matching_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(CONFIG, n_users=40)
    folder = tmp_path / "data"
    counts = ensure_generated(config, folder)
    manifest = folder / "_manifest.json"
    stamp = manifest.stat().st_mtime_ns

    def must_not_run(*_: object) -> dict[str, int]:
        raise AssertionError("regenerated a dataset whose manifest matches")

    with monkeypatch.context() as patch:
        patch.setattr(synthetic, "generate", must_not_run)
        assert ensure_generated(config, folder) == counts
    assert manifest.stat().st_mtime_ns == stamp

    changed = dataclasses.replace(config, seed=config.seed + 1)
    ensure_generated(changed, folder)
    assert manifest.stat().st_mtime_ns != stamp
    assert json.loads(manifest.read_text())["config"]["seed"] == changed.seed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_crash_leaves_no_half_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = dataclasses.replace(CONFIG, n_users=40)
    folder = tmp_path / "data"
    counts = generate(config, folder)

    def crash(*_: object) -> dict[str, pa.Table]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic, "_chunk_tables", crash)
    with pytest.raises(RuntimeError):
        generate(dataclasses.replace(config, seed=1), folder)
    with pytest.raises(RuntimeError):
        generate(config, tmp_path / "fresh")
    # The old complete dataset is untouched, the new one never appeared, no temp folders remain.
    assert json.loads((folder / "_manifest.json").read_text())["counts"] == counts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_instacart_size_config() -> None:
    full = SyntheticConfig.instacart_size()
    assert full.n_users == 206_209
    assert full.n_products == 49_688
    assert full.n_users * full.orders_per_user_mean == pytest.approx(3_421_083)
    assert full.n_users * full.orders_per_user_mean * full.basket_size_mean == pytest.approx(
        32_434_489, rel=1e-3
    )
    quarter = SyntheticConfig.instacart_size(0.25, seed=3)
    assert quarter.n_users == round(206_209 / 4)
    assert quarter.n_products == round(49_688 / 2)
    assert quarter.seed == 3
    with pytest.raises(ValueError):
        SyntheticConfig(n_users=0)


@pytest.mark.slow
def test_instacart_sixty_fourth(tmp_path: Path) -> None:
    config = SyntheticConfig.instacart_size(fraction=1 / 64)
    counts = generate(config, tmp_path / "data")
    assert counts["users"] == config.n_users
    assert counts["products"] == config.n_products
    assert counts["orders"] == pytest.approx(3_421_083 / 64, rel=0.05)
    assert counts["order_lines"] == pytest.approx(32_434_489 / 64, rel=0.1)
