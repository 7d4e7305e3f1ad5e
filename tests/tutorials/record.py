"""Record what TensorFlow gives for the three tutorial programs, into tensorflow.json.

Not run in CI. With TensorFlow and scikit-learn in a venv of their own (`python -m venv
tfvenv && tfvenv/bin/pip install tensorflow-cpu scikit-learn matplotlib`), from the repository root:

    tfvenv/bin/python tests/tutorials/record.py

Each program runs with `import tapeviz as tf` read as `import tensorflow as tf`, nothing
else changed. The random draws TF makes (`tf.random.normal`, the Glorot-uniform kernels of
Dense layers) are logged as they are made and kept with the outcomes, so that
tests/test_tutorials.py can hand tapeviz the same draws and compare every value.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tutorials.outcomes import PROGRAMS, outcomes, run  # noqa: E402

RESULTS = HERE / "tensorflow.json"


def record(name: str) -> dict:
    draws = {"normal": [], "glorot_uniform": []}
    normal, glorot = tf.random.normal, keras.initializers.GlorotUniform.__call__

    def logged_normal(*args, **kwargs):
        value = normal(*args, **kwargs)
        draws["normal"].append(np.asarray(value).tolist())
        return value

    def logged_glorot(self, shape, dtype=None, **kwargs):
        value = glorot(self, shape, dtype, **kwargs)
        draws["glorot_uniform"].append(np.asarray(value).tolist())
        return value

    tf.random.normal, keras.initializers.GlorotUniform.__call__ = logged_normal, logged_glorot
    cwd = os.getcwd()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            os.chdir(scratch)
            tf.keras.backend.clear_session()
            program_globals = run(name, "tensorflow")
            return {"draws": draws, "outcomes": outcomes(name, program_globals)}
    finally:
        os.chdir(cwd)
        tf.random.normal, keras.initializers.GlorotUniform.__call__ = normal, glorot


def main() -> None:
    tf.get_logger().setLevel("ERROR")
    matplotlib.use("Agg")  # the programs' plots, drawn off-screen
    data = {"tensorflow": tf.__version__, "keras": keras.__version__,
            "programs": {name: record(name) for name in PROGRAMS}}
    RESULTS.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{len(PROGRAMS)} programs recorded under TensorFlow {tf.__version__} into "
          f"{RESULTS} ({RESULTS.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
