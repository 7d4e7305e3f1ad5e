"""Ten classic training bugs, each met as a student meets it, and what tapeviz says.

Each bug is a small training program, written as a student would write it, with the bug
marked `# BUG n:`. The tour runs it once plainly, reads the symptom a student would see
(the loss is NaN, the loss does not halve, a gradient is None, a warning), takes the step a
student would take for that symptom, and prints what tapeviz said: the problem, the op and
the line.

  NaN in the loss        tf.debugging.enable_check_numerics(), then run again
  does not learn         record the loop (Recorder), diagnose(rec): the widget's alerts
  a gradient is None     why_none(tape, loss, variable), right after tape.gradient
  a warning is printed   read it (apply_gradients, a loss given probabilities, numpy)

Run: python examples/ten_bugs.py [--bug N]
"""
import argparse
import os
import textwrap
import warnings

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Finding, Recorder, diagnose, why_none

STEPS = 10   # training steps of each program


# ---- the ten programs --------------------------------------------------------------------
def logistic_regression_by_hand():
    """Bug 1: a hand-written cross-entropy takes the log of a p that rounds to 0 or 1."""
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(64, 2)) * 40.0).astype(np.float32)   # features never scaled
    y = (x[:, :1] + x[:, 1:] > 0).astype(np.float32)
    w, b = tf.Variable(tf.random.normal([2, 1], seed=1)), tf.Variable(0.0)
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            p = tf.sigmoid(tf.matmul(x, w) + b)
            loss = -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))  # BUG 1:
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * dw)
        b.assign_sub(0.1 * db)
        losses.append(float(loss))
    return losses


def polynomial_fit():
    """Bug 2: a learning rate far too large for features up to x**3."""
    rng = np.random.default_rng(2)
    t = rng.uniform(-2, 2, size=(128, 1)).astype(np.float32)
    x = np.hstack([t, t ** 2, t ** 3])
    y = 1.0 - 2.0 * t + 0.5 * t ** 3
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.2)   # the cause: 0.2 is far too large
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))  # BUG 2: the update
        losses.append(float(loss))
    return losses


def standardised_features():
    """Bug 3: standardising a table whose third column never varies."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    x[:, 2] = 1.0   # a bias column left in the data
    y = x[:, :1] - x[:, 1:2]
    w = tf.Variable(tf.zeros([3, 1]))
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            mean, variance = tf.nn.moments(x, axes=[0])
            z = (x - mean) / tf.sqrt(variance)  # BUG 3: a std of 0
            loss = tf.reduce_mean(tf.square(tf.matmul(z, w) - y))
        w.assign_sub(0.1 * tape.gradient(loss, w))
        losses.append(float(loss))
    return losses


def house_prices():
    """Bug 4: labels of shape (n,) against predictions of shape (n, 1)."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(48, 4)).astype(np.float32)
    prices = x @ np.array([3.0, -1.0, 2.0, 0.5], np.float32)   # centred, shape (48,)
    w, b = tf.Variable(tf.zeros([4, 1])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.1)
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            predicted = tf.matmul(x, w) + b
            loss = tf.reduce_mean((predicted - prices) ** 2)  # BUG 4: (48, 1) - (48,)
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        losses.append(float(loss))
    return losses


