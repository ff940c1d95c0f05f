"""Feature-layer checks against independent computations, on the synthetic end-to-end build."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from implicit.nearest_neighbours import bm25_weight, tfidf_weight
from scipy.sparse import coo_matrix

pytestmark = pytest.mark.slow


def read_interactions(db_path: Path):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.sql(
            "select user_id, product_id, order_count, weight_bm25, weight_tfidf "
            "from marts.user_item_interactions_train"
        ).df()
    finally:
        con.close()


def test_sql_weights_equal_implicit_weights(synthetic_warehouse: Path) -> None:
    interactions = read_interactions(synthetic_warehouse)
    items = interactions.product_id.astype("category")
    users = interactions.user_id.astype("category")
    item_user = coo_matrix(
        (
            interactions.order_count.to_numpy(dtype=np.float64),
            (items.cat.codes.to_numpy(), users.cat.codes.to_numpy()),
        )
    )
    bm25 = bm25_weight(item_user, K1=100, B=0.8).tocoo()
    tfidf = tfidf_weight(item_user).tocoo()
    # coo_matrix keeps entry order through these element-wise transforms.
    np.testing.assert_allclose(interactions.weight_bm25.to_numpy(), bm25.data, rtol=1e-9)
    np.testing.assert_allclose(interactions.weight_tfidf.to_numpy(), tfidf.data, rtol=1e-9)


def test_basket_sequences_follow_add_to_cart_order(synthetic_warehouse: Path) -> None:
    con = duckdb.connect(str(synthetic_warehouse), read_only=True)
    try:
        mismatches = con.sql(
            """
            with expected as (
                select order_id, list(product_id order by line_number) as product_ids
                from intermediate.int_order_lines
                group by order_id
            )
            select count(*)
            from marts.basket_sequences
            inner join expected using (order_id)
            where basket_sequences.product_ids != expected.product_ids
                or not basket_sequences.is_add_order_known
            """
        ).fetchone()[0]
    finally:
        con.close()
    assert mismatches == 0


def test_holdout_is_the_last_three_weeks(synthetic_warehouse: Path) -> None:
    con = duckdb.connect(str(synthetic_warehouse), read_only=True)
    try:
        first_holdout, last_training, last_order = con.sql(
            """
            select
                min(ordered_at) filter (where is_holdout),
                max(ordered_at) filter (where not is_holdout),
                max(ordered_at)
            from marts.orders
            """
        ).fetchone()
    finally:
        con.close()
    assert last_training < first_holdout
    assert (last_order - first_holdout).days < 21 <= (last_order - last_training).days


EXPORTS = (
    "user_item_interactions_train",
    "user_item_interactions_full",
    "product_features",
    "user_features",
    "basket_sequences",
    "basket_next_item_examples",
)


def test_exports_are_parquet_files_behind_views(synthetic_warehouse: Path) -> None:
    """The project's `external` materialization copies each query straight to its file: the
    file holds every row the view shows, and no table is left behind in the database."""
    exports = synthetic_warehouse.parent / "exports"
    con = duckdb.connect(str(synthetic_warehouse), read_only=True)
    try:
        relations = dict(
            con.sql(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts'"
            ).fetchall()
        )
        leftovers = [name for name in relations if "__dbt" in name]
        for name in EXPORTS:
            path = exports / f"{name}.parquet"
            assert path.exists(), path
            assert relations[name] == "VIEW", name
            in_file = con.sql(f"select count(*) from read_parquet('{path}')").fetchone()[0]
            in_view = con.sql(f"select count(*) from marts.{name}").fetchone()[0]
            assert in_file == in_view > 0, name
    finally:
        con.close()
    assert leftovers == []
