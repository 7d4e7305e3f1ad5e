"""why_none's reasons for a None gradient, and diagnose's suspicious patterns."""
import re

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import diagnose, why_none
from tapeviz.debugger.diagnosis import gradient_norms
from tapeviz.debugger.why_none import OpLog
from programs import line_of


def test_why_none_unused_variable():
    x, w = tf.Variable(1.0), tf.Variable(2.0, name="w")
    with tf.GradientTape(persistent=True) as tape:
        y = x * 3.0
    assert tape.gradient(y, w) is None
    reason = why_none(tape, y, w)
    assert reason.kind == "unused" and "'w' was never read" in reason.message


def test_why_none_read_but_not_on_the_path():
    x, w = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        side = w * 5.0
        y = x * 3.0
    assert tape.gradient(y, w) is None and side is not None
    reason = why_none(tape, y, w)
    assert reason.kind == "not_on_path" and "side = w * 5.0" in reason.message
    assert reason.source.line == "side = w * 5.0"


def test_why_none_chain_cut_by_numpy_names_both_lines():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.Variable([[1.0, 1.0], [1.0, 1.0]])
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(w, w)
        h_np = h.numpy()                           # leaves tapeviz
        loss = tf.reduce_sum(tf.constant(h_np) * x)  # and comes back as a constant
    assert tape.gradient(loss, w) is None
    reason = why_none(tape, loss, w)
    assert reason.kind == "cut"
    assert re.search(r"matmul at \S*test_debugger_diagnose\.py:\d+", reason.message)
    assert "h = tf.matmul(w, w)" in reason.message
    assert reason.source.line.startswith("h_np = h.numpy()")  # where it left
    assert reason.related.line.startswith("loss = tf.reduce_sum(tf.constant(h_np) * x)")


def test_why_none_cut_of_the_variable_itself_by_np_asarray():
    w, x = tf.Variable([1.0, 2.0, 3.0]), tf.Variable([1.0, 1.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(x * np.asarray(w))
    reason = why_none(tape, loss, w)
    assert reason.kind == "cut" and "the value of variable 'Variable" in reason.message
    assert reason.source.line == "loss = tf.reduce_sum(x * np.asarray(w))"


def test_why_none_target_computed_only_from_untracked_values():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(np.asarray(w)))
    reason = why_none(tape, loss, w)
    assert reason.kind == "cut" and "np.asarray" in reason.message


def test_why_none_integer_dtype():
    n = tf.Variable([1, 2])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.cast(n, tf.float32) * 2.0
    assert tape.gradient(y, n) is None
    reason = why_none(tape, y, n)
    assert reason.kind == "integer_dtype" and "int32" in reason.message


def test_why_none_constant_not_watched_and_watch_accessed_variables_false():
    c = tf.constant([1.0, 2.0])
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(c * v)
        alone = tf.reduce_sum(c * 2.0)
    assert tape.gradient(alone, c) is None
    assert why_none(tape, alone, c).kind == "not_watched"
    assert why_none(tape, y, c).kind == "connected"  # next to a watched variable, as in TF
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(c)
        y = tf.reduce_sum(c * v)
    assert tape.gradient(y, v) is None
    reason = why_none(tape, y, v)
    assert reason.kind == "not_watched" and "watch_accessed_variables=False" in reason.message


def test_why_none_non_trainable_variable():
    x = tf.Variable(1.0)
    frozen = tf.Variable(2.0, trainable=False, name="frozen")
    with tf.GradientTape(persistent=True) as tape:
        y = x * frozen
    assert tape.gradient(y, frozen) is None
    reason = why_none(tape, y, frozen)
    assert reason.kind == "not_trainable" and "tape.watch(frozen)" in reason.message


def test_why_none_stop_recording_with_an_op_log():
    w, x = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0])
    with OpLog() as log:
        with tf.GradientTape(persistent=True) as tape:
            start = x * 1.0
            with tape.stop_recording():
                h = w * 2.0
            loss = tf.reduce_sum(h * start)
    assert tape.gradient(loss, w) is None
    reason = why_none(tape, loss, w, ops=log)
    assert reason.kind == "recording_stopped"
    assert "inside tape.stop_recording()" in reason.message and "h = w * 2.0" in reason.message
    assert reason.related.line == "loss = tf.reduce_sum(h * start)"
    # without the log the read left no trace: both possibilities are named
    plain = why_none(tape, loss, w)
    assert plain.kind == "unused" and "stop_recording" in plain.message


