"""Programs the tests share: the examples loaded as modules (run as a user would), marked
lines, and the guide's CNN."""
import importlib.util
import pathlib

import tapeviz as tf

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str):
    """Import examples/<name>.py (running its top level) and return the module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def marked_line(path, marker: str) -> str:
    """'<file name>:<line>' of the line of file `path` marked `marker`, as a message shows it."""
    return f"{pathlib.Path(path).name}:{line_of(path, marker)}"


def line_of(path, marker: str) -> int:
    """The number of the first line of file `path` containing `marker` (lines that call
    line_of, which hold the marker too, are skipped)."""
    with open(path) as f:
        for number, text in enumerate(f, start=1):
            if marker in text and "line_of(" not in text:
                return number
    raise AssertionError(f"no line of {path} contains {marker!r}")


def guide_cnn():
    """The TF 2 guide's MNIST CNN: 160 + 2320 + 0 + 170 = 2650 parameters."""
    return tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu", input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10),
    ])
