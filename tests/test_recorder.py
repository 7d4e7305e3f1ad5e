"""The Recorder: every op with values, gradients, source lines and scopes, grouped in steps,
kept under a byte budget."""
import gc
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import RecordedOp, RecordedStep, Recorder
from tapeviz.debugger.gradcheck import numeric_gradient
from tapeviz.debugger.recorder import DEFAULT_MAX_BYTES, StepsDroppedWarning
from programs import guide_cnn, line_of


def dense_model():
    tf.random.set_seed(0)
    return tf.keras.Sequential([tf.keras.layers.Dense(3, activation="tanh", input_shape=(4,)),
                                tf.keras.layers.Dense(1)])


def sgd_step(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(5, 1)).astype(np.float32)


# ---- what is captured ----------------------------------------------------------------------
def test_captures_taped_and_untaped_ops_with_source_lines_and_scopes():
    model = dense_model()
    with Recorder() as rec:
        offset = tf.constant([1.0, 2.0]) * 2.0  # marker: untaped
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(X))  # marker: model call
        tape.gradient(loss, model.trainable_variables)
    step = rec.last_step
    assert isinstance(step, RecordedStep) and all(isinstance(op, RecordedOp) for op in step)
    untaped = step.ops[0]
    assert (untaped.op, untaped.taped, untaped.phase) == ("multiply", False, "forward")
    assert untaped.source.filename == __file__
    assert untaped.source.lineno == line_of(__file__, "marker: untaped")
    assert "tf.constant([1.0, 2.0]) * 2.0" in untaped.source.line
    np.testing.assert_array_equal(untaped.output, offset.numpy())
    np.testing.assert_array_equal(untaped.inputs[0], [1.0, 2.0])
    first, second = (f"{model.name}/{layer.name}" for layer in model.layers)
    layer_ops = step.find(scope=model.name + "/")
    assert {op.scope for op in layer_ops} == {first, second}
    assert all(op.taped and op.source.lineno == line_of(__file__, "marker: model call")
               for op in layer_ops if op.phase == "forward")
    assert [op.op for op in step.find(scope=second, phase="forward")] == \
        ["matmul", "bias_add"]
    assert step.find(phase="backward"), "ops inside the VJPs are recorded too"
    assert all(op.duration >= 0.0 for op in step)
    assert [op.index for op in step] == list(range(len(step)))


def test_recording_off_captures_nothing():
    rec = Recorder()
    assert not rec.recording
    _ = tf.constant(1.0) + 1.0
    assert len(rec) == 0 and rec.nbytes == 0
    rec.start()
    assert rec.recording
    _ = tf.constant(1.0) + 1.0
    rec.stop()
    assert not rec.recording
    assert not [cb for cb in events.subscribers() if getattr(cb, "__self__", None) is rec]
    _ = tf.constant(1.0) * 3.0
    assert [op.op for step in rec for op in step] == ["add"]


def test_records_only_the_starting_thread_unless_threads_all():
    def elsewhere():
        _ = tf.constant(2.0) * 2.0

    for threads, expected in (("current", ["add"]), ("all", ["multiply", "add"])):
        with Recorder(threads=threads) as rec:
            worker = threading.Thread(target=elsewhere)
            worker.start()
            worker.join()
            _ = tf.constant(1.0) + 1.0
        assert [op.op for op in rec.last_step] == expected


def test_ops_another_engine_tells_as_events_are_recorded_as_dispatchs_are():
    """Dispatch hands the Recorder each node (no event made); an engine of its own (the
    PyTorch adapter) sends OpExecuted through the op's route: both are kept alike."""
    multiply = tf.ops.REGISTRY["multiply"]
    with Recorder() as rec:
        y = tf.constant([1.0, 2.0]) * 3.0
        node = rec.current_step.ops[0].node
        event = events.OpExecuted(node, True, 0.25)
        for callback in multiply.route.ops:
            callback(event)
    first, second = rec.last_step.ops
    assert first.node is node and second.node is node and node.output is y
    assert (first.taped, second.taped) == (False, True)
    assert first.duration >= 0.0 and second.duration == 0.25
    assert [op.index for op in rec.last_step] == [0, 1]
    assert rec.last_step.nbytes > y.numpy().nbytes


