"""models_py.als on tiny fixtures whose right answers are known in advance (no dbt)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from models_py.als import (
    FILTERED_SCORE,
    PLACEHOLDER_PRODUCT_ID,
    RECOMMENDATION_COLUMNS,
    AlsConfig,
    aligned_user_items,
    build_user_item_matrix,
    data_fingerprint,
    item_factor_table,
    load_model,
    reason_texts,
    recommendation_rows,
    recommendations_for_runs,
    save_model,
    top_contributions,
    train,
    train_and_save,
    user_factor_table,
)


def interactions(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """One row per (user, product, order_count), with every weight column of the marts."""
    frame = pd.DataFrame(rows, columns=["user_id", "product_id", "order_count"])
    frame["last_purchased_day"] = np.arange(len(frame)) % 30 + 1
    frame["weight_count"] = frame["order_count"].astype(float)
    frame["weight_bm25"] = frame["order_count"] * 0.5
    frame["weight_tfidf"] = frame["order_count"] * 2.0
    return frame


def checkerboard(size: int) -> pd.DataFrame:
    """Even users bought even products, odd users odd ones; each user's own diagonal product
    (u07 -> p07) is held out, so it is the one unseen product of the user's parity."""
    return interactions(
        [
            (f"u{user:02d}", f"p{item:02d}", 1.0)
            for user in range(size)
            for item in range(size)
            if item % 2 == user % 2 and item != user
        ]
    )


