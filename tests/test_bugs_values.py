"""Issue 12's value bugs, each in small programs of their own (1: log(0) in a hand-written
cross-entropy; 3: a constant feature divided by its zero standard deviation; 5: softmax
outputs given to a loss that expects logits), found by the step a user takes for the
symptom: NaN in the loss -> `tf.debugging.enable_check_numerics()`, `find_nan_origin`, or
the alerts of the TapeWidget on a Recorder or a `%%tapeviz` cell; a model that learns
slowly -> the warning at the loss call; numpy's RuntimeWarning -> it names the op and the
user's line (lines marked `# WARN`).

"Found" is one message that says the problem in words, names the op, and names this file
and the line of the buggy statement (marked `# BUG <n>` below), with the usual fix.
"""
import functools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, find_nan_origin
from tapeviz.debugger.numerics import _where
from tapeviz.logits_check import ProbabilitiesAsLogitsWarning
from tapeviz.viz.widget import TapeWidget
from programs import line_of, marked_line



here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


def at_marker(source, marker: str) -> bool:
    return source.filename == __file__ and source.lineno == line_of(__file__, marker)


@pytest.fixture
def check_numerics():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def nan_alert(source) -> str:
    [message] = [a["message"] for a in TapeWidget(source).alerts if a["kind"] == "nan"]
    return message


def classes(n: int = 32, features: int = 4, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    labels = rng.integers(0, k, size=n)
    return x, labels, np.eye(k, dtype=np.float32)[labels]


# ---- bug 1: log(0) in a hand-written cross-entropy ------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_log_of_zero_in_a_hand_written_loop_stops_check_numerics_at_the_log(check_numerics):
    x, _, y = classes()
    w = tf.Variable(tf.random.normal([4, 3], seed=1) * 60.0)  # confident logits: softmax hits 0
    optimizer = tf.keras.optimizers.SGD(0.1)
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        for _ in range(3):
            with tf.GradientTape() as tape:
                probs = tf.nn.softmax(tf.matmul(x, w))
                loss = -tf.reduce_mean(tf.reduce_sum(y * tf.math.log(probs), axis=1))  # BUG 1a
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
    error = caught.value
    message = str(error)
    assert error.op == "log" and message.startswith("log: produced -inf in the forward pass")
    assert "inputs were 0 (log(0) = -inf)" in message
    assert at_marker(error.source, "# BUG 1a") and here("# BUG 1a") in message
    assert "tf.math.log(tf.clip_by_value(p, 1e-7, 1.0))" in error.hint
    assert "tf.math.log(p + 1e-7)" in error.hint and "from_logits=True" in error.hint


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_log_of_zero_in_a_keras_loop_is_an_alert_on_the_recording():
    x, _, y = classes(seed=1)
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])
    optimizer = tf.keras.optimizers.Adam(0.01)

    def cross_entropy(y_true, y_pred):
        return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)  # BUG 1b

    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(cross_entropy(y, model(x * 200.0)))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert not np.isfinite(rec.steps[0].loss)
    message = nan_alert(rec)
    assert message.startswith("log produced")
    assert "inputs were 0 (log(0) = -inf)" in message
    assert here("# BUG 1b") in message
    assert "fix: clip the input away from 0" in message and "from_logits=True" in message


