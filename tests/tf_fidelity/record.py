"""Record the goldens: every case of cases.py run under real TensorFlow, into goldens.json.

Not run in CI. With TensorFlow in its own venv (`python -m venv tfvenv && tfvenv/bin/pip
install tensorflow-cpu`), from the repository root:

    tfvenv/bin/python tests/tf_fidelity/record.py

It writes tests/tf_fidelity/goldens.json with the TensorFlow and Keras versions; the
replay is tests/test_tf_fidelity.py. Given case names (or name prefixes) as arguments, it
records only those and keeps the other goldens, if they were recorded under the same
TensorFlow version.
"""
from __future__ import annotations

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tf_fidelity.cases import CASES  # noqa: E402
from tf_fidelity.harness import run_case  # noqa: E402

GOLDENS = HERE / "goldens.json"


def main(prefixes: list) -> None:
    tf.get_logger().setLevel("ERROR")
    results = {}
    if prefixes:
        kept = json.loads(GOLDENS.read_text())
        if kept["tensorflow"] != tf.__version__:
            raise SystemExit(f"the goldens were recorded under TensorFlow {kept['tensorflow']}, "
                             f"this is {tf.__version__}: record every case (no arguments)")
        results = {name: kept["cases"][name] for name in CASES if name in kept["cases"]}
    for name, case in CASES.items():
        if prefixes and not name.startswith(tuple(prefixes)):
            continue
        tf.keras.backend.clear_session()
        results[name] = run_case(tf, case)
    data = {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
            "cases": {name: results[name] for name in CASES if name in results}}
    GOLDENS.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")
    errors = sum("error" in r for r in results.values())
    print(f"{len(results)} cases recorded under TensorFlow {tf.__version__} "
          f"({errors} rejected by TF) into {GOLDENS} ({GOLDENS.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