class Classifier(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(16, activation="relu")
        self.out = tf.keras.layers.Dense(3, activation="softmax")

    def call(self, x):
        return self.out(self.hidden(x))  # BUG 5: a softmax output


def three_classes():
    """Bug 5: a softmax output given to a loss told it gets logits."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 4)).astype(np.float32)
    labels = tf.one_hot(np.argmax(x[:, :3], axis=1), 3)
    model = Classifier()
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(0.01)
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return losses


def pixel_mlp():
    """Bug 6: weights 'centred' as uniform(0, 1) - 1, all negative, on positive pixels."""
    rng = np.random.default_rng(6)
    pixels = rng.uniform(0, 1, size=(40, 16)).astype(np.float32)
    targets = pixels.mean(axis=1, keepdims=True)
    w1 = tf.Variable(tf.random.uniform([16, 8], seed=2) - 1.0)   # the cause: meant * 2 - 1
    b1 = tf.Variable(tf.zeros([8]))
    w2 = tf.Variable(tf.random.normal([8, 1], seed=3))
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(pixels, w1) + b1)  # BUG 6: every unit dead
            loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - targets))
        for v, g in zip([w1, b1, w2], tape.gradient(loss, [w1, b1, w2])):
            v.assign_sub(0.05 * g)
        losses.append(float(loss))
    return losses


def calibrated_classifier():
    """Bug 7: a temperature meant to scale the logits, never used."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(np.int64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(5,))])
    temperature = tf.Variable(1.0, name="temperature")
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    variables = model.trainable_variables + [temperature]
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            logits = model(x)  # BUG 7: meant model(x) / temperature
            loss = loss_fn(labels, logits)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        losses.append(float(loss))
    return losses


def adversarial_example():
    """Bug 8: the gradient of the loss with respect to uint8 images (FGSM)."""
    rng = np.random.default_rng(8)
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
    images = tf.constant(rng.integers(0, 256, size=(4, 8, 8)).astype(np.uint8))
    labels = tf.constant([3, 1, 4, 1])
    with tf.GradientTape() as tape:
        tape.watch(images)  # BUG 8: the images are uint8
        logits = model(tf.cast(images, tf.float32) / 255.0)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    direction = tape.gradient(loss, images)
    if direction is None:                       # the symptom: no gradient to step along
        return why_none(tape, loss, images)     # the step, right where the None was seen
    return tf.clip_by_value(tf.cast(images, tf.float32) + 8.0 * tf.sign(direction), 0, 255)


def median_error_regression():
    """Bug 9: np.median, which tapeviz has not, on a taped prediction."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(50, 2)).astype(np.float32)
    y = x @ np.array([[2.0], [-1.0]], np.float32)
    w = tf.Variable(tf.zeros([2, 1]), name="w")
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            errors = tf.abs(tf.matmul(x, w) - y)
            loss = tf.constant(np.median(errors))  # BUG 9: numpy math
        grad = tape.gradient(loss, w)
        if grad is None:                        # the symptom
            return why_none(tape, loss, w)      # the step, right where the None was seen
        w.assign_sub(0.1 * grad)
        losses.append(float(loss))
    return losses


def deep_sigmoid_net():
    """Bug 10: eight sigmoid layers stacked; the first ones barely move."""
    rng = np.random.default_rng(10)
    x = rng.normal(size=(64, 10)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = tf.keras.Sequential(
        [tf.keras.layers.Dense(24, activation="sigmoid") for _ in range(8)]
        + [tf.keras.layers.Dense(1)])
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    losses = []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))  # BUG 10: model(x) runs the stack
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    return losses


# ---- the symptom, and the step a student takes for it --------------------------------------
def run_plainly(program):
    """Run the program as the student first did: its result and the warnings it printed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        result = program()
    return result, [f"{os.path.relpath(w.filename)}:{w.lineno}: {w.category.__name__}: "
                    f"{w.message}" for w in caught]


def rerun_with_check_numerics(program, result, printed) -> str:
    """The loss is NaN: turn on check-numerics and run again, to stop at the op."""
    tf.debugging.enable_check_numerics()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            program()
    except tf.errors.InvalidArgumentError as error:
        return str(error)
    finally:
        tf.debugging.disable_check_numerics()
    return "(check-numerics raised nothing)"


def record_and_diagnose(program, result, printed) -> str:
    """The loss does not fall: record the loop and diagnose it (what TapeWidget(rec) alerts)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with Recorder() as rec:
            program()
    return "\n".join(finding.message for finding in diagnose(rec)) or "(no alert)"


def read_the_warning(program, result, printed) -> str:
    """A warning was printed while training: read it."""
    return "\n".join(printed)


def what_why_none_said(program, result, printed) -> str:
    """The gradient came back None: the program asked why_none right there."""
    return str(result)


def symptom(result, printed) -> tuple[str, object]:
    """What the student sees after the plain run, and the step they take for it."""
    if isinstance(result, Finding):
        return "the gradient is None", what_why_none_said
    if any(": RuntimeWarning: " not in line for line in printed):
        return "a warning while training", read_the_warning
    if isinstance(result, list):   # the losses of a training loop
        if not np.all(np.isfinite(result)):
            return f"the loss is {result[-1]}", rerun_with_check_numerics
        if not result[-1] < 0.5 * result[0]:
            return (f"the loss does not halve in {len(result)} steps: {result[0]:.4g} -> "
                    f"{result[-1]:.4g}", record_and_diagnose)
    return "nothing looks wrong", None


BUGS = {1: logistic_regression_by_hand, 2: polynomial_fit, 3: standardised_features,
        4: house_prices, 5: three_classes, 6: pixel_mlp, 7: calibrated_classifier,
        8: adversarial_example, 9: median_error_regression, 10: deep_sigmoid_net}

STEP_TAKEN = {
    rerun_with_check_numerics: "tf.debugging.enable_check_numerics(), run again",
    record_and_diagnose: "with Recorder() as rec: train(); diagnose(rec)",
    read_the_warning: "read the warning",
    what_why_none_said: "why_none(tape, loss, variable) after tape.gradient"}


def seeded(program, seed: int):
    """`program`, started from the same initial weights each time it runs."""
    def run_seeded():
        tf.random.set_seed(seed)
        return program()
    return run_seeded


def run(number: int) -> None:
    print(f"== Bug {number}: {BUGS[number].__doc__.split(': ', 1)[1].rstrip('.')}")
    program = seeded(BUGS[number], number)
    result, printed = run_plainly(program)
    seen, step = symptom(result, printed)
    print(f"   symptom: {seen}")
    if printed and step is not read_the_warning:
        more = len(printed) - 1
        print(f"   first warning: {printed[0]}" + (f" (and {more} more)" if more else ""))
    if step is None:
        print()
        return
    print(f"   step: {STEP_TAKEN[step]}")
    print("   tapeviz said:")
    for line in step(program, result, printed).splitlines():
        print(textwrap.indent(line, "     "))
    print()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\nRun:")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bug", type=int, choices=sorted(BUGS), help="run only this bug")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for number in [args.bug] if args.bug else sorted(BUGS):
        run(number)


if __name__ == "__main__":
    main()
