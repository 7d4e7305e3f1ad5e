"""Record whole-model `.keras` files both ways: Keras 3 saves the guide-sized Sequential
(Dense relu, Dense logits; Adam, sparse cross-entropy from logits, accuracy) and a
functional model (Dense, Concatenate with its input, Dense; SGD, mse) after `fit`, and
loads the files tapeviz's `model.save` writes; each loaded model's weights, what it
predicts, and its weights after one more epoch of the same batches (the optimizer's state
carried on) go to data/saving.json. Not run in CI. With TensorFlow in its own venv, from
the repository root:

    tfvenv/bin/python tests/tf_fidelity/record_saving.py

tapeviz is imported from this checkout (numpy and h5py, which TensorFlow's venv has).
Weights start at fixed values (harness.spread) and fit never shuffles, so no random draw
enters the files; the replay is tests/test_keras_saving.py.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tapeviz  # noqa: E402
from tf_fidelity.saving_models import MODELS, X, trained  # noqa: E402

DATA = HERE / "data"


def _after(model) -> dict:
    """A loaded model's weights, what it predicts, and its weights after one more epoch."""
    weights = [np.asarray(w).tolist() for w in model.get_weights()]
    predicted = model.predict(X, verbose=0)
    y = MODELS_BY_ID[id(model)]
    model.fit(X, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    return {"weights": weights, "predicted": np.asarray(predicted).tolist(),
            "continued": [np.asarray(w).tolist() for w in model.get_weights()],
            "iterations": int(model.optimizer.iterations.numpy())}


MODELS_BY_ID: dict = {}


def main() -> None:
    tf.get_logger().setLevel("ERROR")
    results = {"tensorflow": tf.__version__, "keras": keras.__version__, "models": {}}
    for name, (build, y) in MODELS.items():
        tf.keras.backend.clear_session()
        trained(tf, build, y).save(DATA / f"keras_{name}.keras")
        tapeviz.keras.backend.clear_session()
        trained(tapeviz, build, y).save(DATA / f"tapeviz_{name}.keras")
        loaded = {}
        for writer in ("keras", "tapeviz"):
            tf.keras.backend.clear_session()
            model = tf.keras.models.load_model(DATA / f"{writer}_{name}.keras")
            MODELS_BY_ID[id(model)] = y
            loaded[writer] = _after(model)
        results["models"][name] = loaded
    (DATA / "saving.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"{len(MODELS)} models saved and loaded both ways under TensorFlow {tf.__version__}")


if __name__ == "__main__":
    main()
