"""What the TensorFlow Recommenders models share: the TensorFlow import, seeding, progress
logging, run ids, top-k with exclusions, top-k accuracy and embedding tables."""

from __future__ import annotations

import os

# tensorflow-recommenders 0.7 needs Keras 2 (tf-keras); the switch is read at TensorFlow import.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import tensorflow as tf
import tensorflow_recommenders as tfrs

ACCURACY_KS = (1, 5, 10, 50, 100)
QUERY_BATCH_SIZE = 512
# Filler for ragged exclusion lists; never a product id (ids are non-empty strings).
NO_PRODUCT = ""


def seed_everything(seed: int) -> None:
    """Python, NumPy and TensorFlow seeds plus deterministic kernels: same seed, same model."""
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def new_run_id(prefix: str) -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def artifact_root() -> Path:
    """Where trained models are saved: env WAREHOUSE_ARTIFACT_DIR, else warehouse/artifacts."""
    return Path(os.environ.get("WAREHOUSE_ARTIFACT_DIR", "warehouse/artifacts"))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def log(message: str) -> None:
    """Progress lines for the dbt console (dbt shows a Python model's stdout as it runs)."""
    print(f"[models_py {datetime.now():%H:%M:%S}] {message}", file=sys.stdout, flush=True)


class EpochProgress(tf.keras.callbacks.Callback):
    """One log line per epoch (epoch, loss, elapsed) instead of minutes of silence."""

    def __init__(self, label: str, epochs: int) -> None:
        super().__init__()
        self.label = label
        self.epochs = epochs
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss", float("nan"))
        elapsed = time.perf_counter() - self.started
        log(f"{self.label}: epoch {epoch + 1}/{self.epochs} loss {loss:.4f} ({elapsed:.0f} s)")


