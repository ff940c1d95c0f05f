"""Two-tower retrieval with TensorFlow Recommenders (the Babyshop TFRS notebook), three variants:

- `id`: user id tower and product id tower (StringLookup -> Embedding).
- `content`: nothing learned. A product is the one-hot of its department, top categories and
  top brands (top-N vocabularies plus an "other" bucket, as the notebook); a user is the mean of
  the vectors of the products they bought.
- `hybrid`: product tower = id embedding + embeddings of every product attribute the dataset
  has (department, category, sub-category, brand), projected to the shared dimension; user
  tower = id embedding + demographics where they exist.

Training uses `tfrs.tasks.Retrieval` with in-batch negatives. Plain in-batch softmax punishes
popular products (they are everybody's negatives), so two corrections are on by default:
sampling-bias (logQ) correction with each product's share of the training examples, and removal
of accidental hits (the same product twice in a batch). Candidates are the products bought in
the training data; serving is a BruteForce index over the candidate tower.

The functions between `training_examples` and `recommend` are pure; files are touched by
`save_retrieval` / `load_retrieval` and the helpers the dbt models call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from models_py.tfrs_common import (
    EpochProgress,
    log,
    sample_examples,
    seed_everything,
    tf,
    tfrs,
    top_k,
)

Variant = Literal["id", "content", "hybrid"]
VARIANTS: tuple[Variant, ...] = ("id", "content", "hybrid")
PRODUCT_FEATURES = ("department", "category", "sub_category", "brand")
USER_FEATURES = (
    "age_band",
    "income_band",
    "household_size",
    "household_composition",
    "kids_count",
    "home_ownership",
    "marital_status",
)
OPTIMIZERS = ("lazy_adam", "adam", "adagrad")
UNKNOWN = "unknown"
OTHER = "other"
CONFIG_FILE = "retrieval.json"
WEIGHTS_FILE = "weights"
FEATURES_FILE = "features.npz"


@dataclass(frozen=True)
class RetrievalConfig:
    """Tower sizes, training budget and the in-batch softmax corrections."""

    embedding_dim: int = 64
    feature_dim: int = 16
    epochs: int = 4
    batch_size: int = 4096
    learning_rate: float = 0.05
    # lazy_adam: Adam that updates only the embedding rows a batch touches | adam | adagrad
    # (the notebook's)
    optimizer: str = "lazy_adam"
    logq_correction: bool = True
    remove_accidental_hits: bool = True
    # Logits = dot / temperature (0 = 1): with logQ correction the logits must span several
    # nats, which small initial embeddings reach only after many epochs.
    temperature: float = 0.0
    examples: str = "pairs"  # pairs: one example per user-product pair; lines: one per order
    # Learned variants train on a seeded sample of this many examples (0 = all): with lines,
    # a frequency-weighted sample of pairs at the cost of as many pairs. Vocabularies and the
    # content variant use every example.
    max_examples: int = 0
    history_length: int = 50  # hybrid user tower: mean embedding of the N most ordered products
    content_top_categories: int = 50
    content_top_brands: int = 100
    top_k: int = 20
    seed: int = 42

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {self.optimizer!r}: use {', '.join(OPTIMIZERS)}.")
        if self.examples not in ("lines", "pairs"):
            raise ValueError(f"Unknown examples {self.examples!r}: use lines or pairs.")
        sizes = (self.embedding_dim, self.epochs, self.batch_size, self.top_k)
        if min(sizes) < 1 or self.max_examples < 0:
            raise ValueError(f"Invalid retrieval configuration: {self}")


@dataclass(frozen=True)
class FeatureTables:
    """Id-indexed string features: products (candidates) and users (queries)."""

    products: pd.DataFrame  # product_id + product features, one row per product
    users: pd.DataFrame  # user_id + user features, one row per user


@dataclass(frozen=True)
class TrainedRetrieval:
    """Vectors of every known user and every candidate product, plus the towers that made them."""

    variant: Variant
    config: RetrievalConfig
    user_ids: np.ndarray
    user_vectors: np.ndarray
    product_ids: np.ndarray
    product_vectors: np.ndarray
    model: Any = None  # TwoTowerModel; None for content
    vocabularies: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    training_seconds: float = 0.0


# ------------------------------------------------------------------------------ data


def training_examples(interactions: pd.DataFrame, examples: str) -> pd.DataFrame:
    """(user_id, product_id) rows to train on from user-item interactions with order_count,
    in (user_id, product_id) order: the shuffle and the sample follow row order, and a
    warehouse table's row order can change from one build to the next."""
    pairs = (
        interactions[["user_id", "product_id", "order_count"]]
        .astype({"user_id": str, "product_id": str})
        .sort_values(["user_id", "product_id"], kind="stable", ignore_index=True)
    )
    if examples == "pairs":
        return pairs[["user_id", "product_id"]]
    repeats = pairs["order_count"].clip(lower=1).to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {
            "user_id": np.repeat(pairs["user_id"].to_numpy(), repeats),
            "product_id": np.repeat(pairs["product_id"].to_numpy(), repeats),
        }
    )


