"""`model.fit` under a Recorder: each step is one batch's work, from its forward on, its
metric results read after its update included, an epoch's first step beginning with the
epoch's start (the metrics' reset, a callback's learning rate); fit's validation is a step of
its own, "evaluation", and EarlyStopping's restore of the best weights is no training step's
update."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tf_program_tools import nothing_left_around, ops_drawn, recorded, widget_of


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def tiny_model():
    """A 3-4-2 classifier, made and compiled (before a recording: its initializers are no
    step's)."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((3,)),
                                 tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    model.compile(optimizer="sgd", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def tiny_data() -> tuple:
    """16 examples of 3 features, labelled by the first's sign."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int32)


def tiny_fit(model, validation=False):
    """A 2-epoch fit of 4 batches of 4; with `validation`, each epoch validated on 8 examples
    and EarlyStopping(restore_best_weights=True) stopping after 2 (mode='max' of val_loss:
    the first epoch is the best, so its weights are put back)."""
    x, y = tiny_data()
    more = {}
    if validation:
        more = dict(validation_data=(x[:8], y[:8]), callbacks=[tf.keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=0, mode="max", restore_best_weights=True)])
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, **more)
    return model


def _ops(step) -> list:
    return [rop.op for rop in step.ops]


def _trainable_updates(step) -> list:
    return [node.op.name for node in step.nodes if node.op.kind == "update"
            and node.inputs[0].variable.trainable]


ACCURACY_RESULT = ["equal", "multiply", "equal", "where", "truediv", "where"]


def _resets(step) -> int:
    """How many assigns begin `step` (its epoch's metric reset)."""
    ops = _ops(step)
    return next(k for k, op in enumerate(ops) if op != "assign")


def test_each_fit_step_begins_with_its_batchs_forward_and_ends_with_its_metric_results():
    _, rec = recorded(tiny_fit, tiny_model())
    steps = rec.steps
    assert len(steps) == 8 and [step.label for step in steps] == [None] * 8
    for k, step in enumerate(steps):
        first = [node for node in step.nodes if node.op.kind != "update"][0]
        assert (first.op.name, first.scope) == ("matmul", "sequential/dense"), k
        # (an epoch's first step begins with its metric reset: the loss mean's alone in the
        # first, whose accuracy is made at its first batch)
        begin = _resets(step)
        assert begin == {0: 2, 4: 4}.get(k, 0), k
        assert step.nodes[begin].op.name == "matmul" and step.ops[begin].taped, k
        assert _ops(step)[-6:] == ACCURACY_RESULT, k   # accuracy's result
        assert step.variable_gradients and step.loss is not None, k
    assert len({len(step.ops) - _resets(step) for step in steps}) == 1


@pytest.mark.parametrize("callbacks", ["none", "LearningRateScheduler", "validation"])
def test_an_epochs_start_begins_its_first_step_as_fit_prints_the_epoch(callbacks):
    """The second epoch's start (its metrics' reset, a LearningRateScheduler's rate) is the
    first step of that epoch, as it is for the first epoch (was: the last step of the epoch
    before ended with it; after a validation, the evaluation did)."""
    model = tiny_model()
    x, y = tiny_data()
    more, rate = {}, 0
    if callbacks == "LearningRateScheduler":
        rate = 1
        more["callbacks"] = [tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)]
    if callbacks == "validation":
        more["validation_data"] = (x[:8], y[:8])
    _, rec = recorded(model.fit, x, y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                      **more)
    training = [step for step in rec.steps if step.label is None]
    assert len(training) == 12
    assert [_resets(step) for step in training] == [2 + rate, 0, 0, 0] \
        + [4 + rate, 0, 0, 0] * 2
    for step in training:
        assert _ops(step)[-6:] == ACCURACY_RESULT
    for step in rec.steps:
        if step.label == "evaluation":   # its own reset first, its results last
            assert _resets(step) == 4 and _ops(step)[-6:] == ACCURACY_RESULT


def test_the_widget_titles_each_fit_step_and_draws_its_forward_first():
    _, rec = recorded(tiny_fit, tiny_model())
    widget = widget_of(rec)
    for k in range(1, 8):
        widget.show_step(k)
        assert widget.title.startswith(f"step {k + 1} of 8: "), widget.title
        # (the second epoch's first step begins with its metric reset: four assigns)
        assert ops_drawn(widget)[4 if k == 4 else 0] == "@", (k, ops_drawn(widget)[:6])
        assert widget.no_backward == ""
    widget.close()


def test_fit_validation_is_an_evaluation_step_and_the_restore_is_no_training_update():
    model = tiny_model()
    _, rec = recorded(tiny_fit, model, validation=True)
    steps = rec.steps
    assert [step.label for step in steps] == ([None] * 4 + ["evaluation"]) * 2
    for k, step in enumerate(steps):
        if step.label is None:
            assert _trainable_updates(step) == ["assign_sub"] * 4, k   # SGD's alone
            assert _ops(step)[-6:] == ACCURACY_RESULT, k
        # (an epoch's first step and an evaluation begin with the metrics' reset)
        assert step.nodes[_resets(step)].op.name == "matmul", k
        assert _resets(step) == {0: 2, 4: 4, 5: 4, 9: 4}.get(k, 0), k
    last = steps[-1]
    assert _ops(last)[4:6] == ["matmul", "bias_add"] and not last.variable_gradients
    assert _trainable_updates(last) == ["assign"] * 4   # the restore, where it ran
    restored = [node.output.numpy() for node in last.nodes[-4:]]
    assert all(np.array_equal(value, weight) for value, weight in
               zip(restored, model.get_weights()))
    # one batch's work, as the first epoch's last step
    assert _ops(steps[-2]) == _ops(steps[3]) and _ops(steps[3])[-6:] == ACCURACY_RESULT


def test_a_first_update_from_numpy_is_still_the_steps_own():
    """Only an assign after the step's own update of that variable is a value put back: a
    hand-written update through numpy is the step's training update, as before."""
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            grad = tape.gradient(loss, w)
            w.assign(w.numpy() - 0.1 * grad.numpy())
    steps = rec.steps
    assert len(steps) == 3
    for step in steps:
        assert step.ops[0].op == "multiply" and step.ops[0].taped
        assert step.ops[-1].op == "assign"


def _normalized_model():
    """BatchNormalization first, on data no tape watches: its moments and moving-average
    updates run before the step's first taped op."""
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Dense(2)])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _moving_updates(step) -> list:
    return [index for index, node in enumerate(step.nodes) if node.op.kind == "update"
            and node.scope == "sequential/batch_normalization"]


