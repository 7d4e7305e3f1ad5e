"""Issue 12's training-dynamics bugs, each in a small program of its own, found where a user
whose loss is finite but whose model does not learn would look: the alerts of a TapeWidget
on the tape (with its target and sources) or on a Recorder of the loop.

"Found" is one alert that says the problem in words, names the op, and names this file and
the line of the buggy statement (marked `# BUG <n>` below); a healthy run of the reference
workloads gives no alert at all.
"""
import functools

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.datasets import load_digits
from tapeviz.debugger import Finding, Recorder, diagnose
from tapeviz.debugger.diagnosis import gradient_norms
from tapeviz.viz.widget import TapeWidget
from programs import guide_cnn, line_of, load_example, marked_line

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")



here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


def alerts_of(kind: str, widget: TapeWidget) -> list:
    return [a["message"] for a in widget.alerts if a["kind"] == kind]


def linear_data(n: int = 32, scale: float = 3.0):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(n, 3)) * scale).astype(np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], np.float32)


# ---- bug 2: a learning rate too large: the loss grows step after step ------------------------
def test_divergence_names_where_the_optimizers_learning_rate_was_set():
    x, y = linear_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.5)  # BUG 2d: far too large
    with Recorder() as rec:
        for _ in range(6):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])  # BUG 2d: the update
    [finding] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert f"{here('# BUG 2d: the update')}: optimizer.apply_gradients" in finding.message
    assert "the optimizer's learning rate was set at " in finding.message
    assert f"{here('# BUG 2d: far')}: optimizer = tf.keras.optimizers.SGD(learning_rate=0.5)" \
        in finding.message.split("the optimizer's learning rate was set at ")[1]


def diverging_regression(steps: int):
    x, y = linear_data()
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    learning_rate = 0.5
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            grad = tape.gradient(loss, w)
            w.assign_sub(learning_rate * grad)  # BUG 2a: lr 0.5 overshoots a curvature of ~18
    return rec, w


def test_divergence_is_named_early_with_the_update_line_before_any_nan():
    rec, w = diverging_regression(steps=5)
    assert all(np.isfinite(step.loss) for step in rec.steps)   # nothing overflowed yet
    widget = TapeWidget(rec)
    assert alerts_of("nan", widget) == []
    [message] = alerts_of("divergence", widget)
    assert "the training diverges: the loss grows x" in message
    assert f"assign_sub changed {w.name.removesuffix(':0')} by" in message   # as named
    assert "x its norm in one step" in message
    assert here("# BUG 2a") in message and "w.assign_sub(learning_rate * grad)" in message
    assert "the learning rate is too large" in message and "lower it" in message
    # the figures are the run's own: the update moved w by more than its norm, and the
    # step size |update| / |gradient| is the learning rate of plain SGD
    step = rec.steps[2]
    before, after = step.variables[w.name], step.variables_after[w.name]
    moved = np.linalg.norm(after - before) / np.linalg.norm(before)
    assert moved > 1 and "a step of 0.5x the gradient" in message


def test_a_run_that_overflowed_still_says_where_nan_was_born_and_why():
    rec, _ = diverging_regression(steps=30)
    assert not np.isfinite(rec.steps[-1].loss) and not np.isfinite(rec.steps[-5].loss)
    widget = TapeWidget(rec)
    assert widget.alerts[0]["kind"] == "nan"
    born = widget.alerts[0]["message"]
    first_bad = next(s for s in rec.steps if not np.isfinite(s.loss))
    assert f"first in step {first_bad.number}" in born
    assert born.split(" ")[0] in ("matmul", "subtract", "square", "reduce_mean")
    assert "overflowed float32" in born and "the loss was diverging before" in born
    assert "loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))" in born
    assert here("# BUG 2a") in alerts_of("divergence", widget)[0]


def test_divergence_of_a_keras_fit_names_the_optimizer_update_and_the_fit_line():
    tf.random.set_seed(0)
    x, y = linear_data(n=64, scale=4.0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.3), loss="mse")
    with Recorder() as rec:
        model.fit(x, y, batch_size=64, epochs=6, verbose=0)  # BUG 2b: learning_rate=0.3
    losses = [step.loss for step in rec.steps if step.loss is not None]
    assert losses[-1] > 100 * losses[0]
    [message] = alerts_of("divergence", TapeWidget(rec))
    layer = model.layers[0].name
    assert "the training diverges" in message and \
        f"assign_sub (in SGD) changed the bias of layer {layer}" in message
    assert "a step of 0.3x the gradient" in message and here("# BUG 2b") in message


