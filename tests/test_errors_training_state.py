"""Mistakes around a training loop, each said at the user's line with the state left as it
was: Keras's compile, save and load, fit's validation data and a callback that raises;
GradientTape's gradient, jacobian and batch_jacobian given what they cannot take; the
debugger's break_on, find_nan_origin and Recorder given what is not there. After each, the
same objects work on and give what they would have given had the mistake not happened.
"""
from __future__ import annotations

import zipfile

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, break_on, find_nan_origin
from raising import assert_said_at_its_line

RNG = np.random.default_rng(0)
X = RNG.random((40, 4), dtype=np.float32)
LABELS = RNG.integers(0, 3, size=40)


def _model(metrics=("accuracy",)):
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(3)])
    model(X[:1])
    model.compile(optimizer="adam", metrics=list(metrics),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _weights(model) -> list:
    return [v.numpy().copy() for v in model.weights]


# ---- Keras: each mistake on a compiled, trained model --------------------------------------
def _files(tmp_path):
    (tmp_path / "junk.keras").write_text("not a zip")
    (tmp_path / "junk.weights.h5").write_text("not HDF5")
    with zipfile.ZipFile(tmp_path / "no_config.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    return tmp_path


# name -> (the mistake, one line, given the model and a folder; the class; words)
KERAS = {
    "compile with a misspelt metric": (
        lambda m, d: m.compile(optimizer="sgd", loss="mse", metrics=["acuracy"]),
        ValueError, ["Unknown metric function: 'acuracy'", "did you mean 'accuracy'?"]),
    "compile with a misspelt loss": (
        lambda m, d: m.compile(optimizer="sgd", loss="sparse_categorical_crossentropyy"),
        ValueError, ["Unknown loss function", "did you mean 'sparse_categorical_crossentropy'"]),
    "compile with a number for the loss": (
        lambda m, d: m.compile(optimizer="sgd", loss=3),
        ValueError, ["loss", "Could not interpret loss function identifier: 3",
                     "a Loss or a function of (y_true, y_pred)"]),
    "compile with a number for a metric": (
        lambda m, d: m.compile(optimizer="sgd", loss="mse", metrics=[3]),
        ValueError, ["metric", "Could not interpret metric identifier: 3"]),
    "load_model of a file that is not there": (
        lambda m, d: tf.keras.models.load_model(d / "absent.keras"),
        ValueError, ["load_model", "File not found", "absent.keras", "no such file"]),
    "load_model of a file that is not a zip": (
        lambda m, d: tf.keras.models.load_model(d / "junk.keras"),
        ValueError, ["load_model", "junk.keras", "not a zip"]),
    "load_model of a zip without a config": (
        lambda m, d: tf.keras.models.load_model(d / "no_config.keras"),
        ValueError, ["load_model", "no_config.keras", "holds no config.json"]),
    "load_weights of a file that is not there": (
        lambda m, d: m.load_weights(d / "absent.weights.h5"),
        FileNotFoundError, ["load_weights", "no file", "absent.weights.h5"]),
    "load_weights of a file that is not a weights file": (
        lambda m, d: m.load_weights(d / "junk.weights.h5"),
        ValueError, ["load_weights", "junk.weights.h5", "not a weights file", "b'not HDF5'"]),
    "save into a folder that is not there": (
        lambda m, d: m.save(d / "absent" / "model.keras"),
        FileNotFoundError, ["save", "no directory", "absent", "os.makedirs"]),
    "save_weights into a folder that is not there": (
        lambda m, d: m.save_weights(d / "absent" / "model.weights.h5"),
        FileNotFoundError, ["save_weights", "no directory", "absent"]),
    "fit with validation data of 6 features": (
        lambda m, d: m.fit(X, LABELS, validation_data=(np.ones((5, 6), np.float32),
                                                       LABELS[:5]), epochs=1, verbose=0),
        ValueError, ["fit", "validation_data", "x_val has shape (6,)", "x has (4,)"]),
    "fit with 5 validation inputs and 4 labels": (
        lambda m, d: m.fit(X, LABELS, validation_data=(X[:5], LABELS[:4]), epochs=1, verbose=0),
        ValueError, ["fit", "validation_data", "5 samples", "4"]),
    "predict of one example without its batch axis": (
        lambda m, d: m.predict(X[0], verbose=0),
        ValueError, ["(Dense)", "rank >= 2", "(4,)", "x[None]"]),
}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_a_keras_mistake_leaves_the_model_compiled_trained_and_training(name, tmp_path):
    mistake, kind, words = KERAS[name]
    model, twin = _model(), _model()
    model.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0)
    twin.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0)
    optimizer, loss, weights = model.optimizer, model.loss, _weights(model)
    with pytest.raises(kind) as refused:
        mistake(model, _files(tmp_path))
    assert_said_at_its_line(refused.value, mistake, words)
    assert model.optimizer is optimizer and model.loss is loss   # compile changed nothing
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), weights))
    # it trains on as its twin, which made no mistake: the same losses, metrics and weights
    ours = model.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    theirs = twin.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    assert ours == theirs and set(ours) == {"loss", "accuracy"}
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(twin)))