@pytest.mark.parametrize("loop", ["fit", "GradientTape"])
def test_a_layers_moving_average_update_stays_in_the_step_whose_batch_made_it(loop):
    """Each step holds its own batch's two moving-average updates, before its training
    updates (was: each step's were pulled into the step before, read there as what its
    updates wrote, so step 1 held three batches' and the last one none)."""
    model = _normalized_model()
    x, y = tiny_data()

    def custom():
        for start in range(0, 16, 4):
            with tf.GradientTape() as tape:
                loss = model.loss(y[start:start + 4], model(x[start:start + 4], training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            model.optimizer.apply_gradients(zip(grads, model.trainable_variables))
            float(tf.reduce_mean(model.layers[0].moving_mean))   # read before the next tape

    if loop == "fit":
        _, rec = recorded(model.fit, x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    else:
        _, rec = recorded(custom)
    steps = rec.steps
    assert len(steps) == (8 if loop == "fit" else 4)
    for k, step in enumerate(steps):
        moving = _moving_updates(step)
        trained = [index for index, node in enumerate(step.nodes) if node.op.kind == "update"
                   and node.inputs[0].variable.trainable]
        assert len(moving) == 2 and len(trained) == 4 and moving[-1] < trained[0], k


def test_earlystoppings_restore_without_validation_is_a_step_of_its_own():
    """Restored at the end of fit with no validation data (as a validated fit's restore ends
    its evaluation step), a step labelled "restore", not the last training step's updates."""
    model = tiny_model()
    x, y = tiny_data()
    stopping = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=0, mode="max",
                                                restore_best_weights=True)
    _, rec = recorded(model.fit, x, y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                      callbacks=[stopping])
    steps = rec.steps
    assert [step.label for step in steps] == [None] * 8 + ["restore"]
    assert all(_trainable_updates(step) == ["assign_sub"] * 4 for step in steps[:8])
    restore = steps[-1]
    assert _ops(restore) == ["assign"] * 4 and not restore.variable_gradients
    assert all(np.array_equal(node.output.numpy(), weight)
               for node, weight in zip(restore.nodes, model.get_weights()))
    widget = widget_of(rec)
    widget.show_step(8)
    assert widget.title.startswith("step 9 of 9, weights put back"), widget.title
    assert "it was weights put back" in widget.no_backward
    widget.close()
