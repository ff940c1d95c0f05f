"""Two-stage ranker, stage two: purchase probability of each candidate of ranking_candidates.

Two learners on the same SQL features (ranking_features): the wide & deep network of the
purchase-model notebook (models_py.ranker_network, TensorFlow) and LightGBM, which fits a binary
model (the purchase probability) and a lambdarank model (the order within each user's list) and
ranks by the sum of their per-user z-scores. Both learners are trained per purpose on an
earlier snapshot than the one they score:

- purpose evaluation: trained on the `training`, `training_2`, ... snapshots (features before
  each label window, labels = the window), scores the `evaluation` snapshot (features as of the
  holdout start).
- purpose serving: trained on the `evaluation` snapshot (labels = the holdout) and the training
  snapshots but the oldest (as many snapshots), scores `serving` (features as of the last
  order).

The learner that serves (model `ranker`) is the one with the better precision@5 on validation
users of the evaluation run (never on the holdout); the other is listed as `ranker_<learner>`
for evaluation only. Scoring runs in batches of users, each batch ranked on its own (a user is
never split across batches), so memory is bounded by the batch, not by users x products.

The pure parts (feature matrix, labels, metrics, batching, selection) are unit-tested; the dbt
Python models ranker_als_candidates, ranker_training_runs and ranking_scores are adapters.
"""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from models_py import als
from models_py.options import config_from_options

Learner = Literal["wide_deep", "lightgbm"]
LEARNERS: tuple[Learner, ...] = ("wide_deep", "lightgbm")
SERVED_MODEL = "ranker"
SCORED_PURPOSES = ("evaluation", "serving")
RANK_COLUMNS = [
    "history_rank",
    "cooccurrence_rank",
    "als_repeat_rank",
    "als_new_items_rank",
    "recent_popularity_rank",
    "product_popularity_rank",
]
COUNT_COLUMNS = [
    "cooccurrence_score",
    "item_order_count",
    "item_quantity",
    "item_spend",
    "item_recent_order_count",
    "item_days_since_last",
    "item_orders_since_last",
    "item_usual_gap_days",
    "item_gap_ratio",
    "item_windows",
    "item_windows_last_4",
    "item_windows_last_2",
    "product_order_count",
    "product_user_count",
    "product_recent_order_count",
    "product_unit_price",
    "user_orders",
    "user_distinct_products",
    "user_average_basket_size",
    "user_average_basket_value",
    "user_days_since_last_order",
    "user_usual_order_gap_days",
    "user_active_windows",
    "user_category_orders",
    "price_to_user_usual",
    "price_to_user_category_usual",
    "average_page_views",
    "average_session_seconds",
]
PLAIN_COLUMNS = [
    "als_repeat_score",
    "als_new_items_score",
    "item_share_of_orders",
    "item_window_share",
    "item_window_share_last_8",
    "item_window_share_last_4",
    "product_repeat_user_share",
    "user_category_share",
    "promoted_week_share",
    "promoted_store_share",
    "is_bought",
    "has_mailer",
    "has_display",
    # Repurchase timing, quantities, sub-category and category (raw values).
    "item_days_since_last_to_product_gap",
    "repurchase_hazard",
    "product_median_gap_days",
    "product_mean_gap_days",
    "product_gap_count",
    "product_gap_share_within_window",
    "item_last_quantity",
    "item_last_spend",
    "item_mean_quantity",
    "item_last_to_mean_quantity",
    "item_last_to_product_quantity",
    "product_mean_quantity",
    "sub_category_window_share",
    "sub_category_window_share_last_4",
    "sub_category_order_share",
    "sub_category_products",
    "sub_category_days_since_last",
    "item_share_of_sub_category",
    "category_window_share",
    "category_days_since_last",
    "switched_in_sub_category",
    "days_behind_sub_category",
    "product_sub_category_share",
]
# Ranker inputs. Not other_source_count: models outside the snapshot refit (TFRS) list
# candidates for evaluation and serving only, so the training snapshot could not teach it.
FEATURE_COLUMNS = RANK_COLUMNS + COUNT_COLUMNS + PLAIN_COLUMNS
ID_COLUMNS = ["user_id", "product_id", "category"]


