"""ALS (implicit) on the user-item interactions: matrix, fit, recommend, explain, save and load.

The dbt Python models in dbt_project/models/ml/als_*.py and the grid search
(models_py.grid_search) are thin adapters over these functions. Everything between
`build_user_item_matrix` and `recommendation_rows` is pure (arrays and frames in, arrays and
frames out); the file system is touched only by `save_model`, `load_model` and the helpers that
the dbt models call (`train_and_save`, `recommendations_for_runs`, `*_factor_table`).

Conventions:
- The matrix is users x items (implicit >= 0.7 `fit(user_items)`), float32 confidences taken
  from one weight column of user_item_interactions (`AlsConfig.weighting`).
- With `top_products` > 0 (as in the grid-search notebook) only the N products with the most
  orders keep their own column; every other product is folded into one placeholder column
  (weights summed per user). The placeholder shapes the user factors but is never recommended
  and never named in a reason.
- Users the model has not seen get no rows: the SQL cold-start cascade fills their lists.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.linalg
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

Weighting = Literal["count", "bm25", "tfidf"]
Mode = Literal["repeat", "new_items"]
Interactions = pa.Table | pd.DataFrame

WEIGHT_COLUMNS: dict[str, str] = {
    "count": "weight_count",
    "bm25": "weight_bm25",
    "tfidf": "weight_tfidf",
}
MODES: tuple[Mode, ...] = ("repeat", "new_items")
PURPOSES = ("evaluation", "serving")
PLACEHOLDER_PRODUCT_ID = "__other_products__"
INTERACTION_COLUMNS = [
    "user_id",
    "product_id",
    "order_count",
    "last_purchased_day",
    *WEIGHT_COLUMNS.values(),
]
RECOMMENDATION_COLUMNS = [
    "model",
    "mode",
    "purpose",
    "user_id",
    "rank",
    "product_id",
    "score",
    "reason",
    "run_id",
]
# implicit marks filtered slots (fewer candidates than N) with the most negative float32.
FILTERED_SCORE = float(np.finfo(np.float32).min)
# Confidences must be positive: implicit reads <= 0 as "disliked". A bought product keeps at least
# this weight (bm25 / tfidf could reach 0 for a user who bought nearly every product).
MIN_CONFIDENCE = 1e-6
# implicit's own parallelism (one solver per user / item); 0 = every core. BLAS stays at one
# thread during fit (see fit_als): nested BLAS threads make implicit ~10x slower.
NUM_THREADS = 0
RECOMMEND_BATCH_SIZE = 1024
MODEL_FILE = "model.npz"
METADATA_FILE = "model.json"


@dataclass(frozen=True)
class AlsConfig:
    """Hyperparameters of implicit's ALS plus the matrix and ranking options."""

    factors: int = 32
    regularization: float = 0.01
    iterations: int = 15
    alpha: float = 1.0
    weighting: Weighting = "count"
    top_products: int = 5000  # 0 = every product keeps its own column
    top_k: int = 20
    random_state: int = 42

    def __post_init__(self) -> None:
        if self.weighting not in WEIGHT_COLUMNS:
            raise ValueError(
                f"Unknown ALS weighting {self.weighting!r}: use one of {', '.join(WEIGHT_COLUMNS)}."
            )
        if self.factors < 1 or self.iterations < 1 or self.top_k < 1 or self.top_products < 0:
            raise ValueError(f"Invalid ALS configuration: {self}")

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> AlsConfig:
        """Build from the `als` dbt config block (rendered vars arrive as strings)."""
        given = {key: str(value).strip() for key, value in dict(options or {}).items()}
        given = {key: value for key, value in given.items() if value not in ("", "None")}
        defaults = cls()

        def integer(name: str) -> int:
            return int(float(given[name])) if name in given else getattr(defaults, name)

        def real(name: str) -> float:
            return float(given[name]) if name in given else getattr(defaults, name)

        return cls(
            factors=integer("factors"),
            regularization=real("regularization"),
            iterations=integer("iterations"),
            alpha=real("alpha"),
            weighting=given.get("weighting", defaults.weighting).lower(),  # type: ignore[arg-type]
            top_products=integer("top_products"),
            top_k=integer("top_k"),
            random_state=integer("random_state"),
        )

    @property
    def weight_column(self) -> str:
        return WEIGHT_COLUMNS[self.weighting]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UserItemMatrix:
    """Confidences users x items with the labels of both axes."""

    user_ids: np.ndarray  # row labels
    product_ids: np.ndarray  # column labels; PLACEHOLDER_PRODUCT_ID last when products were folded
    weights: sp.csr_matrix  # float32

    @property
    def placeholder_index(self) -> int | None:
        return _placeholder_index(self.product_ids)