def test_why_none_read_before_the_tape_started():
    w, x = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0])
    with OpLog() as log:
        h = w * 2.0
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.reduce_sum(h * x)
    reason = why_none(tape, loss, w, ops=log)
    assert reason.kind == "read_outside_tape" and "before the tape started" in reason.message


def test_why_none_through_a_nondifferentiable_op_and_when_connected():
    x = tf.Variable([1.0, 3.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        i = tf.cast(tf.argmax(x), tf.float32)
        y = i * 2.0
        z = tf.reduce_sum(x * x)
    reason = why_none(tape, y, x)
    assert reason.kind == "nondiff" and "argmax" in reason.message
    assert why_none(tape, z, x).kind == "connected"


def test_why_none_after_a_non_persistent_tape_freed_its_record():
    x, w = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * w
        tape.gradient(y, [x])
    assert why_none(tape, y, w).kind == "tape_freed"  # no None, so it kept no outline


def test_diagnose_flags_an_outer_product_broadcast_on_the_way_to_the_loss():
    pred = tf.Variable(np.zeros(32, np.float32))
    labels = tf.constant(np.ones((32, 1), np.float32))
    bias = tf.Variable(np.zeros(10, np.float32))
    with tf.GradientTape() as tape:
        unrelated = tf.zeros([5, 1]) + bias  # also grows both, but not on the loss's path
        loss = tf.reduce_mean(tf.square(pred - labels))
    findings = diagnose(tape, loss)
    assert [f.kind for f in findings] == ["outer_broadcast"] and unrelated.shape == (5, 10)
    finding = findings[0]
    assert "subtract broadcast (32,) and (32, 1) to (32, 32)" in finding.message
    assert "1024 values from 32 + 32" in finding.message
    assert finding.source.line == "loss = tf.reduce_mean(tf.square(pred - labels))"
    assert finding.node.op.name == "subtract"
    assert len([f for f in diagnose(tape) if f.kind == "outer_broadcast"]) == 2


def test_diagnose_ignores_ordinary_broadcasts():
    x = tf.Variable(np.ones((4, 3), np.float32))
    b = tf.Variable(np.ones(3, np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x + b) * 2.0
    assert diagnose(tape, loss) == []


def test_diagnose_zero_gradient_over_steps():
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    model(tf.zeros([1, 2]))
    for layer_weight in model.layers[0].trainable_variables:  # every ReLU dead
        layer_weight.assign(tf.fill(layer_weight.shape, -1.0))
    history = []
    for step in range(3):
        x = tf.constant(np.random.default_rng(step).uniform(0, 1, (8, 2)).astype(np.float32))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x))
        grads = tape.gradient(loss, model.trainable_variables)
        history.append(dict(zip([v.name for v in model.trainable_variables], grads)))
    findings = diagnose(history=history)
    zero = [f for f in findings if f.kind == "zero_gradient"]
    assert [f.message.split(":")[0] for f in zero] == \
        [v.name.split(":")[0] for v in model.trainable_variables[:3]]
    assert "exactly zero in all 3 steps" in zero[0].message
    # lists named by `variables` work too, and one step is not enough evidence
    lists = [list(step.values()) for step in history]
    assert len(diagnose(history=lists, variables=model.trainable_variables,
                        low=0.0)) == 3
    assert diagnose(history=lists[:1], low=0.0) == []


def test_diagnose_exploding_and_vanishing_norms_across_layers():
    grads = {"dense/kernel:0": np.full((4, 4), 1e-2), "dense/bias:0": np.zeros(4),
             "dense_1/kernel:0": np.full((4, 4), 5e2), "dense_2/kernel:0": np.full(2, 1e-9)}
    norms = gradient_norms(grads)
    assert list(norms) == ["dense", "dense_1", "dense_2"]
    assert norms["dense_1"] == pytest.approx(2000.0)
    findings = diagnose(gradients=grads)
    kinds = [f.kind for f in findings]
    assert kinds == ["exploding_gradient", "vanishing_gradient", "gradient_ratio",
                     "gradient_ratio"]
    assert "dense_1: gradient norm 2e+03 > 1000" == findings[0].message
    assert "changes 5e+04x from dense (0.04) to dense_1 (2e+03)" in findings[2].message
    assert "vanishing across layers" in findings[3].message


def test_diagnose_reports_where_nan_was_born():
    x = tf.Variable([-1.0, 1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sqrt(x))
    [finding] = diagnose(tape, loss)
    assert finding.kind == "nan"
    assert finding.message.startswith("sqrt produced nan in the forward pass")
    assert finding.source.line == "loss = tf.reduce_sum(tf.sqrt(x))"


pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_a_plain_matmul_is_not_an_outer_product():
    x = tf.Variable(tf.ones([4, 3]))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, tf.ones([3, 5])))
    assert [f.kind for f in diagnose(tape, loss)] == []


