"""NaN/Inf that no op made, given to an op from outside (the data, a constant, a variable's
value, a dataset batch): find_nan_origin, diagnose and the tape widget's alerts name the op,
the input, what it was, how many values and where, and the user's line."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder, diagnose, find_nan_origin
from tapeviz.debugger.nan_entry import NaNEntry
from tapeviz.nonfinite import FIXES
from tapeviz.viz import TapeWidget
from programs import line_of

HERE = "test_debugger_nan_entry.py"


def _student_loop(data):
    w = tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        x = tf.constant(data)
        h = x * w  # the data meets the weight
        loss = tf.reduce_mean(tf.square(h))
    return tape, loss, w


def test_nan_in_the_data_is_named_at_the_op_that_was_given_it():
    data = np.array([[1.0, 2.0], [np.nan, 3.0]], dtype=np.float32)
    tape, loss, w = _student_loop(data)
    assert np.isnan(tape.gradient(loss, w).numpy())
    origin = find_nan_origin(tape)
    assert isinstance(origin, NaNEntry) and origin.entered
    assert origin.op == "multiply" and origin.phase == "forward" and origin.index == 0
    assert (origin.position, origin.input_name) == (0, "x")
    assert (origin.nan_count, origin.inf_count, origin.size) == (1, 0, 4)
    assert origin.first_index == (1, 0)
    assert origin.source.lineno == line_of(__file__, "the data meets the weight")
    assert origin.came_from.startswith("the data (a constant")
    assert origin.fix == FIXES["data"]["tf"]
    headline = str(origin).splitlines()[0]
    assert headline.startswith("multiply was given nan from outside the tape (no op made it), "
                               "in the forward pass at op 1 of the tape (")
    assert "its input `x` already held 1 NaN (of 4 values, the first at index [1, 0]), " \
           "so it is in the data" in headline
    assert "~np.isfinite(data).any()" in headline


def test_diagnose_says_where_the_data_nan_entered():
    data = np.array([[1.0, 2.0], [np.nan, 3.0]], dtype=np.float32)
    tape, loss, w = _student_loop(data)
    [finding] = diagnose(tape)
    assert finding.kind == "nan" and finding.node.op.name == "multiply"
    assert finding.message.startswith("multiply was given nan from outside the tape")
    assert f"{HERE}:{line_of(__file__, 'the data meets the weight')}" in finding.message
    assert "its input `x` already held" in finding.message
    assert "first at index [1, 0]" in finding.message
    assert finding.source.lineno == line_of(__file__, "the data meets the weight")


def test_inf_from_a_numpy_division_is_counted_and_located():
    features = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]], dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = features / features.sum(axis=0)  # 0/0 and x/0 in numpy, before any tensor
    w = tf.Variable(tf.ones([3, 1]))
    with tf.GradientTape() as tape:
        out = tf.matmul(scaled, w)  # a numpy array passed straight in
        loss = tf.reduce_sum(out)
    assert np.isnan(loss.numpy())
    origin = find_nan_origin(tape)
    assert isinstance(origin, NaNEntry) and origin.op == "matmul"
    assert (origin.position, origin.input_name) == (0, "a")
    assert (origin.nan_count, origin.inf_count) == (2, 0)   # 0/0 in both rows
    assert origin.first_index == (0, 2)
    assert origin.source.lineno == line_of(__file__, "a numpy array passed straight in")
    both = np.array([[np.inf, 1.0], [2.0, -np.inf]], dtype=np.float32)
    tape, _, _ = _student_loop(both)
    origin = find_nan_origin(tape)
    assert (origin.nan_count, origin.inf_count, origin.first_index) == (0, 2, (0, 0))
    assert "given inf and -inf from outside" in str(origin)


def test_a_variable_assigned_nan_is_named_by_the_variable():
    w = tf.Variable([1.0, 2.0, 3.0], name="weights")
    w.assign([1.0, np.nan, np.nan])
    x = tf.constant([2.0, 2.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * w)  # reads the assigned NaN
    assert np.isnan(loss.numpy())
    origin = find_nan_origin(tape)
    assert isinstance(origin, NaNEntry) and origin.op == "multiply"
    assert (origin.position, origin.input_name) == (1, "y")
    assert origin.variable is w and origin.came_from == "the value of the variable 'weights'"
    assert (origin.nan_count, origin.first_index) == (2, (1,))
    assert origin.fix == FIXES["variable"]["tf"]
    assert origin.source.lineno == line_of(__file__, "reads the assigned NaN")
    assert str(origin).startswith("multiply was given nan from the variable 'weights' (no op "
                                  "made it), in the forward pass at op 1 of the tape")


def test_a_dataset_batch_holding_nan_is_found_in_the_step_that_reads_it():
    features = np.arange(12, dtype=np.float32).reshape(6, 2)
    features[4, 1] = np.nan   # a missing value in row 4
    dataset = tf.data.Dataset.from_tensor_slices(features).batch(2)
    w = tf.Variable([[0.1], [0.2]])
    origins, losses = [], []
    for batch in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(batch, w))  # the batch meets the weights
        origins.append(find_nan_origin(tape))
        losses.append(float(loss.numpy()))
    assert np.isfinite(losses[:2]).all() and np.isnan(losses[2])
    assert origins[:2] == [None, None]
    origin = origins[2]
    assert isinstance(origin, NaNEntry) and origin.op == "matmul" and origin.input_name == "a"
    assert (origin.nan_count, origin.first_index) == (1, (0, 1))  # row 4 is row 0 of batch 2
    assert origin.source.lineno == line_of(__file__, "the batch meets the weights")


def test_a_data_nan_that_shows_only_in_backward_is_found_in_the_vjp():
    v = tf.Variable([1.0, 1.0])
    exponents = tf.constant([np.nan, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.pow(v, exponents))  # 1 ** nan is 1: the forward is finite
    assert np.isfinite(y.numpy()) and np.isnan(tape.gradient(y, v).numpy()).any()
    assert find_nan_origin(tape) is None
    origin = find_nan_origin(tape, y, [v])
    assert isinstance(origin, NaNEntry) and origin.phase == "backward"
    assert origin.vjp_of.op.name == "pow" and origin.nan_count == 1
    assert origin.first_index == (0,)
    assert origin.source.lineno == line_of(__file__, "1 ** nan is 1")
    assert "in the backward pass, in the gradient through pow" in str(origin)


@pytest.mark.filterwarnings("ignore:log:RuntimeWarning")   # said of the user's line: seen
def test_an_op_that_made_nan_first_is_reported_as_before():
    x = tf.Variable([1.0, -1.0])
    data = tf.constant([np.nan, 1.0])
    with tf.GradientTape() as tape:
        born = tf.math.log(x)  # made here, before the data is read
        loss = tf.reduce_sum(born * data)
    origin = find_nan_origin(tape)
    assert not isinstance(origin, NaNEntry) and origin.op == "log"
    assert str(origin).startswith("log produced nan in the forward pass at op 1 of the tape")
    with tf.GradientTape() as tape:
        given = x * data  # the data's NaN comes first
        loss = tf.reduce_sum(tf.math.log(given))
    assert np.isnan(loss.numpy())
    origin = find_nan_origin(tape)
    assert isinstance(origin, NaNEntry) and origin.op == "multiply"
    assert origin.source.lineno == line_of(__file__, "the data's NaN comes first")


def test_nan_that_an_op_drops_is_not_an_entry():
    data = tf.constant([np.nan, 1.0])
    w = tf.Variable([1.0, 1.0])
    with tf.GradientTape() as tape:
        kept = tf.where([False, True], data, 0.0)   # the NaN is left out
        loss = tf.reduce_sum(kept * w)
    assert np.isfinite(loss.numpy())
    assert find_nan_origin(tape) is None and diagnose(tape) == []


def test_the_tape_widget_alert_names_the_input_and_the_line():
    data = np.array([[1.0, 2.0], [np.nan, 3.0]], dtype=np.float32)
    tape, loss, w = _student_loop(data)
    widget = TapeWidget(tape)
    [alert] = [a for a in widget.alerts if a["kind"] == "nan"]
    assert alert["message"].startswith(
        "multiply was given nan from outside the tape (no op made it)")
    assert "input `x` already held" in alert["message"]
    assert alert["location"].endswith(f"{HERE}:{line_of(__file__, 'the data meets the weight')}")
    widget.selected = alert["node"]
    assert widget.inspector["title"].startswith("multiply")


@pytest.mark.filterwarnings("ignore:matmul:RuntimeWarning")   # inf * 0 in later steps
def test_a_recorder_names_the_step_and_input_of_a_bad_batch():
    features = np.ones((8, 2), dtype=np.float32)
    features[5, 0] = np.inf
    dataset = tf.data.Dataset.from_tensor_slices(features).batch(2)
    w = tf.Variable([[0.5], [0.5]], name="dense/kernel")
    with Recorder() as rec:
        for batch in dataset:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.matmul(batch, w))  # batch 2 holds an inf
            w.assign_sub(0.01 * tape.gradient(loss, w))
    bad = rec.steps[2]
    [finding] = [f for f in diagnose(rec) if f.kind == "nan"]
    assert finding.message.startswith(f"matmul read NaN/Inf that no kept op made, in step "
                                      f"{bad.number} at ")
    assert f"{HERE}:{line_of(__file__, 'batch 2 holds an inf')}" in finding.message
    # the user's name for it first: matmul's own `a` alone read as a variable of theirs
    assert "`batch` (its input `a`) already held 1 Inf (of 4 values, the first at index " \
           "[1, 0]), so it is in the data" in finding.message


def test_an_input_written_as_a_long_expression_is_named_by_the_op_alone():
    w = tf.Variable([[0.5], [0.5]], name="w")
    with tf.GradientTape() as tape:
        tf.matmul(np.array([[1.0, np.nan], [2.0, 3.0]], dtype=np.float32) * 1.0, w)
    with tf.GradientTape() as short_tape:
        tf.matmul(tf.constant([[np.nan, 1.0]]), w)
    long = find_nan_origin(tape)   # the line quoted beside it says it: not said twice
    assert (long.input_name, long.written) == ("a", "")
    assert "its input `a` already held 1 NaN" in str(long)
    short = find_nan_origin(short_tape)
    assert short.written == "tf.constant([[np.nan, 1.0]])"
    assert "`tf.constant([[np.nan, 1.0]])` (its input `a`) already held" in str(short)


@pytest.fixture
def check_numerics():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def test_check_numerics_stops_at_the_op_given_the_data_nan_and_says_so(check_numerics):
    data = np.array([1.0, np.inf], dtype=np.float32)
    w = tf.Variable(2.0)
    with tf.GradientTape():
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            w * data  # a numpy array with an Inf, straight into the op
    message = str(info.value)
    assert message.startswith("multiply: was given inf from outside the tape (no op made it)")
    assert "`data` (its input `y`) already held 1 Inf (of 2 values, the first at index [1]), " \
           "so it is in the data" in message
    assert f"{HERE}:{line_of(__file__, 'a numpy array with an Inf')}" in message
    assert "hint: check the data before training" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_dashboard_alerts_the_step_and_input_of_a_bad_batch():
    from tapeviz.viz import Dashboard
    features = np.ones((40, 2), dtype=np.float32)
    features[13, 1] = np.nan   # batch 4 (rows 12 to 15), its row 1
    dataset = tf.data.Dataset.from_tensor_slices(features).batch(4)

    def loop(epochs):
        w = tf.Variable([[0.5], [0.5]], name="dense/kernel")
        for _ in range(epochs):
            for batch in dataset:
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(tf.matmul(batch, w)))  # a bad batch here
                w.assign_sub(0.01 * tape.gradient(loss, w))

    dash = Dashboard(show_tape=False)
    try:
        runner = dash.train(loop, 1)
        assert runner.join(60)
        dash._timer.join(60)   # its last turn pushed the alerts
        [alert] = [a for a in dash.alerts if a["kind"] == "nan"]
    finally:
        dash.close()
    assert alert["step"] == 4
    assert alert["message"].startswith("matmul was given nan from outside the tape")
    assert "`batch` (its input `a`) already held 1 NaN (of 8 values, the first at index " \
           "[1, 1])" in alert["message"]
    assert f"{HERE}:{line_of(__file__, 'a bad batch here')}" in alert["message"]


def test_an_origin_and_an_entry_printed_as_a_cells_value_place_the_op_as_messages_do():
    """A notebook cell ending in find_nan_origin(tape) shows its repr: the op placed as every
    message places it (was '#1', a tape index no view shows)."""
    data = np.array([[1.0, 2.0], [np.nan, 3.0]], dtype=np.float32)
    tape, _, _ = _student_loop(data)
    assert repr(find_nan_origin(tape)) == \
        "<NaNEntry multiply forward, op 1 of the tape: nan in x>"
    x = tf.Variable([1.0, -1.0])
    with tf.GradientTape() as made:
        tf.math.log(x)
    assert repr(find_nan_origin(made)) == "<NaNOrigin log forward, op 1 of the tape: nan>"
