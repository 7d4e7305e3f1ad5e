"""Keras programs from the TF tutorials, as a student writes them after the lectures and
debugs them with every tool: a text classifier of an Embedding averaged over its tokens, a
functional model of two inputs, fit with callbacks and validation_split, a subclassed Model
with its own train_step. Each is recorded by fit, drawn, inspected, stepped backward, run by
the Runner past and into a breakpoint and by the Dashboard, its planted NaN found at the
student's line and its planted silent bug diagnosed or refused at the line."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, find_nan_origin
from programs import line_of
from raising import raised, shown_path
from tf_program_tools import (nothing_left_around, ops_drawn, paused_by, recorded, runs_past,
                              stepped_gradients, stepped_to_the_end, trained_by_dashboard,
                              widget_of)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(autouse=True)
def _clean(quiet_breakpoints, keras_session):
    yield from nothing_left_around()


def at(marker: str) -> str:
    """'tests/test_tf_programs_keras.py:<n>' of this file's line marked `marker`, as tapeviz's
    messages show it."""
    return f"{shown_path(__file__)}:{line_of(__file__, marker)}"


# ---- a text classifier: Embedding, averaged over the tokens, Dense -----------------------------
def reviews(n=32, vocabulary=20, length=6):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, vocabulary, size=(n, length))
    labels = (tokens < vocabulary // 2).sum(1) > length // 2
    return tokens.astype(np.int32), labels.astype(np.int32)


def text_classifier(epochs=2, activation=None, one_hot=False, nan=False):
    tokens, labels = reviews()
    pooled = (lambda t: tf.math.log(tf.reduce_mean(t, axis=1) * 0.0)) if nan else \
        (lambda t: tf.reduce_mean(t, axis=1))   # NAN: log(0)
    model = tf.keras.Sequential([tf.keras.layers.Embedding(20, 8, name="words"),
                                 tf.keras.layers.Lambda(pooled),
                                 tf.keras.layers.Dense(2, activation=activation)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    if one_hot:
        labels = tf.one_hot(labels, 2)
    history = model.fit(tokens, labels, batch_size=8, epochs=epochs, verbose=0)   # FIT
    return history.history["loss"]


def test_a_fit_of_two_epochs_records_one_step_a_batch_each_with_its_backward_pass():
    """The metrics' results at fit's last epoch end, read after its last update, were a step
    of their own: the widget opened on 'step 9 of 9: 12 ops' of loss/count and
    accuracy/total, and its Step said 'replay_tape: step 9 recorded no taped forward ops (was
    the step's work done under a GradientTape?)'. Every other epoch's are its last step's."""
    losses, rec = recorded(text_classifier)
    assert len(rec.steps) == 8 and all(step.variable_gradients for step in rec.steps)
    assert [op.op for op in rec.steps[-1].ops][-2:] == ["truediv", "where"]   # the results
    widget = widget_of(rec)
    assert widget.title.startswith("step 8 of 8: ") and widget.no_backward == ""
    drawn = ops_drawn(widget)   # the batch's forward first, its metric results last
    assert drawn[:5] == ["gather", "mean", "@", "+b", "sparse CE"]
    assert stepped_to_the_end(widget) > 0
    assert set(stepped_gradients(widget)) == {"words/embeddings", "dense/kernel", "dense/bias"}
    widget.close()


def test_a_text_classifiers_fit_under_a_breakpoint_the_runner_and_the_dashboard():
    runs_past(text_classifier, op="conv2d")
    paused_at, hit = paused_by(text_classifier, op="gather", layer="words")
    assert (paused_at.op_name, paused_at.source.lineno) == ("gather", line_of(__file__, "# FIT"))
    assert hit.node.scope.endswith("/words")
    shown = trained_by_dashboard(text_classifier)
    steps, losses = shown["history"]["loss"]
    assert shown["state"] == "finished" and steps == list(range(1, 9))
    assert shown["alerts"] == [] and shown["tape_title"].startswith("step 8: ")


def test_a_text_classifiers_nan_is_found_in_its_lambda_at_the_students_line():
    _, rec = recorded(text_classifier, epochs=1, nan=True)
    origin = find_nan_origin(rec.steps[0])
    assert (origin.op, origin.source.lineno) == ("log", line_of(__file__, "# NAN: log(0)") - 1)


def test_a_softmax_before_a_from_logits_loss_is_diagnosed_at_the_fit():
    with pytest.warns(UserWarning, match="the logits look like probabilities"):
        _, rec = recorded(text_classifier, activation="softmax")
    [finding] = [f for f in diagnose(rec) if f.kind == "double_softmax"]
    assert f"made by softmax at {at('# FIT')}" in finding.message


def test_one_hot_labels_for_a_sparse_loss_are_refused_at_the_students_fit_line():
    err, line = raised(ValueError, lambda: text_classifier(one_hot=True))
    assert str(err).startswith("sparse_categorical_crossentropy: y_true must hold one class "
                               "index per example")
    assert f"at {at('# FIT')} in text_classifier" in str(err)
    assert "y_true looks one-hot: use categorical_crossentropy" in err.hint


def test_a_sequential_built_by_its_first_call_runs_its_build_in_its_own_layer_paths():
    """The first batch's weight initialisers (and a Lambda's build-time call) ran under
    'sequential/sequential/embedding': the model's scope twice, once for its call and again
    for the build that call made; the widget drew a second 'sequential' box inside the first
    and break_on(layer='sequential/embedding') named a path no op of the build had."""
    _, rec = recorded(text_classifier, epochs=1)
    scopes = {op.scope for op in rec.steps[0].ops}
    assert {"sequential/words", "sequential/lambda", "sequential/dense"} <= scopes
    assert not [scope for scope in scopes if scope.startswith("sequential/sequential")]
    initialisers = [op for op in rec.steps[0].ops if op.op == "random_uniform"]
    assert [op.scope for op in initialisers] == ["sequential/words", "sequential/dense"]


# ---- a functional model of two inputs --------------------------------------------------------
def measurements(n=32):
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(n, 4)), rng.normal(size=(n, 3))
    target = first[:, :1] - 2 * second[:, 1:2]
    return first.astype(np.float32), second.astype(np.float32), target.astype(np.float32)


def two_inputs(epochs=2, swapped=False):
    first, second, target = measurements()
    a = tf.keras.Input(shape=(4,), name="first")
    b = tf.keras.Input(shape=(3,), name="second")
    joined = tf.keras.layers.Concatenate()([tf.keras.layers.Dense(8, activation="relu")(a),
                                            tf.keras.layers.Dense(8, activation="relu")(b)])
    model = tf.keras.Model(inputs=[a, b], outputs=tf.keras.layers.Dense(1)(joined))
    model.compile(optimizer="adam", loss="mse")
    given = [second, first] if swapped else [first, second]
    history = model.fit(given, target, batch_size=8, epochs=epochs, verbose=0)   # TWO
    return history.history["loss"]


def test_a_two_input_functional_model_is_drawn_joined_stepped_and_run():
    losses, rec = recorded(two_inputs)
    assert len(rec.steps) == 8 and losses[1] < losses[0]
    widget = widget_of(rec)
    drawn = ops_drawn(widget)
    assert drawn.count("@") >= 3 and "concat" in drawn
    [joined] = [k for k, n in widget.view.nodes.items() if n.label == "concat"]
    sections = {s["title"]: s["content"] for s in widget.inspect(joined)["sections"]}
    assert f"{at('# TWO')} in two_inputs" in sections["Source"]
    assert dict(map(tuple, sections["Output"]))["shape"] == "(8, 16)"
    stepped_to_the_end(widget)
    assert len(stepped_gradients(widget)) == 6   # three Dense layers' kernels and biases
    widget.close()
    fitted = line_of(__file__, "# TWO")   # (not the model's building, on one example)
    paused_at, hit = paused_by(two_inputs, op="concat", file=__file__, line=fitted)
    assert hit.node.inputs[0].shape == (8, 8) and paused_at.source.lineno == fitted
    shown = trained_by_dashboard(two_inputs)
    assert shown["steps"] == 8 and shown["alerts"] == []


def test_two_inputs_given_in_the_wrong_order_are_refused_naming_the_layer_and_the_line():
    err, _ = raised(ValueError, lambda: two_inputs(swapped=True))
    assert str(err).startswith('layer "dense" (Dense): expected axis -1 of input shape to have '
                               'value 4, but received input with shape (8, 3)')
    assert f"at {at('# TWO')} in two_inputs" in str(err)


def test_a_functional_models_build_on_tapevizs_probe_warns_nothing():
    """Keras builds a functional model on symbolic inputs: no value, no warning. tapeviz's
    probe, a batch of zeros, made a Lambda's log warn 'log: divide by zero encountered in log;
    3 of 3 inputs were 0' at the model's definition line, for data the student never gave."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        inputs = tf.keras.Input(shape=(3,))
        logs = tf.keras.layers.Lambda(lambda t: tf.math.log(t))(inputs)
        model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(logs))
    assert [str(w.message) for w in said] == []
    assert model(np.ones((2, 3), np.float32)).shape == (2, 1)


