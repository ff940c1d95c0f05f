"""What the TFRS dbt Python models call: train and save runs, reload them to list, score and
export. The model code is in models_py.retrieval and models_py.sequential."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from models_py import retrieval, sequential
from models_py.als import RECOMMENDATION_COLUMNS
from models_py.options import config_from_options
from models_py.tfrs_common import (
    ACCURACY_KS,
    artifact_root,
    embedding_table,
    log,
    long_lists,
    new_run_id,
    sample_examples,
    top_k,
    top_k_accuracy,
    utc_now,
)


def _fingerprint(interactions: pd.DataFrame) -> dict[str, Any]:
    return {
        "pairs": len(interactions),
        "users": int(interactions["user_id"].nunique()),
        "products": int(interactions["product_id"].nunique()),
        "orders": int(interactions["order_count"].sum()),
    }


def _variants(text: Any) -> list[str]:
    names = [name.strip() for name in str(text or "").split(",") if name.strip()]
    unknown = sorted(set(names) - set(retrieval.VARIANTS))
    if unknown:
        raise ValueError(
            f"Unknown retrieval variants {unknown}: use {', '.join(retrieval.VARIANTS)}."
        )
    return names


# ------------------------------------------------------------------------- retrieval


def train_retrieval_runs(
    interactions_by_purpose: Mapping[str, pd.DataFrame],
    products: pd.DataFrame,
    users: pd.DataFrame,
    options: Mapping[str, Any] | None,
    variants_by_purpose: Mapping[str, Any],
    root: Path | None = None,
) -> pd.DataFrame:
    """Train and save each (purpose, variant); one row each (tfrs_training_runs)."""
    config = config_from_options(retrieval.RetrievalConfig, options)
    run_id = new_run_id("tfrs")
    rows = []
    for purpose, interactions in interactions_by_purpose.items():
        for variant in _variants(variants_by_purpose.get(purpose)):
            model = f"tfrs_{variant}"
            trained = retrieval.train_retrieval(
                variant, interactions, products, users, config, label=f"{model} ({purpose})"
            )
            folder = retrieval.save_retrieval(
                trained, (root or artifact_root()) / "tfrs" / run_id / purpose / variant
            )
            log(f"{model} ({purpose}): saved to {folder} ({trained.training_seconds:.0f} s)")
            rows.append(
                {
                    "run_id": run_id,
                    "model": model,
                    "purpose": purpose,
                    "parameters": json.dumps(
                        {"variant": variant, **asdict(config)}, sort_keys=True
                    ),
                    "data_fingerprint": json.dumps(_fingerprint(interactions), sort_keys=True),
                    "training_seconds": trained.training_seconds,
                    "final_loss": trained.losses[-1] if trained.losses else None,
                    "artifact_path": str(folder.resolve()),
                    "trained_at": utc_now(),
                }
            )
    return pd.DataFrame(rows)


def _histories(interactions: pd.DataFrame) -> dict[str, list[str]]:
    pairs = interactions.astype({"user_id": str, "product_id": str})
    return pairs.groupby("user_id")["product_id"].agg(list).to_dict()


def _reasons(
    lists: pd.DataFrame,
    trained: retrieval.TrainedRetrieval,
    interactions: pd.DataFrame,
    names: Mapping[str, str],
) -> pd.Series:
    """Bought before: how often. Otherwise: the user's bought product whose vector is closest
    to the recommended one (the two-tower counterpart of ALS's explain); ties go to the
    product listed first in the user's interactions."""
    product_ids = trained.product_ids.astype(str)
    position = pd.Series(np.arange(len(product_ids)), index=product_ids)
    pairs = interactions.astype({"user_id": str, "product_id": str})
    times = (
        lists[["user_id", "product_id"]]
        .merge(pairs[["user_id", "product_id", "order_count"]], how="left")["order_count"]
        .to_numpy()
    )
    bought = pd.notna(times)
    reasons = np.full(len(lists), "matches your profile", dtype=object)
    reasons[bought] = [f"bought {int(count)} times before" for count in times[bought]]

    # Each user's bought products as one slice of an array sorted by user (stable: the
    # interactions' order within a user, which decides ties as before).
    known = pairs[pairs["product_id"].isin(position.index)]
    owners = known["user_id"].to_numpy().astype(str)
    order = np.argsort(owners, kind="stable")
    owners, history = owners[order], position.reindex(known["product_id"]).to_numpy()[order]
    starts = dict(zip(*np.unique(owners, return_index=True), strict=True))

    listed = position.reindex(lists["product_id"].to_numpy().astype(str)).to_numpy()
    need = np.flatnonzero(~bought & ~np.isnan(listed))
    users = lists["user_id"].to_numpy().astype(str)[need]
    by_user = np.argsort(users, kind="stable")
    need, users = need[by_user], users[by_user]
    names_of = np.asarray([names.get(product, product) for product in product_ids], dtype=object)
    user_ids, first_rows = np.unique(users, return_index=True)
    last_rows = np.append(first_rows[1:], len(users))
    # One small matrix product per user instead of one per row.
    for user_id, first, last in zip(user_ids, first_rows, last_rows, strict=True):
        if user_id not in starts:
            continue
        begin = starts[user_id]
        end = np.searchsorted(owners, user_id, side="right")
        bought_positions = history[begin:end].astype(np.int64)
        rows = need[first:last]
        wanted = listed[rows].astype(np.int64)
        similarity = trained.product_vectors[wanted] @ trained.product_vectors[bought_positions].T
        closest = bought_positions[np.argmax(similarity, axis=1)]
        reasons[rows] = "close to " + names_of[closest] + ", which you bought"
    return pd.Series(reasons, index=lists.index)


def retrieval_recommendation_rows(
    runs: pd.DataFrame,
    interactions_by_purpose: Mapping[str, pd.DataFrame],
    users: pd.DataFrame,
    products: pd.DataFrame,
    k: int,
) -> pd.DataFrame:
    """Reload every run (no retraining) and list its warm users in both modes."""
    names = dict(
        zip(products["product_id"].astype(str), products["product_name"].astype(str), strict=True)
    )
    frames = []
    for run in runs.itertuples(index=False):
        trained = retrieval.load_retrieval(run.artifact_path)
        interactions = interactions_by_purpose[run.purpose]
        warm = users[(users["purpose"] == run.purpose) & ~users["is_cold"].astype(bool)]
        user_ids = warm["user_id"].astype(str).to_numpy()
        user_ids = user_ids[np.isin(user_ids, trained.user_ids)]
        histories = _histories(interactions)
        for mode, exclude in (("repeat", None), ("new_items", histories)):
            scores, ids = retrieval.recommend(trained, user_ids, k, exclude)
            lists = long_lists(user_ids, ids, scores).rename(columns={"query_id": "user_id"})
            lists = lists.assign(model=run.model, mode=mode, purpose=run.purpose, run_id=run.run_id)
            lists["reason"] = _reasons(lists, trained, interactions, names)
            frames.append(lists[RECOMMENDATION_COLUMNS])
            log(f"{run.model} ({run.purpose}, {mode}): {len(lists):,} rows")
    if not frames:
        return pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _accuracy_rows(
    model: str, lists: pd.DataFrame, holdout: pd.DataFrame, run_id: str
) -> pd.DataFrame:
    return top_k_accuracy(lists, holdout).assign(model=model, run_id=run_id)


def retrieval_accuracy_table(
    runs: pd.DataFrame,
    training: pd.DataFrame,
    holdout_pairs: pd.DataFrame,
    als_runs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The TFRS notebook's protocol on the evaluation split: for every holdout (user, product)
    pair, is the product in the user's top k (no exclusions)? TFRS variants, ALS and global
    popularity (products by training orders), scored identically."""
    from models_py import als

    depth = max(ACCURACY_KS)
    holdout = holdout_pairs.rename(columns={"user_id": "query_id"})[["query_id", "product_id"]]
    holdout = holdout.astype(str).drop_duplicates()
    query_ids = holdout["query_id"].unique()
    frames = []
    popular = (
        training.astype({"product_id": str})
        .groupby("product_id")["order_count"]
        .sum()
        .sort_values(ascending=False, kind="stable")
        .index[:depth]
    )
    popular_lists = pd.DataFrame(
        {
            "query_id": np.repeat(query_ids, len(popular)),
            "rank": np.tile(np.arange(1, len(popular) + 1), len(query_ids)),
            "product_id": np.tile(np.asarray(popular), len(query_ids)),
        }
    )
    frames.append(_accuracy_rows("global_popularity", popular_lists, holdout, ""))
    for run in runs[runs["purpose"] == "evaluation"].itertuples(index=False):
        trained = retrieval.load_retrieval(run.artifact_path)
        scores, ids = retrieval.recommend(trained, query_ids, depth)
        frames.append(
            _accuracy_rows(run.model, long_lists(query_ids, ids, scores), holdout, run.run_id)
        )
    if als_runs is not None:
        for run in als_runs[als_runs["purpose"] == "evaluation"].itertuples(index=False):
            model = als.load_model(run.artifact_path)
            keep = model.product_ids != als.PLACEHOLDER_PRODUCT_ID
            position = pd.Series(np.arange(len(model.user_ids)), index=model.user_ids)
            known = query_ids[np.isin(query_ids, model.user_ids)]
            scores, ids = top_k(
                model.model.user_factors[position[known].to_numpy()],
                model.model.item_factors[keep],
                model.product_ids[keep],
                depth,
            )
            frames.append(
                _accuracy_rows("als", long_lists(known, ids, scores), holdout, run.run_id)
            )
    table = pd.concat(frames, ignore_index=True)
    return table[["model", "k", "accuracy", "pairs", "hits", "run_id"]]


def retrieval_embeddings(runs: pd.DataFrame, model: str, side: str) -> pa.Table:
    """A model's user or product vectors as FLOAT[n]: the serving run where there is one, else
    the evaluation run."""
    candidates = runs[runs["model"] == model].sort_values("purpose", ascending=False)
    if candidates.empty:
        raise ValueError(f"No {model} run in tfrs_training_runs: add it to tfrs_*_variants.")
    run = candidates.iloc[0]
    trained = retrieval.load_retrieval(run["artifact_path"])
    if side == "user":
        return embedding_table(run["run_id"], "user_id", trained.user_ids, trained.user_vectors)
    return embedding_table(
        run["run_id"], "product_id", trained.product_ids, trained.product_vectors
    )


# ------------------------------------------------------------------------ sequential


def latest_training_examples(relation: Any, options: Mapping[str, Any] | None) -> pd.DataFrame:
    """The training examples the GRU will use, cut in DuckDB: the most recent max_examples by
    (order_id, target_position), as train_sequence would keep them, without reading all
    1.3M Complete Journey examples into pandas first."""
    config = config_from_options(sequential.SequenceConfig, options)
    training = relation.filter("not is_holdout")
    if config.max_examples:
        training = training.order("order_id desc, target_position desc").limit(config.max_examples)
    return training.df()


def train_sequence_run(
    examples: pd.DataFrame, options: Mapping[str, Any] | None, root: Path | None = None
) -> pd.DataFrame:
    """Train the GRU on the training examples and save it; one row (sequence_training_runs)."""
    config = config_from_options(sequential.SequenceConfig, options)
    run_id = new_run_id("gru")
    training = examples[~examples["is_holdout"].astype(bool)]  # callers may pre-filter in SQL
    trained = sequential.train_sequence(training, config)
    folder = sequential.save_sequence(trained, (root or artifact_root()) / "gru" / run_id)
    log(f"sequential_gru: saved to {folder} ({trained.training_seconds:.0f} s)")
    return pd.DataFrame(
        [
            {
                "run_id": run_id,
                "model": "sequential_gru",
                "purpose": "evaluation",
                "parameters": json.dumps(asdict(config), sort_keys=True),
                "data_fingerprint": json.dumps(
                    {
                        "examples": len(training),
                        "products": len(trained.product_ids),
                        "context_scope": sorted(training["context_scope"].unique().tolist()),
                    }
                ),
                "training_seconds": trained.training_seconds,
                "final_loss": trained.losses[-1] if trained.losses else None,
                "artifact_path": str(folder.resolve()),
                "trained_at": utc_now(),
            }
        ]
    )


def _latest_sequence(runs: pd.DataFrame) -> tuple[str, sequential.TrainedSequence]:
    run = runs.sort_values("trained_at").iloc[-1]
    return run["run_id"], sequential.load_sequence(run["artifact_path"])


def _holdout_examples(examples: pd.DataFrame) -> pd.DataFrame:
    holdout = examples[examples["is_holdout"].astype(bool)]
    return holdout.sort_values(["order_id", "target_position"], kind="stable").reset_index(
        drop=True
    )


def next_item_recommendation_rows(
    runs: pd.DataFrame, holdout_examples: pd.DataFrame, k: int = 10
) -> pd.DataFrame:
    """Top k next items for every holdout basket prefix (rows of basket_next_item_examples)."""
    run_id, trained = _latest_sequence(runs)
    holdout = _holdout_examples(holdout_examples)
    scores, ids = sequential.next_items(trained, holdout["context_product_ids"].tolist(), k)
    lists = long_lists(np.arange(len(holdout)), ids, scores)
    example = holdout.iloc[lists["query_id"].astype(int).to_numpy()].reset_index(drop=True)
    return pd.DataFrame(
        {
            "run_id": run_id,
            "order_id": example["order_id"].astype(str),
            "user_id": example["user_id"].astype(str),
            "target_position": example["target_position"].to_numpy(),
            "rank": lists["rank"].to_numpy(),
            "product_id": lists["product_id"].to_numpy(),
            "score": lists["score"].to_numpy(),
        }
    )


def next_item_accuracy_table(
    runs: pd.DataFrame,
    holdout_examples: pd.DataFrame,
    training_targets: pd.Series,
    cooccurrence: pd.DataFrame,
    max_examples: int = 0,
    seed: int = 42,
) -> pd.DataFrame:
    """Top-k accuracy of the GRU and of two baselines on the same holdout examples: global
    popularity of training targets, and co-occurrence with the context items. max_examples
    (0 = all) scores a seeded sample of them, all three on the same sample: ranking 100 of
    every product per example is most of this table's cost."""
    run_id, trained = _latest_sequence(runs)
    holdout = sample_examples(_holdout_examples(holdout_examples), max_examples, seed)
    contexts: Sequence[Sequence[str]] = holdout["context_product_ids"].tolist()
    truth = pd.DataFrame(
        {
            "query_id": np.arange(len(holdout)).astype(str),
            "product_id": holdout["target_product_id"].astype(str),
        }
    )
    depth = max(ACCURACY_KS)
    candidates = {
        "sequential_gru": sequential.next_items(trained, contexts, depth),
        "global_popularity": sequential.popularity_lists(training_targets, len(holdout), depth),
        "cooccurrence": sequential.cooccurrence_lists(cooccurrence, contexts, depth),
    }
    frames = [
        top_k_accuracy(long_lists(truth["query_id"].to_numpy(), ids, scores), truth).assign(
            model=model, run_id=run_id
        )
        for model, (scores, ids) in candidates.items()
    ]
    scope = ",".join(sorted(holdout["context_scope"].astype(str).unique()))
    table = pd.concat(frames, ignore_index=True).rename(columns={"pairs": "examples"})
    return table.assign(context_scope=scope)[
        ["model", "k", "accuracy", "examples", "hits", "context_scope", "run_id"]
    ]


def sequence_item_embedding_table(runs: pd.DataFrame) -> pa.Table:
    run_id, trained = _latest_sequence(runs)
    rows = sequential.item_embedding_rows(trained)
    inputs = np.stack(rows["input_embedding"].to_numpy())
    targets = np.stack(rows["target_embedding"].to_numpy())
    table = embedding_table(run_id, "product_id", rows["product_id"].to_numpy(), inputs)
    table = table.rename_columns(["run_id", "product_id", "input_embedding"])
    return table.append_column(
        "target_embedding",
        embedding_table(run_id, "product_id", rows["product_id"].to_numpy(), targets).column(
            "embedding"
        ),
    )


def sequence_gru_weight_table(runs: pd.DataFrame) -> pa.Table:
    run_id, trained = _latest_sequence(runs)
    rows = sequential.gru_weight_rows(trained)
    base = embedding_table(
        run_id, "gate", rows["gate"].to_numpy(), np.stack(rows["input_weights"].to_numpy())
    ).rename_columns(["run_id", "gate", "input_weights"])
    recurrent = embedding_table(
        run_id, "gate", rows["gate"].to_numpy(), np.stack(rows["recurrent_weights"].to_numpy())
    ).column("embedding")
    return (
        base.append_column("unit", pa.array(rows["unit"].to_numpy(), type=pa.int32()))
        .append_column("recurrent_weights", recurrent)
        .append_column("input_bias", pa.array(rows["input_bias"].to_numpy(), type=pa.float64()))
        .append_column(
            "recurrent_bias", pa.array(rows["recurrent_bias"].to_numpy(), type=pa.float64())
        )
    )