def test_a_hinge_loss_at_zero_is_no_dead_layer_and_its_zero_gradient_names_the_read():
    w = tf.Variable([[2.0], [2.0]], name="svm_w")
    x = tf.constant([[1.0, 1.0], [2.0, 1.0], [1.0, 3.0]])
    history = []
    for _ in range(3):
        with tf.GradientTape(persistent=True) as tape:
            margins = tf.matmul(x, w)  # every margin > 1
            loss = tf.reduce_mean(tf.nn.relu(1.0 - margins))
        history.append({w.name: tape.gradient(loss, w)})
    findings = diagnose(tape, loss, history=history)
    assert [f.kind for f in findings] == ["zero_gradient"]
    assert findings[0].message.startswith("svm_w:0: the gradient is exactly zero in all 3")
    assert findings[0].node.op.name == "matmul"
    line = line_of(__file__, "every margin > 1")
    assert "read by matmul at " in findings[0].message
    assert f"test_debugger_diagnose.py:{line}" in findings[0].message


def test_non_finite_gradient_norms_are_no_layer_finding():
    grads = {"dense/kernel:0": np.full(3, np.nan), "dense_1/kernel:0": np.ones(3),
             "dense_2/kernel:0": np.full(3, np.inf)}
    assert diagnose(gradients=grads) == []


def test_nan_that_no_recorded_op_made_is_traced_to_the_op_that_read_it():
    from tapeviz.debugger import Recorder
    w = tf.Variable([np.nan, 1.0], name="poisoned")
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * 2.0)  # reads the NaN
            w.assign_sub(0.1 * tape.gradient(loss, w))
    shown = [op.node for op in rec.last_step.ops]
    [finding] = [f for f in diagnose(shown, history=rec) if f.kind == "nan"]
    first = rec.steps[0].number
    assert finding.message.startswith(f"multiply read NaN/Inf that no kept op made, in step "
                                      f"{first} at ")
    assert f"test_debugger_diagnose.py:{line_of(__file__, 'reads the NaN')}" in finding.message
    # the user's `w` named, beside the TF name the variable was given
    assert "`w` (its input `x`) already held 1 NaN" in finding.message
    assert "dropped" not in finding.message


def test_nan_born_in_an_update_is_found_in_that_step_though_its_loss_was_finite():
    from tapeviz.debugger import Recorder
    w = tf.Variable([1.0, 2.0])
    scale = tf.constant([3e38, 1.0])
    with Recorder() as rec:
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            w.assign_sub(10.0 * tape.gradient(loss, w) * scale)  # the update overflows
    first = rec.steps[0]
    assert np.isfinite(first.loss) and not np.isfinite(rec.steps[1].loss)
    [finding] = [f for f in diagnose(history=rec) if f.kind == "nan"]
    assert finding.message.startswith("multiply produced inf")
    assert f"first in step {first.number}; 3 later step(s) have a non-finite loss" \
        in finding.message
    assert f"test_debugger_diagnose.py:{line_of(__file__, 'the update overflows')}" \
        in finding.message