@dataclass(frozen=True)
class TrainedAls:
    """A fitted (or reloaded) ALS model with its id mappings and provenance."""

    config: AlsConfig
    model: AlternatingLeastSquares
    user_ids: np.ndarray
    product_ids: np.ndarray
    run_id: str = ""
    purpose: str = ""
    fingerprint: dict[str, Any] = field(default_factory=dict)
    training_seconds: float = 0.0

    @property
    def placeholder_index(self) -> int | None:
        return _placeholder_index(self.product_ids)


def _placeholder_index(product_ids: np.ndarray) -> int | None:
    if len(product_ids) and product_ids[-1] == PLACEHOLDER_PRODUCT_ID:
        return len(product_ids) - 1
    return None


# ---------------------------------------------------------------------------------- the matrix


def interactions_table(interactions: Interactions, columns: Sequence[str]) -> pa.Table:
    """The given columns of an interactions table as Arrow, ids as text."""
    if isinstance(interactions, pd.DataFrame):
        interactions = pa.Table.from_pandas(
            interactions.loc[:, list(columns)], preserve_index=False
        )
    table = interactions.select(list(columns))
    for id_column in ("user_id", "product_id"):
        if id_column in table.column_names and table.schema.field(id_column).type != pa.string():
            position = table.column_names.index(id_column)
            table = table.set_column(position, id_column, pc.cast(table[id_column], pa.string()))
    return table


def sorted_ids(column: pa.ChunkedArray) -> np.ndarray:
    """Distinct ids in lexicographic order (the matrix axes)."""
    return np.sort(pc.unique(column).to_numpy(zero_copy_only=False).astype(str))


def top_product_ids(table: pa.Table, top_products: int) -> np.ndarray:
    """The `top_products` products with the most orders (ties: product_id), sorted by id."""
    totals = table.group_by("product_id").aggregate([("order_count", "sum")])
    ranked = totals.sort_by([("order_count_sum", "descending"), ("product_id", "ascending")])
    return np.sort(ranked["product_id"].to_numpy(zero_copy_only=False)[:top_products].astype(str))


def build_user_item_matrix(interactions: Interactions, config: AlsConfig) -> UserItemMatrix:
    """Users x items confidences from one row per (user, product); folds the long tail if asked."""
    table = interactions_table(interactions, ["user_id", "product_id", "order_count"])
    product_ids = sorted_ids(table["product_id"])
    if 0 < config.top_products < len(product_ids):
        product_ids = np.append(top_product_ids(table, config.top_products), PLACEHOLDER_PRODUCT_ID)
    user_ids = sorted_ids(table["user_id"])
    weights = aligned_user_items(interactions, config, user_ids, product_ids)
    return UserItemMatrix(user_ids=user_ids, product_ids=product_ids, weights=weights)


def _positions(column: pa.ChunkedArray, ids: np.ndarray) -> np.ndarray:
    """Index of each value in ids, -1 where absent."""
    found = pc.index_in(column, value_set=pa.array(ids, type=pa.string()))
    return pc.fill_null(found, -1).to_numpy().astype(np.int64)


def aligned_user_items(
    interactions: Interactions,
    config: AlsConfig,
    user_ids: np.ndarray,
    product_ids: np.ndarray,
) -> sp.csr_matrix:
    """Confidences laid out on given axes (a model's): unknown users are dropped, unknown
    products go to the placeholder column when there is one, else are dropped."""
    table = interactions_table(interactions, ["user_id", "product_id", config.weight_column])
    rows = _positions(table["user_id"], user_ids)
    columns = _positions(table["product_id"], product_ids)
    placeholder = _placeholder_index(product_ids)
    if placeholder is not None:
        columns[columns < 0] = placeholder
    weights = table[config.weight_column].to_numpy().astype(np.float64)
    weights = np.maximum(np.nan_to_num(weights, nan=MIN_CONFIDENCE), MIN_CONFIDENCE)
    keep = (rows >= 0) & (columns >= 0)
    # Duplicate (row, column) pairs -- the folded products -- are summed by the conversion.
    matrix = sp.coo_matrix(
        (weights[keep], (rows[keep], columns[keep])), shape=(len(user_ids), len(product_ids))
    ).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix.astype(np.float32)