# ---- steps ---------------------------------------------------------------------------------
def test_steps_end_at_gradient_calls_and_take_their_update_ops():
    model, optimizer = dense_model(), tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        losses = [float(sgd_step(model, optimizer, X, Y)) for _ in range(3)]
    assert len(rec) == 3 and [s.index for s in rec.steps] == [0, 1, 2]
    assert [s.loss for s in rec.steps] == pytest.approx(losses)
    for step in rec.steps:
        assert step.complete and step.ops[0].taped
        assert step.ops[0].scope == f"{model.name}/{model.layers[0].name}"
        updates = [op for op in step if op.kind == "update"]
        assert len(updates) == 4 + 1  # four variables, then the iteration count
        assert all(op.scope.startswith("SGD") for op in updates)
        assert step.ops[-1].kind == "update"


def test_ops_after_the_update_start_the_next_step():
    w = tf.Variable(1.0)
    with Recorder() as rec:
        for i in range(2):
            batch = tf.constant(float(i)) + 1.0  # prepares the batch: untaped, not an update
            with tf.GradientTape() as tape:
                loss = w * batch
            w.assign_sub(0.1 * tape.gradient(loss, w))
    assert [[op.op for op in s if op.phase == "forward"] for s in rec.steps] == \
        [["add", "multiply", "multiply", "assign_sub"]] * 2


def test_mark_step_splits_and_labels():
    with Recorder(split="mark") as rec:
        _ = tf.constant(1.0) + 1.0
        first = rec.mark_step("warm-up")
        _ = tf.constant(1.0) * 2.0
        x = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)  # split="mark": no step ends here
        _ = tf.constant(3.0) - 1.0
    assert first.label == "warm-up" and len(rec) == 2
    assert [op.op for op in rec.steps[0]] == ["add"]
    assert rec.steps[1].ops[0].op == "multiply" and rec.steps[1].ops[-1].op == "subtract"
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
        assert rec.mark_step("after gradient") is rec.last_step  # labels it, no empty step
    assert len(rec) == 1 and rec.last_step.label == "after gradient"


def test_a_nested_gradient_call_does_not_end_the_step():
    x = tf.Variable(2.0)
    with Recorder() as rec:
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = x * x * x
            dy = inner.gradient(y, x)
        outer.gradient(dy, x)
    assert len(rec) == 1 and rec.last_step.loss == pytest.approx(12.0)


# ---- gradients and variables ---------------------------------------------------------------
def test_gradients_attached_after_backward_match_tape_gradient():
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(3, 2)))
    w = tf.Variable(rng.normal(size=(2, 2)))
    with Recorder() as rec:
        with tf.GradientTape(persistent=True) as tape:
            z = tf.matmul(x, w)
            h = tf.tanh(z)
            loss = tf.reduce_sum(h * h)
        grad_w = tape.gradient(loss, w)
    step = rec.last_step
    np.testing.assert_allclose(step.gradient_of(h), tape.gradient(loss, h).numpy())
    np.testing.assert_allclose(step.gradient_of(z), tape.gradient(loss, z).numpy())
    np.testing.assert_allclose(step.gradient_of(w), grad_w.numpy())
    assert step.gradient_of(loss) == 1.0
    # d loss / d z by central differences
    f = lambda zz: np.sum(np.tanh(zz) ** 2)  # noqa: E731
    np.testing.assert_allclose(step.gradient_of(z), numeric_gradient(f, z.numpy()), rtol=1e-6)
    assert step.value_of(h) is h._value and step.op_of(z).op == "matmul"
    assert step.gradients[step.op_of(h).label] is step.gradient_of(h)
    assert step.op_of(h).label in step.values


def test_variable_values_at_a_step_are_those_before_its_update():
    model, optimizer = dense_model(), tf.keras.optimizers.SGD(0.1)
    before, after = [], []
    with Recorder() as rec:
        for _ in range(3):
            before.append({v.name: v.numpy() for v in model.trainable_variables})
            sgd_step(model, optimizer, X, Y)
            after.append({v.name: v.numpy() for v in model.trainable_variables})
    assert len(rec) == 3
    for step, values, updated in zip(rec.steps, before, after):
        for name, value in values.items():
            np.testing.assert_array_equal(step.variables[name], value)
            np.testing.assert_array_equal(step.variables_after[name], updated[name])
        variable = model.trainable_variables[0]
        np.testing.assert_array_equal(step.value_of(variable), values[variable.name])
    assert not np.array_equal(before[0][variable.name], before[2][variable.name])


# ---- the byte budget -----------------------------------------------------------------------
def big_steps(rec, count, size=10_000, probe=None):
    w = tf.Variable(np.ones(size, np.float32))
    for _ in range(count):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        w.assign_sub(0.01 * tape.gradient(loss, w))
        if probe is not None:
            probe(rec)


