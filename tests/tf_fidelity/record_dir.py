"""Record what dir() lists in each TensorFlow namespace a student tabs through, into
tf_dir.json, for test_namespace_dir.py. Not run in CI; from the repository root, with
TensorFlow in its own venv (see record.py):

    tfvenv/bin/python tests/tf_fidelity/record_dir.py
"""
from __future__ import annotations

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

SPACES = ("", "math", "nn", "debugging", "data", "data.experimental", "random", "linalg",
          "train", "config", "dtypes", "errors", "nest", "keras", "keras.layers",
          "keras.losses", "keras.metrics", "keras.optimizers", "keras.optimizers.schedules",
          "keras.callbacks", "keras.activations", "keras.initializers", "keras.models",
          "keras.utils", "keras.backend", "keras.regularizers", "keras.datasets",
          "keras.datasets.mnist", "keras.datasets.fashion_mnist", "keras.preprocessing",
          "config.experimental")


def namespace(path: str):
    value = tf
    for part in filter(None, path.split(".")):
        value = getattr(value, part)
    return value


if __name__ == "__main__":
    names = {space: sorted(name for name in dir(namespace(space)) if not name.startswith("_"))
             for space in SPACES}
    target = pathlib.Path(__file__).resolve().parent / "tf_dir.json"
    target.write_text(json.dumps({"tensorflow": tf.__version__, "dir": names}, indent=0,
                                 sort_keys=True) + "\n")
    print(f"{len(names)} namespaces of TensorFlow {tf.__version__} into {target}")