def data_fingerprint(interactions: Interactions, weighting: Weighting) -> dict[str, Any]:
    """What the model was trained on, to tell a stale artifact from the current data."""
    weight_column = WEIGHT_COLUMNS[weighting]
    table = interactions_table(
        interactions, ["user_id", "product_id", "last_purchased_day", weight_column]
    )
    days = pc.min_max(table["last_purchased_day"]).as_py()
    weight_sum = pc.sum(pc.cast(table[weight_column], pa.float64())).as_py() or 0.0
    return {
        "rows": table.num_rows,
        "users": pc.count_distinct(table["user_id"]).as_py(),
        "products": pc.count_distinct(table["product_id"]).as_py(),
        "weight_column": weight_column,
        "weight_sum": round(weight_sum, 6),
        "min_last_purchased_day": days["min"],
        "max_last_purchased_day": days["max"],
    }


def same_data(fingerprint: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Fingerprints match (the weight sum up to float summation order)."""
    keys = set(fingerprint) | set(other)
    return all(
        math.isclose(fingerprint.get(key), other.get(key), rel_tol=1e-9)
        if key == "weight_sum" and fingerprint.get(key) is not None
        else fingerprint.get(key) == other.get(key)
        for key in keys
    )


# ------------------------------------------------------------------------------- fit, predict


def fit_als(user_items: sp.csr_matrix, config: AlsConfig) -> tuple[AlternatingLeastSquares, float]:
    """Fit implicit's CPU ALS on users x items confidences; returns the model and fit seconds."""
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=config.factors,
            regularization=config.regularization,
            alpha=config.alpha,
            iterations=config.iterations,
            random_state=config.random_state,
            num_threads=NUM_THREADS,
        )
        started = time.perf_counter()
        model.fit(user_items, show_progress=False)
        seconds = time.perf_counter() - started
    return model, seconds


def train(
    interactions: Interactions,
    config: AlsConfig,
    *,
    run_id: str = "",
    purpose: str = "",
) -> tuple[TrainedAls, UserItemMatrix]:
    """Build the matrix and fit; returns the trained model and the matrix it saw."""
    interactions = interactions_table(interactions, INTERACTION_COLUMNS)  # convert once
    matrix = build_user_item_matrix(interactions, config)
    model, seconds = fit_als(matrix.weights, config)
    trained = TrainedAls(
        config=config,
        model=model,
        user_ids=matrix.user_ids,
        product_ids=matrix.product_ids,
        run_id=run_id,
        purpose=purpose,
        fingerprint=data_fingerprint(interactions, config.weighting),
        training_seconds=seconds,
    )
    return trained, matrix


