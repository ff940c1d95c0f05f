"""Two-stage ranker: labels, batching, metrics and selection on tiny frames with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_py import ranker


def candidate_frame(
    scores: dict[tuple[str, str], float], bought: frozenset[str] = frozenset()
) -> pd.DataFrame:
    rows = [
        {"user_id": user, "product_id": product, "score": score, "is_bought": product in bought}
        for (user, product), score in scores.items()
    ]
    return pd.DataFrame(rows)


def test_batched_ranks_equal_one_batch_ranks():
    rng = np.random.default_rng(0)
    users = [f"u{index}" for index in range(7)]
    products = [f"p{index}" for index in range(9)]
    scores = {(user, product): float(rng.random()) for user in users for product in products}
    scores[("u3", "p1")] = scores[("u3", "p2")]  # a tie: product_id decides
    frame = candidate_frame(scores, bought={"p0", "p4"})

    def fetch(batch: list[str]) -> pd.DataFrame:
        return frame[frame["user_id"].isin(batch)]

    def predict(batch_frame: pd.DataFrame) -> ranker.Prediction:
        return batch_frame["score"].to_numpy(), batch_frame["score"].to_numpy()

    full = ranker.score_in_batches(fetch, users, predict, batch_size=100)
    for batch_size in (1, 2, 3):
        batched = ranker.score_in_batches(fetch, users, predict, batch_size=batch_size)
        pd.testing.assert_frame_equal(
            full.sort_values(["user_id", "product_id"]).reset_index(drop=True),
            batched.sort_values(["user_id", "product_id"]).reset_index(drop=True),
        )
    top = ranker.score_in_batches(fetch, users, predict, batch_size=2, top_k=3)
    expected = {
        user: sorted(products, key=lambda product: (-scores[(user, product)], product))[:3]
        for user in users
    }
    for user in users:
        listed = top[(top["user_id"] == user) & (top["rank_repeat"] <= 3)]
        assert listed.sort_values("rank_repeat")["product_id"].tolist() == expected[user]
    tied = full[(full["user_id"] == "u3") & full["product_id"].isin(["p1", "p2"])]
    assert tied.sort_values("rank_repeat")["product_id"].tolist() == ["p1", "p2"]
    # new_items ranks only never-bought products, densely from 1.
    new_items = full[full["user_id"] == "u0"].dropna(subset=["rank_new_items"])
    assert set(new_items["product_id"]) == set(products) - {"p0", "p4"}
    assert sorted(new_items["rank_new_items"]) == list(range(1, 8))


def test_ranks_follow_the_ranking_score_and_keep_the_probability():
    frame = candidate_frame({("u1", "p1"): 0.9, ("u1", "p2"): 0.5, ("u1", "p3"): 0.1})

    def predict(batch_frame: pd.DataFrame) -> ranker.Prediction:
        probability = batch_frame["score"].to_numpy()
        return probability, -probability  # the order disagrees with the probability

    scored = ranker.score_in_batches(lambda batch: frame, ["u1"], predict, batch_size=10)
    scored = scored.sort_values("rank_repeat")
    assert scored["product_id"].tolist() == ["p3", "p2", "p1"]
    assert scored["probability"].tolist() == [0.1, 0.5, 0.9]


def test_summed_z_scores_standardise_within_each_list():
    keys = pd.Series(["a", "a", "a", "b", "b"])
    first = np.array([1.0, 2.0, 3.0, 5.0, 5.0])  # constant in list b: contributes 0 there
    second = np.array([30.0, 20.0, 10.0, 0.0, 1.0])  # another scale, reversed order in a
    np.testing.assert_allclose(
        ranker.summed_z_scores(keys, first, second), [0.0, 0.0, 0.0, -1.0, 1.0], atol=1e-12
    )
    np.testing.assert_allclose(
        ranker.summed_z_scores(keys, first), [-np.sqrt(1.5), 0.0, np.sqrt(1.5), 0.0, 0.0]
    )
    # A constant list whose mean does not round-trip exactly (0.1 * 3 / 3) still contributes 0.
    constant = pd.Series(["c", "c", "c"])
    np.testing.assert_array_equal(ranker.summed_z_scores(constant, np.full(3, 0.1)), np.zeros(3))


def threshold_frame() -> pd.DataFrame:
    """60 users x 8 candidates, bought exactly when item_window_share is above 0.6."""
    rng = np.random.default_rng(3)
    rows = []
    for user in range(60):
        for product in range(8):
            share = float(rng.random())
            row = {column: float(rng.random()) for column in ranker.FEATURE_COLUMNS}
            row.update(user_id=f"u{user}", product_id=f"p{product}", item_window_share=share)
            row.update(is_bought=True, label=share > 0.6, purpose="training")
            rows.append(row)
    return pd.DataFrame(rows)


def test_lightgbm_learns_both_models_and_reloads_them(tmp_path):
    # Both boosters can learn the threshold, so every validation user's top 5 holds all
    # their positives.
    frame = threshold_frame()
    config = ranker.RankerConfig(trees=30, leaves=4, min_leaf_rows=5, tree_learning_rate=0.3)
    train, valid = ranker.split_training(frame, config)
    models, metrics = ranker.train_lightgbm(train, valid, config)
    assert metrics["auc"] > 0.95
    positives = valid.groupby("user_id")["label"].sum().clip(upper=5)
    best_possible = float((positives / 5)[positives > 0].mean())
    assert metrics["precision_at_5"] == pytest.approx(best_possible)

    models.save(tmp_path)
    probability, order = ranker.load_predictor("lightgbm", str(tmp_path))(valid)
    expected_probability, expected_order = models.predict(valid)
    np.testing.assert_allclose(probability, expected_probability)
    np.testing.assert_allclose(order, expected_order)
    assert not np.allclose(order, probability)  # ranks follow the blend, not the probability


def test_lightgbm_does_not_depend_on_the_row_order_of_its_input():
    # Bagging samples rows by position: without a fixed order, the row order a query happens
    # to return would change the model from one build to the next.
    frame = threshold_frame()
    config = ranker.RankerConfig(trees=30, leaves=4, min_leaf_rows=5, tree_learning_rate=0.3)
    shuffled = frame.sample(frac=1.0, random_state=7)
    models, _ = ranker.train_lightgbm(frame, frame.iloc[:0], config)
    shuffled_models, _ = ranker.train_lightgbm(shuffled, frame.iloc[:0], config)
    for expected, got in zip(models.predict(frame), shuffled_models.predict(frame), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_roc_auc_matches_a_hand_count():
    # Positive scores 0.9, 0.4; negatives 0.5, 0.1: pairs won 2 of 4 + 1 -> 3/4.
    assert ranker.roc_auc(np.array([1, 1, 0, 0]), np.array([0.9, 0.4, 0.5, 0.1])) == 0.75
    # A tie counts half.
    assert ranker.roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5
    assert np.isnan(ranker.roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_precision_at_k_counts_users_with_a_positive_only():
    frame = pd.DataFrame(
        {
            "user_id": ["a"] * 6 + ["b"] * 2 + ["c"] * 2,
            "product_id": [*"pqrstu", "p", "q", "p", "q"],
            "score": [6, 5, 4, 3, 2, 1, 2, 1, 2, 1],
            "label": [1, 0, 1, 0, 0, 1, 0, 1, 0, 0],
        }
    )
    # a: 2 hits in its top 5 -> 0.4; b: 1 of 5 slots -> 0.2; c has no positive: not counted.
    assert ranker.precision_at_k(frame, "score", 5) == pytest.approx(0.3)


def test_prior_correction_undoes_balanced_class_weights():
    labels = np.array([1] + [0] * 9)
    weights = ranker.balanced_class_weights(labels)
    assert weights == {0: pytest.approx(10 / 18), 1: pytest.approx(5.0)}
    # A weighted model predicting the weighted base rate (0.5) means the true base rate 0.1.
    assert ranker.prior_corrected(np.array([0.5]), weights)[0] == pytest.approx(0.1)


def test_validation_users_are_a_stable_share():
    users = [str(index) for index in range(2000)]
    held_out = ranker.validation_users(users, 0.2, seed=7)
    assert held_out == ranker.validation_users(reversed(users), 0.2, seed=7)
    assert 0.17 < len(held_out) / len(users) < 0.23
    assert held_out != ranker.validation_users(users, 0.2, seed=8)


def test_feature_matrix_turns_missing_ranks_into_zero_and_keeps_unknowns_nan():
    row = {column: np.nan for column in ranker.FEATURE_COLUMNS}
    row.update(history_rank=4, item_order_count=np.e - 1, is_bought=True)
    matrix = ranker.feature_matrix(pd.DataFrame([row]))
    columns = ranker.FEATURE_COLUMNS
    assert matrix[0, columns.index("history_rank")] == pytest.approx(0.25)
    assert matrix[0, columns.index("cooccurrence_rank")] == 0.0
    assert matrix[0, columns.index("item_order_count")] == pytest.approx(1.0)
    assert np.isnan(matrix[0, columns.index("item_days_since_last")])
    assert matrix[0, columns.index("is_bought")] == 1.0


def test_the_learner_with_better_validation_precision_serves():
    metrics = {
        "wide_deep": {"precision_at_5": 0.40, "auc": 0.9},
        "lightgbm": {"precision_at_5": 0.42, "auc": 0.8},
    }
    assert ranker.choose_learner(metrics) == "lightgbm"
    metrics["wide_deep"]["precision_at_5"] = 0.43
    assert ranker.choose_learner(metrics) == "wide_deep"
    assert ranker.model_name("wide_deep", "wide_deep") == "ranker"
    assert ranker.model_name("lightgbm", "wide_deep") == "ranker_lightgbm"


def test_each_purpose_learns_from_as_many_earlier_cutoffs():
    labelled = ["training_3", "evaluation", "training", "training_2"]
    assert ranker.training_snapshots("evaluation", labelled) == [
        "training",
        "training_2",
        "training_3",
    ]
    assert ranker.training_snapshots("serving", labelled) == [
        "evaluation",
        "training",
        "training_2",
    ]
    assert ranker.training_snapshots("serving", ["training"]) == []