# ---- bug 3: a constant feature divided by its zero standard deviation ------------------------
def features_with_a_constant_column(n: int = 16):
    x = np.random.default_rng(2).normal(size=(n, 3)).astype(np.float32)
    x[:, 2] = 7.0  # a feature that never varies
    return x


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_dividing_by_a_hand_computed_zero_std_stops_check_numerics_at_the_division(
        check_numerics):
    x = features_with_a_constant_column()
    mean = tf.reduce_mean(x, axis=0)
    std = tf.sqrt(tf.reduce_mean(tf.square(x - mean), axis=0))
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        normalised = (x - mean) / std  # BUG 3a
        tf.reduce_sum(normalised)
    error = caught.value
    message = str(error)
    assert error.op == "truediv" and message.startswith("truediv: produced nan in the forward pass")
    assert "the divisor held 1 of 3 values equal to 0" in message
    assert "a standard deviation of 0, because feature 2 is constant" in message
    assert at_marker(error.source, "# BUG 3a") and here("# BUG 3a") in message
    assert error.hint == ("add an epsilon to the divisor, (x - mean) / (std + 1e-7), or drop "
                          "the constant feature")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_normalising_with_reduce_std_in_a_keras_loop_is_an_alert_on_the_recording():
    x = features_with_a_constant_column()
    y = x[:, :1] * 2.0
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.SGD(0.01)
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                inputs = (x - tf.reduce_mean(x, axis=0)) / tf.math.reduce_std(x, axis=0)  # BUG 3b
                loss = tf.reduce_mean(tf.square(model(inputs) - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert not np.isfinite(rec.steps[-1].loss)
    message = nan_alert(rec)
    assert message.startswith("truediv produced nan")
    assert "a standard deviation of 0, because feature 2 is constant" in message
    assert here("# BUG 3b") in message
    assert "fix: add an epsilon to the divisor, (x - mean) / (std + 1e-7)" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_dividing_by_the_root_of_moments_variance_is_found_on_the_tape():
    x = tf.constant(features_with_a_constant_column())
    scale = tf.Variable(tf.ones([3]))
    with tf.GradientTape() as tape:
        mean, variance = tf.nn.moments(x, axes=[0])
        loss = tf.reduce_sum(scale * (x - mean) / tf.sqrt(variance))  # BUG 3c
    origin = find_nan_origin(tape, loss)
    assert origin.op == "truediv" and origin.phase == "forward"
    assert at_marker(origin.source, "# BUG 3c")
    assert "because feature 2 is constant" in origin.reason and "epsilon" in origin.fix


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_reduce_std_of_a_learned_constant_feature_has_a_nan_gradient_found_in_its_vjp():
    x = features_with_a_constant_column()
    scale = tf.Variable(tf.ones([3]))
    with tf.GradientTape() as tape:
        h = x * scale
        std = tf.math.reduce_std(h, axis=0)  # BUG 3d
        z = (h - tf.reduce_mean(h, axis=0)) / (std + 1e-5)
        # the std's own term sends it a gradient (through z alone it gets exactly 0 on the
        # constant feature, where TF's sqrt gradient, as tapeviz's, is then 0, not NaN)
        loss = tf.reduce_sum(tf.square(z - 1.0)) + 0.1 * tf.reduce_sum(std)
    assert np.isfinite(loss.numpy())  # the epsilon keeps the forward finite
    origin = find_nan_origin(tape, loss)
    assert origin.phase == "backward" and origin.vjp_of.op.name == "sqrt"
    assert at_marker(origin.source, "# BUG 3d")
    assert "sqrt's gradient 0.5 / sqrt(x) is infinite where x = 0" in origin.reason
    assert "standard deviation of a constant feature" in origin.reason
    assert origin.fix.startswith("tf.math.reduce_std has no finite gradient where the std is 0")
    assert "tf.sqrt(tf.math.reduce_variance(x, axis) + 1e-12)" in origin.fix


# ---- bug 2 at its end: a diverging run overflows --------------------------------------------
def diverge_until_overflow(steps: int = 200):
    """A regression whose learning rate of 0.5 overshoots until the loss overflows."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(32, 3)) * 3).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))  # BUG 2c: overflows here
        w.assign_sub(0.5 * tape.gradient(loss, w))  # BUG 2c: the update that overshoots
    return w


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_overflow_after_divergence_says_the_values_grew_and_how_to_stop_it(check_numerics):
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        diverge_until_overflow()
    message = str(caught.value)
    assert message.startswith("square: produced inf in the forward pass")
    assert at_marker(caught.value.source, "# BUG 2c: overflows here")
    assert "the result overflowed float32" in message
    assert "the values had grown to" in message and "a training run diverges" in message
    assert "a learning rate too large" in message
    assert "hint: lower the learning rate" in message and "tf.clip_by_global_norm" in message
    assert "Recorder" in message.split("hint:")[1]
    assert "the training diverges" not in message   # nothing recorded the run


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_an_overflow_under_a_recorder_names_the_diverging_loss_and_the_update_line(
        check_numerics):
    with Recorder():
        with pytest.raises(tf.errors.InvalidArgumentError) as caught:
            diverge_until_overflow()
    message = str(caught.value)
    assert message.startswith("square: produced inf") and "the values had grown to" in message
    [recorded] = [line for line in message.splitlines() if "a Recorder is recording" in line]
    assert "the training diverges: the loss grows x" in recorded
    assert f"{here('# BUG 2c: the update')}: w.assign_sub(0.5 * tape.gradient(loss, w))" \
        in recorded


def test_the_numpy_overflow_warning_of_a_diverging_run_says_the_values_grew_once_per_line():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")
        diverge_until_overflow(steps=40)
    [square] = [w for w in record if str(w.message).startswith("square: overflow")
                and "already held" not in str(w.message)]   # not the Inf it spread to
    assert (square.filename, square.lineno) == (__file__, line_of(__file__, "# BUG 2c: over"))
    assert "the values had grown past 1e+18 before this op" in str(square.message)
    assert "a learning rate too large" in str(square.message)


# ---- numpy's RuntimeWarnings, said from the user's line ---------------------------------------
def test_numpy_divide_by_zero_in_an_op_is_said_from_the_users_line_naming_the_op():
    p = tf.constant([0.0, 0.5])
    with pytest.warns(RuntimeWarning) as record:
        tf.math.log(p)  # WARN log
    [warning] = record.list
    assert (warning.filename, warning.lineno) == (__file__, line_of(__file__, "# WARN log"))
    assert str(warning.message) == ("log: divide by zero encountered in log; "
                                    "1 of 2 inputs were 0 (log(0) = -inf)")


def test_numpy_warning_inside_a_vjp_is_said_from_the_gradient_line():
    v = tf.Variable([0.0, 4.0])
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.sqrt(v))
    with pytest.warns(RuntimeWarning) as record:
        tape.gradient(total, v)  # WARN vjp
    [warning] = record.list
    assert (warning.filename, warning.lineno) == (__file__, line_of(__file__, "# WARN vjp"))
    assert str(warning.message).startswith("sqrt_grad (in the backward pass): divide by zero "
                                           "encountered")


def test_under_check_numerics_the_error_alone_says_the_log_of_zero():
    """The check raises at the op with the line and the reason: numpy's warning would repeat
    them (notebook 03 printed both)."""
    p = tf.constant([0.0, 0.5])
    tf.debugging.enable_check_numerics()
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            with pytest.raises(tf.errors.InvalidArgumentError) as error:
                tf.math.log(p)
    finally:
        tf.debugging.disable_check_numerics()
    assert "1 of 2 inputs were 0 (log(0) = -inf)" in str(error.value)
    assert [str(w.message) for w in record] == []
    with pytest.warns(RuntimeWarning, match="1 of 2 inputs were 0"):   # unchecked: warned
        tf.math.log(p)


def test_each_user_line_warns_once_under_the_default_filter():
    p = tf.constant([0.0, 1.0])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")
        for _ in range(3):
            tf.math.log(p)  # WARN loop
        tf.math.log(p)  # WARN after
    assert [w.lineno for w in record] == [line_of(__file__, "# WARN loop"),
                                          line_of(__file__, "# WARN after")]
    assert all(w.filename == __file__ for w in record)


def test_a_warning_from_a_python_c_program_is_said_from_its_line():
    """`python -c`'s __main__ has no source a loader can give: the warning still shows."""
    program = "import tapeviz as tf\ntf.math.log(tf.constant([0.0, 1.0]))\n"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("<string>:2: RuntimeWarning: log: divide by zero"), done.stderr


def test_an_error_filter_raises_a_runtime_warning_naming_the_op():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match=r"^truediv: divide by zero encountered"):
            tf.constant([1.0]) / tf.constant([0.0])


def test_numpy_called_directly_still_warns_as_numpy_does():
    with pytest.warns(RuntimeWarning) as record:
        np.log(np.zeros(1))  # WARN numpy
    [warning] = record.list
    assert str(warning.message) == "divide by zero encountered in log"
    assert (warning.filename, warning.lineno) == (__file__, line_of(__file__, "# WARN numpy"))


def test_a_warning_from_tapeviz_code_run_by_a_subscriber_is_not_blamed_on_the_op():
    """A debugger's subscriber runs inside dispatch, after the forward: its own numpy
    warning keeps its line (here a listener compiled as if it were tapeviz's code)."""
    fake = os.path.join(os.path.dirname(tf.__file__), "debugger", "listener_in_tapeviz.py")
    namespace = {"np": np}
    exec(compile("def listener(event):\n    np.log(np.zeros(1))\n", fake, "exec"), namespace)
    tf.subscribe(namespace["listener"])
    try:
        with pytest.warns(RuntimeWarning) as record:
            tf.exp(tf.constant([1.0]))
    finally:
        tf.unsubscribe(namespace["listener"])
    [warning] = record.list
    assert str(warning.message) == "divide by zero encountered in log"
    assert (warning.filename, warning.lineno) == (fake, 2)


# ---- bug 5: softmax outputs given to a loss that expects logits ------------------------------
def no_logits_warnings(run) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        run()
    assert [w for w in record if w.category is ProbabilitiesAsLogitsWarning] == []


def test_a_softmax_model_fit_with_from_logits_warns_at_the_fit_line_naming_the_softmax_layer():
    x, labels, _ = classes(seed=3)
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")
        model.fit(x, labels, epochs=2, batch_size=16, verbose=0)  # BUG 5a
    # said once for the line (as the default filter does), not once a step
    [warning] = [w for w in record if w.category is ProbabilitiesAsLogitsWarning]
    assert (warning.filename, warning.lineno) == (__file__, line_of(__file__, "# BUG 5a"))
    message = str(warning.message)
    assert message.startswith("sparse_softmax_cross_entropy_with_logits: the logits look like "
                              "probabilities: all 48 values are in [0, 1] and each row sums to 1")
    assert here("# BUG 5a") in message
    assert f"the output of softmax (layer {model.name}/{model.layers[1].name}) at " in message
    assert "Dense(k) with no activation" in message and "from_logits=False" in message


def test_a_hand_written_softmax_given_to_the_tf_nn_loss_names_both_lines():
    x, labels, _ = classes(seed=4)
    w = tf.Variable(tf.random.normal([4, 3], seed=2))
    with tf.GradientTape() as tape:
        probs = tf.nn.softmax(tf.matmul(x, w))  # BUG 5b: the softmax
        with pytest.warns(ProbabilitiesAsLogitsWarning) as record:
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, probs)  # BUG 5b: loss
        loss = tf.reduce_mean(losses)
    [warning] = record.list
    assert warning.lineno == line_of(__file__, "# BUG 5b: loss")
    message = str(warning.message)
    assert "the output of softmax at " in message and here("# BUG 5b: the softmax") in message
    assert tape.gradient(loss, w) is not None


