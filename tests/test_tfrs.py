"""TensorFlow Recommenders models on tiny fixtures: towers, exclusions, accuracy, content
vectors, save/reload, determinism, and the GRU replayed in SQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from models_py import retrieval, sequential
from models_py.options import config_from_options
from models_py.tfrs_common import long_lists, padded_exclusions, tf, tfrs, top_k, top_k_accuracy

pytestmark = pytest.mark.tfrs

TINY = retrieval.RetrievalConfig(
    embedding_dim=8, feature_dim=4, epochs=3, batch_size=16, learning_rate=0.05, history_length=4
)


@pytest.fixture(scope="module")
def shop() -> dict[str, pd.DataFrame]:
    """Two kinds of users: u0-u4 buy dairy (p0-p3), u5-u9 buy bakery (p4-p7)."""
    rows = []
    for user in range(10):
        products = range(4) if user < 5 else range(4, 8)
        rows += [(f"u{user}", f"p{product}", 1 + (user + product) % 3) for product in products]
    interactions = pd.DataFrame(rows, columns=["user_id", "product_id", "order_count"])
    products = pd.DataFrame(
        {
            "product_id": [f"p{index}" for index in range(8)],
            "department": ["dairy"] * 4 + ["bakery"] * 4,
            "category": ["milk", "milk", "cheese", "cheese", "bread", "bread", "cake", "cake"],
            "sub_category": [None] * 8,
            "brand": ["national", "private"] * 4,
        }
    )
    users = pd.DataFrame(
        {
            "user_id": [f"u{index}" for index in range(10)],
            "age_band": ["25-34"] * 5 + ["45-54"] * 5,
        }
    )
    return {"interactions": interactions, "products": products, "users": users}


def test_config_from_options_parses_dbt_strings_and_rejects_typos() -> None:
    config = config_from_options(
        retrieval.RetrievalConfig,
        {"epochs": "7", "learning_rate": "0.5", "logq_correction": "false", "seed": ""},
    )
    assert (config.epochs, config.learning_rate, config.logq_correction) == (7, 0.5, False)
    assert config.seed == retrieval.RetrievalConfig().seed
    with pytest.raises(ValueError, match="epoch"):
        config_from_options(retrieval.RetrievalConfig, {"epoch": "3"})


def test_top_k_with_exclusions_matches_a_masked_brute_force() -> None:
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(5, 3)).astype(np.float32)
    candidates = rng.normal(size=(9, 3)).astype(np.float32)
    ids = np.array([f"p{index}" for index in range(9)])
    excluded = [["p0", "p3"], [], ["p8"], ["p1", "p2", "p4"], ["p5"]]
    _, found = top_k(queries, candidates, ids, 4, excluded)
    scores = queries @ candidates.T
    for row, banned in enumerate(excluded):
        masked = np.where(np.isin(ids, banned), -np.inf, scores[row])
        expected = ids[np.argsort(-masked, kind="stable")[:4]]
        assert list(found[row]) == list(expected)
        assert not set(found[row]) & set(banned)


def test_exclusions_give_what_bruteforce_query_with_exclusions_gives() -> None:
    rng = np.random.default_rng(3)
    queries = rng.normal(size=(6, 4)).astype(np.float32)
    candidates = rng.normal(size=(30, 4)).astype(np.float32)
    ids = np.array([f"p{index}" for index in range(30)])
    excluded = [list(rng.choice(ids, size=size, replace=False)) for size in (0, 1, 3, 5, 2, 4)]
    index = tfrs.layers.factorized_top_k.BruteForce(k=5)
    index.index(tf.constant(candidates), tf.constant(ids))
    expected_scores, expected_ids = index.query_with_exclusions(
        tf.constant(queries), tf.constant(padded_exclusions(excluded).astype(str)), k=5
    )
    scores, found = top_k(queries, candidates, ids, 5, excluded)
    assert found.tolist() == expected_ids.numpy().astype(str).tolist()
    np.testing.assert_allclose(scores, expected_scores.numpy(), rtol=1e-5)


def test_top_k_accuracy_counts_pairs_hit_within_k() -> None:
    retrieved = pd.DataFrame(
        {"query_id": ["a", "a", "a", "b"], "rank": [1, 2, 3, 1], "product_id": ["x", "y", "z", "y"]}
    )
    holdout = pd.DataFrame({"query_id": ["a", "a", "b", "c"], "product_id": ["y", "q", "y", "x"]})
    table = top_k_accuracy(retrieved, holdout, ks=(1, 2)).set_index("k")
    # k=1: only b's y; k=2: a's y too. c has no list: a miss. a's q is never retrieved.
    assert table.loc[1, "hits"] == 1 and table.loc[2, "hits"] == 2
    assert table.loc[2, "accuracy"] == pytest.approx(0.5)


def test_content_vectors_are_one_hot_and_users_average_them(shop) -> None:
    features = retrieval.feature_tables(
        shop["products"], shop["users"], shop["products"]["product_id"]
    )
    vectors = retrieval.content_product_vectors(
        features.products, dataclasses.replace(TINY, content_top_categories=1)
    )
    # department (2) + category (top 1 of 4 + other) + brand (2): one 1 per block.
    assert vectors.shape == (8, 6)
    assert np.all(vectors.sum(axis=1) == 3)
    examples = pd.DataFrame({"user_id": ["u0", "u0"], "product_id": ["p0", "p4"]})
    user_ids, user_vectors = retrieval.content_user_vectors(
        examples, features.products["product_id"].to_numpy(), vectors
    )
    assert list(user_ids) == ["u0"]
    np.testing.assert_allclose(user_vectors[0], (vectors[0] + vectors[4]) / 2)


def test_history_matrix_keeps_each_users_most_ordered_products() -> None:
    interactions = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b"],
            "product_id": ["x", "y", "z", "y"],
            "order_count": [1, 5, 3, 2],
        }
    )
    matrix = retrieval.history_matrix(interactions, ["a", "b"], ["x", "y", "z"], length=2)
    # Lookup indices are 1-based (0 = unknown/padding): x=1, y=2, z=3; row 0 = unknown user.
    assert matrix.tolist() == [[0, 0], [2, 3], [2, 0]]


def test_purchase_history_reads_product_embeddings_without_training_them() -> None:
    embedding = tf.keras.layers.Embedding(4, 2)
    history = retrieval.PurchaseHistory(["a", "b"], np.array([[0, 0], [1, 3], [2, 0]]), embedding)
    with tf.GradientTape() as tape:
        vectors = history(tf.constant(["a", "b"]))
        loss = tf.reduce_sum(vectors)
    table = embedding.embeddings.numpy()
    # a = mean of products 1 and 3, b = product 2 alone (padding 0 does not count).
    np.testing.assert_allclose(vectors.numpy(), [(table[1] + table[3]) / 2, table[2]], rtol=1e-6)
    assert tape.gradient(loss, embedding.embeddings) is None


@pytest.mark.parametrize("variant", ["id", "hybrid"])
def test_towers_learn_the_two_kinds_of_users(shop, variant) -> None:
    trained = retrieval.train_retrieval(
        variant,
        shop["interactions"],
        shop["products"],
        shop["users"],
        dataclasses.replace(TINY, epochs=30),
    )
    assert trained.user_vectors.shape == (10, TINY.embedding_dim)
    assert trained.product_vectors.shape == (8, TINY.embedding_dim)
    _, ids = retrieval.recommend(trained, ["u0", "u9"], 4)
    assert set(ids[0]) == {"p0", "p1", "p2", "p3"}
    assert set(ids[1]) == {"p4", "p5", "p6", "p7"}


def test_line_examples_repeat_each_pair_once_per_order(shop) -> None:
    lines = retrieval.training_examples(shop["interactions"], "lines")
    counts = lines.value_counts(["user_id", "product_id"]).rename("order_count").reset_index()
    expected = shop["interactions"].sort_values(["user_id", "product_id"], ignore_index=True)
    pd.testing.assert_frame_equal(
        counts.sort_values(["user_id", "product_id"], ignore_index=True),
        expected,
        check_dtype=False,
    )


def test_a_sample_of_examples_trains_but_every_product_stays_a_candidate(shop, capsys) -> None:
    config = dataclasses.replace(TINY, examples="lines", max_examples=10)
    trained = retrieval.train_retrieval(
        "hybrid", shop["interactions"], shop["products"], shop["users"], config
    )
    assert "training on 10 examples" in capsys.readouterr().out
    assert sorted(trained.product_ids) == [f"p{index}" for index in range(8)]
    assert len(trained.user_ids) == 10
    with pytest.raises(ValueError, match="Invalid retrieval configuration"):
        dataclasses.replace(TINY, max_examples=-1)


def test_new_items_mode_never_returns_bought_products(shop) -> None:
    trained = retrieval.train_retrieval(
        "content", shop["interactions"], shop["products"], shop["users"], TINY
    )
    histories = {"u0": ["p0", "p1", "p2"]}
    _, ids = retrieval.recommend(trained, ["u0"], 8, histories)
    assert ids.shape[1] == 8
    returned = [product for product in ids[0] if product]
    assert not {"p0", "p1", "p2"} & set(returned)
    assert returned[0] == "p3"  # the only dairy product left


def test_saved_model_reloads_and_serves_identically(shop, tmp_path: Path) -> None:
    trained = retrieval.train_retrieval(
        "hybrid", shop["interactions"], shop["products"], shop["users"], TINY
    )
    folder = retrieval.save_retrieval(trained, tmp_path / "hybrid")
    features = retrieval.feature_tables(shop["products"], shop["users"], trained.product_ids)
    reloaded = retrieval.load_retrieval(folder, features)  # towers rebuilt from saved weights
    np.testing.assert_allclose(reloaded.user_vectors, trained.user_vectors, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        reloaded.product_vectors, trained.product_vectors, rtol=1e-5, atol=1e-6
    )
    assert reloaded.model.user_tower.purchase_history is not None


def test_same_seed_same_model(shop) -> None:
    first, second = (
        retrieval.train_retrieval(
            "hybrid", shop["interactions"], shop["products"], shop["users"], TINY
        )
        for _ in range(2)
    )
    np.testing.assert_array_equal(first.user_vectors, second.user_vectors)
    # Same rows in another order (a rebuilt table need not keep its row order): same model.
    shuffled = retrieval.train_retrieval(
        "hybrid",
        shop["interactions"].sample(frac=1.0, random_state=3),
        shop["products"],
        shop["users"],
        dataclasses.replace(TINY, examples="lines", max_examples=30),
    )
    ordered = retrieval.train_retrieval(
        "hybrid",
        shop["interactions"],
        shop["products"],
        shop["users"],
        dataclasses.replace(TINY, examples="lines", max_examples=30),
    )
    np.testing.assert_array_equal(shuffled.user_vectors, ordered.user_vectors)
    other = retrieval.train_retrieval(
        "hybrid",
        shop["interactions"],
        shop["products"],
        shop["users"],
        dataclasses.replace(TINY, seed=7),
    )
    assert not np.array_equal(first.user_vectors, other.user_vectors)


def test_context_matrix_keeps_the_last_items_and_pads_at_the_end() -> None:
    matrix = sequential.context_matrix([["a", "b", "c"], ["d"]], max_context=2)
    assert matrix.tolist() == [["b", "c"], ["d", ""]]


def test_latest_training_examples_are_cut_in_sql_as_train_sequence_cuts_them() -> None:
    from models_py.tfrs_models import latest_training_examples

    con = duckdb.connect()
    relation = con.sql(
        "select * from (values ('o1', 1, false), ('o1', 2, false), ('o2', 1, false),"
        " ('o3', 1, true)) as examples(order_id, target_position, is_holdout)"
    )
    kept = latest_training_examples(relation, {"max_examples": "2"})
    kept_keys = sorted(zip(kept["order_id"], kept["target_position"], strict=True))
    assert kept_keys == [("o1", 2), ("o2", 1)]
    assert len(latest_training_examples(relation, {"max_examples": "0"})) == 3


def test_cooccurrence_baseline_sums_shared_baskets_over_the_context() -> None:
    pairs = pd.DataFrame(
        {
            "product_id": ["a", "a", "b"],
            "paired_product_id": ["b", "c", "c"],
            "baskets_together": [5, 2, 4],
        }
    )
    scores, ids = sequential.cooccurrence_lists(pairs, [["a"], ["a", "b"], ["zzz"]], 2)
    assert list(ids[0]) == ["b", "c"] and list(scores[0]) == [5, 2]
    # Context a + b: c scores 2 + 4, a 5 (with b), b 5 (with a); ties by position.
    assert ids[1][0] == "c" and scores[1][0] == 6
    assert list(ids[2]) == ["", ""]  # unknown context: no list


def test_gru_replayed_in_sql_gives_the_models_top_items(tmp_path: Path) -> None:
    """The macro's recurrence (written out here for one database) equals TensorFlow's GRU."""
    rng = np.random.default_rng(1)
    products = [f"p{index}" for index in range(12)]
    contexts = [list(rng.choice(products, size=3, replace=False)) for _ in range(200)]
    examples = pd.DataFrame(
        {
            "order_id": np.arange(200).astype(str),
            "target_position": 4,
            "context_product_ids": contexts,
            # Planted rule: the next item follows the last one in the catalogue.
            "target_product_id": [products[(products.index(c[-1]) + 1) % 12] for c in contexts],
        }
    )
    config = sequential.SequenceConfig(embedding_dim=6, epochs=20, batch_size=32, max_context=3)
    trained = sequential.train_sequence(examples, config)
    basket = ["p3", "p7", "p1"]
    _, ids = sequential.next_items(trained, [basket], 5)
    assert ids[0][0] == "p2"  # learned the planted rule

    database = tmp_path / "gru.duckdb"
    weights = sequential.gru_weight_rows(trained)
    embeddings = sequential.item_embedding_rows(trained)
    with duckdb.connect(str(database)) as connection:
        connection.register("weights_frame", weights)
        connection.register("embeddings_frame", embeddings)
        connection.execute("create table weights as select * from weights_frame")
        connection.execute("create table embeddings as select * from embeddings_frame")
        state = np.zeros(config.embedding_dim)
        for product in basket:
            state = _sql_gru_step(connection, product, state)
        sql_top = connection.execute(
            "select product_id from embeddings "
            "order by list_dot_product(target_embedding::double[], ?::double[]) desc limit 5",
            [state.tolist()],
        ).fetchall()
    assert [row[0] for row in sql_top] == list(ids[0])
    python_state = trained.model.context_vectors(
        sequential.tf.constant(sequential.context_matrix([basket], 3))
    ).numpy()[0]
    np.testing.assert_allclose(state, python_state, atol=1e-5)


def _sql_gru_step(connection: duckdb.DuckDBPyConnection, product: str, state: np.ndarray):
    """One step of the recurrence as recommend_next_items writes it."""
    rows = connection.execute(
        """
        with gates as (
            select
                weights.unit, weights.gate,
                list_dot_product(weights.input_weights::double[],
                                 embeddings.input_embedding::double[]) + input_bias as from_input,
                list_dot_product(weights.recurrent_weights::double[], ?::double[])
                    + recurrent_bias as from_state,
                (?::double[])[weights.unit] as previous_value
            from weights cross join embeddings where embeddings.product_id = ?
        )
        select
            unit,
            any_value(previous_value),
            1 / (1 + exp(-max(from_input + from_state) filter (where gate = 'z'))),
            1 / (1 + exp(-max(from_input + from_state) filter (where gate = 'r'))),
            max(from_input) filter (where gate = 'h'),
            max(from_state) filter (where gate = 'h')
        from gates group by unit order by unit
        """,
        [state.tolist(), state.tolist(), product],
    ).fetchall()
    return np.array(
        [
            update * previous + (1 - update) * np.tanh(c_in + reset * c_state)
            for _, previous, update, reset, c_in, c_state in rows
        ]
    )


def test_long_lists_drop_empty_slots() -> None:
    frame = long_lists(
        np.array(["u"]), np.array([["a", ""]]), np.array([[1.0, -np.inf]], dtype=np.float32)
    )
    assert frame[["query_id", "rank", "product_id"]].values.tolist() == [["u", 1, "a"]]


def test_lazy_adam_moves_only_the_rows_a_batch_looks_up() -> None:
    """First step: the touched rows move exactly as Keras' Adam moves them (moments start at
    zero), a row looked up twice gets its two gradients summed, untouched rows stay. Second
    step on another row: Adam keeps moving the first rows on momentum, LazyAdam does not."""

    def run(optimizer: tf.keras.optimizers.Optimizer, steps: list[list[int]]) -> np.ndarray:
        table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
        for rows in steps:
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(tf.gather(table, rows)))
            optimizer.apply_gradients([(tape.gradient(loss, table), table)])
        return table.numpy()

    start = np.arange(12, dtype=np.float32).reshape(4, 3)
    first_lazy = run(retrieval.LazyAdam(0.1), [[1, 1, 3]])
    first_adam = run(tf.keras.optimizers.Adam(0.1), [[1, 1, 3]])
    np.testing.assert_allclose(first_lazy, first_adam, rtol=1e-6)
    np.testing.assert_array_equal(first_lazy[[0, 2]], start[[0, 2]])
    assert (first_lazy[[1, 3]] < start[[1, 3]]).all()

    second_lazy = run(retrieval.LazyAdam(0.1), [[1], [2]])
    second_adam = run(tf.keras.optimizers.Adam(0.1), [[1], [2]])
    first_step = run(retrieval.LazyAdam(0.1), [[1]])
    np.testing.assert_allclose(second_lazy[1], first_step[1], rtol=1e-6)  # row 1 left alone
    assert (second_adam[1] < first_step[1]).all()  # Adam's momentum moved it again
    np.testing.assert_allclose(second_lazy[2], second_adam[2], rtol=1e-5)