# ---- bug 4: (n,) against (n, 1) in a loss ----------------------------------------------------
def test_outer_product_broadcast_in_a_hand_written_loss():
    x, y = linear_data()
    labels = tf.constant(y[:, 0])                      # (32,)
    w, b = tf.Variable(tf.zeros([3, 1])), tf.Variable(0.0)
    with tf.GradientTape(persistent=True) as tape:
        prediction = tf.matmul(x, w) + b               # (32, 1)
        loss = tf.reduce_mean(tf.square(labels - prediction))  # BUG 4a
    [message] = alerts_of("outer_broadcast", TapeWidget(tape, target=loss, sources=[w, b]))
    assert message.startswith("subtract broadcast (32,) and (32, 1) to (32, 32)")
    assert "an outer product" in message and here("# BUG 4a") in message
    assert "hint: (32,) against (32, 1)" in message and "tf.squeeze" in message


def test_outer_product_broadcast_in_a_keras_loop_found_on_the_recording():
    tf.random.set_seed(0)
    x, y = linear_data(n=16)
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.abs(model(x) - y[:, 0]))  # BUG 4b
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    widget = TapeWidget(rec)
    [alert] = [a for a in widget.alerts if a["kind"] == "outer_broadcast"]
    assert alert["message"].startswith("subtract broadcast (16, 1) and (16,) to (16, 16)")
    assert here("# BUG 4b") in alert["message"]
    assert widget.graph.nodes[alert["node"]].op == "subtract"   # the alert selects the op


# ---- bug 6: a ReLU layer that outputs only zeros -----------------------------------------------
def test_dead_relu_layer_of_a_keras_model_named_without_false_alarms():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(16, activation="relu", input_shape=(4,),
                              bias_initializer=tf.keras.initializers.Constant(-10.0)),
        tf.keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(5):
            with tf.GradientTape() as tape:
                prediction = model(x)  # BUG 6a: the first layer's bias starts at -10
                loss = tf.reduce_mean(tf.square(prediction - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    widget = TapeWidget(rec)
    [message] = alerts_of("dead_relu", widget)
    first, head = model.layers
    assert f"relu in layer {first.name} outputs only zeros" in message   # as its kernel says
    assert "(64x16 values: every unit, every example)" in message
    assert f"the kernel and bias of layer {first.name} and the kernel of layer {head.name} " \
        f"never train" in message
    assert here("# BUG 6a") in message and "leaky_relu" in message
    # the head's bias trains, and the dead layer is dead, not "vanishing"
    assert [a["kind"] for a in widget.alerts] == ["dead_relu"]
    assert f"{head.name}/bias" not in message
    assert np.any(rec.steps[-1].variable_gradients[head.bias.name].numpy())


def test_dead_relu_in_a_hand_written_layer_found_on_the_tape():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.uniform(0, 1, size=(32, 5)).astype(np.float32))
    w1 = tf.Variable(rng.normal(size=(5, 8)).astype(np.float32) * 0.1, name="w1")
    b1 = tf.Variable(tf.fill([8], -5.0), name="b1")
    w2 = tf.Variable(rng.normal(size=(8, 1)).astype(np.float32), name="w2")
    with tf.GradientTape(persistent=True) as tape:
        hidden = tf.nn.relu(tf.matmul(x, w1) + b1)  # BUG 6b
        loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - 1.0))
    widget = TapeWidget(tape, target=loss, sources=[w1, b1, w2])
    [alert] = widget.alerts
    assert alert["kind"] == "dead_relu" and widget.graph.nodes[alert["node"]].op == "relu"
    assert "relu outputs only zeros (32x8 values" in alert["message"]
    assert ": w1, b1 and w2 never train" in alert["message"]
    assert here("# BUG 6b") in alert["message"]


def test_dead_relu_names_unnamed_variables_as_the_code_does_else_by_shape_and_reader():
    rng = np.random.default_rng(6)
    pixels = rng.uniform(0, 1, size=(40, 16)).astype(np.float32)
    w1 = tf.Variable(tf.random.uniform([16, 8], seed=2) - 1.0)   # no names given
    b1 = tf.Variable(tf.zeros([8]))
    head_weights = [tf.Variable(tf.random.normal([8, 1], seed=3))]   # no name in code either
    w2 = head_weights[0]
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                hidden = tf.nn.relu(tf.matmul(pixels, w1) + b1)  # BUG 6d: all weights < 0
                loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - 0.5))  # 6d head
            for v, g in zip([w1, b1, w2], tape.gradient(loss, [w1, b1, w2])):
                v.assign_sub(0.05 * g)
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    head = line_of(__file__, "# 6d head")
    assert f": w1, b1 and the 8x1 variable read by matmul (line {head}) never train" \
        in finding.message
    assert "Variable" not in finding.message and here("# BUG 6d") in finding.message
    assert finding.variables == (w1.name, b1.name, w2.name)