def test_probabilities_given_as_logits_outside_a_tape_are_still_caught_by_their_values():
    probs = tf.nn.softmax(tf.random.normal([5, 4], seed=3))
    with pytest.warns(ProbabilitiesAsLogitsWarning, match="each row sums to 1, as a softmax "
                                                          "makes them") as record:
        loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
        loss_fn(tf.one_hot([0, 1, 2, 3, 0], 4), probs)  # BUG 5c
    assert record.list[0].lineno == line_of(__file__, "# BUG 5c")


def test_a_sigmoid_output_given_to_binary_crossentropy_from_logits_names_the_sigmoid():
    x = np.random.default_rng(5).normal(size=(16, 4)).astype(np.float32)
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    with tf.GradientTape():
        scores = model(x)  # BUG 5d: the sigmoid
        with pytest.warns(ProbabilitiesAsLogitsWarning) as record:
            loss_fn(np.ones((16, 1), np.float32), scores)
    message = str(record.list[0].message)
    assert message.startswith("sigmoid_cross_entropy_with_logits: the logits are probabilities")
    assert f"the output of sigmoid (layer {model.name}/{model.layers[0].name}) at " in message
    assert here("# BUG 5d: the sigmoid") in message


def test_real_logits_and_probabilities_without_from_logits_raise_no_warning():
    x, labels, onehot = classes(seed=6)
    tf.random.set_seed(2)
    logits_model = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    probs_model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax")])
    sparse = tf.keras.losses.SparseCategoricalCrossentropy
    with tf.GradientTape():
        no_logits_warnings(lambda: sparse(from_logits=True)(labels, logits_model(x)))
        no_logits_warnings(lambda: sparse()(labels, probs_model(x)))
        no_logits_warnings(lambda: tf.keras.losses.categorical_crossentropy(onehot,
                                                                            probs_model(x)))
        relu_scores = tf.nn.relu(logits_model(x))  # in [0, inf), rows not summing to 1
        no_logits_warnings(lambda: tf.nn.softmax_cross_entropy_with_logits(onehot, relu_scores))
        no_logits_warnings(lambda: tf.nn.sigmoid_cross_entropy_with_logits(
            np.ones((32, 3), np.float32), tf.nn.sigmoid(logits_model(x)) * 0.0 - 1.0))


