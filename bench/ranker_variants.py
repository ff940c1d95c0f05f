"""Ranker variants on a built warehouse: how far each lever moves precision@5 and NDCG@10.

Reads ml.ranking_features (training and evaluation snapshots) of a built warehouse, trains
LightGBM variants on the training snapshot with models_py.ranker's settings (validation users
held out), scores the evaluation snapshot and evaluates its top 10 against the holdout with the
definitions of the evaluate_recommendations macro (every evaluation user counts; NDCG with binary
gains, ideal DCG over min(holdout products, 10)). The stored lists of personal_popularity and
ranker are evaluated by the same code, so the printed baseline can be checked against
ml.model_metrics. Each variant runs with several seeds: the spread is the noise floor any claimed
gain has to clear.

Variants train one LightGBM booster (the pipeline ranks by a binary + lambdarank pair, see
models_py.ranker.train_lightgbm): the pipeline's features and settings; plus recency-decayed
purchase counts (e-folding 14, 56 and 182 days), counts in the last 7 / 84 days and in the last
5 / 10 orders; plus a lambdarank objective on those features. Nothing here feeds the
warehouse: it is a measurement.

Usage: .venv/bin/python bench/ranker_variants.py [--warehouse PATH] [--seeds 42,7,11]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models_py import ranker  # noqa: E402

RECENCY_SQL = """
with item_orders as (
    select
        snapshot,
        user_id,
        product_id,
        order_id,
        any_value(reference_day) as reference_day,
        any_value(day_number) as day_number,
        any_value(order_number) as order_number
    from intermediate.int_ranking_history_lines
    where role = 'history' and snapshot in ('training', 'evaluation')
    group by snapshot, user_id, product_id, order_id
),

last_orders as (
    select snapshot, user_id, max(order_number) as last_order_number
    from item_orders
    group by snapshot, user_id
)

select
    item_orders.snapshot as purpose,
    item_orders.user_id,
    item_orders.product_id,
    sum(exp(-(reference_day - day_number) / 14.0)) as decayed_orders_14d,
    sum(exp(-(reference_day - day_number) / 56.0)) as decayed_orders_56d,
    sum(exp(-(reference_day - day_number) / 182.0)) as decayed_orders_182d,
    count(*) filter (where day_number >= reference_day - 7) as orders_last_7d,
    count(*) filter (where day_number >= reference_day - 84) as orders_last_84d,
    count(*) filter (where order_number > last_order_number - 5) as in_last_5_orders,
    count(*) filter (where order_number > last_order_number - 10) as in_last_10_orders
from item_orders
inner join last_orders
    on item_orders.snapshot = last_orders.snapshot and item_orders.user_id = last_orders.user_id
group by item_orders.snapshot, item_orders.user_id, item_orders.product_id
"""
RECENCY_COLUMNS = [
    "decayed_orders_14d",
    "decayed_orders_56d",
    "decayed_orders_182d",
    "orders_last_7d",
    "orders_last_84d",
    "in_last_5_orders",
    "in_last_10_orders",
]


def load(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Candidates with features and recency features, holdout truth, evaluation users."""
    features = con.sql(
        "select * from ml.ranking_features where purpose in ('training', 'evaluation')"
    ).df()
    recency = con.sql(RECENCY_SQL).df()
    features = features.merge(recency, on=["purpose", "user_id", "product_id"], how="left")
    features[RECENCY_COLUMNS] = features[RECENCY_COLUMNS].fillna(0)
    truth = con.sql(
        "select distinct user_id, product_id from intermediate.int_order_lines_enriched "
        "where is_holdout"
    ).df()
    users = con.sql(
        "select user_id from intermediate.int_recommendation_users where purpose = 'evaluation'"
    ).df()["user_id"]
    return features, truth, users.to_numpy()


def evaluate(lists: pd.DataFrame, truth: pd.DataFrame, users: np.ndarray) -> dict[str, float]:
    """precision@5 and NDCG@10 of ranked lists (user_id, product_id, rank) over all users."""
    top = lists[lists["rank"] <= 10].merge(
        truth.assign(is_hit=1.0), on=["user_id", "product_id"], how="left"
    )
    top["is_hit"] = top["is_hit"].fillna(0.0)
    hits_at_5 = top[top["rank"] <= 5].groupby("user_id")["is_hit"].sum()
    gains = (top["is_hit"] / np.log2(top["rank"] + 1)).groupby(top["user_id"]).sum()
    relevant = truth.groupby("user_id").size().reindex(users).fillna(0).clip(upper=10)
    ideal = np.concatenate([[0.0], np.cumsum(1 / np.log2(np.arange(1, 11) + 1))])
    ideal_dcg = ideal[relevant.astype(int).to_numpy()]
    dcg = gains.reindex(users).fillna(0).to_numpy()
    ndcg = np.divide(dcg, ideal_dcg, out=np.zeros_like(dcg), where=ideal_dcg > 0)
    return {
        "precision_at_5": float(hits_at_5.reindex(users).fillna(0).sum() / 5 / len(users)),
        "ndcg_at_10": float(ndcg.mean()),
    }


