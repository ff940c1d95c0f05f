"""End-to-end: the two-stage ranker, campaign slates and promo targets in the synthetic build.

The build itself ran every dbt test, including tests/campaign_slates_invariants.sql; these
checks read the tables it left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import query

pytestmark = pytest.mark.slow


def test_the_ranker_trains_both_learners_and_lists_every_holdout_user(
    synthetic_warehouse: Path,
) -> None:
    runs = query(
        synthetic_warehouse,
        "select learner, purpose, is_served, validation_metrics from ml.ranker_training_runs",
    )
    served = {learner for learner, _, is_served, _ in runs if is_served}
    assert len(served) == 1
    # Both learners for evaluation; serving only needs the one that serves.
    assert sorted((learner, purpose) for learner, purpose, _, _ in runs) == sorted(
        [("wide_deep", "evaluation"), ("lightgbm", "evaluation"), (*served, "serving")]
    )
    for *_, metrics in runs:
        values = json.loads(metrics)
        assert 0.5 < values["auc"] <= 1.0 and values["positives"] > 0
    holdout_users = query(
        synthetic_warehouse,
        "select count(*) from intermediate.int_recommendation_users where purpose = 'evaluation'",
    )[0][0]
    listed = query(
        synthetic_warehouse,
        "select count(distinct user_id) from ml.recommendations "
        "where model = 'ranker' and purpose = 'evaluation' and mode = 'repeat'",
    )[0][0]
    assert listed == holdout_users
    logged = query(
        synthetic_warehouse,
        "select count(*) from ml.model_runs where model like 'ranker%' "
        "and validation_metrics is not null",
    )[0][0]
    assert logged == 3


def test_the_ranker_beats_global_popularity_and_is_in_model_metrics(
    synthetic_warehouse: Path,
) -> None:
    precision = dict(
        query(
            synthetic_warehouse,
            "select model, precision_at_k from ml.model_metrics where k = 5 and mode = 'repeat'",
        )
    )
    assert precision["ranker"] > precision["global_popularity"], precision


def test_training_snapshot_features_stop_before_its_labels(synthetic_warehouse: Path) -> None:
    overlap = query(
        synthetic_warehouse,
        """
        select count(*)
        from intermediate.int_ranking_snapshot_orders as history
        inner join intermediate.int_ranking_snapshot_orders as labels
            on history.snapshot = labels.snapshot and history.role = 'history'
            and labels.role = 'label' and history.day_number > labels.day_number
            and history.snapshot != 'serving'
        """,
    )[0][0]
    assert overlap == 0
    holdout_in_training = query(
        synthetic_warehouse,
        """
        select count(*)
        from intermediate.int_ranking_snapshot_orders as snapshot_orders
        inner join marts.orders on snapshot_orders.order_id = orders.order_id
        where snapshot_orders.snapshot = 'training' and orders.is_holdout
        """,
    )[0][0]
    assert holdout_in_training == 0


def test_campaign_outputs_are_built(synthetic_warehouse: Path) -> None:
    slates = query(
        synthetic_warehouse,
        "select purpose, count(distinct user_id), count(*) from ml.campaign_slates group by 1",
    )
    for _, users, rows in slates:
        assert users > 0 and rows == 5 * users
    assert query(synthetic_warehouse, "select count(*) from ml.campaign_history")[0][0] > 0
    metrics = query(
        synthetic_warehouse,
        "select precision_at_k, money_precision_at_k from ml.campaign_slate_metrics",
    )
    assert len(metrics) == 1 and 0 <= metrics[0][0] <= 1
    targets = query(
        synthetic_warehouse,
        "select count(distinct product_id), max(rank) from ml.promo_targets "
        "where purpose = 'serving'",
    )[0]
    assert targets[0] > 0 and targets[1] >= 1
