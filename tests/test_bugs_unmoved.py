"""A learning rate of 0: the optimizer runs, the gradients are not zero, and no weight ever
moves; the loss stays at its first value (up to the batches). In the CS20 lecture's
regression on a randomly initialised Dense (which predicts a different value for each
input, so no constant prediction shows it) and in the TF2 guide's CNN on the bundled 8x8
digits. `diagnose(recorder)` names the update op and the line that made the optimizer; the
same programs with a learning rate that moves, and the lecture's Huber regression early in
training, say nothing.
"""
import functools
import pathlib

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import synthetic_birth_life
from tapeviz.debugger import Recorder, diagnose
import programs
from programs import guide_cnn_recorded as cnn, huber_recorded, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)
CNN_UPDATE = marked_line(programs.__file__, "# CNN'S UPDATE")   # where the guide's loop updates


def unmoved(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "updates_change_nothing"]


def line(marker: str) -> int:
    return int(here(marker).split(":")[1])


def finding_norm(rec) -> float:
    """The norm of the last step's gradients, as the finding gives it."""
    return float(np.sqrt(sum(np.sum(np.square(np.asarray(g, np.float64)))
                             for g in rec.last_step.variable_gradients.values())))


def regression(optimizer, steps: int = 30) -> tuple:
    """(recorder, model): the lecture's birth-rate regression, vectorised, on a Dense(1)."""
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - model(x)))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # REGRESSION STEP
    return rec, model


def test_a_learning_rate_of_zero_on_a_random_dense_is_named_at_the_update_and_the_optimizer():
    optimizer = tf.keras.optimizers.SGD(0.0)  # BUG: a learning rate of 0
    rec, model = regression(optimizer)
    predictions = np.asarray(rec.last_step.find(op="matmul")[0].output)
    life = synthetic_birth_life()[0][:, 1]
    assert np.std(predictions) > 0.05 * np.std(life)   # (random weights: no one prediction)
    [finding] = unmoved(rec)   # was: no finding at all
    losses = {step.loss for step in rec.steps}
    assert len(losses) == 1    # (one batch: the loss never moves)
    dense = model.layers[0].name
    assert finding.message.startswith(
        f"the updates change nothing: the kernel and bias of layer {dense} are the same after "
        f"step 30's updates as before step 1's (30 steps), though the gradients are not zero")
    assert (f"(norm {finding_norm(rec):.3g} in step 30; assign_sub at "
            f"tests/{here('# REGRESSION STEP')}: optimizer.apply_gradients(") in finding.message
    assert (f"a learning rate of 0 (the optimizer made at "
            f"tests/{here('# BUG: a learning rate of 0')}: optimizer = "
            f"tf.keras.optimizers.SGD(0.0)") in finding.message
    assert (f"so the model never learns; the loss stays at its first value, "
            f"{losses.pop():.4g}, in every step; fix: a learning rate that moves the weights"
            in finding.message)
    assert finding.source.lineno == line("# REGRESSION STEP")
    assert finding.related.lineno == line("# BUG: a learning rate of 0")
    assert set(finding.variables) == {v.name for v in model.trainable_variables}
    assert [f.kind for f in diagnose(rec)] == ["updates_change_nothing"]


def test_the_same_regression_with_a_learning_rate_that_moves_is_no_finding():
    rec, _ = regression(tf.keras.optimizers.SGD(0.01))
    assert diagnose(rec) == []


def test_the_zero_initialised_regression_at_a_learning_rate_of_zero_is_named_once():
    """It also predicts one value (0) for every input: said as the updates, not twice."""
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(0.0)  # BUG: nothing moves
    with Recorder() as rec:
        for _ in range(40):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (tf.matmul(x, w) + b)))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))  # UPDATE
    [finding] = diagnose(rec)
    assert finding.kind == "updates_change_nothing"
    assert finding.message.startswith("the updates change nothing: w and b are the same after "
                                      "step 40's updates as before step 1's")
    assert f"at tests/{here('# UPDATE')}" in finding.message
    assert finding.related.lineno == line("# BUG: nothing moves")


def test_the_guides_cnn_at_a_learning_rate_of_zero_is_named_with_its_batches_losses():
    rec = cnn(tf.keras.optimizers.Adam(learning_rate=0.0))  # BUG: Adam at 0
    [finding] = unmoved(rec)   # was: no finding
    losses = [step.loss for step in rec.steps if step.variable_gradients]
    assert len(set(losses)) > 1   # (each batch its own loss, none learned)
    assert "the same after step 6's updates as before step 1's (6 steps)" in finding.message
    assert f"adam_step at tests/{CNN_UPDATE}: optimizer.apply_gradients(" \
        in finding.message
    assert (f"a learning rate of 0 (the optimizer made at tests/{here('# BUG: Adam at 0')}: "
            f"rec = cnn(tf.keras.optimizers.Adam(learning_rate=0.0))" in finding.message)
    assert (f"the loss moves only with the batches ({losses[0]:.4g} at step 1, "
            f"{losses[-1]:.4g} at step 6)" in finding.message)