@dataclass(frozen=True)
class RankerConfig:
    """Budgets and hyperparameters of both learners (the ranker_* vars)."""

    # wide & deep (the notebook's: embeddings of user, product and category plus numerics)
    embedding_dim: int = 16
    deep_layers: int = 3
    dropout: float = 0.1
    epochs: int = 3
    batch_size: int = 2048
    learning_rate: float = 0.002
    # LightGBM (both of its models): small regularised trees measured best; 200 at 0.06 ranked
    # as well as 400 at 0.03 in half the fit and scoring time
    trees: int = 200
    leaves: int = 15
    tree_learning_rate: float = 0.06
    min_leaf_rows: int = 100
    l2_regularization: float = 10.0
    # both
    validation_share: float = 0.2
    max_training_rows: int = 0  # 0 = every candidate; else a seeded sample of users
    threads: int = 2  # LightGBM's (TensorFlow keeps the process-wide pools)
    seed: int = 42
    # scoring
    top_k: int = 20
    score_batch_users: int = 500

    def __post_init__(self) -> None:
        if not 0 < self.validation_share < 1:
            raise ValueError(f"validation_share must be in (0, 1), got {self.validation_share}")
        if min(self.epochs, self.trees, self.batch_size, self.top_k, self.score_batch_users) < 1:
            raise ValueError(f"Invalid ranker configuration: {self}")

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> RankerConfig:
        return config_from_options(cls, options)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------ features


