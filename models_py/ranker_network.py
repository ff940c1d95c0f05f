"""The purchase-model notebook's wide & deep network, as the ranker's first learner.

Deep part: an MLP over user, product and category embeddings (StringLookup -> Embedding, out of
vocabulary = index 0) and the standardized numeric features; wide part: a linear layer over the
numeric features. Output: sigmoid(wide + deep), trained with the notebook's 'balanced' class
weights; probabilities are prior-corrected afterwards (models_py.ranker.prior_corrected), so
expected revenue (probability x price) is not inflated by the weighting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models_py.ranker import (
    RankerConfig,
    Standardizer,
    balanced_class_weights,
    feature_matrix,
    prior_corrected,
    validation_metrics,
)
from models_py.tfrs_common import log, seed_everything, tf

ID_INPUTS = ("user_id", "product_id", "category")
PREDICT_BATCH_SIZE = 16384


@dataclass(frozen=True)
class TrainedWideDeep:
    config: RankerConfig
    model: tf.keras.Model
    standardizer: Standardizer
    class_weights: dict[int, float]
    vocabularies: dict[str, list[str]]


def vocabulary(values: pd.Series) -> list[str]:
    return sorted(set(values.fillna("").astype(str)))


def build_network(
    vocabularies: dict[str, list[str]], numeric_width: int, config: RankerConfig
) -> tf.keras.Model:
    numeric = tf.keras.Input(shape=(numeric_width,), name="numeric", dtype=tf.float32)
    id_inputs, embeddings = [], []
    for name in ID_INPUTS:
        ids = tf.keras.Input(shape=(1,), name=name, dtype=tf.string)
        lookup = tf.keras.layers.StringLookup(vocabulary=vocabularies[name], num_oov_indices=1)
        embedding = tf.keras.layers.Embedding(len(vocabularies[name]) + 1, config.embedding_dim)
        id_inputs.append(ids)
        embeddings.append(tf.keras.layers.Flatten()(embedding(lookup(ids))))
    deep = tf.keras.layers.Concatenate()([*embeddings, numeric])
    width = config.embedding_dim * 4
    for _ in range(config.deep_layers):
        deep = tf.keras.layers.Dense(width, activation="relu")(deep)
        deep = tf.keras.layers.Dropout(config.dropout)(deep)
        width = max(width // 2, config.embedding_dim)
    deep_logit = tf.keras.layers.Dense(1)(deep)
    wide_logit = tf.keras.layers.Dense(1)(numeric)
    logit = tf.keras.layers.Add()([wide_logit, deep_logit])
    output = tf.keras.layers.Activation("sigmoid", name="probability")(logit)
    return tf.keras.Model(inputs=[*id_inputs, numeric], outputs=output)


def network_inputs(frame: pd.DataFrame, standardizer: Standardizer) -> dict[str, np.ndarray]:
    inputs = {
        name: frame[name].fillna("").astype(str).to_numpy(dtype=object).reshape(-1, 1)
        for name in ID_INPUTS
    }
    inputs["numeric"] = standardizer.transform(feature_matrix(frame))
    return inputs


def train_wide_deep(
    train: pd.DataFrame, valid: pd.DataFrame, config: RankerConfig
) -> tuple[TrainedWideDeep, dict[str, float]]:
    seed_everything(config.seed)
    labels = train["label"].astype(int).to_numpy()
    weights = balanced_class_weights(labels)
    standardizer = Standardizer.fit(feature_matrix(train))
    vocabularies = {name: vocabulary(train[name]) for name in ID_INPUTS}
    model = build_network(vocabularies, len(standardizer.mean), config)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss="binary_crossentropy",
        metrics=[tf.keras.metrics.AUC(name="auc")],
    )
    started = time.perf_counter()
    model.fit(
        network_inputs(train, standardizer),
        labels,
        batch_size=config.batch_size,
        epochs=config.epochs,
        class_weight=weights,
        shuffle=True,
        verbose=0,
    )
    log(f"ranker wide & deep: {len(train):,} rows, {time.perf_counter() - started:.0f} s")
    trained = TrainedWideDeep(config, model, standardizer, weights, vocabularies)
    probability = predictor(trained)(valid) if len(valid) else np.zeros(0)
    return trained, validation_metrics(valid, probability)


def predictor(trained: TrainedWideDeep) -> Callable[[pd.DataFrame], np.ndarray]:
    def predict(frame: pd.DataFrame) -> np.ndarray:
        raw = trained.model.predict(
            network_inputs(frame, trained.standardizer), batch_size=PREDICT_BATCH_SIZE, verbose=0
        ).reshape(-1)
        return prior_corrected(raw, trained.class_weights)

    return predict


def save(trained: TrainedWideDeep, folder: Path) -> Path:
    trained.model.save_weights(str(folder / "weights.h5"))
    metadata = {
        "config": trained.config.to_dict(),
        "standardizer": trained.standardizer.to_dict(),
        "class_weights": {str(key): value for key, value in trained.class_weights.items()},
        "vocabularies": trained.vocabularies,
    }
    (folder / "network.json").write_text(json.dumps(metadata))
    return folder


def load(folder: Path) -> TrainedWideDeep:
    metadata = json.loads((folder / "network.json").read_text())
    config = RankerConfig(**metadata["config"])
    standardizer = Standardizer.from_dict(metadata["standardizer"])
    vocabularies: dict[str, list[str]] = metadata["vocabularies"]
    model = build_network(vocabularies, len(standardizer.mean), config)
    model.load_weights(str(folder / "weights.h5"))
    weights = {int(key): float(value) for key, value in metadata["class_weights"].items()}
    return TrainedWideDeep(config, model, standardizer, weights, vocabularies)