def top_items(
    trained: TrainedAls,
    user_items: sp.csr_matrix,
    user_rows: np.ndarray,
    mode: Mode,
    batch_size: int = RECOMMEND_BATCH_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """implicit's top_k (item index, score) per user row, in batches; the placeholder never
    appears. Slots without a candidate keep FILTERED_SCORE (dropped by `recommendation_rows`)."""
    n_items = len(trained.product_ids)
    top_n = min(trained.config.top_k, n_items)
    placeholder = trained.placeholder_index
    filter_items = None if placeholder is None else np.array([placeholder], dtype=np.int32)
    ids = np.zeros((len(user_rows), top_n), dtype=np.int64)
    scores = np.full((len(user_rows), top_n), FILTERED_SCORE, dtype=np.float32)
    for start in range(0, len(user_rows), batch_size):
        rows = user_rows[start : start + batch_size]
        batch_ids, batch_scores = trained.model.recommend(
            rows,
            user_items[rows],
            N=top_n,
            filter_already_liked_items=mode == "new_items",
            filter_items=filter_items,
        )
        ids[start : start + len(rows)] = batch_ids
        scores[start : start + len(rows)] = batch_scores
    return ids, scores


def top_contributions(
    trained: TrainedAls,
    user_items: sp.csr_matrix,
    user_rows: np.ndarray,
    item_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """implicit's `explain` top contribution, vectorised per user.

    For user u with bought items j (confidence c_j = alpha * weight) and the ALS user matrix
    A_u = Y'Y + reg I + sum_j (c_j - 1) y_j y_j', the score of item i decomposes as
    sum_j c_j (y_i' A_u^-1 y_j). One Cholesky factor per user, then one matrix product gives
    every (bought item x recommended item) contribution.

    Returns, shaped like item_ids (users x candidates): the bought item contributing most
    (-1 when the user bought only folded products), its contribution, and the total score.
    The placeholder counts in the total but is never the one named.
    """
    model = trained.model
    factors = model.item_factors
    base = model.YtY + trained.config.regularization * np.eye(trained.config.factors)
    placeholder = trained.placeholder_index
    best_items = np.full(item_ids.shape, -1, dtype=np.int64)
    best_scores = np.zeros(item_ids.shape, dtype=np.float64)
    totals = np.zeros(item_ids.shape, dtype=np.float64)
    for position, row in enumerate(user_rows):
        start, end = user_items.indptr[row], user_items.indptr[row + 1]
        liked = user_items.indices[start:end]
        confidence = trained.config.alpha * user_items.data[start:end].astype(np.float64)
        if len(liked) == 0:
            continue
        liked_factors = factors[liked].astype(np.float64)
        matrix = base + (liked_factors * (confidence - 1.0)[:, None]).T @ liked_factors
        weighted = scipy.linalg.cho_solve(
            scipy.linalg.cho_factor(matrix, check_finite=False),
            factors[item_ids[position]].T.astype(np.float64),
            check_finite=False,
        )
        contributions = (liked_factors @ weighted) * confidence[:, None]  # bought x candidates
        totals[position] = contributions.sum(axis=0)
        if placeholder is not None:
            contributions[liked == placeholder] = -np.inf
        best = contributions.argmax(axis=0)
        nameable = np.isfinite(contributions[best, np.arange(contributions.shape[1])])
        best_items[position] = np.where(nameable, liked[best], -1)
        best_scores[position] = np.where(
            nameable, contributions[best, np.arange(contributions.shape[1])], 0.0
        )
    return best_items, best_scores, totals


def reason_texts(
    names: Sequence[str | None], contribution: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """'because you bought <name> (<its share of the score>%)' per row; a row without a nameable
    product (only folded products bought) gets 'because of your other purchases'."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100.0 * np.asarray(contribution, dtype=np.float64) / np.asarray(total)
    has_share = (np.asarray(total) > 0) & np.isfinite(share)
    percent = pd.Series(np.rint(np.where(has_share, share, 0.0)).astype(np.int64)).astype(str)
    suffix = np.where(has_share, " (" + percent + "%)", "")
    named = pd.Series(list(names), dtype=object)
    text = "because you bought " + named.fillna("").astype(str) + suffix
    return np.where(named.isna(), "because of your other purchases", text).astype(object)


def recommendation_rows(
    trained: TrainedAls,
    user_items: sp.csr_matrix,
    user_ids: Sequence[str],
    product_names: Mapping[str, str] | None = None,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Top-k lists in both modes for the given users (those unknown to the model get no rows).

    Columns: RECOMMENDATION_COLUMNS (reason empty when explain is False)."""
    with threadpool_limits(1, "blas"):  # many tiny solves: BLAS threads only contend here
        return _recommendation_rows(trained, user_items, user_ids, product_names, explain)


def _recommendation_rows(
    trained: TrainedAls,
    user_items: sp.csr_matrix,
    user_ids: Sequence[str],
    product_names: Mapping[str, str] | None,
    explain: bool,
) -> pd.DataFrame:
    index = pd.Index(trained.user_ids)
    positions = index.get_indexer(pd.Index(np.asarray(user_ids, dtype=str)).unique())
    user_rows = np.sort(positions[positions >= 0]).astype(np.int64)
    per_mode = {mode: top_items(trained, user_items, user_rows, mode) for mode in MODES}
    if explain:
        candidates = np.hstack([per_mode[mode][0] for mode in MODES])
        best, contribution, total = top_contributions(trained, user_items, user_rows, candidates)
    frames = []
    for mode_number, mode in enumerate(MODES):
        ids, scores = per_mode[mode]
        top_n = ids.shape[1]
        frame = pd.DataFrame(
            {
                "model": "als",
                "mode": mode,
                "purpose": trained.purpose,
                "user_id": np.repeat(trained.user_ids[user_rows], top_n),
                "rank": np.tile(np.arange(1, top_n + 1, dtype=np.int64), len(user_rows)),
                "product_id": trained.product_ids[ids.ravel()],
                "score": scores.ravel().astype(np.float64),
                "reason": "",
                "run_id": trained.run_id,
            }
        )
        if explain:
            columns = slice(mode_number * top_n, (mode_number + 1) * top_n)
            frame["reason"] = _reasons(
                trained.product_ids,
                product_names or {},
                best[:, columns].ravel(),
                contribution[:, columns].ravel(),
                total[:, columns].ravel(),
            )
        frames.append(frame[scores.ravel() > FILTERED_SCORE])
    return pd.concat(frames, ignore_index=True)


def _reasons(
    product_ids: np.ndarray,
    product_names: Mapping[str, str],
    best: np.ndarray,
    contribution: np.ndarray,
    total: np.ndarray,
) -> np.ndarray:
    item_names = np.array(
        [product_names.get(product_id) or product_id for product_id in product_ids] + [None],
        dtype=object,
    )
    return reason_texts(item_names[best], contribution, total)  # best == -1: the None


# ------------------------------------------------------------------------ artifacts and runs


def new_run_id() -> str:
    """'als-<UTC timestamp>-<8 hex>': sortable and unique across concurrent builds."""
    return f"als-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def artifact_root() -> Path:
    """Where trained models are saved: env WAREHOUSE_ARTIFACT_DIR, else warehouse/artifacts."""
    return Path(os.environ.get("WAREHOUSE_ARTIFACT_DIR", "warehouse/artifacts"))


def model_folder(run_id: str, purpose: str, root: Path | None = None) -> Path:
    return (root or artifact_root()) / "als" / run_id / purpose


def save_model(trained: TrainedAls, folder: Path) -> Path:
    """Factors and id mappings (npz, no pickle) plus a json of config and provenance."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / MODEL_FILE,
        user_factors=trained.model.user_factors,
        item_factors=trained.model.item_factors,
        user_ids=trained.user_ids.astype(str),
        product_ids=trained.product_ids.astype(str),
    )
    metadata = {
        "config": trained.config.to_dict(),
        "run_id": trained.run_id,
        "purpose": trained.purpose,
        "fingerprint": trained.fingerprint,
        "training_seconds": trained.training_seconds,
        "placeholder_product_id": PLACEHOLDER_PRODUCT_ID
        if trained.placeholder_index is not None
        else None,
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2))
    return folder


def load_model(folder: Path | str) -> TrainedAls:
    """A model saved by `save_model`, ready to recommend (no retraining)."""
    folder = Path(folder)
    metadata = json.loads((folder / METADATA_FILE).read_text())
    config = AlsConfig(**metadata["config"])
    with np.load(folder / MODEL_FILE, allow_pickle=False) as arrays:
        user_factors = arrays["user_factors"]
        item_factors = arrays["item_factors"]
        user_ids = arrays["user_ids"].astype(str)
        product_ids = arrays["product_ids"].astype(str)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=config.factors,
            regularization=config.regularization,
            alpha=config.alpha,
            iterations=config.iterations,
            random_state=config.random_state,
            num_threads=NUM_THREADS,
        )
    model.user_factors = user_factors
    model.item_factors = item_factors
    return TrainedAls(
        config=config,
        model=model,
        user_ids=user_ids,
        product_ids=product_ids,
        run_id=metadata["run_id"],
        purpose=metadata["purpose"],
        fingerprint=metadata["fingerprint"],
        training_seconds=float(metadata["training_seconds"]),
    )


# ---------------------------------------------------------------- what the dbt models call


def relation_table(relation: Any, columns: Sequence[str]) -> pa.Table:
    """Only the needed columns of a DuckDB relation (e.g. dbt.ref(...)) as Arrow."""
    return relation.select(*columns).to_arrow_table()


def train_and_save(
    interactions_by_purpose: Mapping[str, Interactions],
    config: AlsConfig,
    *,
    run_id: str | None = None,
    root: Path | None = None,
) -> pd.DataFrame:
    """Train one model per purpose, save each; one row per purpose (als_training_runs)."""
    run_id = run_id or new_run_id()
    rows = []
    for purpose, interactions in interactions_by_purpose.items():
        trained, _ = train(interactions, config, run_id=run_id, purpose=purpose)
        folder = save_model(trained, model_folder(run_id, purpose, root))
        rows.append(
            {
                "run_id": run_id,
                "model": "als",
                "purpose": purpose,
                "parameters": json.dumps(config.to_dict(), sort_keys=True),
                "data_fingerprint": json.dumps(trained.fingerprint, sort_keys=True),
                "training_seconds": trained.training_seconds,
                "artifact_path": str(folder.resolve()),
                "trained_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    return pd.DataFrame(rows)


def recommendations_for_runs(
    runs: pd.DataFrame,
    interactions_by_purpose: Mapping[str, Interactions],
    users: pd.DataFrame,
    products: pd.DataFrame,
) -> pd.DataFrame:
    """Reload each purpose's model (no retraining) and list its warm users (als_recommendations).

    users: int_recommendation_users (purpose, user_id, is_cold); products: product_id, name."""
    names = dict(
        zip(products["product_id"].astype(str), products["product_name"].astype(str), strict=True)
    )
    frames = []
    for run in runs.itertuples(index=False):
        trained = load_model(run.artifact_path)
        interactions = interactions_by_purpose[run.purpose]
        current = data_fingerprint(interactions, trained.config.weighting)
        if not same_data(trained.fingerprint, current):
            raise ValueError(
                f"The ALS {run.purpose} model at {run.artifact_path} was trained on other data "
                f"({trained.fingerprint}) than the current interactions ({current}): rebuild "
                "als_training_runs."
            )
        user_items = aligned_user_items(
            interactions, trained.config, trained.user_ids, trained.product_ids
        )
        warm = users[(users["purpose"] == run.purpose) & ~users["is_cold"].astype(bool)]
        frames.append(recommendation_rows(trained, user_items, warm["user_id"], names))
    if not frames:
        return pd.DataFrame(columns=RECOMMENDATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _serving_model(runs: pd.DataFrame) -> TrainedAls:
    serving = runs[runs["purpose"] == "serving"]
    if len(serving) != 1:
        raise ValueError(f"Expected one serving ALS run, found {len(serving)}.")
    return load_model(serving["artifact_path"].iloc[0])


def _factor_array(factors: np.ndarray) -> pa.FixedSizeListArray:
    values = pa.array(np.ascontiguousarray(factors, dtype=np.float32).ravel(), type=pa.float32())
    return pa.FixedSizeListArray.from_arrays(values, factors.shape[1])


def user_factor_table(runs: pd.DataFrame) -> pa.Table:
    """The serving model's user factors: run_id, user_id, factors FLOAT[factors]."""
    trained = _serving_model(runs)
    return pa.table(
        {
            "run_id": pa.array([trained.run_id] * len(trained.user_ids), type=pa.string()),
            "user_id": pa.array(trained.user_ids, type=pa.string()),
            "factors": _factor_array(trained.model.user_factors),
        }
    )


def item_factor_table(runs: pd.DataFrame) -> pa.Table:
    """The serving model's item factors without the placeholder: run_id, product_id, factors."""
    trained = _serving_model(runs)
    keep = np.arange(len(trained.product_ids)) != (
        -1 if trained.placeholder_index is None else trained.placeholder_index
    )
    return pa.table(
        {
            "run_id": pa.array([trained.run_id] * int(keep.sum()), type=pa.string()),
            "product_id": pa.array(trained.product_ids[keep], type=pa.string()),
            "factors": _factor_array(trained.model.item_factors[keep]),
        }
    )
