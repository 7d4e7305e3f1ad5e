"""Check numerics, NaN origins, value summaries and per-node gradient checks."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import NaNOrigin, check_node_gradient, find_nan_origin, histogram, summarize
from tapeviz.debugger.numerics import check_op
from tapeviz.ops.registry import REGISTRY, defop

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture
def check_numerics():
    tf.debugging.enable_check_numerics()
    yield
    tf.debugging.disable_check_numerics()


def test_check_numerics_raises_at_the_forward_op_naming_the_user_line(check_numerics):
    p = tf.Variable([0.5, -1.0, 0.0, -2.0])
    with tf.GradientTape() as tape:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            loss = -tf.math.log(p)  # the line the error names
    text = str(info.value)
    assert info.value.op == "log"
    assert "produced nan and -inf in the forward pass at op 1 of the tape" in text
    assert "test_debugger_numerics.py:" in text and "loss = -tf.math.log(p)" in text
    assert "2 NaN and 1 Inf" in text
    assert "input 0: float32[4] min -2 max 0.5" in text
    assert "1 of 4 inputs were 0 (log(0) = -inf); 2 of 4 inputs were negative" in text
    assert "clip_by_value" in info.value.hint and "from_logits=True" in info.value.hint
    assert info.value.source.line == "loss = -tf.math.log(p)  # the line the error names"
    # the tape stays usable after the raise
    with tape:
        loss = tf.reduce_sum(p * 2.0)
    assert tape.gradient(loss, p).numpy().tolist() == [2.0] * 4


def test_check_numerics_raises_in_backward_naming_the_vjp_and_forward_line(check_numerics):
    x = tf.Variable([0.0, 4.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sqrt(x))  # sqrt at 0: an infinite gradient
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tape.gradient(y, x)
    text = str(info.value)
    assert "in the backward pass, in the gradient through sqrt (op 1 of the tape" in text
    assert "y = tf.reduce_sum(tf.sqrt(x))" in text
    assert "tape.gradient(y, x)" in text  # the error's own line: where backward ran
    assert "; 1 Inf;" in text and "0 NaN" not in text   # the counts it holds, no zeros
    assert "sqrt's gradient 0.5 / sqrt(x) is infinite where x = 0 (1 of 2 values)" in text
    assert info.value.hint == "add an epsilon inside the root: tf.sqrt(x + 1e-12)"
    tf.debugging.disable_check_numerics()
    assert np.isinf(tape.gradient(y, x).numpy()[0])  # not consumed by the failed call


def test_check_numerics_enable_is_idempotent_and_disable_stops_it():
    tf.debugging.enable_check_numerics()
    tf.debugging.enable_check_numerics()
    try:
        assert events.subscribers().count(check_op) == 1
        with pytest.raises(tf.errors.InvalidArgumentError, match="exp overflows float32"):
            tf.exp(tf.constant([100.0]))
    finally:
        tf.debugging.disable_check_numerics()
    tf.debugging.disable_check_numerics()
    assert np.isinf(tf.exp(tf.constant([100.0])).numpy()[0])


def test_check_numerics_division_by_zero_hint(check_numerics):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.constant([1.0, 2.0]) / tf.constant([0.0, 1.0])
    assert "the divisor held 1 of 2 values equal to 0 (x / 0 = ±inf)" in str(info.value)
    assert info.value.hint.startswith("add an epsilon to the divisor")


def test_find_nan_origin_is_where_nan_was_born_not_where_it_spread():
    x = tf.Variable([1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        h = x * 2.0
        g = h - 1.0                 # [1, -5, 5]
        bad = tf.math.log(g)        # born here
        spread = tf.exp(bad) * 3.0  # carried on
        loss = tf.reduce_sum(spread)
    origin = find_nan_origin(tape)
    assert isinstance(origin, NaNOrigin)
    assert origin.op == "log" and origin.phase == "forward" and origin.index == 2
    assert (origin.nan_count, origin.inf_count) == (1, 0)
    assert origin.source.line == "bad = tf.math.log(g)        # born here"
    headline = str(origin).splitlines()[0]
    assert headline.startswith("log produced nan in the forward pass at op 3 of the tape (")
    assert "test_debugger_numerics.py:" in headline
    assert "1 of 3 inputs were negative (log(x < 0) = NaN)" in str(origin)
    assert find_nan_origin(list(tape.nodes)[3:]) is None  # later ops only spread it
    assert np.isnan(loss.numpy())


def test_find_nan_origin_accepts_any_node_iterable_and_none_when_clean():
    x = tf.Variable([1.0])
    with tf.GradientTape() as tape:
        y = tf.sqrt(x)

    class Step:
        ops = tape.nodes
    assert find_nan_origin(Step()) is None
    assert find_nan_origin(tape, y) is None
    assert find_nan_origin([]) is None


def test_find_nan_origin_in_backward_sqrt_at_zero():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.sqrt(x) * 2.0)
    with pytest.warns(UserWarning, match="the backward pass was not searched"):
        assert find_nan_origin(tape) is None  # the forward is clean: it says where else to look
    origin = find_nan_origin(tape, y)
    assert origin.phase == "backward" and origin.vjp_of.op.name == "sqrt"
    assert origin.inf_count == 1 and origin.index == 0
    assert origin.source.line == "y = tf.reduce_sum(tf.sqrt(x) * 2.0)"
    assert "in the gradient through sqrt" in str(origin)
    assert np.isinf(tape.gradient(y, x).numpy()[0])  # the search did not consume the tape


def test_searching_a_backward_pass_the_user_never_ran_warns_nothing_from_their_line():
    """was: 'RuntimeWarning: sqrt_grad (in the backward pass): divide by zero ...' said at the
    find_nan_origin/diagnose line, beside the origin that says the same (found hunting)."""
    from tapeviz.debugger import diagnose
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.sqrt(x) * 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert find_nan_origin(tape, y).vjp_of.op.name == "sqrt"
        diagnose(tape, y)


def test_find_nan_origin_in_backward_of_pow_half_at_zero():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x ** 0.5)
    origin = find_nan_origin(tape, y)
    assert origin.vjp_of.op.name == "pow" and origin.step.node is origin.vjp_of
    assert "0 with a negative exponent" in origin.reason


def test_summarize_float_int_bool_empty_and_all_nan():
    values = tf.constant([[1.0, -1.0], [0.0, 4.0]])
    assert summarize(values) == "float32[2, 2] min -1 max 4 mean 1 std 1.871 | nan 0 inf 0 zeros 1"
    assert summarize(tf.constant([1, 2, 0])) == "int32[3] min 0 max 2 mean 1 std 0.8165 | zeros 1"
    assert summarize(tf.constant([True, False])) == "bool[2] true 1 false 1"
    assert summarize(tf.zeros([0])) == "float32[0] empty"
    assert summarize(np.array([np.nan, np.inf])) == \
        "float64[2] no finite values | nan 1 inf 1 zeros 0"


def test_summarize_reads_a_single_value_as_itself():
    assert summarize(3.0) == "float64 scalar 3.0"
    assert summarize(tf.constant(0.1)) == "float32 scalar 0.1"   # float32's shortest digits
    assert summarize(tf.constant(7)) == "int32 scalar 7"
    assert summarize(tf.constant(True)) == "bool scalar True"
    assert summarize(np.float32("nan")) == "float32 scalar NaN"
    assert summarize(-np.inf) == "float64 scalar -Inf"
    assert summarize(tf.constant([[2.5]])) == "float32[1, 1] 2.5"   # size 1: shape kept
    assert summarize(np.array([np.inf], np.float32)) == "float32[1] Inf"
    assert summarize(tf.constant([2.0, 2.0])).startswith("float32[2] min 2 max 2")


def test_histogram_counts_edges_and_block_rendering():
    h = histogram(tf.constant([0.0, 0.0, 0.0, 0.0, 1.0, np.nan, -np.inf]), bins=2)
    assert h.counts.tolist() == [4, 1] and h.edges.tolist() == [0.0, 0.5, 1.0]
    assert (h.nan, h.posinf, h.neginf, h.inf) == (1, 0, 1, 1)
    assert h.sparkline == "█▂"
    assert str(h) == "█▂  [0, 1]  n=5  nan 1 +inf 0 -inf 1"
    assert h.text().splitlines()[0].endswith("█" * 30 + " 4")
    assert str(histogram(np.array([np.nan]))) == "(no finite values) nan 1 +inf 0 -inf 0"
    assert histogram(np.array([1, 2, 2]), bins=2).counts.tolist() == [1, 2]
    assert "<pre>" in histogram([1.0, 2.0])._repr_html_()


def _model_nodes():
    x = tf.Variable(np.linspace(0.5, 1.5, 12, dtype=np.float32).reshape(3, 4))
    w = tf.Variable(np.ones((4, 2), np.float32) * 0.3)
    b = tf.Variable([0.1, -0.2])
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.matmul(x, w) + b)
        p = tf.nn.softmax(h)
        tf.reduce_mean(-tf.math.log(p) * tf.sqrt(x[:, :2]))
    return tape.nodes


@pytest.mark.parametrize("index", range(8))
def test_check_node_gradient_passes_on_every_node_of_a_real_tape(index):
    nodes = _model_nodes()
    result = check_node_gradient(nodes[index])
    assert result.passed, str(result)
    assert result.max_abs_error < 1e-6 and "passed" in str(result)


def test_check_node_gradient_fails_on_a_wrong_vjp_without_registering_it():
    good = REGISTRY["sin"]
    wrong = defop("sin_with_wrong_vjp", np.sin, lambda g, ans, x: (g * tf.sin(x),),
                  label="sin", domain=good.domain, samples=good.samples, register=False)
    assert "sin_with_wrong_vjp" not in REGISTRY
    x = tf.Variable([0.3, 1.2])
    with tf.GradientTape() as tape:
        wrong(x)
    result = check_node_gradient(tape.nodes[0])
    assert not result and result.inputs[0].index == 0
    assert result.max_abs_error > 0.01 and result.max_rel_error > 0.5
    assert "FAILED" in str(result) and "wrong input(s): [0]" in str(result)


def test_check_node_gradient_skips_nondiff_and_checks_large_inputs_by_direction():
    x = tf.Variable(np.arange(600, dtype=np.float32) / 600)
    with tf.GradientTape() as tape:
        y = tf.tanh(x)
        tf.argmax(y)
    assert check_node_gradient(tape.nodes[0]).inputs[0].directional
    assert check_node_gradient(tape.nodes[0]).passed
    assert check_node_gradient(tape.nodes[1]).skipped


@pytest.mark.parametrize("value, finite", [
    (np.float32(1.5), True),
    (np.float32("inf"), False),
    (np.float64("nan"), False),
    (np.array([1.0, np.nan, 2.0]), False),
    (np.array([[1.0, -np.inf]], np.float32), False),
    (np.array([6e4, 6e4], np.float16), True),               # the sum overflows; no element is inf
    (np.array([3e38, 3e38, np.nan], np.float32), False),
    (np.array([[2e19, -2e19]], np.float32)[:, ::-1], True),  # the squares overflow; a view
    (np.array([1e300, np.inf]), False),
    (np.array([1 + 2j, complex("nan")]), False),
    (np.array([2**62, 2**62], np.int64), True),
    (np.zeros((0, 3)), True),
    (tf.constant([1.0, 2.0]), True),
    (tf.constant([np.inf, -np.inf]), False),   # (a division by 0 here warned at collection)
])
def test_all_finite_agrees_with_numpy_including_quick_checks_that_overflow(value, finite):
    from tapeviz.debugger.summary import all_finite
    assert all_finite(value) is finite
    values = np.asarray(getattr(value, "_value", value))
    assert finite == (values.dtype.kind not in "fc" or bool(np.isfinite(values).all()))
