"""What `diagnose(recorder)` costs, the call behind a TapeWidget's and the Dashboard's alerts
on a Recorder: instructions of one call (valgrind, see instructions.py), on the two
reference workloads recorded correctly (so every check runs to its end and finds nothing):
10 steps of the TF2 guide's MNIST CNN on the bundled digits (batch 32), and 60 steps of the
CS20 lecture's per-example Huber regression (on the synthetic stand-in for its data).

Figures (one diagnose call, in instructions; two or more runs each, about +-1% apart):

  checks added for the planted lecture bugs   guide CNN        Huber regression
  before (none)                               9.83M / 10.10M   10.01M / 10.11M / 10.12M
  after, first version                        10.11M           10.34M / 10.28M / 10.31M
  after, as kept                              9.86M / 9.86M /  10.09M / 10.09M /
                                              9.89M            10.06M

Predicted: under 2% more, the new checks being one pass over a few steps' ops. The first
version cost +2.8% and +2-3%: the non-scalar-loss check unpacked the first training step's
ops to find its target (now it looks only when that step's loss is not a number), and the
None-gradient check read every step's sources (now the first step's: a variable missing
from it cannot be None in every step). As kept, within the runs' spread of before.

The rebound-Variable check (`w = w - lr * g`), added next, read every step's gradient
sources: 9.92M / 10.25M (+1.7% on the 60-step regression); walking back from the last step
while its sources hold a Tensor (a correct program's: one step), 9.90M / 10.08M.

This round's checks (an oscillation told from a divergence, with the step size's jump; a
NaN pointing to the program bug that grew it; the log of a probability; images divided by
255 twice; gradients never applied; dropout off in training), one diagnose call, "before"
being the same tree with the debugger's files as they were:

                                              guide CNN          Huber regression
  before                                      9.89M / 9.90M      10.11M / 10.11M
  first version                               10.09M / 10.10M    10.21M / 10.19M
  as kept                                     10.05M             10.19M

Predicted: under 1%, each check reading a step the others read. The first version cost
+2.1% on the CNN: the never-applied and dropout-off checks each scanned every op of the last
step (its VJP ops and updates too) and asked five steps for their op count (each a slice of
the step's records); as kept, one look back shared, the update looked for from the step's
end, dropout by one scan of the op names: +1.6% / +0.8%, at the edge of the runs' spread.
`--found` on this round's seven planted bugs: seven found (oscillation, non_scalar_loss
first of the NaN it explains, log_of_probability, scaled_twice, gradients_not_applied,
inference_mode_in_training, divergence naming the learning rate's jump).

Run: python bench/bench_diagnose.py (needs valgrind); --found: what diagnose says of each bug
planted this round (no valgrind)
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

import instructions  # this folder
import tapeviz as tf
from tapeviz.datasets import load_digits, synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose

WORKLOADS = ("guide_cnn", "huber_regression")


def guide_cnn() -> Recorder:
    tf.random.set_seed(1)
    (images, labels), _ = load_digits()
    dataset = tf.data.Dataset.from_tensor_slices(
        (tf.cast(images[:320, ..., None] / 255, tf.float32), tf.cast(labels[:320], tf.int64)))
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu", input_shape=(None, None, 1)),
        tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
        tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.batch(32):
            with tf.GradientTape() as tape:
                loss = loss_object(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def huber_regression(learning_rate: float = 0.01, steps: int = 60) -> Recorder:
    data, _ = synthetic_birth_life()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    rows = np.resize(np.arange(len(data)), steps)   # (past the data: passes over it again)
    with Recorder() as rec:
        for x_i, y_i in zip(data[rows, 0], data[rows, 1]):
            with tf.GradientTape() as tape:
                t = y_i - (x_i * w + b)
                loss = t ** 2 if tf.abs(t) <= 1.0 else 2 * tf.abs(t) - 1.0
            optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return rec


# ---- the planted bugs of this round: what diagnose says of each (`--found`) ------------------
def _digits(scale: float = 255.0, count: int = 192):
    (images, labels), _ = load_digits()
    pixels = tf.cast(images[:count, ..., None] / 255, tf.float32) * (255.0 / scale)
    return tf.data.Dataset.from_tensor_slices((pixels, tf.cast(labels[:count], tf.int64)))


def _guide(dataset, dropout=False, apply=True, training=True, hand_written=False) -> Recorder:
    tf.random.set_seed(0)
    layers = [tf.keras.layers.Conv2D(16, [3, 3], activation="relu",
                                     input_shape=(None, None, 1)),
              tf.keras.layers.Conv2D(16, [3, 3], activation="relu"),
              tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(10)]
    model = tf.keras.Sequential(layers[:3] + [tf.keras.layers.Dropout(0.5)] * dropout
                                + layers[3:])
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for x, y in dataset.batch(32).take(6):
            with tf.GradientTape() as tape:
                logits = model(x, training=training)
                loss = (-tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, 10) * tf.math.log(
                    tf.nn.softmax(logits)), axis=1)) if hand_written else loss_object(y, logits))
            grads = tape.gradient(loss, model.trainable_variables)
            if apply:
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec


def _regression(steps: int, learning_rate, axis=None) -> Recorder:
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)), axis=axis)
            optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return rec


PLANTED = {   # bug: (the program that has it, the finding that names it)
    "Huber regression at learning rate 1.0": (lambda: huber_regression(1.0, 380),
                                              "oscillation"),
    "reduce_mean over the wrong axis, 25 steps": (lambda: _regression(25, 0.01, axis=1),
                                                   "non_scalar_loss"),
    "log of softmax written by hand": (lambda: _guide(_digits(), hand_written=True),
                                       "log_of_probability"),
    "images divided by 255 twice": (lambda: _guide(_digits(255.0 * 255.0)), "scaled_twice"),
    "apply_gradients forgotten": (lambda: _guide(_digits(), apply=False),
                                  "gradients_not_applied"),
    "Dropout model trained with model(x)": (lambda: _guide(_digits(), dropout=True,
                                                           training=False),
                                            "inference_mode_in_training"),
    "learning-rate schedule jumping 100x": (lambda: _regression(
        12, tf.keras.optimizers.schedules.PiecewiseConstantDecay([5], [0.01, 1.0])),
        "divergence"),
}


def found() -> None:
    """Each planted bug's program recorded, and the kinds diagnose gives (the one that names
    the bug first)."""
    warnings.simplefilter("ignore")
    for bug, (program, kind) in PLANTED.items():
        kinds = [f.kind for f in diagnose(program())]
        print(f"  {'found' if kind in kinds else 'MISSED':6} {bug}: {', '.join(kinds)}")


def worker(name: str) -> None:
    """The counted worker: record the workload, then one diagnose call counted."""
    warnings.simplefilter("ignore")
    rec = globals()[name]()
    assert diagnose(rec) == [], "the correct program must give no finding"
    instructions.run_counted(lambda: diagnose(rec))


def main() -> None:
    if not instructions.available():
        sys.exit("valgrind is not installed (apt-get install valgrind) to count instructions")
    for name in WORKLOADS:
        count = instructions.count([__file__, "--count", name])
        print(f"  diagnose(rec), {name}: {count / 1e6:.2f}M instructions")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--count"]:
        worker(sys.argv[2])
    elif sys.argv[1:2] == ["--found"]:
        found()
    else:
        main()