# ---- fit with callbacks and validation_split ---------------------------------------------------
def fit_with_callbacks(epochs=4, learning_rate=0.01):
    first, _, target = measurements(n=40)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"),
                                 tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate), loss="mse")   # RATE
    validation_losses = []
    history = model.fit(first, target, batch_size=8, epochs=epochs, validation_split=0.25,
                        verbose=0, callbacks=[   # CALLBACKS
                            tf.keras.callbacks.EarlyStopping(patience=2),
                            tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs:
                                                              validation_losses.append(
                                                                  logs["val_loss"]))])
    return history.history["loss"], validation_losses


def test_fit_with_validation_records_each_epochs_evaluation_as_a_step_of_its_own():
    (losses, validation), rec = recorded(fit_with_callbacks)
    assert len(losses) == len(validation) == 4
    labels = [step.label for step in rec.steps]
    assert labels == ([None] * 4 + ["evaluation"]) * 4   # 30 examples: batches of 8,8,8,6
    widget = widget_of(rec)
    assert widget.no_backward.startswith("step 20 has no backward pass to step: it was an "
                                         "evaluation")
    widget.show_step(18)
    assert widget.title.startswith("step 19 of 20: ")
    stepped_to_the_end(widget)
    assert set(stepped_gradients(widget)) == {"dense/kernel", "dense/bias", "dense_1/kernel",
                                              "dense_1/bias"}
    widget.close()
    shown = trained_by_dashboard(fit_with_callbacks)
    assert shown["steps"] == 16 and shown["alerts"] == []