def test_the_guides_cnn_early_in_training_is_no_finding():
    assert diagnose(cnn(tf.keras.optimizers.Adam())) == []


@pytest.mark.parametrize("steps", [40, 190])
def test_the_lectures_huber_regression_early_in_training_is_no_finding(steps):
    data, _ = synthetic_birth_life()
    assert diagnose(huber_recorded(list(zip(data[:, 0], data[:, 1]))[:steps])) == []


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_gradients_replaced_by_zeros_before_the_update_name_that_line_not_the_learning_rate(
        optimizer):
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.get(optimizer)
    with Recorder() as rec:
        for _ in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - model(x)))
            grads = tape.gradient(loss, model.trainable_variables)  # GRADIENT
            grads = [tf.zeros_like(g) for g in grads]  # BUG: zeroed
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # ZEROED STEP
    found = diagnose(rec)
    assert "updates_change_nothing" not in [f.kind for f in found]   # was: 'a learning rate of 0'
    [finding] = [f for f in found if f.kind == "gradients_cleared"]
    assert finding.message.startswith(
        f"the gradients are replaced before the update: tape.gradient at "
        f"tests/{here('# GRADIENT')}: grads = tape.gradient(loss, model.trainable_variables)  "
        f"# GRADIENT returned non-zero gradients (norm ")
    assert (f"but apply_gradients was given other values, made at tests/"
            f"{here('# BUG: zeroed')}: grads = [tf.zeros_like(g) for g in grads]  # BUG: zeroed; "
            in finding.message)
    assert f"at tests/{here('# ZEROED STEP')}: optimizer.apply_gradients(" in finding.message
    assert "the kernel and bias of layer" in finding.message
    assert finding.message.endswith("fix: give apply_gradients the gradients tape.gradient "
                                    "returned (the learning rate is not the cause)")
    assert finding.source.lineno == line("# BUG: zeroed")


# ---- a learning rate far too small: the weights move, the loss cannot ---------------------

def too_small(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "learning_rate_too_small"]


def test_the_lectures_huber_regression_at_a_learning_rate_far_too_small_is_named():
    """SGD(1e-9) from w = b = 0: every update changes w and b (no learning rate of 0), by a
    billionth of the gradient (was: no finding)."""
    data, _ = synthetic_birth_life()
    rec = huber_recorded(list(zip(data[:, 0], data[:, 1]))[:40], learning_rate=1e-9)
    programs = pathlib.Path(__file__).with_name("programs.py")
    update, made = (marked_line(programs, marker) for marker in ("# HUBER'S UPDATE",
                                                                 "# HUBER'S OPTIMIZER"))
    [finding] = diagnose(rec)
    assert finding.kind == "learning_rate_too_small"
    assert finding.message.startswith(
        "the learning rate is far too small: in steps 1-40 (40 steps) the updates of w and b "
        "are at most 1e-09 times the gradient (assign_sub at "
        f"tests/{update}: ")
    assert f"the optimizer made at tests/{made}" in finding.message
    assert "), so the loss cannot move: to first order by at most " in finding.message
    assert "it moves only with the batches: " in finding.message
    assert finding.message.endswith("fix: a learning rate that moves the weights (Adam's "
                                    "default 0.001; SGD's 0.01)")


def test_the_guides_cnn_at_a_learning_rate_far_too_small_is_named():
    rec = cnn(tf.keras.optimizers.Adam(learning_rate=1e-9))  # BUG: Adam at 1e-9
    [finding] = too_small(rec)   # was: no finding
    assert finding.message.startswith("the learning rate is far too small: in steps 1-6 "
                                      "(6 steps) the updates of the kernel and bias of layer")
    assert f"adam_step at tests/{CNN_UPDATE}" in finding.message
    assert finding.related.lineno == line("# BUG: Adam at 1e-9")
    assert [f.kind for f in diagnose(rec)] == ["learning_rate_too_small"]


@pytest.mark.parametrize("learning_rate", [1e-4, 0.01])
def test_a_slow_but_sensible_learning_rate_is_no_finding(learning_rate):
    assert too_small(regression(tf.keras.optimizers.SGD(learning_rate))[0]) == []


def test_a_regression_trained_to_convergence_then_recorded_is_no_finding():
    """Its gradients are tiny, so are its updates: but each is its learning rate times the
    gradient."""
    data, _ = synthetic_birth_life()
    x, y = tf.constant(data[:, :1]), tf.constant(data[:, 1:])
    x = (x - tf.reduce_mean(x)) / tf.math.reduce_std(x)
    w, b = tf.Variable(tf.zeros([1, 1])), tf.Variable(tf.zeros([1]))
    optimizer = tf.keras.optimizers.SGD(0.5)

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(y - (x @ w + b)))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    for _ in range(200):
        step()
    with Recorder() as rec:
        for _ in range(10):
            step()
    assert diagnose(rec) == []
