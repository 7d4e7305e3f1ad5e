"""Programs the tests share: the examples loaded as modules (run as a user would), marked
lines, the guide's CNN and the lecture's Huber regression."""
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


def guide_cnn_recorded(optimizer, steps: int = 6):
    """The guide's train_step under `optimizer` over `steps` batches of 32 digits, early in
    training, recorded."""
    import numpy as np
    from tapeviz.datasets import load_digits
    from tapeviz.debugger import Recorder
    (images, labels), _ = load_digits()
    tf.random.set_seed(0)
    model = guide_cnn()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    dataset = tf.data.Dataset.from_tensor_slices(
        (images[..., None] / 255, labels.astype(np.int64))).batch(32)
    with Recorder() as rec:
        for x, y in dataset.take(steps):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # CNN'S UPDATE
    return rec


def huber_recorded(pairs, learning_rate: float = 0.01):
    """The lecture's per-example Huber regression, SGD(`learning_rate`) from w = b = 0, over
    the (x, y) `pairs`, recorded: at the lecture's 0.01, a correct program early in
    training."""
    from tapeviz.debugger import Recorder
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate)  # HUBER'S OPTIMIZER
    with Recorder() as rec:
        for x_i, y_i in pairs:
            with tf.GradientTape() as tape:
                t = y_i - (x_i * w + b)
                loss = t ** 2 if tf.abs(t) <= 1.0 else 2 * tf.abs(t) - 1.0
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))  # HUBER'S UPDATE
    return rec