def test_inf_read_from_a_constant_in_an_update_names_that_step_and_line():
    from tapeviz.debugger import Recorder
    w = tf.Variable([1.0, 2.0])
    scale = tf.constant([np.inf, 1.0])
    with Recorder() as rec:
        for _ in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            w.assign_sub(0.1 * tape.gradient(loss, w) * scale)  # reads a constant inf
    [finding] = [f for f in diagnose(history=rec) if f.kind == "nan"]
    assert finding.message.startswith(f"multiply read NaN/Inf that no kept op made, in step "
                                      f"{rec.steps[0].number} at ")
    assert f"test_debugger_diagnose.py:{line_of(__file__, 'reads a constant inf')}" \
        in finding.message and "already held 1 Inf" in finding.message


def test_a_layer_gradient_finding_names_the_variable_read_the_op_that_reads_it_and_its_line():
    w = tf.Variable(tf.ones([3, 2]), name="big/kernel")
    x = tf.constant(np.full((4, 3), 10.0, np.float32))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul(x, w))) * 100.0  # a large loss scale
    [finding] = diagnose(tape, loss, sources=[w])
    assert finding.kind == "exploding_gradient" and finding.message.startswith("big: gradient")
    assert finding.node.op.name == "matmul"
    assert "big's kernel is read by matmul at " in finding.message
    assert f"test_debugger_diagnose.py:{line_of(__file__, 'a large loss scale')}" \
        in finding.message


def test_nonfinite_each_agrees_with_all_finite_across_batches(monkeypatch):
    """The batched NaN/Inf check says of each value what all_finite says, whatever the
    dtypes joined, empty values, scalars, large values checked alone and batch edges."""
    from tapeviz.debugger import summary
    rng = np.random.default_rng(7)
    makers = [lambda: np.float32(rng.normal()), lambda: np.array(rng.normal()),
              lambda: rng.normal(size=rng.integers(0, 6)).astype(np.float16),
              lambda: np.arange(4), lambda: np.array([True, False]), lambda: np.zeros((0, 3)),
              lambda: np.array([1 + 2j, 3j]), lambda: np.full(3, 6e4, np.float16),
              lambda: rng.normal(size=summary.SMALL + 5), lambda: tf.constant([1.0, 2.0])]
    values = []
    for _ in range(600):
        value = makers[rng.integers(len(makers))]()
        array = np.asarray(getattr(value, "_value", value))
        if array.size and array.dtype.kind in "fc" and rng.random() < 0.15:
            array = array.copy()
            array.flat[rng.integers(array.size)] = rng.choice([np.nan, np.inf, -np.inf])
            value = array
        values.append(value)
    monkeypatch.setattr(summary, "BATCH", 50)   # many batches, some cut mid-way
    flags = summary.nonfinite_each(values)
    assert flags == [not summary.all_finite(v) for v in values]
    assert 20 < sum(flags) < 200


def test_nonfinite_each_reads_many_float_scalars_apart_and_agrees_with_all_finite():
    """A long tape's constants are float scalars: read into one float64 array, not joined
    as arrays, and each still said of as all_finite says (float16's largest, float64's
    largest, NaN and Inf of each width), beside arrays with and without NaN."""
    from tapeviz.debugger import summary
    rng = np.random.default_rng(3)
    specials = [np.nan, np.inf, -np.inf, 6.5e4, 1.7e308, 0.0]
    values = []
    for _ in range(3 * summary.SCALARS_APART):
        kind = rng.choice([np.float16, np.float32, np.float64])
        special = specials[rng.integers(len(specials))]
        value = kind(special if rng.random() < 0.3 and np.isfinite(kind(special)) or
                     not np.isfinite(special) and rng.random() < 0.3 else rng.normal())
        values.append(value)
        if rng.random() < 0.2:
            values.append(np.array([1.0, np.nan if rng.random() < 0.5 else 2.0]))
    flags = summary.nonfinite_each(values)
    assert flags == [not summary.all_finite(v) for v in values]
    assert 10 < sum(flags) < len(values) - 10