def informative_columns(frame: pd.DataFrame, candidates: Sequence[str]) -> list[str]:
    """Feature columns the data actually has: present with at least two distinct values."""
    return [
        column
        for column in candidates
        if column in frame.columns and frame[column].dropna().nunique() > 1
    ]


def feature_tables(
    products: pd.DataFrame, users: pd.DataFrame, product_ids: Sequence[str]
) -> FeatureTables:
    """String features of the candidate products and of all users; missing -> 'unknown'."""
    product_columns = informative_columns(products, PRODUCT_FEATURES)
    user_columns = informative_columns(users, USER_FEATURES)
    product_frame = products.assign(product_id=products["product_id"].astype(str))
    product_frame = pd.DataFrame({"product_id": np.asarray(product_ids, dtype=str)}).merge(
        product_frame[["product_id", *product_columns]], on="product_id", how="left"
    )
    user_frame = users.assign(user_id=users["user_id"].astype(str))[["user_id", *user_columns]]
    return FeatureTables(
        products=_as_strings(product_frame),
        users=_as_strings(user_frame.drop_duplicates("user_id")),
    )


def _as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), UNKNOWN).astype(str)


def vocabulary(values: pd.Series, top_n: int | None = None) -> list[str]:
    """Most frequent first (ties by value), as the notebook's value_counts()[:top_n]."""
    counts = values.astype(str).value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [value for value, _ in ordered[:top_n]]


# ---------------------------------------------------------------------------- content


def content_product_vectors(products: pd.DataFrame, config: RetrievalConfig) -> np.ndarray:
    """One-hot of department, top categories and top brands (rare values -> 'other')."""
    limits = {"category": config.content_top_categories, "brand": config.content_top_brands}
    blocks = []
    for column in (name for name in ("department", "category", "brand") if name in products):
        keep = set(vocabulary(products[column], limits.get(column)))
        values = products[column].where(products[column].isin(keep), OTHER)
        blocks.append(pd.get_dummies(values, prefix=column, dtype=np.float32).to_numpy())
    if not blocks:
        return np.ones((len(products), 1), dtype=np.float32)
    return np.concatenate(blocks, axis=1).astype(np.float32)


def content_user_vectors(
    examples: pd.DataFrame, product_ids: np.ndarray, product_vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's mean product vector over their training examples: (user_ids, vectors)."""
    position = pd.Series(np.arange(len(product_ids)), index=product_ids)
    rows = examples[examples["product_id"].isin(position.index)]
    user_ids, user_index = np.unique(rows["user_id"].to_numpy(dtype=str), return_inverse=True)
    # A sparse users x products count matrix times the product vectors: np.add.at over 800k
    # rows took ~8 s on Complete Journey.
    purchases = sp.csr_matrix(
        (
            np.ones(len(rows), dtype=np.float64),
            (user_index, position[rows["product_id"]].to_numpy()),
        ),
        shape=(len(user_ids), len(product_ids)),
    )
    sums = purchases @ product_vectors.astype(np.float64)
    counts = np.bincount(user_index, minlength=len(user_ids))[:, None]
    return user_ids, (sums / np.maximum(counts, 1)).astype(np.float32)


# ----------------------------------------------------------------------------- towers


def lookup_embedding(vocab: Sequence[str], dim: int) -> tf.keras.Sequential:
    """StringLookup -> Embedding; index 0 is the out-of-vocabulary bucket."""
    return tf.keras.Sequential(
        [
            tf.keras.layers.StringLookup(vocabulary=list(vocab), mask_token=None),
            tf.keras.layers.Embedding(len(vocab) + 1, dim),
        ]
    )


class PurchaseHistory(tf.keras.layers.Layer):
    """Mean embedding of a user's most bought products, read through the product tower's id
    embedding (shared weights), so a user sits near what they buy: grocery is mostly repeats.

    The read is behind a stop-gradient: the product embeddings learn from the product tower
    alone. Back-propagating through every user's 20 history rows made the embedding gradient
    20x larger than the batch and was most of the step (Complete Journey, 128 dimensions,
    two epochs: fit 62 s instead of ~100 s; top-100 accuracy 0.2149 against 0.2159)."""

    def __init__(
        self, user_vocab: Sequence[str], history: np.ndarray, embedding: tf.keras.layers.Layer
    ) -> None:
        super().__init__()
        self.user_lookup = tf.keras.layers.StringLookup(
            vocabulary=list(user_vocab), mask_token=None
        )
        # Row per user lookup index (0 = unknown user): product lookup indices, 0 = padding.
        self.history = tf.Variable(history.astype(np.int64), trainable=False, name="history")
        self.embedding = embedding

    def call(self, user_ids: tf.Tensor) -> tf.Tensor:
        rows = tf.gather(self.history, self.user_lookup(user_ids))
        mask = tf.cast(rows > 0, tf.float32)[..., tf.newaxis]
        total = tf.reduce_sum(tf.stop_gradient(self.embedding(rows)) * mask, axis=1)
        return total / tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)


