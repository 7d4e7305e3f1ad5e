"""Record every initializer's `.keras` round trip both ways (saving_initializers.py's
model): Keras 3 saves it (data/keras_initializers.keras) and loads the file tapeviz's
`model.save` writes (data/tapeviz_initializers.keras); what Keras wrote for each layer's
kernel_initializer, the class and config each loaded initializer has under Keras, and the
weights Keras loaded go to data/initializers.json. Not run in CI. With TensorFlow in its
own venv, from the repository root:

    tfvenv/bin/python tests/tf_fidelity/record_initializers.py

tapeviz is imported from this checkout; the replay is tests/test_keras_saving_initializers.py.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tapeviz  # noqa: E402
from tf_fidelity.saving_initializers import INITIALIZERS, initialized  # noqa: E402

DATA = HERE / "data"


def _written(path) -> dict:
    """Each layer's kernel_initializer as the file's config.json holds it."""
    layers = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]
    return {layer["config"]["name"]: layer["config"]["kernel_initializer"]
            for layer in layers if layer["class_name"] == "Dense"}


def _loaded(model) -> dict:
    """Each layer's kernel_initializer under Keras (module, class, config) and its weights."""
    return {name: {"initializer": keras.saving.serialize_keras_object(
                       model.get_layer(name).kernel_initializer),
                   "kernel": np.asarray(model.get_layer(name).kernel).tolist()}
            for name in INITIALIZERS}


def main() -> None:
    tf.get_logger().setLevel("ERROR")
    tf.keras.backend.clear_session()
    model = initialized(tf)
    first = {name: np.asarray(model.get_layer(name).kernel).tolist() for name in INITIALIZERS}
    model.save(DATA / "keras_initializers.keras")
    tapeviz.keras.backend.clear_session()
    initialized(tapeviz).save(DATA / "tapeviz_initializers.keras")
    tf.keras.backend.clear_session()
    loaded = keras.models.load_model(DATA / "tapeviz_initializers.keras")
    results = {"tensorflow": tf.__version__, "keras": keras.__version__,
               "keras_wrote": _written(DATA / "keras_initializers.keras"),
               "keras_first_kernels": first, "keras_loaded_tapeviz": _loaded(loaded)}
    (DATA / "initializers.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"{len(INITIALIZERS)} initializers saved and loaded both ways under TensorFlow "
          f"{tf.__version__}")


if __name__ == "__main__":
    main()