# ---- in a notebook: %%tapeviz shows the recording with its alerts ----------------------------
def test_log_of_zero_in_a_tapeviz_cell_is_an_alert_and_a_warning_naming_the_cell(monkeypatch):
    pytest.importorskip("IPython")
    from IPython.testing import globalipapp
    import tapeviz.ipython as tvip
    shown = []
    monkeypatch.setattr(tvip.magic, "display", shown.append)
    shell = globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "tapeviz")
    shell.user_ns["tf"] = tf
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = shell.run_cell(
                "%%tapeviz --name rec\n"
                "w = tf.Variable([[60.0, -60.0], [-60.0, 60.0]])\n"
                "with tf.GradientTape() as tape:\n"
                "    p = tf.nn.softmax(tf.matmul(tf.constant([[1.0, 0.0]]), w))\n"
                "    loss = -tf.reduce_sum(tf.constant([[0.0, 1.0]]) * tf.math.log(p))\n"
                "grad = tape.gradient(loss, w)\n", store_history=True)
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")
    assert result.error_in_exec is None and result.error_before_exec is None
    [widget] = shown
    [message] = [a["message"] for a in widget.alerts if a["kind"] == "nan"]
    assert message.startswith("log produced")
    assert "inputs were 0 (log(0) = -inf)" in message and "fix: clip the input" in message
    [log] = [op for op in shell.user_ns["rec"].last_step.ops if op.op == "log"]
    assert log.source.lineno == 4  # the line of the cell's body
    assert f"({_where(log.source)})" in message and "ipykernel" not in message
    [warned] = [w for w in caught if "log: divide by zero" in str(w.message)]
    # named by the cell, as the alert is, not by the kernel's temporary file; said once
    cell = log.source.location.split(",")[0]
    assert cell.startswith("Cell In[") and (warned.filename, warned.lineno) == (cell, 4)
    assert str(warned.message).startswith("log: divide by zero") and cell not in str(warned.message)
    shown = warnings.formatwarning(warned.message, warned.category, warned.filename, 4)
    assert shown.startswith(f"{cell}:4: RuntimeWarning: log: divide by zero"), shown
    assert "loss = -tf.reduce_sum(tf.constant([[0.0, 1.0]]) * tf.math.log(p))" in shown, shown