def batches(count: int, size: int = QUERY_BATCH_SIZE) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def sample_examples(examples: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """A seeded sample of `limit` rows in their original order (limit 0: all rows)."""
    if limit <= 0 or len(examples) <= limit:
        return examples
    chosen = np.sort(np.random.default_rng(seed).choice(len(examples), limit, replace=False))
    return examples.iloc[chosen].reset_index(drop=True)


def padded_exclusions(histories: Sequence[Sequence[str]]) -> np.ndarray:
    """Ragged lists of product ids as one rectangular array padded with NO_PRODUCT."""
    width = max((len(history) for history in histories), default=0)
    padded = np.full((len(histories), max(width, 1)), NO_PRODUCT, dtype=object)
    for row, history in enumerate(histories):
        padded[row, : len(history)] = list(history)
    return padded


def top_k(
    query_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
    candidate_ids: np.ndarray,
    k: int,
    exclusions: Sequence[Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k candidates per query by dot product: TFRS's BruteForce index, queried in batches.

    With exclusions (one list of product ids per query), excluded candidates get score -inf
    before the top k are taken: the result of BruteForce.query_with_exclusions (a test checks
    they agree), which instead compares every retrieved id with every excluded id, quadratic
    in history length (minutes for Complete Journey's heaviest buyers). Returns (scores, ids)
    of shape (queries, k'); k' = min(k, candidates). Empty slots have score -inf and id ''."""
    k = min(k, len(candidate_ids))
    if exclusions is not None:
        return masked_top_k(query_vectors, candidate_vectors, candidate_ids, k, exclusions)
    index = tfrs.layers.factorized_top_k.BruteForce(k=k)
    index.index(
        tf.constant(candidate_vectors, dtype=tf.float32),
        tf.constant(np.asarray(candidate_ids, dtype=str)),
    )
    scores, ids = [], []
    for part in batches(len(query_vectors)):
        batch_scores, batch_ids = index(tf.constant(query_vectors[part], dtype=tf.float32), k=k)
        scores.append(batch_scores.numpy())
        ids.append(batch_ids.numpy().astype(str))
    if not scores:
        return np.zeros((0, k), dtype=np.float32), np.zeros((0, k), dtype=str)
    return np.concatenate(scores), np.concatenate(ids)


def masked_top_k(
    query_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
    candidate_ids: np.ndarray,
    k: int,
    exclusions: Sequence[Sequence[str]],
) -> tuple[np.ndarray, np.ndarray]:
    """Top k by dot product with each query's excluded candidates masked out (ties: the
    earlier candidate first, as tf.math.top_k)."""
    ids = np.asarray(candidate_ids, dtype=str)
    position = pd.Series(np.arange(len(ids)), index=ids)
    k = min(k, len(ids))
    all_scores = np.full((len(query_vectors), k), -np.inf, dtype=np.float32)
    all_ids = np.full((len(query_vectors), k), NO_PRODUCT, dtype=object)
    candidates = np.asarray(candidate_vectors, dtype=np.float32)
    # Every (query, excluded candidate) cell at once, rows ascending; unknown ids are dropped.
    lengths = np.fromiter((len(excluded) for excluded in exclusions), dtype=np.int64)
    flat = [str(product) for excluded in exclusions for product in excluded]
    columns = position.reindex(flat).to_numpy()
    rows = np.repeat(np.arange(len(exclusions)), lengths)
    known = ~np.isnan(columns)
    rows, columns = rows[known], columns[known].astype(np.int64)
    for part in batches(len(query_vectors)):
        scores = np.asarray(query_vectors[part], dtype=np.float32) @ candidates.T
        first, last = np.searchsorted(rows, [part.start, part.stop])
        scores[rows[first:last] - part.start, columns[first:last]] = -np.inf
        best = (
            np.argpartition(-scores, k - 1, axis=1)[:, :k]
            if k < len(ids)
            else (np.tile(np.arange(len(ids)), (len(scores), 1)))
        )
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.lexsort((best, -best_scores), axis=1)
        best = np.take_along_axis(best, order, axis=1)
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        all_scores[part] = best_scores
        all_ids[part] = np.where(np.isfinite(best_scores), ids[best], NO_PRODUCT)
    return all_scores, all_ids.astype(str)


def top_k_accuracy(
    retrieved: pd.DataFrame, holdout: pd.DataFrame, ks: Sequence[int] = ACCURACY_KS
) -> pd.DataFrame:
    """The notebooks' top-k categorical accuracy: the share of holdout (query, product) pairs
    whose product is among the query's first k retrieved products.

    retrieved: query_id, rank (1-based), product_id; holdout: query_id, product_id (one row per
    pair). A query with no retrieved list counts as a miss. Returns k, accuracy, pairs, hits."""
    pairs = holdout[["query_id", "product_id"]].astype(str)
    ranks = pairs.merge(
        retrieved[["query_id", "product_id", "rank"]].astype({"query_id": str, "product_id": str}),
        on=["query_id", "product_id"],
        how="left",
    )["rank"]
    rows = []
    for k in ks:
        hits = int((ranks <= k).sum())
        rows.append(
            {
                "k": k,
                "accuracy": hits / len(pairs) if len(pairs) else 0.0,
                "pairs": len(pairs),
                "hits": hits,
            }
        )
    return pd.DataFrame(rows)


def long_lists(query_ids: np.ndarray, ids: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """(queries, k) arrays as rows query_id, rank, product_id, score; empty slots dropped."""
    k = ids.shape[1] if ids.ndim == 2 else 0
    frame = pd.DataFrame(
        {
            "query_id": np.repeat(np.asarray(query_ids, dtype=str), k),
            "rank": np.tile(np.arange(1, k + 1), len(query_ids)),
            "product_id": ids.reshape(-1),
            "score": scores.reshape(-1).astype(float),
        }
    )
    return frame[np.isfinite(frame["score"]) & (frame["product_id"] != NO_PRODUCT)]


def vector_array(vectors: np.ndarray) -> pa.FixedSizeListArray:
    """Rows of a matrix as a FLOAT[n] column (DuckDB's array_* functions work on it)."""
    values = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel(), type=pa.float32())
    return pa.FixedSizeListArray.from_arrays(values, vectors.shape[1])


def embedding_table(run_id: str, key: str, ids: np.ndarray, vectors: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "run_id": pa.array([run_id] * len(ids), type=pa.string()),
            key: pa.array(np.asarray(ids, dtype=str), type=pa.string()),
            "embedding": vector_array(vectors),
        }
    )