def test_a_misspelt_metric_is_refused_by_compile_not_by_fit():
    """It passed compile and failed at fit's first batch, pointing at the fit line."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="did you mean 'accuracy'"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])
    assert getattr(model, "compiled_loss", None) is None   # not half compiled
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy", "ce", "mae"])
    model.fit(X, np.eye(3, dtype=np.float32)[LABELS], epochs=1, verbose=0)


def test_save_weights_to_a_checkpoint_prefix_makes_its_folder_as_tf(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "training" / "cp.ckpt")
    twin = _model()
    twin.layers[0].kernel.assign(tf.zeros_like(twin.layers[0].kernel))
    twin.load_weights(tmp_path / "training" / "cp.ckpt")
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(twin)))


class _RaisesAtTheThirdBatch(tf.keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise RuntimeError("the callback's own bug")


def test_a_callback_that_raises_mid_epoch_leaves_what_three_steps_made():
    """The model, optimizer and metrics after it are those of a fit on its first three
    batches; the next fit is that model's next fit."""
    model, twin = _model(), _model()
    with pytest.raises(RuntimeError, match="own bug"):
        model.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[_RaisesAtTheThirdBatch()])
    twin.fit(X[:24], LABELS[:24], epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations) == int(twin.optimizer.iterations) == 3
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(twin)))
    ours = model.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    theirs = twin.fit(X, LABELS, epochs=1, batch_size=8, shuffle=False, verbose=0).history
    assert ours == theirs
    assert model.evaluate(X, LABELS, verbose=0) == twin.evaluate(X, LABELS, verbose=0)


# ---- GradientTape --------------------------------------------------------------------------
W = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

# name -> (the mistake, one line, given the tape and what it recorded; the class; words)
TAPE = {
    "gradient with unconnected_gradients misspelt": (
        lambda t, y: t.gradient(y, W, unconnected_gradients="zeros"),
        ValueError, ["GradientTape.gradient", "'none' or 'zero'", "'zeros' (str)"]),
    "jacobian with unconnected_gradients misspelt": (
        lambda t, y: t.jacobian(y, W, unconnected_gradients="nope"),
        ValueError, ["GradientTape.jacobian", "'none' or 'zero'", "'nope' (str)"]),
    "jacobian of a variable's name": (
        lambda t, y: t.jacobian(y, "W"),
        TypeError, ["GradientTape.jacobian", "sources must be tensors", "'W' (str)"]),
    "batch_jacobian of a target without a batch axis": (
        lambda t, y: t.batch_jacobian(tf.reduce_sum(y, 0), W),
        ValueError, ["GradientTape.batch_jacobian", "the target must have rank at least 2",
                     "(3,)", "Shape (3,) must have rank at least 2"]),
    "batch_jacobian of a tensor and a list": (
        lambda t, y: t.batch_jacobian(y, [W, W]),
        TypeError, ["GradientTape.batch_jacobian", "one tensor", "list"]),
    "output_gradients of another shape": (
        lambda t, y: t.gradient(y, W, output_gradients=tf.ones([3])),
        ValueError, ["output_gradients", "(2, 3)", "(3,)", "tf.ones_like(target)"]),
    "output_gradients of another dtype": (
        lambda t, y: t.gradient(y, W, output_gradients=tf.ones([2, 3], tf.int32)),
        TypeError, ["output_gradients", "float32", "int32", "tf.cast"]),
}