def test_fit_with_a_learning_rate_100x_too_high_is_said_to_diverge_at_the_compile():
    _, rec = recorded(fit_with_callbacks, learning_rate=1.0)
    [finding] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert "a step of 1x the gradient (the learning rate, for plain SGD)" in finding.message
    assert at("# RATE") in finding.message, finding.message


# ---- a subclassed Model with its own train_step ------------------------------------------------
class Regressor(tf.keras.Model):
    def __init__(self, applied=1, nan=False):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(8, activation="relu")
        self.out = tf.keras.layers.Dense(1)
        self.applied, self.nan = applied, nan

    def call(self, x):
        hidden = self.hidden(x)
        if self.nan:
            hidden = tf.math.log(hidden - 1.0)   # NAN: log of relu - 1
        return self.out(hidden)

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            prediction = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=prediction)   # LOSS
        grads = tape.gradient(loss, self.trainable_variables)
        for _ in range(self.applied):
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))   # APPLY
        return {"loss": loss}


def custom_train_step(epochs=2, applied=1, nan=False):
    first, _, target = measurements()
    model = Regressor(applied, nan)
    model.compile(optimizer="sgd", loss="mse")
    return model.fit(first, target, batch_size=8, epochs=epochs, verbose=0).history["loss"]


def test_a_custom_train_step_is_recorded_stepped_and_run_from_its_own_lines():
    losses, rec = recorded(custom_train_step)
    assert len(rec.steps) == 8 and all(step.variable_gradients for step in rec.steps)
    widget = widget_of(rec)
    drawn = ops_drawn(widget)
    assert drawn[:6] == ["@", "+b", "relu", "@", "+b", "−"]
    [error] = [k for k, n in widget.view.nodes.items() if n.label == "−"]
    assert f"{at('# LOSS')} in train_step" in {
        s["title"]: s["content"] for s in widget.inspect(error)["sections"]}["Source"]
    stepped_to_the_end(widget)
    assert len(stepped_gradients(widget)) == 4
    widget.close()
    runs_past(custom_train_step, op="sigmoid")
    paused_at, _ = paused_by(custom_train_step, op="assign_sub", once=True)
    assert paused_at.source.lineno == line_of(__file__, "# APPLY")
    shown = trained_by_dashboard(custom_train_step)
    assert shown["steps"] == 8 and shown["alerts"] == []


def test_a_custom_train_steps_nan_is_found_in_call_and_its_double_apply_diagnosed():
    _, rec = recorded(custom_train_step, epochs=1, nan=True)
    origin = find_nan_origin(rec.steps[0])
    assert (origin.op, origin.source.lineno) == ("log", line_of(__file__, "# NAN: log of relu"))
    _, rec = recorded(custom_train_step, applied=2)
    [finding] = [f for f in diagnose(rec) if f.kind == "applied_twice"]
    assert finding.message.startswith("the gradients are applied twice in step 8")
    assert at("# APPLY") in finding.message