def test_dead_relu_does_not_name_variables_by_the_helper_line_that_made_them_all():
    """`p = tf.Variable(init)` in a helper made every variable: 'p' names none of them."""
    rng = np.random.default_rng(6)
    pixels = rng.uniform(0, 1, size=(40, 16)).astype(np.float32)

    def parameter(initial):
        p = tf.Variable(initial)
        return p

    w1, b1 = parameter(tf.random.uniform([16, 8], seed=2) - 1.0), parameter(tf.zeros([8]))
    w2 = parameter(tf.random.normal([8, 1], seed=3))
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                hidden = tf.nn.relu(tf.matmul(pixels, w1) + b1)  # BUG 6e: all weights < 0
                loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - 0.5))  # 6e head
            for v, g in zip([w1, b1, w2], tape.gradient(loss, [w1, b1, w2])):
                v.assign_sub(0.05 * g)
    [finding] = [f for f in diagnose(rec) if f.kind == "dead_relu"]
    relu, head = line_of(__file__, "# BUG 6e"), line_of(__file__, "# 6e head")
    assert f": the 16x8 variable read by matmul (line {relu}), the 8-element variable read " \
        f"by add (line {relu}) and the 8x1 variable read by matmul (line {head}) never " \
        f"train" in finding.message


class TwoLayers(tf.keras.Model):
    """A subclassed model: its layers are called on lines of its own `call`."""

    def __init__(self):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(
            12, activation="relu", kernel_initializer=tf.keras.initializers.Constant(-1.0))
        self.out = tf.keras.layers.Dense(1)

    def call(self, x):
        h = self.hidden(x)  # BUG 6c: every kernel weight -1 on positive inputs
        return self.out(h)


def test_dead_relu_in_a_subclassed_model_names_the_line_inside_call():
    tf.random.set_seed(0)
    model = TwoLayers()
    x = tf.constant(np.random.default_rng(3).uniform(0.1, 1.0, (16, 3)).astype(np.float32))
    optimizer = tf.keras.optimizers.Adam(0.01)
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x) - 1.0))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    widget = TapeWidget(rec)
    [alert] = widget.alerts
    assert alert["kind"] == "dead_relu" and widget.graph.nodes[alert["node"]].op == "relu"
    assert f"layer {model.hidden.name} outputs only zeros" in alert["message"]
    assert here("# BUG 6c") in alert["message"]


# ---- bug 10: gradients vanishing through a deep stack of sigmoids -------------------------------
def test_vanishing_gradients_through_a_keras_sigmoid_stack():
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="sigmoid")
                                 for _ in range(8)] + [tf.keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype(np.float32)
    y = rng.normal(size=(64, 1)).astype(np.float32)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))  # BUG 10a: 8 sigmoid layers
    widget = TapeWidget(tape, target=loss, sources=model.trainable_variables)
    [alert] = widget.alerts
    message = alert["message"]
    grads = tape.gradient(loss, model.trainable_variables)
    first = np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads[:2]))
    last = np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads[-2:]))
    assert alert["kind"] == "vanishing_stack" and message.startswith("vanishing gradients")
    assert f"the first layer's gradient norm is {first / last:.3g} of the last layer's" \
        in message
    assert "through 8 sigmoid ops" in message and here("# BUG 10a") in message
    assert widget.graph.nodes[alert["node"]].op == "sigmoid"


def test_vanishing_gradients_through_a_hand_written_stack_on_a_recording():
    rng = np.random.default_rng(2)
    weights = [tf.Variable(rng.normal(size=(16, 16)).astype(np.float32) * 0.5,
                           name=f"w{i}") for i in range(10)]
    x = tf.constant(rng.normal(size=(32, 16)).astype(np.float32))
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                h = x
                for w in weights:
                    h = tf.sigmoid(tf.matmul(h, w))  # BUG 10b
                loss = tf.reduce_mean(tf.square(h - 0.5))
            grads = tape.gradient(loss, weights)
            for w, g in zip(weights, grads):
                w.assign_sub(0.1 * g)
    [message] = alerts_of("vanishing_stack", TapeWidget(rec))
    assert "(w0 " in message and ", w9 " in message
    assert "through 10 sigmoid ops" in message and "at most 0.25" in message
    assert here("# BUG 10b") in message


def sigmoid_stack_trained(steps: int):
    tf.random.set_seed(10)
    rng = np.random.default_rng(10)
    x = rng.normal(size=(64, 10)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(24, activation="sigmoid")
                                 for _ in range(8)] + [tf.keras.layers.Dense(1)])
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x))  # BUG 10c: eight sigmoid layers
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return rec, model