@pytest.mark.parametrize("name", sorted(TAPE))
def test_a_tape_mistake_leaves_the_tape_able_to_give_its_gradient(name):
    """The tape is not persistent: after the refusal its one gradient is still to come."""
    mistake, kind, words = TAPE[name]
    with tf.GradientTape() as tape:
        y = W * W
    with pytest.raises(kind) as refused:
        mistake(tape, y)
    assert_said_at_its_line(refused.value, mistake, words)
    assert tape.gradient(y, W).numpy().tolist() == (2 * W.numpy()).tolist()


def test_a_second_gradient_of_a_used_tape_names_the_first_call():
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(W * W)
    first = tape.gradient(y, W)
    mistake = lambda: tape.gradient(y, W)  # noqa: E731 - its line is the one said
    with pytest.raises(RuntimeError) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, ["non-persistent", "second", "persistent=True"])
    assert first.numpy().tolist() == (2 * W.numpy()).tolist()


@pytest.mark.parametrize("value", ["x", 3.0, None, np.ones(3)])
def test_watching_what_is_no_tensor_is_refused_and_the_tape_records_on(value):
    with tf.GradientTape() as tape:
        mistake = lambda: tape.watch(value)  # noqa: E731
        with pytest.raises(ValueError) as refused:
            mistake()
        y = tf.reduce_sum(W * 3.0)
    assert_said_at_its_line(refused.value, mistake, ["GradientTape.watch", "a tensor or variable",
                                                     "tf.constant(x)"])
    assert tape.gradient(y, W).numpy().tolist() == [[3.0] * 3] * 2


# ---- the debugger's own API ----------------------------------------------------------------
def test_break_on_an_unknown_op_suggests_the_nearest_and_arms_nothing():
    mistake = lambda: break_on(op="matmull")  # noqa: E731
    with pytest.raises(ValueError) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake,
                            ["break_on", "'matmull'", "did you mean 'matmul'"])
    assert tf.debugger.breakpoints() == []


def test_break_on_a_line_past_the_end_of_a_file_is_refused():
    mistake = lambda: break_on(file=__file__, line=100_000)  # noqa: E731
    with pytest.raises(ValueError) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, ["break_on", ":100000", "lines"])
    assert tf.debugger.breakpoints() == []


def test_find_nan_origin_of_a_recorder_with_no_step_says_why_it_has_none():
    """rec.last_step is None before a step is recorded: the hint says so (it said nothing)."""
    recorder = Recorder()
    mistake = lambda: find_nan_origin(recorder.last_step)  # noqa: E731
    with pytest.raises(TypeError) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, ["find_nan_origin", "got None",
                                                     "last_step is None until it has recorded",
                                                     "Recorder().start()"])


@pytest.mark.parametrize("budget", [float("inf"), float("nan"), -1, "1GB"])
def test_a_recorder_given_no_budget_it_can_keep_is_refused_by_name(budget):
    """inf failed in int() with a bare OverflowError."""
    mistake = lambda: Recorder(max_bytes=budget)  # noqa: E731
    with pytest.raises((TypeError, ValueError)) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, ["Recorder", "max_bytes", "positive number"])


# ---- learning-rate schedules ---------------------------------------------------------------
SCHEDULES = tf.keras.optimizers.schedules