def feature_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The numeric features as float32, NaN where unknown (LightGBM's input).

    Ranks become reciprocal ranks (absent = 0: a source that did not list the candidate), counts
    log1p (heavy tails), the rest as they are."""
    columns = []
    for column in RANK_COLUMNS:
        ranks = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        columns.append(np.where(np.isnan(ranks), 0.0, 1.0 / np.maximum(ranks, 1.0)))
    for column in COUNT_COLUMNS:
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
        columns.append(np.log1p(np.clip(values, 0.0, None)))
    for column in PLAIN_COLUMNS:
        columns.append(pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64))
    return np.column_stack(columns).astype(np.float32)


@dataclass(frozen=True)
class Standardizer:
    """Mean / scale per feature from training rows; NaN becomes the mean (0 after scaling)."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, matrix: np.ndarray) -> Standardizer:
        mean = np.nan_to_num(np.nanmean(matrix, axis=0)) if len(matrix) else np.zeros(0)
        scale = np.nan_to_num(np.nanstd(matrix, axis=0)) if len(matrix) else np.zeros(0)
        return cls(mean=mean.astype(np.float32), scale=np.where(scale > 0, scale, 1.0))

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        scaled = (matrix - self.mean) / self.scale
        return np.nan_to_num(scaled, nan=0.0).astype(np.float32)

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": self.mean.tolist(), "scale": np.asarray(self.scale).tolist()}

    @classmethod
    def from_dict(cls, values: Mapping[str, Sequence[float]]) -> Standardizer:
        return cls(
            mean=np.asarray(values["mean"], dtype=np.float32),
            scale=np.asarray(values["scale"], dtype=np.float32),
        )


def validation_users(user_ids: Iterable[str], share: float, seed: int) -> set[str]:
    """A stable pseudo-random share of users (by a hash of id and seed), held out from training."""
    threshold = int(share * 2**32)
    return {
        user_id
        for user_id in set(map(str, user_ids))
        if zlib.crc32(f"{seed}:{user_id}".encode()) < threshold
    }


def sample_users(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """At most ~max_rows candidate rows, keeping whole users (a seeded sample of them)."""
    if max_rows <= 0 or len(frame) <= max_rows:
        return frame
    users = np.sort(frame["user_id"].astype(str).unique())
    keep = int(len(users) * max_rows / len(frame))
    chosen = np.random.default_rng(seed).choice(users, size=max(keep, 1), replace=False)
    return frame[frame["user_id"].astype(str).isin(set(chosen))]


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """scikit-learn's 'balanced': n / (2 * n_class) per class (the notebook's class weights)."""
    positives = int(np.sum(labels == 1))
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return {0: 1.0, 1: 1.0}
    return {0: len(labels) / (2 * negatives), 1: len(labels) / (2 * positives)}


def prior_corrected(probability: np.ndarray, class_weights: Mapping[int, float]) -> np.ndarray:
    """Undo class weighting: a model trained with weights w1/w0 inflates the odds by w1/w0."""
    ratio = class_weights[1] / class_weights[0]
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-7, 1 - 1e-7)
    odds = p / (1 - p) / ratio
    return odds / (1 + odds)


# ------------------------------------------------------------------------------------- metrics


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count half); NaN with one class only."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def threshold_metrics(labels: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """Precision and recall at probability 0.5 (the notebook's Keras metrics)."""
    labels = np.asarray(labels).astype(bool)
    predicted = np.asarray(probability) >= 0.5
    true_positives = int((predicted & labels).sum())
    return {
        "precision": true_positives / predicted.sum() if predicted.sum() else 0.0,
        "recall": true_positives / labels.sum() if labels.sum() else 0.0,
    }


def precision_at_k(frame: pd.DataFrame, score_column: str, k: int = 5) -> float:
    """Mean over users of hits in their top k by score / k (users with a positive only)."""
    ranked = rank_within_users(frame, score_column)
    top = ranked[ranked["rank"] <= k]
    per_user = top.groupby("user_id")["label"].sum() / k
    users_with_positive = frame.loc[frame["label"].astype(bool), "user_id"].unique()
    return (
        float(per_user.reindex(users_with_positive, fill_value=0).mean())
        if len(users_with_positive)
        else 0.0
    )


def validation_metrics(
    frame: pd.DataFrame, probability: np.ndarray, order: np.ndarray | None = None
) -> dict[str, float]:
    """AUC and precision / recall at 0.5 of the probability; precision@5 of the ranking score
    (`order`, the probability when not given)."""
    scored = frame.assign(
        # a user in two snapshots has two lists
        user_id=list_keys(frame),
        probability=probability,
        ranking_score=probability if order is None else order,
    )
    labels = scored["label"].to_numpy().astype(int)
    return {
        "auc": roc_auc(labels, probability),
        **threshold_metrics(labels, probability),
        "precision_at_5": precision_at_k(scored, "ranking_score", 5),
        "rows": len(scored),
        "positives": int(labels.sum()),
    }


# ----------------------------------------------------------------------------------- ranking

Prediction = tuple[np.ndarray, np.ndarray]  # (purchase probability, ranking score)
Predictor = Callable[[pd.DataFrame], Prediction]


def list_keys(frame: pd.DataFrame) -> pd.Series:
    """One key per ranked list: the user, within its snapshot when the frame has several."""
    keys = frame["user_id"].astype(str)
    return frame["purpose"].astype(str) + "/" + keys if "purpose" in frame else keys


def summed_z_scores(keys: pd.Series, *scores: np.ndarray) -> np.ndarray:
    """Sum over the score arrays of each one's z-score within its list (key). The binary
    model's probabilities and the lambdarank model's scores live on different scales; within
    a list only their order matters, so each is centred and scaled there. A constant list
    contributes 0: its mean need not round-trip exactly, so spreads within rounding count as
    none."""
    codes, uniques = pd.factorize(keys.to_numpy())
    sizes = np.bincount(codes, minlength=len(uniques)).astype(np.float64)
    total = np.zeros(len(keys))
    for score in scores:
        values = np.asarray(score, dtype=np.float64)
        mean = np.bincount(codes, weights=values, minlength=len(uniques)) / sizes
        centred = values - mean[codes]
        spread = np.sqrt(np.bincount(codes, weights=centred**2, minlength=len(uniques)) / sizes)
        spread = spread[codes]
        has_spread = spread > 1e-9 * np.maximum(np.abs(mean[codes]), 1.0)
        total += np.divide(centred, spread, out=np.zeros_like(centred), where=has_spread)
    return total


def rank_within_users(
    frame: pd.DataFrame, score_column: str, mask: np.ndarray | None = None
) -> pd.DataFrame:
    """1-based rank of each row within its user by score (desc), product_id breaking ties.
    Rows outside `mask` get no rank (NaN)."""
    ranked = frame.copy()
    ranked["rank"] = np.nan
    eligible = ranked if mask is None else ranked[mask]
    if len(eligible):
        order = eligible.sort_values(
            ["user_id", score_column, "product_id"], ascending=[True, False, True], kind="stable"
        )
        ranks = order.groupby("user_id", sort=False).cumcount() + 1
        ranked.loc[ranks.index, "rank"] = ranks.to_numpy()
    return ranked


def user_batches(user_ids: Iterable[str], batch_size: int) -> Iterator[list[str]]:
    users = sorted(set(map(str, user_ids)))
    for start in range(0, len(users), batch_size):
        yield users[start : start + batch_size]


def score_in_batches(
    fetch: Callable[[list[str]], pd.DataFrame],
    user_ids: Iterable[str],
    predict: Predictor,
    batch_size: int,
    top_k: int | None = None,
) -> pd.DataFrame:
    """Fetch one batch of users' candidates at a time, score them and rank them per user.

    Returns user_id, product_id, probability, ranking_score, rank_repeat (every candidate, by
    ranking_score) and rank_new_items (never-bought candidates); with top_k only rows ranked
    within top_k in either mode are kept. A user is never split across batches, so the ranks
    equal those of one big batch."""
    frames = []
    for batch in user_batches(user_ids, batch_size):
        candidates = fetch(batch)
        if candidates.empty:
            continue
        scored = candidates[["user_id", "product_id", "is_bought"]].copy()
        scored["probability"], scored["ranking_score"] = predict(candidates)
        scored["rank_repeat"] = rank_within_users(scored, "ranking_score")["rank"]
        new_items = ~scored["is_bought"].fillna(False).astype(bool).to_numpy()
        scored["rank_new_items"] = rank_within_users(scored, "ranking_score", new_items)["rank"]
        if top_k is not None:
            keep = (scored["rank_repeat"] <= top_k) | (scored["rank_new_items"] <= top_k)
            scored = scored[keep]
        frames.append(scored)
    columns = [
        "user_id",
        "product_id",
        "is_bought",
        "probability",
        "ranking_score",
        "rank_repeat",
        "rank_new_items",
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def choose_learner(metrics: Mapping[str, Mapping[str, float]]) -> Learner:
    """The learner with the best validation precision@5 (AUC, then name, breaking ties)."""
    return max(  # type: ignore[return-value]
        metrics,
        key=lambda name: (
            metrics[name]["precision_at_5"],
            np.nan_to_num(metrics[name]["auc"]),
            name == "lightgbm",
        ),
    )


def new_run_id() -> str:
    return f"ranker-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def model_name(learner: str, served: str) -> str:
    return SERVED_MODEL if learner == served else f"{SERVED_MODEL}_{learner}"


# ------------------------------------------------------------------------------------ LightGBM


def lightgbm_params(config: RankerConfig, objective: str = "binary") -> dict[str, Any]:
    """The LightGBM parameters of a configuration."""
    return {
        "objective": objective,
        "learning_rate": config.tree_learning_rate,
        "num_leaves": config.leaves,
        "min_data_in_leaf": config.min_leaf_rows,
        "lambda_l2": config.l2_regularization,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "num_threads": config.threads,
        "seed": config.seed,
        "deterministic": True,
        "verbosity": -1,
    }


@dataclass(frozen=True)
class LightGbmModels:
    """LightGBM's two boosters: binary (the probability) and lambdarank (the order)."""

    binary: Any
    ranking: Any

    def predict(self, frame: pd.DataFrame) -> Prediction:
        matrix = feature_matrix(frame)
        probability = self.binary.predict(matrix)
        order = summed_z_scores(list_keys(frame), probability, self.ranking.predict(matrix))
        return probability, order

    def save(self, folder: Path) -> None:
        self.binary.save_model(str(folder / "model.txt"))
        self.ranking.save_model(str(folder / "ranking_model.txt"))

    @classmethod
    def load(cls, folder: Path) -> LightGbmModels:
        import lightgbm as lgb

        return cls(
            binary=lgb.Booster(model_file=str(folder / "model.txt")),
            ranking=lgb.Booster(model_file=str(folder / "ranking_model.txt")),
        )


def train_lightgbm(
    train: pd.DataFrame, valid: pd.DataFrame, config: RankerConfig
) -> tuple[LightGbmModels, dict[str, float]]:
    """Both boosters on the same rows. Measured on Complete Journey (3 seeds), ranking by the
    blend beat either model alone on NDCG@10 (0.395 against 0.393-0.394)."""
    import lightgbm as lgb

    # lambdarank needs each list's rows contiguous, with the list sizes as groups; products in
    # a fixed order within them, since bagging samples rows by position and the row order a
    # query returns varies from build to build.
    train = train.assign(list_key=list_keys(train)).sort_values(
        ["list_key", "product_id"], kind="stable"
    )
    matrix, labels = feature_matrix(train), train["label"].astype(int)
    groups = train.groupby("list_key", sort=False).size().to_numpy()
    boosters = {}
    for objective in ("binary", "lambdarank"):
        dataset = lgb.Dataset(
            matrix,
            label=labels,
            group=groups if objective == "lambdarank" else None,
            feature_name=FEATURE_COLUMNS,
        )
        params = lightgbm_params(config, objective)
        boosters[objective] = lgb.train(params, dataset, num_boost_round=config.trees)
    models = LightGbmModels(binary=boosters["binary"], ranking=boosters["lambdarank"])
    if not len(valid):
        return models, validation_metrics(valid, np.zeros(0))
    return models, validation_metrics(valid, *models.predict(valid))


# ---------------------------------------------------------------------------- runs and scoring


def training_snapshots(purpose: str, labelled: Iterable[str]) -> list[str]:
    """The labelled snapshots a purpose learns from, newest first: evaluation learns from the
    training snapshots (training, training_2, ...), serving from evaluation and all of those
    but the oldest, so both see as many cutoffs and neither sees its own labels."""
    training = sorted(
        (name for name in labelled if name.startswith("training")),
        key=lambda name: int(name.rpartition("_")[2]) if name != "training" else 1,
    )
    if purpose == "evaluation":
        return training
    if purpose == "serving":
        return ["evaluation", *training[:-1]] if "evaluation" in labelled else []
    raise ValueError(f"Unknown purpose {purpose!r}")


def split_training(frame: pd.DataFrame, config: RankerConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = sample_users(frame, config.max_training_rows, config.seed)
    held_out = validation_users(frame["user_id"], config.validation_share, config.seed)
    is_valid = frame["user_id"].astype(str).isin(held_out)
    return frame[~is_valid], frame[is_valid]


def fingerprint(frame: pd.DataFrame, snapshots: Sequence[str]) -> dict[str, Any]:
    return {
        "snapshots": list(snapshots),
        "rows": len(frame),
        "users": int(frame["user_id"].nunique()),
        "products": int(frame["product_id"].nunique()),
        "positives": int(frame["label"].astype(bool).sum()),
    }


def labelled_split(
    frame: pd.DataFrame, config: RankerConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A purpose's labelled candidates, and their training and validation users' rows."""
    frame = frame[frame["label"].notna()]
    return (frame, *split_training(frame, config))


def train_one(
    learner: str,
    purpose: str,
    split: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    config: RankerConfig,
    run_id: str,
    root: Path,
) -> dict[str, Any]:
    """Fit one learner on a purpose's labelled_split, save it, describe the run."""
    from models_py import ranker_network

    frame, train, valid = split
    folder = root / run_id / purpose / learner
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if learner == "lightgbm":
        models, metrics = train_lightgbm(train, valid, config)
        models.save(folder)
    else:
        trained, metrics = ranker_network.train_wide_deep(train, valid, config)
        ranker_network.save(trained, folder)
    return {
        "run_id": run_id,
        "learner": learner,
        "purpose": purpose,
        "parameters": json.dumps(config.to_dict(), sort_keys=True),
        "data_fingerprint": json.dumps(
            fingerprint(frame, sorted(frame["purpose"].unique())), sort_keys=True
        ),
        "validation_metrics": metrics,
        "training_seconds": time.perf_counter() - started,
        "artifact_path": str(folder.resolve()),
    }


def train_runs(
    frames: Mapping[str, pd.DataFrame],
    config: RankerConfig,
    run_id: str,
    root: Path,
) -> pd.DataFrame:
    """Train, save and describe the learners, one row per (learner, purpose).

    The choosing purpose (evaluation when present) trains both learners and the one with the
    better validation precision@5 serves; the other purposes train the served learner only,
    since the other one is listed for evaluation alone (its serving fit was never used).
    frames: purpose -> the labelled candidates of that purpose's training snapshots (column
    purpose = the snapshot)."""
    chooser = "evaluation" if "evaluation" in frames else next(iter(frames))
    split = labelled_split(frames[chooser], config)
    results = {
        (learner, chooser): train_one(learner, chooser, split, config, run_id, root)
        for learner in LEARNERS
    }
    served = choose_learner(
        {learner: results[(learner, chooser)]["validation_metrics"] for learner in LEARNERS}
    )
    for purpose, frame in frames.items():
        if purpose != chooser:
            split = labelled_split(frame, config)
            results[(served, purpose)] = train_one(served, purpose, split, config, run_id, root)
    rows = []
    for (learner, _purpose), row in results.items():
        rows.append(
            {
                **row,
                "model": model_name(learner, served),
                "is_served": learner == served,
                "validation_metrics": json.dumps(row["validation_metrics"], sort_keys=True),
                "trained_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    columns = [
        "run_id",
        "model",
        "learner",
        "purpose",
        "is_served",
        "parameters",
        "data_fingerprint",
        "validation_metrics",
        "training_seconds",
        "artifact_path",
        "trained_at",
    ]
    return pd.DataFrame(rows)[columns]


def load_predictor(learner: str, artifact_path: str) -> Predictor:
    """The saved learner as frame -> (purchase probability, ranking score)."""
    if learner == "lightgbm":
        return LightGbmModels.load(Path(artifact_path)).predict
    from models_py import ranker_network

    probability_of = ranker_network.predictor(ranker_network.load(Path(artifact_path)))

    def predict(frame: pd.DataFrame) -> Prediction:
        probability = probability_of(frame)
        return probability, probability

    return predict


def scores_for_runs(
    runs: pd.DataFrame,
    fetch: Callable[[str, list[str]], pd.DataFrame],
    users: Mapping[str, Sequence[str]],
    config: RankerConfig,
) -> pd.DataFrame:
    """Every candidate of the evaluation and serving snapshots scored by the saved learners:
    the served one for both purposes, the other for evaluation only (to compare in
    model_metrics). fetch(purpose, user_ids) returns those users' ranking_features rows."""
    frames = []
    for run in runs.itertuples(index=False):
        if run.purpose == "serving" and not run.is_served:
            continue
        predict = load_predictor(run.learner, run.artifact_path)
        scored = score_in_batches(
            lambda batch, purpose=run.purpose: fetch(purpose, batch),
            users.get(run.purpose, []),
            predict,
            config.score_batch_users,
        )
        scored.insert(0, "purpose", run.purpose)
        scored.insert(0, "model", run.model)
        scored["run_id"] = run.run_id
        frames.append(scored)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ ALS at the training cutoff


def als_candidates(
    user_items: pd.DataFrame, config: als.AlsConfig, snapshot: str = "training"
) -> pd.DataFrame:
    """ALS lists (both modes) for a training snapshot, refit on its history only.

    als_recommendations' models saw the label window; this refit, with the same configuration,
    gives the training snapshots ALS features with the same meaning as the evaluation one.
    user_items: user_id, product_id, order_count, last_purchased_day (the snapshot history)."""
    interactions = als_interactions(user_items)
    trained, matrix = als.train(interactions, config, purpose=snapshot)
    rows = als.recommendation_rows(trained, matrix.weights, trained.user_ids, explain=False)
    return rows[["mode", "purpose", "user_id", "rank", "product_id", "score"]]


def als_interactions(user_items: pd.DataFrame) -> pd.DataFrame:
    """user_item_interactions' weight columns from order counts (implicit's BM25 / TF-IDF)."""
    import scipy.sparse as sp
    from implicit.nearest_neighbours import bm25_weight, tfidf_weight

    frame = user_items[["user_id", "product_id", "order_count", "last_purchased_day"]].copy()
    frame["user_id"] = frame["user_id"].astype(str)
    frame["product_id"] = frame["product_id"].astype(str)
    users, user_rows = np.unique(frame["user_id"], return_inverse=True)
    products, product_columns = np.unique(frame["product_id"], return_inverse=True)
    counts = frame["order_count"].to_numpy(dtype=np.float64)
    item_users = sp.coo_matrix(
        (counts, (product_columns, user_rows)), shape=(len(products), len(users))
    ).tocsr()
    frame["weight_count"] = counts
    for column, weight in (
        ("weight_bm25", bm25_weight(item_users)),
        ("weight_tfidf", tfidf_weight(item_users)),
    ):
        weight = weight.tocsr()
        frame[column] = np.asarray(weight[product_columns, user_rows]).ravel()
    return frame


# ------------------------------------------------------------------ DuckDB relations (the edges)


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)


def _feature_rows(relation: Any, condition: str) -> pd.DataFrame:
    columns = ["purpose", *ID_COLUMNS, *dict.fromkeys(FEATURE_COLUMNS), "label"]
    return relation.filter(condition).select(*columns).df()


def als_candidates_from_relation(user_items: Any, config: als.AlsConfig) -> pd.DataFrame:
    """als_candidates per training snapshot of int_ranking_user_items (empty in, empty out)."""
    history = (
        user_items.filter("snapshot like 'training%'")
        .select("snapshot", "user_id", "product_id", "order_count", "last_purchased_day")
        .df()
    )
    frames = [
        als_candidates(rows, config, snapshot) for snapshot, rows in history.groupby("snapshot")
    ]
    if not frames:
        columns = ["mode", "purpose", "user_id", "rank", "product_id", "score"]
        return pd.DataFrame(columns=columns).astype({"rank": "int64", "score": "float64"})
    return pd.concat(frames, ignore_index=True)


def train_from_relation(
    features: Any, config: RankerConfig, root: Path | None = None
) -> pd.DataFrame:
    """train_runs on ranking_features: each purpose learns from its training snapshots."""
    labelled = (
        features.filter("label is not null").select("purpose").distinct().df()["purpose"].tolist()
    )
    frames = {}
    for purpose in SCORED_PURPOSES:
        snapshots = training_snapshots(purpose, labelled)
        if snapshots:
            frames[purpose] = _feature_rows(features, f"purpose in ({_quoted(snapshots)})")
    root = root or als.artifact_root() / "ranker"
    return train_runs(frames, config, new_run_id(), root)


def scores_from_relation(features: Any, runs: pd.DataFrame, config: RankerConfig) -> pd.DataFrame:
    """scores_for_runs with each batch of users fetched from ranking_features."""
    users = {
        purpose: features.filter(f"purpose = '{purpose}'")
        .select("user_id")
        .distinct()
        .df()["user_id"]
        .astype(str)
        .tolist()
        for purpose in SCORED_PURPOSES
    }

    def fetch(purpose: str, user_ids: list[str]) -> pd.DataFrame:
        return _feature_rows(
            features, f"purpose = '{purpose}' and user_id in ({_quoted(user_ids)})"
        ).assign(is_bought=lambda frame: frame["is_bought"].astype(bool))

    return scores_for_runs(runs, fetch, users, config)
