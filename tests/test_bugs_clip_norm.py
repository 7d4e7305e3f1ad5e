"""The numpy engine: gradients clipped far below their size every step
(tf.clip_by_global_norm(grads, 1e-6), or a Keras optimizer's global_clipnorm=1e-6 or
clipnorm=1e-6, typos for 1.0): each update is a tiny fraction of the gradient and the model
barely trains. `diagnose` names the clip, its line (marked here, looked up, never
hard-coded) and how far below the gradients' norm it cuts, where it said 'the learning rate
is far too small' (the tape's gradients are read before the clip); a clip at 1.0 or none is
no finding. The torch twin: tests/pytorch/test_bugs_over_clipped.py."""
import functools
import gc
import weakref

import numpy as np
import pytest

from programs import line_of

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose

STEPS = 8


def clipped_loop(clip_norm=None, make=None, clip_each=None, **clipping):
    """SGD(0.1) (or `make`(**clipping)) on a small classifier, its gradients clipped by
    tf.clip_by_global_norm at `clip_norm`, or by the optimizer's `clipping`
    (global_clipnorm= or clipnorm=), or each gradient by `clip_each`."""
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(STEPS * 32, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    make = make or functools.partial(tf.keras.optimizers.SGD, 0.1)
    optimizer = make(**clipping)  # BUG: keras clip
    with Recorder() as rec:
        for i in range(STEPS):
            with tf.GradientTape() as tape:
                loss = loss_object(y[i * 32:(i + 1) * 32], model(x[i * 32:(i + 1) * 32]))
            grads = tape.gradient(loss, model.trainable_variables)
            if clip_norm is not None:
                grads, _ = tf.clip_by_global_norm(grads, clip_norm)  # BUG: tf clip
            if clip_each is not None:
                grads = [clip_each(g) for g in grads]
            optimizer.apply_gradients(zip(grads, model.trainable_variables))  # apply
    return rec, optimizer


def test_clip_by_global_norm_far_below_the_gradients_norm_is_named_at_its_line():
    """was: 'the learning rate is far too small: ... fix: a learning rate that moves the
    weights' (the lr, 0.1, is fine)."""
    rec, _ = clipped_loop(1e-6)
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_over_clipped"
    assert finding.message.startswith("the gradients are clipped to a norm of 1e-06 in every "
                                      "step (steps 6-8), at least ")
    assert "times below their norm (before the clip: " in finding.message
    assert "fix: clip at about the gradients' usual norm (tf.clip_by_global_norm(grads, 1.0) " \
        "or 5.0)" in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: tf clip")


@pytest.mark.parametrize("setting, of", [("global_clipnorm", "their norm"),
                                         ("clipnorm", "the largest gradient's norm")])
def test_a_keras_clip_setting_far_below_the_gradients_norm_names_the_optimizers_line(
        setting, of):
    rec, _ = clipped_loop(**{setting: 1e-6})
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_over_clipped"
    assert f"times below {of} (before the clip: " in finding.message
    assert f"by the optimizer's {setting}=1e-06 (made at " in finding.message
    assert f"fix: clip at about the gradients' usual norm ({setting}=1.0 is common)" \
        in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG: keras clip")
    assert finding.node.source.lineno == line_of(__file__, "# apply")


@pytest.mark.parametrize("clipping", [{"clip_norm": 1.0}, {"global_clipnorm": 1.0},
                                      {"clipnorm": 5.0}, {}])
def test_a_clip_as_a_guard_or_none_is_no_finding(clipping):
    rec, _ = clipped_loop(**clipping)
    assert diagnose(rec) == []


def test_adams_clipnorm_typo_is_said_as_adam_feels_it():
    """Adam divides by the gradient's size: clipnorm=1e-9 shrinks its updates only because
    the clipped gradients fall below its epsilon. Was: 'every update is then the learning
    rate times under 8e-09 of the gradient', SGD's arithmetic, for an Adam."""
    rec, _ = clipped_loop(make=tf.keras.optimizers.Adam, clipnorm=1e-9)
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_over_clipped"
    assert "Adam divides each update by the gradient's size, so a clip alone would not " \
        "matter, but gradients this small fall below its epsilon (1e-07), which then sets " \
        "the size: every update is about " in finding.message
    shrink = float(finding.message.split("every update is about ")[1].split(" ")[0])
    assert shrink < 0.01
    assert "the learning rate times under" not in finding.message


def test_an_adams_clip_far_below_the_norm_but_above_its_epsilon_is_no_finding():
    """clipnorm=1e-5, over 1,000 times below the gradients' norm: Adam's updates keep most of
    their size, its clipped gradients above its epsilon (was: 'every update is then the
    learning rate times under 1e-05 of the gradient')."""
    rec, _ = clipped_loop(make=tf.keras.optimizers.Adam, clipnorm=1e-5)
    assert diagnose(rec) == []


@pytest.mark.parametrize("make, clipping", [
    (None, {"clipnorm": 1e-6}), (None, {"global_clipnorm": 1e-6}),
    (tf.keras.optimizers.Adam, {"clipnorm": 1e-9}),
    (tf.keras.optimizers.Adam, {"clipnorm": 1e-5}),   # (no finding: above its epsilon)
    (tf.keras.optimizers.Adam, {"clipnorm": 1e-5, "epsilon": 1e-3}),   # (below its own)
    (tf.keras.optimizers.RMSprop, {"clipnorm": 1e-5, "epsilon": 1e-3}),
    (tf.keras.optimizers.Adagrad, {"clipnorm": 1e-5, "epsilon": 1e-3})])
def test_the_finding_is_the_same_once_the_optimizer_is_gone(make, clipping):
    """A recording read after its optimizer was collected (made in a function that returned,
    or a notebook cell that rebound the name) said 'the learning rate is far too small' for
    SGD's clip, and nothing for Adam's: the finding read the clip off the living optimizer.
    It keeps the optimizer's settings and class, not the optimizer; its epsilon too (an
    epsilon of 1e-3 was read as the class's 1e-07 once it was gone: no finding)."""
    rec, optimizer = clipped_loop(make=make, **clipping)
    alive = [(f.kind, f.message, f.source) for f in diagnose(rec)]
    gone = weakref.ref(optimizer)
    del optimizer
    gc.collect()
    assert gone() is None
    assert [(f.kind, f.message, f.source) for f in diagnose(rec)] == alive
    assert [kind for kind, _, _ in alive] == ([] if clipping == {"clipnorm": 1e-5} else
                                              ["gradients_over_clipped"])
    if "epsilon" in clipping:
        assert "fall below its epsilon (0.001)" in alive[0][1], alive


@pytest.mark.parametrize("clip_each, to, of, fix, marker", [
    (lambda g: tf.clip_by_norm(g, 1e-9),  # BUG: by norm
     "a norm of 1e-09", "that gradient's norm", "tf.clip_by_norm(g, 1.0)", "# BUG: by norm"),
    (lambda g: tf.clip_by_value(g, -1e-9, 1e-9),  # BUG: by value
     "values within ±1e-09", "their largest value",
     "tf.clip_by_value(g, -1.0, 1.0), or a clip by norm", "# BUG: by value")])
def test_each_gradient_clipped_by_a_typo_is_named_not_the_learning_rate(clip_each, to, of, fix,
                                                                        marker):
    """Was: 'the learning rate is far too small ... fix: a learning rate that moves the
    weights (... SGD's 0.01)': lower than the SGD(0.1) it has."""
    rec, _ = clipped_loop(clip_each=clip_each)
    [finding] = diagnose(rec)
    assert finding.kind == "gradients_over_clipped"
    assert finding.message.startswith(f"the gradients are clipped to {to} in every step")
    assert f"times below {of} (before the clip: " in finding.message
    assert f"fix: clip at about the gradients' usual norm ({fix})" in finding.message
    assert finding.source.lineno == line_of(__file__, marker)