def history_matrix(
    interactions: pd.DataFrame, user_vocab: Sequence[str], product_vocab: Sequence[str], length: int
) -> np.ndarray:
    """(users + 1) x length product lookup indices of each user's most ordered products."""
    user_index = pd.Series(np.arange(1, len(user_vocab) + 1), index=list(user_vocab))
    product_index = pd.Series(np.arange(1, len(product_vocab) + 1), index=list(product_vocab))
    pairs = interactions.assign(
        user_id=interactions["user_id"].astype(str),
        product_id=interactions["product_id"].astype(str),
    )
    pairs = pairs[
        pairs["product_id"].isin(product_index.index) & pairs["user_id"].isin(user_index.index)
    ]
    pairs = pairs.sort_values(
        ["user_id", "order_count", "product_id"], ascending=[True, False, True]
    )
    pairs = pairs.assign(slot=pairs.groupby("user_id").cumcount()).query("slot < @length")
    matrix = np.zeros((len(user_vocab) + 1, length), dtype=np.int64)
    matrix[user_index[pairs["user_id"]].to_numpy(), pairs["slot"].to_numpy()] = product_index[
        pairs["product_id"]
    ].to_numpy()
    return matrix


class Tower(tf.keras.Model):
    """An id embedding, plus one embedding per feature (and the purchase history for users)
    and a linear projection when there are any (hybrid), so both towers end in one dimension."""

    def __init__(
        self,
        id_key: str,
        id_vocab: Sequence[str],
        feature_vocabs: Mapping[str, Sequence[str]],
        config: RetrievalConfig,
        history: PurchaseHistory | None = None,
    ) -> None:
        super().__init__()
        self.id_key = id_key
        self.feature_names = list(feature_vocabs)
        self.id_embedding = lookup_embedding(id_vocab, config.embedding_dim)
        self.feature_embeddings = [
            lookup_embedding(feature_vocabs[name], config.feature_dim)
            for name in self.feature_names
        ]
        self.purchase_history = history
        self.projection = (
            tf.keras.layers.Dense(config.embedding_dim) if self.feature_names else None
        )

    def call(self, inputs: Mapping[str, tf.Tensor]) -> tf.Tensor:
        parts = [self.id_embedding(inputs[self.id_key])]
        parts += [
            embedding(inputs[name])
            for name, embedding in zip(self.feature_names, self.feature_embeddings, strict=True)
        ]
        vector = parts[0] if self.projection is None else self.projection(tf.concat(parts, 1))
        if self.purchase_history is not None:
            # Added, not projected: a user starts out near the products they buy.
            vector += self.purchase_history(inputs[self.id_key])
        return vector