def test_budget_drops_the_oldest_steps_and_says_so():
    assert DEFAULT_MAX_BYTES == 256 * 2**20 and Recorder().max_bytes == DEFAULT_MAX_BYTES
    budget = 1_000_000  # a step here holds ~0.3 MB
    sizes = []
    with pytest.warns(StepsDroppedWarning, match=r"dropped \d+ oldest step.*max_bytes") as seen:
        with Recorder(max_bytes=budget) as rec:
            big_steps(rec, 12, probe=lambda r: sizes.append(r.nbytes))
    assert max(sizes) <= budget and rec.nbytes <= budget
    kept = [step.index for step in rec.steps]
    assert kept == list(range(12 - len(kept), 12)) and 1 < len(kept) < 12
    assert rec.dropped.steps == 12 - len(kept)
    assert rec.dropped.nbytes >= rec.dropped.steps * 40_000 * 3
    assert rec.nbytes == sum(step.nbytes for step in rec.steps)
    assert seen[0].filename == __file__  # names the user's line, not tapeviz's


def test_warns_once_per_warn_every_drops():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Recorder(max_bytes=300_000, warn_every=5) as rec:
            big_steps(rec, 13)
    messages = [str(w.message) for w in caught if w.category is StepsDroppedWarning]
    assert rec.dropped.steps >= 11
    assert [m.split(" oldest")[0] for m in messages] == \
        ["Recorder dropped 1", "Recorder dropped 6", "Recorder dropped 11"]


def test_a_step_bigger_than_the_budget_is_kept_alone_with_a_warning():
    with pytest.warns(StepsDroppedWarning) as caught:
        with Recorder(max_bytes=50_000) as rec:
            big_steps(rec, 3)
    messages = " ".join(str(w.message) for w in caught)
    assert "step 1 alone holds" in messages and "budget of 48.8 KiB" in messages
    assert "dropped 1 oldest step" in messages
    assert len(rec) == 1 and rec.last_step.index == 2 and rec.dropped.steps == 2
    assert rec.nbytes == rec.last_step.nbytes > 50_000


def test_memory_stays_under_budget_over_2000_steps_of_the_mnist_loop():
    """The TF2 guide's CNN, Adam, 8 random 12x12 images per step, 2,000 steps."""
    rng = np.random.default_rng(0)
    images = rng.random((50, 8, 12, 12, 1), dtype=np.float32)
    labels = rng.integers(0, 10, (50, 8))
    tf.random.set_seed(0)
    model = guide_cnn()
    optimizer = tf.keras.optimizers.Adam()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def train_step(i):
        with tf.GradientTape() as tape:
            logits = model(images[i % 50], training=True)
            loss_value = loss_object(labels[i % 50], logits)
        grads = tape.gradient(loss_value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    train_step(0)  # builds the model and the optimizer's slots outside the measurement
    budget = 20 * 2**20
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Recorder(max_bytes=budget) as rec:
                for i in range(2000):
                    train_step(i)
                    if i % 100 == 99:
                        assert rec.nbytes <= budget, (i, rec.nbytes)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    print(f"\nrecorder: {len(rec)} steps kept, {rec.nbytes / 2**20:.1f} MiB counted, "
          f"{rec.dropped.steps} dropped; {len(rec.last_step)} ops/step, "
          f"{rec.last_step.nbytes / 1e3:.0f} kB/step; traced peak {peak / 2**20:.1f} MiB")
    assert rec.nbytes <= budget
    assert rec.dropped.steps > 1500 and len(rec) + rec.dropped.steps == 2000
    assert any(w.category is StepsDroppedWarning for w in caught)
    assert peak <= budget + 30 * 2**20


def test_a_long_step_drops_older_steps_while_it_runs():
    """Bytes are counted per step, and inside a long step as it grows: older steps go before
    the step ends, and the kept bytes never pass the budget by more than a few ops."""
    budget, array = 3_000_000, np.ones(10_000, np.float32)  # an op holds ~80 kB: 2 arrays
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepsDroppedWarning)
        with Recorder(max_bytes=budget, split="mark") as rec:
            for _ in range(3):
                for _ in range(10):
                    _ = tf.constant(array) * 2.0
                rec.mark_step()
            assert rec.dropped.steps == 0 and len(rec) == 3
            held = []
            for _ in range(60):                     # ~4.8 MB: more than the budget alone
                _ = tf.constant(array) * 2.0
                held.append(rec.nbytes)
            assert rec.dropped.steps == 3 and len(rec) == 1   # before the step ended
    assert max(held[:30]) <= budget + 8 * 85_000             # while the step fits alone
    assert rec.last_step.nbytes > budget                      # kept alone, over budget