def ranked(frame: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    # product_id breaks ties, as in models_py.ranker: ml.ranking_features' row order follows
    # the label join (bought candidates first), so row order would leak the label into ties.
    scored = frame[["user_id", "product_id"]].assign(score=scores)
    scored = scored.sort_values(
        ["user_id", "score", "product_id"], ascending=[True, False, True], kind="stable"
    )
    return scored.assign(rank=scored.groupby("user_id").cumcount() + 1)


def train_and_score(
    features: pd.DataFrame,
    columns: Sequence[str],
    objective: str,
    seed: int,
    config: ranker.RankerConfig,
) -> np.ndarray:
    import lightgbm as lgb

    labelled = features[(features["purpose"] == "training") & features["label"].notna()]
    train, _ = ranker.split_training(labelled, config)
    train = train.sort_values("user_id", kind="stable")
    params = {**ranker.lightgbm_params(config), "objective": objective, "seed": seed}
    matrix = train[list(columns)].astype("float32").to_numpy()
    groups = train.groupby("user_id", sort=False).size().to_numpy()
    dataset = lgb.Dataset(
        matrix,
        label=train["label"].astype(int),
        group=groups if objective == "lambdarank" else None,
    )
    booster = lgb.train(params, dataset, num_boost_round=config.trees)
    evaluation = features[features["purpose"] == "evaluation"]
    return booster.predict(evaluation[list(columns)].astype("float32").to_numpy())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=REPO / "warehouse" / "warehouse.duckdb")
    parser.add_argument("--seeds", default="42,7,11")
    parser.add_argument("--output", type=Path, default=REPO / "bench/results/ranker_variants.json")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"{args.warehouse}: not found; build it with `make run` first.", file=sys.stderr)
        return 2
    seeds = [int(seed) for seed in args.seeds.split(",")]
    con = duckdb.connect(str(args.warehouse), read_only=True)
    features, truth, users = load(con)
    stored = con.sql(
        "select model, user_id, product_id, rank from ml.recommendations "
        "where purpose = 'evaluation' and mode = 'repeat' "
        "and model in ('personal_popularity', 'ranker')"
    ).df()
    con.close()

    results: dict[str, Any] = {"evaluation_users": len(users), "seeds": seeds, "rows": []}
    for model, lists in stored.groupby("model"):
        metrics = evaluate(lists, truth, users)
        results["rows"].append({"variant": f"stored {model} (as in ml.model_metrics)", **metrics})
    baseline = next(row for row in results["rows"] if "personal_popularity" in row["variant"])

    config = ranker.RankerConfig()
    evaluation = features[features["purpose"] == "evaluation"]
    variants = {
        "binary booster, pipeline features": (ranker.FEATURE_COLUMNS, "binary"),
        "+ recency features": (ranker.FEATURE_COLUMNS + RECENCY_COLUMNS, "binary"),
        "+ recency, lambdarank": (ranker.FEATURE_COLUMNS + RECENCY_COLUMNS, "lambdarank"),
    }
    for name, (columns, objective) in variants.items():
        for seed in seeds:
            started = time.perf_counter()
            scores = train_and_score(features, columns, objective, seed, config)
            metrics = evaluate(ranked(evaluation, scores), truth, users)
            row = {"variant": name, "seed": seed, **metrics}
            row["seconds"] = time.perf_counter() - started
            results["rows"].append(row)

    print(f"\nRanker variants, {len(users):,} evaluation users (3-week holdout)\n")
    header = f"{'variant':<46} {'seed':>5} {'p@5':>7} {'NDCG@10':>8} {'vs personal pop':>17}"
    print(header)
    print("-" * len(header))
    for row in results["rows"]:
        gain_p = row["precision_at_5"] / baseline["precision_at_5"] - 1
        gain_n = row["ndcg_at_10"] / baseline["ndcg_at_10"] - 1
        print(
            f"{row['variant']:<46} {row.get('seed', ''):>5} {row['precision_at_5']:>7.4f} "
            f"{row['ndcg_at_10']:>8.4f} {gain_p:>+8.1%} {gain_n:>+7.1%}"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
