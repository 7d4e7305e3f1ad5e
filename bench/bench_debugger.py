"""What the debugger costs: the two reference loops plain, with breakpoints armed but never
hit, and with the recorder on, measured side by side in one run (read the ratios).

Breakpoints come in two costs. Those that select ops by name, kind, layer or backward
step are heard only by the ops they can match (the rest keep dispatch's fast path): the
target is <= 1.05x. A file:line one makes dispatch find every op's line; those that must
look at every op's values (a bare condition, nan) put every op on the traced path. Their
ratios are reported one by one.

Run: python bench/bench_debugger.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np

import tapeviz as tf
import tapeviz.contrib.eager as tfe
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, break_on, clear_breakpoints


def regression_loop(epochs: int = 3):
    """The CS20 per-example Huber regression (as examples/regression.py), a few epochs."""
    data, _ = synthetic_birth_life()
    dataset = tf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
    w, b = tfe.Variable(0.0), tfe.Variable(0.0)

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return t ** 2 if tf.abs(t) <= m else m * (2 * tf.abs(t) - m)

    grad_fn = tfe.implicit_value_and_gradients(lambda x, y: huber_loss(y, x * w + b))
    optimizer = tf.train.GradientDescentOptimizer(learning_rate=0.01)
    for _ in range(epochs):
        for x_i, y_i in tfe.Iterator(dataset):
            _, gradients = grad_fn(x_i, y_i)
            optimizer.apply_gradients(gradients)


def cnn_loop(steps: int = 20):
    """The TF2 guide's MNIST CNN and train step, on batches of 32 random 28x28 images."""
    images = np.random.default_rng(0).random((steps, 32, 28, 28, 1), dtype=np.float32)
    labels = np.random.default_rng(1).integers(0, 10, (steps, 32))
    train_guide_cnn(zip(images, labels))


def train_guide_cnn(batches) -> float:
    """The TF2 guide's CNN, Adam and train step over `batches` of (images, labels); returns
    the last loss."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation='relu'),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = None
    for x, y in batches:
        with tf.GradientTape() as tape:
            loss = loss_object(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)


def armed(*criteria):
    """A mode: these breakpoints armed while the loop runs (none is ever hit)."""
    @contextlib.contextmanager
    def mode():
        for spec in criteria:
            break_on(**spec)
        try:
            yield
        finally:
            clear_breakpoints()
    return mode


@contextlib.contextmanager
def recorder_on():
    with Recorder():
        yield


NEVER = lambda node: False  # noqa: E731  (a condition no op meets)
SELECTIVE = ({"op": "log"}, {"kind": "pool"}, {"layer": "no_such_layer"},
             {"layer": "dense", "condition": NEVER}, {"op": "log", "phase": "vjp"})
MODES = {
    "plain": armed(),
    "op breakpoint": armed({"op": "log"}),
    "op, kind, layer and vjp ones": armed(*SELECTIVE),
    "file:line (finds each op's line)": armed({"file": "no_such_file.py", "line": 1}),
    "nan in any backward step": armed({"phase": "vjp", "nan": True}),
    "condition on every op": armed({"condition": NEVER}),
    "nan in every op's output": armed({"nan": True}),
    "recorder on": recorder_on,
}
TARGETED = ("op breakpoint", "op, kind, layer and vjp ones")  # the rows the 1.05x target is for
TARGET = 1.05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    loops = {"regression (3 epochs x 190 examples)": regression_loop,
             "CNN (20 steps, batch 32, 28x28)": cnn_loop}
    best = {(loop, mode): float("inf") for loop in loops for mode in MODES}
    for _ in range(args.repeats):  # interleaved: every mode sees the same machine load
        for loop_name, loop in loops.items():
            for mode_name, mode in MODES.items():
                with mode():
                    start = time.perf_counter()
                    loop()
                    best[loop_name, mode_name] = min(best[loop_name, mode_name],
                                                     time.perf_counter() - start)
    print(f"best of {args.repeats}; ratio = time / plain time")
    for loop_name in loops:
        base = best[loop_name, "plain"]
        print(loop_name)
        for mode_name in MODES:
            seconds = best[loop_name, mode_name]
            ratio = seconds / base
            verdict = ""
            if mode_name in TARGETED:
                verdict = f"  target <= {TARGET}x: {'met' if ratio <= TARGET else 'MISSED'}"
            print(f"  {mode_name:<34}{seconds:8.3f} s {ratio:7.2f}x{verdict}")


if __name__ == "__main__":
    main()
