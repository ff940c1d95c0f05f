"""The TFRS models inside the synthetic `dbt build` (tests/conftest.py): tables, lists, the
planted add-to-cart order, and the GRU's SQL replay against the saved model."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from models_py import sequential
from tests.conftest import query, run_dbt

pytestmark = [pytest.mark.slow, pytest.mark.tfrs]


def test_retrieval_models_list_for_their_purposes(synthetic_warehouse: Path) -> None:
    rows = query(
        synthetic_warehouse,
        "select model, purpose, count(distinct user_id) from ml.recommendations "
        "where model like 'tfrs_%' and fallback_tier = 'model' group by all",
    )
    listed = {(model, purpose) for model, purpose, users in rows if users > 0}
    assert listed == {
        ("tfrs_id", "evaluation"),
        ("tfrs_content", "evaluation"),
        ("tfrs_content", "serving"),
        ("tfrs_hybrid", "evaluation"),
        ("tfrs_hybrid", "serving"),
    }
    accuracy = dict(
        query(synthetic_warehouse, "select model, accuracy from ml.retrieval_accuracy where k = 10")
    )
    assert set(accuracy) == {"tfrs_id", "tfrs_content", "tfrs_hybrid", "als", "global_popularity"}
    assert accuracy["tfrs_hybrid"] > accuracy["global_popularity"], accuracy


def test_embeddings_are_fixed_size_arrays(synthetic_warehouse: Path) -> None:
    types = dict(
        query(
            synthetic_warehouse,
            "select table_name, data_type from information_schema.columns "
            "where table_schema = 'ml' and column_name like '%embedding'",
        )
    )
    assert re.fullmatch(r"FLOAT\[\d+\]", types["tfrs_hybrid_user_embeddings"]), types
    assert re.fullmatch(r"FLOAT\[\d+\]", types["sequence_item_embeddings"]), types


def test_gru_recovers_the_planted_add_to_cart_order(synthetic_warehouse: Path) -> None:
    accuracy = {
        (model, k): value
        for model, k, value in query(
            synthetic_warehouse, "select model, k, accuracy from ml.next_item_accuracy"
        )
    }
    # Co-occurrence finds the planted complements too, but not which comes first nor the
    # department order: the GRU must beat it at every k, and by a margin once lists are longer.
    for k, margin in ((1, 1.2), (5, 1.1), (10, 1.1)):
        best_baseline = max(accuracy[("global_popularity", k)], accuracy[("cooccurrence", k)])
        assert accuracy[("sequential_gru", k)] > margin * best_baseline, (k, accuracy)


def test_sql_macro_matches_the_saved_model(synthetic_warehouse: Path) -> None:
    names = [
        row[0]
        for row in query(
            synthetic_warehouse,
            "select product_name from marts.product_features "
            "order by order_count desc, product_id limit 3",
        )
    ]
    inline = "{{ recommend_next_items(" + repr(names) + ", k=5) }}"
    compiled = run_dbt(["compile", "--quiet", "--inline", inline], synthetic_warehouse.parent)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    sql_top = [row[0] for row in query(synthetic_warehouse, compiled.stdout)]  # product_id

    folder = query(synthetic_warehouse, "select artifact_path from ml.sequence_training_runs")[0][0]
    trained = sequential.load_sequence(folder)
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as connection:
        products = connection.sql(
            "select product_id, product_name, order_count from marts.product_features"
        ).df()
    _, ids = sequential.next_items(trained, [sequential.basket_ids(names, products)], 5)
    assert sql_top == list(ids[0])
