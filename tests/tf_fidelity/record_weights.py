"""Record the weights files both ways: Keras 3 writes `.weights.h5` files of the guide's CNN
and of a small Dense model that tapeviz's replay loads, and loads the files tapeviz's
`save_weights` writes; what each model computed from each file goes to
data/weights_files.json. Not run in CI. With TensorFlow in its own venv, from the
repository root:

    tfvenv/bin/python tests/tf_fidelity/record_weights.py

tapeviz is imported from this checkout (it needs numpy and h5py, which TensorFlow's venv
has). Every weight is set to fixed values (harness.spread), so the files hold no random
draw; the replay is tests/test_keras_weights_h5.py.
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
import tensorflow as tf  # noqa: E402

import tapeviz  # noqa: E402
from tf_fidelity.weights_models import MODELS, example_input, fixed_weights  # noqa: E402

DATA = HERE / "data"


def main() -> None:
    tf.get_logger().setLevel("ERROR")
    DATA.mkdir(exist_ok=True)
    results = {"tensorflow": tf.__version__, "keras": keras.__version__, "models": {}}
    for name, (build, shape) in MODELS.items():
        tf.keras.backend.clear_session()
        written_by_keras = build(tf)
        written_by_keras.set_weights(fixed_weights(written_by_keras))
        written_by_keras.save_weights(DATA / f"keras_{name}.weights.h5")
        tapeviz.keras.backend.clear_session()   # the layers' names as a fresh session's
        written_by_tapeviz = build(tapeviz)
        written_by_tapeviz.set_weights(fixed_weights(written_by_tapeviz))
        written_by_tapeviz.save_weights(DATA / f"tapeviz_{name}.weights.h5")
        loaded = build(tf)
        loaded.load_weights(DATA / f"tapeviz_{name}.weights.h5")
        x = example_input(shape)
        results["models"][name] = {
            "input_shape": list(shape),
            "logits_of_keras_file": written_by_keras(x, training=False).numpy().tolist(),
            "keras_logits_of_tapeviz_file": loaded(x, training=False).numpy().tolist(),
        }
    path = DATA / "weights_files.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"{len(MODELS)} models' files written both ways under TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}, into {DATA}")


if __name__ == "__main__":
    main()
