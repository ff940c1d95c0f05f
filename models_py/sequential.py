"""Sequential next-item retrieval (the Instacart GRU notebook) with TensorFlow Recommenders.

Context = the products already in the basket in add-to-cart order, target = the next product
(marts.basket_next_item_examples). Where the data has no in-basket order (Complete Journey) that
table's context is the user's most recent products across earlier baskets (context_scope =
'user_history'). Context tower: StringLookup -> Embedding (masked) -> GRU; target tower:
StringLookup -> Embedding; `tfrs.tasks.Retrieval` with in-batch negatives.

The GRU is small enough to run in SQL: `sequence_item_embeddings` stores each product's input
and target embeddings and `sequence_gru_weights` the GRU's kernels, and the dbt macro
`recommend_next_items` replays the recurrence with DuckDB list functions (see README).
`python -m models_py.sequential "name" "name" ...` prints the same top 10 from the saved model.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models_py.tfrs_common import (
    NO_PRODUCT,
    EpochProgress,
    log,
    seed_everything,
    tf,
    tfrs,
    top_k,
)

CONFIG_FILE = "sequence.json"
WEIGHTS_FILE = "weights"
GATES = ("z", "r", "h")  # Keras GRU kernel column blocks: update, reset, candidate


@dataclass(frozen=True)
class SequenceConfig:
    """Sizes and training budget of the GRU next-item model."""

    embedding_dim: int = 32
    epochs: int = 2
    batch_size: int = 1024
    learning_rate: float = 0.01
    optimizer: str = "adam"  # adam | adagrad (the notebook's, learning rate 0.1)
    logq_correction: bool = True
    remove_accidental_hits: bool = True
    max_context: int = 10
    max_examples: int = 0  # 0 = every training example; else the most recent N
    seed: int = 42

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "adagrad"):
            raise ValueError(f"Unknown optimizer {self.optimizer!r}: use adam or adagrad.")
        if min(self.embedding_dim, self.epochs, self.batch_size, self.max_context) < 1:
            raise ValueError(f"Invalid sequence configuration: {self}")


@dataclass(frozen=True)
class TrainedSequence:
    config: SequenceConfig
    product_ids: np.ndarray  # vocabulary = candidates
    model: Any
    losses: list[float] = field(default_factory=list)
    training_seconds: float = 0.0


# ------------------------------------------------------------------------------ data


def context_matrix(contexts: Sequence[Sequence[str]], max_context: int) -> np.ndarray:
    """Contexts as rows of product ids, oldest first, the last max_context kept, padded at the
    end with NO_PRODUCT (the lookup's mask token) so the GRU's final state follows the last item."""
    matrix = np.full((len(contexts), max_context), NO_PRODUCT, dtype=object)
    for row, context in enumerate(contexts):
        items = [str(item) for item in list(context)[-max_context:]]
        matrix[row, : len(items)] = items
    return matrix.astype(str)


def vocabulary(values: pd.Series) -> list[str]:
    counts = values.astype(str).value_counts()
    return [value for value, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


# ------------------------------------------------------------------------------ model


class NextItemModel(tfrs.Model):
    def __init__(self, product_ids: Sequence[str], config: SequenceConfig) -> None:
        super().__init__()
        vocab = list(product_ids)
        size = len(vocab) + 2  # mask (0) and out-of-vocabulary (1)
        self.context_lookup = tf.keras.layers.StringLookup(vocabulary=vocab, mask_token=NO_PRODUCT)
        self.context_embedding = tf.keras.layers.Embedding(
            size, config.embedding_dim, mask_zero=True
        )
        self.gru = tf.keras.layers.GRU(config.embedding_dim)
        self.target_lookup = tf.keras.layers.StringLookup(vocabulary=vocab, mask_token=NO_PRODUCT)
        self.target_embedding = tf.keras.layers.Embedding(size, config.embedding_dim)
        self.logq_correction = config.logq_correction
        self.task = tfrs.tasks.Retrieval(remove_accidental_hits=config.remove_accidental_hits)

    def context_vectors(self, contexts: tf.Tensor) -> tf.Tensor:
        return self.gru(self.context_embedding(self.context_lookup(contexts)))

    def target_vectors(self, targets: tf.Tensor) -> tf.Tensor:
        return self.target_embedding(self.target_lookup(targets))

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        return self.task(
            self.context_vectors(features["context"]),
            self.target_vectors(features["target"]),
            candidate_sampling_probability=(
                features["sampling_probability"] if self.logq_correction else None
            ),
            candidate_ids=features["target_index"],
            compute_metrics=False,
            compute_batch_metrics=False,
        )


def build_model(product_ids: Sequence[str], config: SequenceConfig) -> NextItemModel:
    model = NextItemModel(product_ids, config)
    optimizer = (
        tf.keras.optimizers.Adagrad(config.learning_rate)
        if config.optimizer == "adagrad"
        else tf.keras.optimizers.Adam(config.learning_rate)
    )
    model.compile(optimizer=optimizer)
    # Build every layer once so weights exist before loading or exporting them.
    model.context_vectors(tf.constant([[product_ids[0]]]))
    model.target_vectors(tf.constant([product_ids[0]]))
    return model


def training_inputs(examples: pd.DataFrame, config: SequenceConfig) -> dict[str, np.ndarray]:
    targets = examples["target_product_id"].astype(str)
    frequency = targets.map(targets.value_counts(normalize=True))
    return {
        "context": context_matrix(examples["context_product_ids"].tolist(), config.max_context),
        "target": targets.to_numpy(dtype=str),
        "target_index": targets.astype("category").cat.codes.to_numpy(np.int64),
        "sampling_probability": frequency.to_numpy(dtype=np.float32),
    }


def train_sequence(examples: pd.DataFrame, config: SequenceConfig) -> TrainedSequence:
    """Fit on training examples (order_id, target_position, context_product_ids, target)."""
    from models_py.retrieval import batched_dataset  # shared batching

    seed_everything(config.seed)
    started = time.perf_counter()
    examples = examples.sort_values(["order_id", "target_position"], kind="stable")
    if config.max_examples and len(examples) > config.max_examples:
        examples = examples.tail(config.max_examples)
    product_ids = vocabulary(
        pd.concat(
            [examples["target_product_id"].astype(str), examples["context_product_ids"].explode()]
        ).dropna()
    )
    model = build_model(product_ids, config)
    dataset = batched_dataset(training_inputs(examples, config), config.batch_size, config.seed)
    log(f"sequential_gru: training on {len(examples):,} examples, {len(product_ids):,} products")
    history = model.fit(
        dataset,
        epochs=config.epochs,
        verbose=0,
        callbacks=[EpochProgress("sequential_gru", config.epochs)],
    )
    return TrainedSequence(
        config,
        np.asarray(product_ids),
        model,
        losses=[float(loss) for loss in history.history.get("loss", [])],
        training_seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------- serving


def candidate_vectors(trained: TrainedSequence) -> np.ndarray:
    return trained.model.target_vectors(tf.constant(trained.product_ids)).numpy()


def encode_contexts(trained: TrainedSequence, contexts: Sequence[Sequence[str]]) -> np.ndarray:
    matrix = context_matrix(contexts, trained.config.max_context)
    parts = [
        trained.model.context_vectors(tf.constant(matrix[start : start + 4096])).numpy()
        for start in range(0, len(matrix), 4096)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, trained.config.embedding_dim))


def next_items(
    trained: TrainedSequence, contexts: Sequence[Sequence[str]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, product ids) for each context."""
    return top_k(
        encode_contexts(trained, contexts), candidate_vectors(trained), trained.product_ids, k
    )


def popularity_lists(
    training_targets: pd.Series, count: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: the k most frequent training targets, the same list for every context."""
    ranked = vocabulary(training_targets)[:k]
    scores = np.tile(np.arange(len(ranked), 0, -1, dtype=np.float32), (count, 1))
    return scores, np.tile(np.asarray(ranked, dtype=str), (count, 1))


def cooccurrence_lists(
    pairs: pd.DataFrame, contexts: Sequence[Sequence[str]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: products scored by the baskets they share with the context items (summed).

    pairs: product_id, paired_product_id, baskets_together (each pair once, either order)."""
    ids = np.unique(np.concatenate([pairs["product_id"], pairs["paired_product_id"]]).astype(str))
    position = pd.Series(np.arange(len(ids)), index=ids)
    rows = position[pairs["product_id"].astype(str)].to_numpy()
    cols = position[pairs["paired_product_id"].astype(str)].to_numpy()
    weights = pairs["baskets_together"].to_numpy(dtype=np.float32)
    matrix = sp.coo_matrix(
        (
            np.concatenate([weights, weights]),
            (np.concatenate([rows, cols]), np.concatenate([cols, rows])),
        ),
        shape=(len(ids), len(ids)),
    ).tocsr()
    items = pd.Series(list(contexts), dtype=object).explode().dropna().astype(str)
    columns = items.map(position).dropna()
    # A product twice in one context counts twice, as the sum over context items says.
    indicator = sp.csr_matrix(
        (
            np.ones(len(columns), dtype=np.float32),
            (columns.index.to_numpy(), columns.to_numpy(dtype=np.int64)),
        ),
        shape=(len(contexts), len(ids)),
    )
    k = min(k, len(ids))
    all_scores = np.zeros((len(contexts), k), dtype=np.float32)
    all_ids = np.full((len(contexts), k), NO_PRODUCT, dtype=object)
    for start in range(0, len(contexts), 2048):
        scores = (indicator[start : start + 2048] @ matrix).toarray()
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.argsort(-best_scores, axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        best_scores = np.take_along_axis(best_scores, order, axis=1)
        chosen = np.where(best_scores > 0, ids[best], NO_PRODUCT)
        all_scores[start : start + 2048] = np.where(best_scores > 0, best_scores, -np.inf)
        all_ids[start : start + 2048] = chosen
    return all_scores, all_ids.astype(str)


# ------------------------------------------------------------------- SQL-side weights


def gru_weight_rows(trained: TrainedSequence) -> pd.DataFrame:
    """One row per GRU gate and unit: the kernel column, the recurrent column and both biases
    (Keras GRU, reset_after=True), as the SQL macro recommend_next_items reads them."""
    kernel, recurrent, bias = (weight.numpy() for weight in trained.model.gru.weights)
    units = recurrent.shape[0]
    bias = bias.reshape(2, 3 * units)  # rows: input bias, recurrent bias
    rows = []
    for gate_index, gate in enumerate(GATES):
        for unit in range(units):
            column = gate_index * units + unit
            rows.append(
                {
                    "gate": gate,
                    "unit": unit + 1,
                    "input_weights": kernel[:, column].astype(np.float32),
                    "recurrent_weights": recurrent[:, column].astype(np.float32),
                    "input_bias": float(bias[0, column]),
                    "recurrent_bias": float(bias[1, column]),
                }
            )
    return pd.DataFrame(rows)


def item_embedding_rows(trained: TrainedSequence) -> pd.DataFrame:
    """Each candidate's context-side (GRU input) and target-side embedding."""
    ids = tf.constant(trained.product_ids)
    inputs = trained.model.context_embedding(trained.model.context_lookup(ids)).numpy()
    targets = candidate_vectors(trained)
    return pd.DataFrame(
        {
            "product_id": trained.product_ids.astype(str),
            "input_embedding": list(inputs.astype(np.float32)),
            "target_embedding": list(targets.astype(np.float32)),
        }
    )


# ---------------------------------------------------------------------- save and load


def save_sequence(trained: TrainedSequence, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    trained.model.save_weights(str(folder / WEIGHTS_FILE))
    metadata = {
        "config": asdict(trained.config),
        "product_ids": trained.product_ids.astype(str).tolist(),
        "losses": trained.losses,
        "training_seconds": trained.training_seconds,
    }
    (folder / CONFIG_FILE).write_text(json.dumps(metadata))
    return folder


def load_sequence(folder: Path | str) -> TrainedSequence:
    folder = Path(folder)
    metadata = json.loads((folder / CONFIG_FILE).read_text())
    config = SequenceConfig(**metadata["config"])
    product_ids = np.asarray(metadata["product_ids"], dtype=str)
    model = build_model(list(product_ids), config)
    model.load_weights(str(folder / WEIGHTS_FILE)).expect_partial()
    return TrainedSequence(
        config, product_ids, model, metadata["losses"], metadata["training_seconds"]
    )


# ------------------------------------------------------------------------- command


def basket_ids(names: Sequence[str], products: pd.DataFrame) -> list[str]:
    """Product names -> ids; a name several products share means its most ordered product."""
    ranked = products.sort_values(["order_count", "product_id"], ascending=[False, True])
    first = ranked.drop_duplicates("product_name").set_index("product_name")["product_id"]
    missing = [name for name in names if name not in first.index]
    if missing:
        raise SystemExit(f"Unknown product names (see marts.product_features): {missing}")
    return [str(first[name]) for name in names]


def main(argv: Sequence[str] | None = None) -> None:
    import duckdb

    parser = argparse.ArgumentParser(
        description="Top next items for a basket of product names (the GRU next-item model)."
    )
    parser.add_argument("names", nargs="+", help="product names, in add-to-cart order")
    parser.add_argument("--db", default="warehouse/warehouse.duckdb")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args(argv)
    with duckdb.connect(args.db, read_only=True) as connection:
        products = connection.sql(
            "select product_id, product_name, order_count from marts.product_features"
        ).df()
        folder = connection.sql(
            "select artifact_path from ml.sequence_training_runs order by trained_at desc limit 1"
        ).fetchone()[0]
    trained = load_sequence(folder)
    vocabulary_ids = set(trained.product_ids)
    # Products the model never saw are skipped, as the SQL macro recommend_next_items does.
    context = [item for item in basket_ids(args.names, products) if item in vocabulary_ids]
    scores, ids = next_items(trained, [context], args.k)
    names = products.set_index(products["product_id"].astype(str))["product_name"]
    for rank, (product_id, score) in enumerate(zip(ids[0], scores[0], strict=True), start=1):
        print(f"{rank:>2}  {names.get(product_id, product_id)}  ({product_id}, {score:.3f})")


if __name__ == "__main__":
    main()