class TwoTowerModel(tfrs.Model):
    """User tower x product tower, trained with tfrs.tasks.Retrieval (in-batch softmax)."""

    def __init__(self, user_tower: Tower, product_tower: Tower, config: RetrievalConfig) -> None:
        super().__init__()
        self.user_tower = user_tower
        self.product_tower = product_tower
        self.logq_correction = config.logq_correction
        self.task = tfrs.tasks.Retrieval(
            remove_accidental_hits=config.remove_accidental_hits,
            temperature=config.temperature or None,
        )

    def compute_loss(self, features: Mapping[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        users = self.user_tower(features)
        products = self.product_tower(features)
        return self.task(
            users,
            products,
            candidate_sampling_probability=(
                features["sampling_probability"] if self.logq_correction else None
            ),
            # Integer ids: comparing 4096 x 4096 strings per batch would dominate the step.
            candidate_ids=features["product_index"],
            compute_metrics=False,
            compute_batch_metrics=False,
        )


def feature_vocabularies(
    variant: Variant, features: FeatureTables
) -> dict[str, dict[str, list[str]]]:
    """Vocabularies of the hybrid towers' features (none for the id variant)."""
    if variant != "hybrid":
        return {"product": {}, "user": {}}
    return {
        "product": {
            name: vocabulary(features.products[name]) for name in features.products.columns[1:]
        },
        "user": {name: vocabulary(features.users[name]) for name in features.users.columns[1:]},
    }


def build_model(
    user_vocab: Sequence[str],
    product_vocab: Sequence[str],
    vocabs: Mapping[str, Mapping[str, Sequence[str]]],
    config: RetrievalConfig,
    history: np.ndarray | None = None,
) -> TwoTowerModel:
    """history: users' product indices (history_matrix) for the hybrid user tower, else None."""
    product_tower = Tower("product_id", product_vocab, vocabs["product"], config)
    purchase_history = (
        None
        if history is None
        else PurchaseHistory(user_vocab, history, product_tower.id_embedding.layers[1])
    )
    user_tower = Tower("user_id", user_vocab, vocabs["user"], config, purchase_history)
    return TwoTowerModel(user_tower, product_tower, config)


class LazyAdam(tf.keras.optimizers.Adam):
    """Adam whose sparse (embedding) updates touch only the rows in the batch, as TF Addons'
    LazyAdam: Keras' Adam decays the moments of every row of every embedding table on every
    step (300,000 Complete Journey lines at batch 1,024: 16.9 s -> 13.6 s of fit, and the
    saving grows as batches shrink). Dense gradients (projections) get plain Adam; no
    amsgrad."""

    def update_step(self, gradient: Any, variable: tf.Variable) -> None:
        if not isinstance(gradient, tf.IndexedSlices):
            super().update_step(gradient, variable)
            return
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        rate = tf.cast(self.learning_rate, dtype)
        alpha = rate * tf.sqrt(1 - tf.pow(beta_2, step)) / (1 - tf.pow(beta_1, step))
        key = self._var_key(variable)
        momentum = self._momentums[self._index_dict[key]]
        velocity = self._velocities[self._index_dict[key]]
        # A row looked up twice in the batch has two gradient slices: sum them first.
        rows, positions = tf.unique(gradient.indices)
        summed = tf.math.unsorted_segment_sum(gradient.values, positions, tf.shape(rows)[0])
        row_momentum = tf.gather(momentum, rows) * beta_1 + (1 - beta_1) * summed
        row_velocity = tf.gather(velocity, rows) * beta_2 + (1 - beta_2) * tf.square(summed)
        momentum.scatter_update(tf.IndexedSlices(row_momentum, rows))
        velocity.scatter_update(tf.IndexedSlices(row_velocity, rows))
        step_size = alpha * row_momentum / (tf.sqrt(row_velocity) + self.epsilon)
        variable.scatter_sub(tf.IndexedSlices(step_size, rows))


def _optimizer(config: RetrievalConfig) -> tf.keras.optimizers.Optimizer:
    if config.optimizer == "adagrad":
        return tf.keras.optimizers.Adagrad(config.learning_rate)
    if config.optimizer == "adam":
        return tf.keras.optimizers.Adam(config.learning_rate)
    return LazyAdam(config.learning_rate)


def example_inputs(examples: pd.DataFrame, features: FeatureTables) -> dict[str, np.ndarray]:
    """Columns the towers read, one row per example (features looked up by id)."""
    product_ids = examples["product_id"].to_numpy(dtype=str)
    inputs = {
        "user_id": examples["user_id"].to_numpy(dtype=str),
        "product_id": product_ids,
        **_features_by_id(features.products, "product_id", product_ids),
        **_features_by_id(features.users, "user_id", examples["user_id"].to_numpy(dtype=str)),
    }
    # Sorted unique ids: the same codes as a pandas categorical of the ids.
    _, product_index, counts = np.unique(product_ids, return_inverse=True, return_counts=True)
    inputs["sampling_probability"] = (counts[product_index] / len(product_ids)).astype(np.float32)
    inputs["product_index"] = product_index.astype(np.int64)
    return inputs


def _features_by_id(table: pd.DataFrame, key: str, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Each feature column of `table` at the rows of `ids` (unknown id -> UNKNOWN).

    A positional lookup instead of a merge: merging 800k examples and converting every column
    took ~6 s per model on Complete Journey."""
    position = pd.Index(table[key].to_numpy(dtype=str)).get_indexer(ids)
    position = np.where(position >= 0, position, len(table))
    return {
        column: np.append(table[column].to_numpy(dtype=str), UNKNOWN)[position]
        for column in table.columns
        if column != key
    }


def batched_dataset(
    inputs: Mapping[str, np.ndarray], batch_size: int, seed: int
) -> tf.data.Dataset:
    """Examples shuffled once (seeded), cut into batches whose order is reshuffled each epoch.

    Slicing whole batches out of constant tensors avoids tf.data's per-example work, which
    costs more than the training step itself on 1M+ examples."""
    count = len(next(iter(inputs.values())))
    order = np.random.default_rng(seed).permutation(count)
    constants = {name: tf.constant(values[order]) for name, values in inputs.items()}
    batch_count = max(1, -(-count // batch_size))

    def batch(index: tf.Tensor) -> dict[str, tf.Tensor]:
        start = index * batch_size
        return {name: values[start : start + batch_size] for name, values in constants.items()}

    return (
        tf.data.Dataset.range(batch_count)
        .shuffle(batch_count, seed=seed, reshuffle_each_iteration=True)
        .map(batch)
        .prefetch(2)
    )


def tower_vectors(tower: Tower, frame: pd.DataFrame, batch_size: int = 8192) -> np.ndarray:
    inputs = {column: frame[column].to_numpy(dtype=str) for column in frame.columns}
    dataset = tf.data.Dataset.from_tensor_slices(inputs).batch(batch_size)
    return (
        np.concatenate([tower(batch).numpy() for batch in dataset])
        if len(frame)
        else (np.zeros((0, 1), dtype=np.float32))
    )


# -------------------------------------------------------------------------- training


def train_retrieval(
    variant: Variant,
    interactions: pd.DataFrame,
    products: pd.DataFrame,
    users: pd.DataFrame,
    config: RetrievalConfig,
    label: str = "",
) -> TrainedRetrieval:
    """Fit one variant on user-item interactions (user_id, product_id, order_count)."""
    seed_everything(config.seed)
    started = time.perf_counter()
    examples = training_examples(interactions, config.examples)
    product_vocab = vocabulary(examples["product_id"])
    user_vocab = vocabulary(examples["user_id"])
    features = feature_tables(products, users, product_vocab)
    label = label or f"tfrs_{variant}"
    if variant == "content":
        product_vectors = content_product_vectors(features.products, config)
        user_ids, user_vectors = content_user_vectors(
            examples, np.asarray(product_vocab), product_vectors
        )
        return TrainedRetrieval(
            variant,
            config,
            user_ids,
            user_vectors,
            np.asarray(product_vocab),
            product_vectors,
            training_seconds=time.perf_counter() - started,
        )
    vocabs = feature_vocabularies(variant, features)
    examples = sample_examples(examples, config.max_examples, config.seed)
    history = (
        history_matrix(interactions, user_vocab, product_vocab, config.history_length)
        if variant == "hybrid" and config.history_length
        else None
    )
    model = build_model(user_vocab, product_vocab, vocabs, config, history)
    model.compile(optimizer=_optimizer(config))
    dataset = batched_dataset(example_inputs(examples, features), config.batch_size, config.seed)
    log(f"{label}: training on {len(examples):,} examples, {len(product_vocab):,} products")
    history = model.fit(
        dataset, epochs=config.epochs, verbose=0, callbacks=[EpochProgress(label, config.epochs)]
    )
    user_frame = _user_frame(user_vocab, features)
    return TrainedRetrieval(
        variant,
        config,
        np.asarray(user_vocab),
        tower_vectors(model.user_tower, user_frame),
        np.asarray(product_vocab),
        tower_vectors(model.product_tower, features.products),
        model=model,
        vocabularies=vocabs,
        losses=[float(loss) for loss in history.history.get("loss", [])],
        training_seconds=time.perf_counter() - started,
    )


def _user_frame(user_ids: Sequence[str], features: FeatureTables) -> pd.DataFrame:
    frame = pd.DataFrame({"user_id": np.asarray(user_ids, dtype=str)})
    return _as_strings(frame.merge(features.users, on="user_id", how="left"))


# ------------------------------------------------------------------------- serving


def query_vectors(trained: TrainedRetrieval, user_ids: Sequence[str]) -> np.ndarray:
    """Vectors of the given users; users the model has not seen get a zero vector (the SQL
    cascade serves them), except that the towers of a reloaded model could embed them."""
    position = pd.Series(np.arange(len(trained.user_ids)), index=trained.user_ids)
    found = position.reindex(np.asarray(user_ids, dtype=str))
    vectors = np.zeros((len(found), trained.user_vectors.shape[1]), dtype=np.float32)
    known = found.notna().to_numpy()
    vectors[known] = trained.user_vectors[found[known].to_numpy(dtype=np.int64)]
    return vectors


def recommend(
    trained: TrainedRetrieval,
    user_ids: Sequence[str],
    k: int,
    histories: Mapping[str, Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, product ids) per user; with histories, bought products are excluded."""
    vectors = query_vectors(trained, user_ids)
    exclusions = (
        None if histories is None else [list(histories.get(str(user), ())) for user in user_ids]
    )
    return top_k(vectors, trained.product_vectors, trained.product_ids, k, exclusions)


# -------------------------------------------------------------------- save and load


def save_retrieval(trained: TrainedRetrieval, folder: Path) -> Path:
    """Config, vectors and (for learned variants) tower weights and the features they read."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / "vectors.npz",
        user_ids=trained.user_ids.astype(str),
        user_vectors=trained.user_vectors,
        product_ids=trained.product_ids.astype(str),
        product_vectors=trained.product_vectors,
    )
    metadata = {
        "variant": trained.variant,
        "config": asdict(trained.config),
        "losses": trained.losses,
        "training_seconds": trained.training_seconds,
    }
    if trained.model is not None:
        trained.model.save_weights(str(folder / WEIGHTS_FILE))
        metadata["feature_vocabularies"] = trained.vocabularies
        metadata["has_history"] = trained.model.user_tower.purchase_history is not None
    (folder / CONFIG_FILE).write_text(json.dumps(metadata, indent=2))
    return folder


def load_retrieval(folder: Path | str, features: FeatureTables | None = None) -> TrainedRetrieval:
    """A saved model, ready to serve. With `features`, learned towers are rebuilt from the saved
    weights and the vectors recomputed by them (proving the weights reload); without, the saved
    vectors are used as they are."""
    folder = Path(folder)
    metadata = json.loads((folder / CONFIG_FILE).read_text())
    config = RetrievalConfig(**metadata["config"])
    with np.load(folder / "vectors.npz", allow_pickle=False) as arrays:
        saved = {name: arrays[name] for name in arrays.files}
    trained = TrainedRetrieval(
        metadata["variant"],
        config,
        saved["user_ids"].astype(str),
        saved["user_vectors"],
        saved["product_ids"].astype(str),
        saved["product_vectors"],
        losses=metadata["losses"],
        training_seconds=metadata["training_seconds"],
    )
    if features is None or trained.variant == "content":
        return trained
    vocabs = metadata["feature_vocabularies"]
    history = (
        np.zeros((len(trained.user_ids) + 1, config.history_length), dtype=np.int64)
        if metadata["has_history"]
        else None
    )  # placeholder of the right shape: load_weights restores the saved rows
    model = build_model(list(trained.user_ids), list(trained.product_ids), vocabs, config, history)
    model.load_weights(str(folder / WEIGHTS_FILE)).expect_partial()
    return TrainedRetrieval(
        trained.variant,
        config,
        trained.user_ids,
        tower_vectors(model.user_tower, _user_frame(trained.user_ids, features)),
        trained.product_ids,
        tower_vectors(
            model.product_tower,
            pd.DataFrame({"product_id": trained.product_ids})
            .merge(features.products, on="product_id", how="left")
            .pipe(_as_strings),
        ),
        model=model,
        vocabularies=vocabs,
        losses=trained.losses,
        training_seconds=trained.training_seconds,
    )