def test_nonfinite_each_of_one_dtype_joins_bytes_and_agrees_with_all_finite():
    """Values of one dtype are joined as bytes (contiguous ones; a transposed or strided one
    makes the batch concatenate instead): each still said of as all_finite says."""
    from tapeviz.debugger import summary
    rng = np.random.default_rng(11)
    for strided in (False, True):
        values = []
        for at in range(300):
            value = rng.normal(size=rng.integers(0, 5)).astype(np.float32)
            if value.size and rng.random() < 0.1:
                value[rng.integers(value.size)] = rng.choice([np.nan, np.inf, -np.inf])
            values.append(value if at % 7 else np.float32(value.sum()) if value.size
                          else value)
        if strided:
            values.append(np.arange(12, dtype=np.float32).reshape(3, 4).T)
            values.append(np.array([1, np.nan, 2, 3], np.float32)[::2])
        flags = summary.nonfinite_each(values)
        assert flags == [not summary.all_finite(v) for v in values]
        assert 5 < sum(flags) < 100


def test_diagnose_finds_nan_origin_deep_in_a_long_finite_tape():
    """The batched look at the outputs still leads to the first op that made NaN, and a
    tape of only finite values says nothing of NaN."""
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        h = x
        for _ in range(300):
            h = tf.tanh(h * 0.9)
        bad = tf.math.log(h - 1.0)
        tf.reduce_sum(bad * 2.0)
    nan = [f for f in diagnose(tape) if f.kind == "nan"]
    assert len(nan) == 1 and nan[0].node.op.name == "log"
    assert "bad = tf.math.log(h - 1.0)" in nan[0].source.line
    with tf.GradientTape(persistent=True) as clean:
        tf.reduce_sum(tf.tanh(x * 0.9))
    assert not [f for f in diagnose(clean) if f.kind == "nan"]


def test_why_none_batch_norm_statistic_advises_trainable_variables():
    """A batch norm's moving mean given to the tape with model.weights: the advice is to give
    model.trainable_variables, and no tape.watch(...) that is not Python."""
    x = tf.random.normal((4, 3), seed=1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3), tf.keras.layers.BatchNormalization()])
    model(x)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(model(x, training=True))
    moving_mean = model.layers[1].moving_mean
    assert tape.gradient(loss, moving_mean) is None
    reason = why_none(tape, loss, moving_mean)
    assert reason.kind == "not_trainable"
    assert "model.trainable_variables" in reason.message
    assert "tape.watch(the variable)" in reason.message and "watch(batch" not in reason.message


def test_a_hand_written_bias_that_has_fitted_is_not_a_vanishing_gradient():
    """The lecture's regression on standardised data, w and b by hand, trained well: b's
    gradient (the residuals' mean) is ~0 once it fits, as centred data makes it. Was two
    findings: 'b: gradient norm 5.56e-09 < 1e-07' and 'gradient norm changes 1.22e-06x from
    w to b: vanishing across layers' (each unnamed variable is a layer of its own)."""
    from tapeviz.debugger import Recorder
    rng = np.random.default_rng(0)
    life = rng.uniform(40, 85, size=(200, 1)).astype(np.float32)
    birth = (60 - 0.6 * life + rng.normal(0, 2, size=(200, 1))).astype(np.float32)
    x, y = (life - life.mean()) / life.std(), (birth - birth.mean()) / birth.std()
    w, b = tf.Variable(0.5), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Recorder() as rec:
        for _ in range(30):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(y - (w * x + b)))
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
    assert float(np.abs(rec.last_step.variable_gradients[b.name])) < 1e-7   # (fitted)
    assert diagnose(rec) == []


def test_a_layer_on_one_feature_is_a_matmul_not_an_outer_product():
    """The lecture's regression with a hidden layer: life expectancy, one feature, (200, 1)
    @ a (1, 8) kernel is a matmul over an axis of 1 (was: 'matmul broadcast (200, 1) and
    (1, 8) to (200, 8): both operands grew ..., an outer product')."""
    from tapeviz.debugger import Recorder
    rng = np.random.default_rng(0)
    life = rng.uniform(40, 85, size=(200, 1)).astype(np.float32)
    birth = (60 - 0.6 * life + rng.normal(0, 2, size=(200, 1))).astype(np.float32)
    x, y = (life - life.mean()) / life.std(), (birth - birth.mean()) / birth.std()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    with Recorder() as rec:
        for _ in range(30):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.keras.losses.huber(y, model(x)))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    assert [f.kind for f in diagnose(rec)] == []