# the mistake, one line; the class; words (each raised a bare ValueError or TypeError of
# float() or convert_to_tensor, or divided by zero at the first step)
SCHEDULE_MISTAKES = {
    "InverseTimeDecay over 0 steps": (
        lambda: SCHEDULES.InverseTimeDecay(0.1, 0, 0.5)(5),
        ValueError, ["InverseTimeDecay", "decay_steps", "positive number of steps", "0"]),
    "ExponentialDecay with a decay_rate of text": (
        lambda: SCHEDULES.ExponentialDecay(0.1, 10, "0.9"),
        TypeError, ["ExponentialDecay", "decay_rate must be a number", "'0.9' (str)"]),
    "ExponentialDecay with no initial rate": (
        lambda: SCHEDULES.ExponentialDecay(None, 10, 0.9),
        TypeError, ["ExponentialDecay", "initial_learning_rate must be a number", "None"]),
    "PolynomialDecay with a power of None": (
        lambda: SCHEDULES.PolynomialDecay(0.1, 10, power=None),
        TypeError, ["PolynomialDecay", "power must be a number"]),
    "CosineDecayRestarts with a NaN t_mul": (
        lambda: SCHEDULES.CosineDecayRestarts(0.1, 10, t_mul=float("nan")),
        ValueError, ["CosineDecayRestarts", "t_mul", "not NaN"]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULE_MISTAKES))
def test_a_schedule_given_a_bad_argument_names_it_and_an_optimizer_trains_on(name):
    mistake, kind, words = SCHEDULE_MISTAKES[name]
    w = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.SGD(SCHEDULES.ExponentialDecay(0.1, 10, 0.5))
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    with pytest.raises(kind) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, words)
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    rate = 0.1 * 0.5 ** 0.1
    assert w.numpy() == pytest.approx([1.0 - 0.1 - rate, 2.0 - 0.1 - rate])


def test_find_nan_origin_of_a_tape_that_recorded_nothing_says_so():
    """It warned 'no op of the forward pass made NaN/Inf', as of a clean recording."""
    x = tf.constant([0.0])
    with tf.GradientTape() as tape:   # x is not watched: sqrt(x - 1) is not recorded
        with pytest.warns(RuntimeWarning, match="sqrt"):
            tf.sqrt(x - 1.0)
    with pytest.warns(UserWarning, match="the tape recorded no op, so there was nothing to "
                                         "search") as said:
        assert find_nan_origin(tape) is None
    assert not any("forward pass made" in str(w.message) for w in said)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.warns(RuntimeWarning, match="sqrt"):
            tf.sqrt(x - 1.0)
    assert find_nan_origin(tape).op == "sqrt"


# ---- optimizers ----------------------------------------------------------------------------
@pytest.mark.parametrize("gradient, came", [(tf.constant(["a", "b"]), "a string tensor"),
                                            ("ab", "'ab' (str)")])
def test_a_gradient_of_text_is_refused_by_apply_gradients_with_nothing_updated(gradient, came):
    """It was refused by cast (a string tensor) or convert_to_tensor (text), naming neither
    apply_gradients nor the variable."""
    w = tf.Variable([1.0, 2.0])
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    before = [w.numpy().copy()] + [v.numpy().copy() for v in optimizer.variables]
    mistake = lambda: optimizer.apply_gradients([(gradient, w)])  # noqa: E731
    with pytest.raises(TypeError) as refused:
        mistake()
    assert_said_at_its_line(refused.value, mistake, ["Adam.apply_gradients", "the gradient for "
                                               "variable", "must be numbers", came])
    after = [w.numpy()] + [v.numpy() for v in optimizer.variables]
    assert all(np.array_equal(a, b) for a, b in zip(after, before))
    optimizer.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    assert int(optimizer.iterations) == 2


def test_validation_images_of_another_size_still_validate_a_fully_convolutional_model():
    """The early check compares the last axis alone: other heights and widths are the
    model's to take (a global pooling does), as in Keras."""
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(2, 3),
                                 tf.keras.layers.GlobalAveragePooling2D(),
                                 tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((4, 8, 8, 3), np.float32), np.ones((4, 1), np.float32),
                        validation_data=(np.ones((2, 12, 12, 3), np.float32),
                                         np.ones((2, 1), np.float32)), verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