def random_baskets(users: int, products: int, seed: int = 0) -> pd.DataFrame:
    """Skewed random purchases: low product numbers are popular; counts 1..5."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, products + 1)
    rows = []
    for user in range(users):
        bought = rng.choice(products, size=12, replace=False, p=popularity / popularity.sum())
        rows += [(f"u{user:03d}", f"p{item:03d}", float(rng.integers(1, 6))) for item in bought]
    return interactions(rows)


CHECKERBOARD_CONFIG = AlsConfig(factors=8, regularization=0.0, iterations=15, top_products=0)


def test_als_recommends_the_held_out_product_first() -> None:
    data = checkerboard(50)
    trained, matrix = train(data, CHECKERBOARD_CONFIG)
    recs = recommendation_rows(trained, matrix.weights, matrix.user_ids, explain=False)
    first = recs[(recs["mode"] == "new_items") & (recs["rank"] == 1)]
    top = dict(zip(first["user_id"], first["product_id"], strict=True))
    assert len(top) == 50
    assert all(product == "p" + user[1:] for user, product in top.items())


def test_repeat_mode_lists_bought_products_and_new_items_mode_never_does() -> None:
    data = checkerboard(20)
    trained, matrix = train(data, CHECKERBOARD_CONFIG)
    recs = recommendation_rows(trained, matrix.weights, matrix.user_ids, explain=False)
    bought = set(zip(data["user_id"], data["product_id"], strict=True))
    listed = {
        mode: set(zip(group["user_id"], group["product_id"], strict=True))
        for mode, group in recs.groupby("mode")
    }
    assert listed["repeat"] & bought  # already-bought products are allowed (and scored high)
    assert not listed["new_items"] & bought
    assert list(recs.columns) == RECOMMENDATION_COLUMNS
    assert (
        recs.groupby(["mode", "user_id"])["rank"]
        .apply(list)
        .map(lambda ranks: ranks == list(range(1, len(ranks) + 1)))
        .all()
    )


def test_top_products_keep_the_most_ordered_and_fold_the_rest_into_one_placeholder() -> None:
    data = random_baskets(80, 40)
    config = AlsConfig(factors=4, regularization=0.01, iterations=5, top_products=10, top_k=40)
    matrix = build_user_item_matrix(data, config)
    totals = data.groupby("product_id")["order_count"].sum()
    expected = sorted(
        sorted(totals.index, key=lambda product: (-totals[product], product))[: config.top_products]
    )
    assert list(matrix.product_ids) == [*expected, PLACEHOLDER_PRODUCT_ID]
    assert matrix.placeholder_index == 10
    # The placeholder column holds each user's summed weight of the folded products.
    folded = data[~data["product_id"].isin(expected)].groupby("user_id")["weight_count"].sum()
    placeholder_column = matrix.weights[:, 10].toarray().ravel()
    users = list(matrix.user_ids)
    for user, weight in folded.items():
        assert placeholder_column[users.index(user)] == pytest.approx(weight)
    assert matrix.weights.sum() == pytest.approx(data["weight_count"].sum())


def test_the_placeholder_is_never_recommended_nor_named() -> None:
    # u_tail bought only folded products: no product can be named in its reasons.
    data = pd.concat(
        [random_baskets(60, 30), interactions([("u_tail", "p028", 1.0), ("u_tail", "p029", 2.0)])]
    )
    config = AlsConfig(factors=4, regularization=0.01, iterations=5, top_products=8, top_k=50)
    trained, matrix = train(data, config)
    recs = recommendation_rows(trained, matrix.weights, matrix.user_ids, {"p000": "Milk"})
    assert PLACEHOLDER_PRODUCT_ID not in set(recs["product_id"])
    assert not recs["reason"].str.contains(PLACEHOLDER_PRODUCT_ID).any()
    assert set(recs.loc[recs["user_id"] == "u_tail", "reason"]) == {
        "because of your other purchases"
    }
    # Only the 8 kept products are candidates: repeat lists stop at 8 rows.
    assert recs[recs["mode"] == "repeat"].groupby("user_id").size().max() == 8
    assert recs["reason"].str.startswith("because you bought Milk (").any()


def test_vectorised_reason_equals_implicits_explain() -> None:
    data = random_baskets(60, 30, seed=3)
    config = AlsConfig(factors=6, regularization=0.05, iterations=10, alpha=2.0, top_products=0)
    trained, matrix = train(data, config)
    rng = np.random.default_rng(1)
    user_rows = rng.choice(len(matrix.user_ids), size=6, replace=False)
    item_ids = rng.choice(len(matrix.product_ids), size=(6, 5))
    best, contribution, total = top_contributions(trained, matrix.weights, user_rows, item_ids)
    for position, user_row in enumerate(user_rows):
        for slot, item in enumerate(item_ids[position]):
            expected_total, expected_top, _ = trained.model.explain(
                user_row, matrix.weights, item, N=1
            )
            assert best[position, slot] == expected_top[0][0]
            assert contribution[position, slot] == pytest.approx(expected_top[0][1], rel=1e-6)
            assert total[position, slot] == pytest.approx(expected_total, rel=1e-6)


def test_reason_texts() -> None:
    texts = reason_texts(["Milk", "Bread", None], np.array([3.0, 1.0, 1.0]), np.array([4.0, -1, 1]))
    assert list(texts) == [
        "because you bought Milk (75%)",
        "because you bought Bread",
        "because of your other purchases",
    ]


def test_save_then_load_gives_identical_recommendations(tmp_path: Path) -> None:
    data = random_baskets(40, 25)
    config = AlsConfig(factors=5, iterations=5, top_products=12, top_k=6)
    trained, matrix = train(data, config, run_id="als-test", purpose="serving")
    names = {f"p{item:03d}": f"product {item}" for item in range(25)}
    before = recommendation_rows(trained, matrix.weights, matrix.user_ids, names)
    save_model(trained, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert loaded.config == config and loaded.run_id == "als-test"
    assert loaded.fingerprint == trained.fingerprint
    user_items = aligned_user_items(data, loaded.config, loaded.user_ids, loaded.product_ids)
    assert (user_items != matrix.weights).nnz == 0
    after = recommendation_rows(loaded, user_items, loaded.user_ids, names)
    pd.testing.assert_frame_equal(before, after)


def test_config_parses_dbt_strings() -> None:
    options = {
        "factors": "64",
        "regularization": "0.1",
        "iterations": "20",
        "alpha": "2.5",
        "weighting": " BM25 ",
        "top_products": "0",
        "top_k": "10",
        "random_state": "7",
    }
    assert AlsConfig.from_options(options) == AlsConfig(
        factors=64,
        regularization=0.1,
        iterations=20,
        alpha=2.5,
        weighting="bm25",
        top_products=0,
        top_k=10,
        random_state=7,
    )
    assert AlsConfig.from_options({}) == AlsConfig()
    assert AlsConfig.from_options({"weighting": "tfidf"}).weight_column == "weight_tfidf"
    with pytest.raises(ValueError, match="weighting"):
        AlsConfig.from_options({"weighting": "idf"})


def test_users_with_few_candidates_get_fewer_rows_and_unknown_users_none() -> None:
    # u_all bought 9 of the 10 products: in new_items mode one candidate is left.
    rows = [(f"u{user}", f"p{(user + shift) % 10}", 1.0) for user in range(10) for shift in (0, 1)]
    rows += [("u_all", f"p{item}", 1.0) for item in range(9)]
    data = interactions(rows)
    trained, matrix = train(data, AlsConfig(factors=3, iterations=5, top_products=0, top_k=20))
    recs = recommendation_rows(trained, matrix.weights, ["u_all", "u3", "nobody"])
    sizes = recs.groupby(["mode", "user_id"]).size()
    assert sizes[("new_items", "u_all")] == 1
    assert sizes[("repeat", "u_all")] == 10  # top_k 20 > 10 products: every product, once
    assert sizes[("new_items", "u3")] == 8
    assert "nobody" not in set(recs["user_id"])
    assert np.isfinite(recs["score"]).all() and (recs["score"] > FILTERED_SCORE).all()
    assert not recs.duplicated(["mode", "user_id", "product_id"]).any()


def test_dbt_adapters_train_save_reload_and_export_fixed_size_factors(tmp_path: Path) -> None:
    train_data, full_data = random_baskets(30, 20, seed=1), random_baskets(35, 20, seed=2)
    config = AlsConfig(factors=4, iterations=5, top_products=15, top_k=5)
    runs = train_and_save({"evaluation": train_data, "serving": full_data}, config, root=tmp_path)
    assert list(runs["purpose"]) == ["evaluation", "serving"]
    assert runs["run_id"].nunique() == 1 and runs["run_id"].iloc[0].startswith("als-")
    assert json.loads(runs["parameters"].iloc[0]) == config.to_dict()
    assert json.loads(runs["data_fingerprint"].iloc[1]) == data_fingerprint(full_data, "count")
    users = pd.DataFrame(
        {
            "purpose": ["evaluation", "evaluation", "serving"],
            "user_id": ["u000", "u001", "u002"],
            "is_cold": [False, True, False],
        }
    )
    products = pd.DataFrame({"product_id": ["p000"], "product_name": ["Milk"]})
    interactions_by_purpose = {"evaluation": train_data, "serving": full_data}
    recs = recommendations_for_runs(runs, interactions_by_purpose, users, products)
    assert set(zip(recs["purpose"], recs["user_id"], strict=True)) == {
        ("evaluation", "u000"),
        ("serving", "u002"),
    }
    repeat = recs[recs["mode"] == "repeat"]
    assert len(repeat) == 2 * 5 and 0 < len(recs) - len(repeat) <= 2 * 5
    with pytest.raises(ValueError, match="trained on other data"):
        recommendations_for_runs(
            runs, {**interactions_by_purpose, "serving": train_data}, users, products
        )

    user_factors, item_factors = user_factor_table(runs), item_factor_table(runs)
    assert user_factors.schema.field("factors").type == pa.list_(pa.float32(), 4)
    assert user_factors.num_rows == 35
    assert item_factors.num_rows == 15
    assert PLACEHOLDER_PRODUCT_ID not in item_factors["product_id"].to_pylist()