def test_vanishing_gradients_stay_found_after_the_head_has_trained():
    rec, model = sigmoid_stack_trained(steps=30)
    first, last = model.layers[0].name, model.layers[-1].name

    def ratio(step):
        norms = gradient_norms(step)
        return norms[first] / norms[last]
    # the head's gradient fell as it fitted the mean: the last step alone looks healthier
    assert ratio(rec.steps[-1]) > 1e-3 > ratio(rec.steps[0])
    [finding] = [f for f in diagnose(rec) if f.kind == "vanishing_stack"]
    worst = min(rec.steps, key=ratio)
    assert f"the first layer's gradient norm is {ratio(worst):.3g} of the last layer's in " \
        f"step {worst.number}, {ratio(rec.steps[-1]):.3g} in step 30" in finding.message
    assert "through 8 sigmoid ops" in finding.message and here("# BUG 10c") in finding.message
    assert finding.node.op.name == "sigmoid"


# ---- diagnose(recorder) says what the widget's alerts say, without the widget ----------------
def test_diagnose_of_a_recorder_or_its_step_finds_what_the_widget_alerts():
    rec, w = diverging_regression(steps=5)
    messages = [f.message for f in diagnose(rec)]
    assert sorted(messages) == sorted(a["message"] for a in TapeWidget(rec).alerts)
    [divergence] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert isinstance(divergence, Finding) and here("# BUG 2a") in divergence.message
    assert [f.message for f in diagnose(rec.last_step, history=rec)] == messages
    assert [f.message for f in diagnose(history=rec)] == messages
    # a step alone has its own gradients, not the run's: no divergence in one step
    assert "divergence" not in [f.kind for f in diagnose(rec.last_step)]
    with pytest.raises(TypeError, match="expected a Recorder, a RecordedStep, a GradientTape"):
        diagnose(w)


def test_diagnose_of_a_recorder_names_an_outer_product_and_the_sigmoids_of_a_stack():
    x, y = linear_data()
    w = tf.Variable(tf.zeros([3, 1]))
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y[:, 0]))  # BUG 4c
            w.assign_sub(0.01 * tape.gradient(loss, w))
    [message] = [f.message for f in diagnose(rec) if f.kind == "outer_broadcast"]
    assert message.startswith("subtract broadcast (32, 1) and (32,) to (32, 32)")
    assert here("# BUG 4c") in message
    rec, _ = sigmoid_stack_trained(steps=3)
    [message] = [f.message for f in diagnose(rec) if f.kind == "vanishing_stack"]
    assert "through 8 sigmoid ops" in message and "no sigmoid or tanh" not in message
    # steps without their ops: the norms say it vanishes, nothing is claimed of the ops
    [message] = [f.message for f in diagnose(history=list(rec.steps))
                 if f.kind == "vanishing_stack"]
    assert message.startswith("vanishing gradients") and "sigmoid" not in message


# ---- the false-alarm side: healthy reference workloads give no alert --------------------------
def test_the_lecture_huber_regression_gives_no_alert(tmp_path):
    with Recorder() as rec:
        load_example("regression").main(["--loss", "huber", "--epochs", "2",
                                         "--plot", str(tmp_path / "fit.png")])
    assert len(rec) > 100
    assert TapeWidget(rec).alerts == []


def test_the_guide_cnn_gives_no_alert_on_its_recording_or_its_tape():
    tf.random.set_seed(1)
    (images, labels), _ = load_digits()   # 8x8 real digits, offline, as notebook 03 trains
    images = tf.cast(images[:320, :, :, np.newaxis] / 255, tf.float32)
    dataset = tf.data.Dataset.from_tensor_slices((images, tf.cast(labels[:320], tf.int64)))
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with Recorder() as rec:
        for batch_images, batch_labels in dataset.batch(32):
            with tf.GradientTape() as tape:
                loss = loss_object(batch_labels, model(batch_images, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert len(rec) == 10 and rec.steps[-1].loss < rec.steps[0].loss
    assert TapeWidget(rec).alerts == []
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(batch_images)
        loss = loss_object(batch_labels, model(batch_images, training=True))
    widget = TapeWidget(tape, target=loss, sources=[batch_images] + model.trainable_variables)
    assert widget.alerts == []


def test_an_armed_breakpoint_is_not_hit_by_the_alerts_backward_pass(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="sigmoid")
                                 for _ in range(8)] + [tf.keras.layers.Dense(1)])
    x = tf.constant(np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(model(x))
    tf.debugger.break_on(op="matmul")
    try:
        widget = TapeWidget(tape, target=loss, sources=model.trainable_variables)
        assert [a["kind"] for a in widget.alerts] == []   # no backward pass, no hit
    finally:
        tf.debugger.clear_breakpoints()
    assert [a["kind"] for a in TapeWidget(tape, target=loss, sources=model.trainable_variables)
            .alerts] == ["vanishing_stack"]
