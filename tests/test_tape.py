"""GradientTape rules as TF 2 documents them, the backward iterator, node records, events."""
import collections
import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.tape_gradient import last_missing_gradient


def value(t):
    return None if t is None else t.numpy()


# ---- watching --------------------------------------------------------------------------------
def test_constant_needs_watch():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert value(tape.gradient(y, x)) == 6.0


def test_watch_accepts_nested_structures():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch({"pair": [a, (b,)]})
        y = a * b
    assert [value(g) for g in tape.gradient(y, [a, b])] == [2.0, 1.0]


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(TypeError):
            tape.watch(3.0)


def test_trainable_variables_are_watched_when_read():
    v = tf.Variable(2.0)
    unused = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.watched_variables() == (v,)
    grads = tape.gradient(y, [v, unused])
    assert value(grads[0]) == 4.0 and grads[1] is None


def test_non_trainable_variables_are_not_watched():
    frozen = tf.Variable(3.0, trainable=False)
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = frozen * w
    assert tape.watched_variables() == (w,)
    g_frozen, g_w = tape.gradient(y, [frozen, w])
    assert g_frozen is None
    assert value(g_w) == 3.0


def test_non_trainable_variable_can_be_watched_explicitly():
    frozen = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(frozen)
        y = frozen * frozen
    assert value(tape.gradient(y, frozen)) == 6.0


def test_watch_accessed_variables_false_watches_only_what_is_asked():
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * a + b * b
    assert tape.watched_variables() == (a,)
    g_a, g_b = tape.gradient(y, [a, b])
    assert value(g_a) == 4.0 and g_b is None


def test_watched_variables_in_order_of_construction():
    first, second = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = second * 2.0
        y = y + first
    assert tape.watched_variables() == (first, second)


def test_integer_and_bool_sources_get_none():
    i = tf.constant(3)
    b = tf.constant(True)
    x = tf.constant(2.0)
    with pytest.warns(UserWarning):
        with tf.GradientTape() as tape:
            tape.watch(i)
            tape.watch(x)
            y = tf.cast(i, tf.float32) * x
    grads = tape.gradient(y, [i, b, x])
    assert grads[0] is None and grads[1] is None and value(grads[2]) == 3.0
    iv = tf.Variable(2)
    with tf.GradientTape() as tape:
        y = tf.cast(iv * iv, tf.float32)
    assert tape.watched_variables() == (iv,)   # as in TF: watched, its gradient None
    assert tape.gradient(y, iv) is None


def test_stop_recording_hides_ops_from_the_tape():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x * x
        total = y + z
    assert [n.op.name for n in tape.nodes] == ["multiply", "add"]
    assert value(tape.gradient(total, x)) == 4.0


def test_stop_recording_leaves_other_tapes_recording():
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            with inner.stop_recording():
                y = x * x
    assert len(inner.nodes) == 0
    assert len(outer.nodes) == 1
    assert value(outer.gradient(y, x)) == 4.0


def test_reset_forgets_what_was_recorded():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        assert tape.nodes == () and tape.watched_variables() == ()
        z = x * 5.0
    assert tape.watched_variables() == (x,)
    assert value(tape.gradient(z, x)) == 5.0
    x2 = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x2 * x2
        tape.reset()
        z = x2 * 5.0
    assert tape.gradient(y, x2) is None
    assert value(tape.gradient(z, x2)) == 5.0
    assert len(tape.nodes) == 1


# ---- gradient --------------------------------------------------------------------------------
def test_nested_sources_keep_their_structure():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = a * b * c
    grads = tape.gradient(y, {"z": [a, (b,)], "a": c})
    assert set(grads) == {"z", "a"}
    assert isinstance(grads["z"], list) and isinstance(grads["z"][1], tuple)
    assert value(grads["z"][0]) == 6.0
    assert value(grads["z"][1][0]) == 3.0
    assert value(grads["a"]) == 2.0


def test_namedtuple_sources():
    Pair = collections.namedtuple("Pair", "w b")
    p = Pair(tf.Variable(2.0), tf.Variable(1.0))
    with tf.GradientTape() as tape:
        y = p.w * 3.0 + p.b
    grads = tape.gradient(y, p)
    assert isinstance(grads, Pair)
    assert value(grads.w) == 3.0 and value(grads.b) == 1.0


def test_nested_targets_are_summed():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        targets = {"a": x * x, "b": [x * 3.0, (x * 4.0,)]}
    assert value(tape.gradient(targets, x)) == 4.0 + 3.0 + 4.0


def test_non_scalar_target_is_summed():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x * x
    np.testing.assert_array_equal(value(tape.gradient(y, x)), [2.0, 4.0, 6.0])


def test_output_gradients_weight_the_target():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0]))
    np.testing.assert_array_equal(value(g), [2.0, 40.0])


def test_output_gradients_for_nested_targets():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        a, b = x * 2.0, x * 3.0
    g = tape.gradient([a, b], x, output_gradients=[tf.constant(10.0), tf.constant(100.0)])
    assert value(g) == 320.0


def test_unconnected_gradients_none_vs_zero():
    x = tf.Variable([1.0, 2.0])
    unused = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.gradient(y, unused) is None
    assert tape.gradient(y, unused, unconnected_gradients=tf.UnconnectedGradients.NONE) is None
    zero = tape.gradient(y, unused, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.shape == (1, 2) and zero.dtype == tf.float32
    np.testing.assert_array_equal(value(zero), [[0.0, 0.0]])
    by_name = tape.gradient(y, unused, unconnected_gradients="zero")
    np.testing.assert_array_equal(value(by_name), [[0.0, 0.0]])
    with pytest.raises(ValueError):
        tape.gradient(y, unused, unconnected_gradients="sometimes")


def test_target_equal_to_source_gives_ones():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
    np.testing.assert_array_equal(value(tape.gradient(x, x)), [1.0, 1.0])


def test_gradient_flows_through_variable_used_twice():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x + x * 2.0 + tf.square(x)
    assert value(tape.gradient(y, x)) == 6.0 + 2.0 + 6.0


def test_broadcast_gradient_is_summed_to_input_shape():
    w = tf.Variable([[1.0, 2.0, 3.0]])
    x = tf.constant(np.ones((4, 3), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * w)
    g = tape.gradient(y, w)
    assert g.shape == (1, 3)
    np.testing.assert_array_equal(value(g), [[4.0, 4.0, 4.0]])


def test_gradient_after_variable_assign_uses_the_value_read():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
        v.assign(10.0)
    assert value(tape.gradient(y, v)) == 4.0


def test_second_gradient_on_non_persistent_tape_raises():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_gives_gradients_many_times():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert value(tape.gradient(z, x)) == 108.0
    assert value(tape.gradient(y, x)) == 6.0
    assert value(tape.gradient(z, x)) == 108.0


def test_gradient_inside_the_with_block():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        g = tape.gradient(y, x)
        assert value(g) == 6.0
        z = y * 2.0
    assert value(tape.gradient(z, x)) == 12.0


def test_bad_targets_and_sources_raise_type_error():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    with pytest.raises(TypeError):
        tape.gradient(y, [3.0])
    with pytest.raises(TypeError):
        tape.gradient("loss", x)


# ---- higher order ----------------------------------------------------------------------------
def _second_derivative(fn, x0):
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(x)
        dy = inner.gradient(y, x)
    return dy, outer.gradient(dy, x)


def test_second_derivative_of_cube():
    dy, d2y = _second_derivative(lambda x: x ** 3, 2.0)
    assert value(dy) == pytest.approx(12.0)
    assert value(d2y) == pytest.approx(12.0)


def test_second_derivative_of_tanh():
    x0 = 0.5
    dy, d2y = _second_derivative(tf.tanh, x0)
    t = np.tanh(x0)
    assert value(dy) == pytest.approx(1 - t * t, rel=1e-6)
    assert value(d2y) == pytest.approx(-2 * t * (1 - t * t), rel=1e-5)


def test_second_derivative_of_x_times_x_as_documented():
    dy, d2y = _second_derivative(lambda x: x * x, 5.0)
    assert value(dy) == 10.0 and value(d2y) == 2.0


def test_second_derivative_through_matmul():
    # f(x) = sum((x @ A)**2); df/dx = 2 (x A) A^T; d2f/dx2 summed over outputs = 2 sum_k (A A^T)
    A = np.array([[1.0, 2.0], [3.0, -1.0]], dtype=np.float32)
    x = tf.Variable([[0.5, -1.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.matmul(x, A) ** 2)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(value(g), 2 * (x.numpy() @ A) @ A.T, rtol=1e-6)
    h = outer.gradient(g, x)
    np.testing.assert_allclose(value(h), (2 * A @ A.T).sum(axis=1, keepdims=True).T, rtol=1e-6)


def test_second_derivative_of_a_variable_as_in_the_autodiff_guide():
    x = tf.Variable(1.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy_dx = t1.gradient(y, x)
    d2y_dx2 = t2.gradient(dy_dx, x)
    assert value(dy_dx) == 3.0
    assert value(d2y_dx2) == 6.0


def test_third_derivative_with_three_tapes():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x ** 4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert (value(d1), value(d2), value(d3)) == (32.0, 48.0, 48.0)


# ---- jacobians -------------------------------------------------------------------------------
def test_jacobian_of_elementwise_and_matmul():
    x = tf.Variable([1.0, 2.0, 3.0])
    W = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 4.0]], dtype=np.float32)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = tf.matmul(W, tf.reshape(x, [3, 1]))
    np.testing.assert_array_equal(value(tape.jacobian(y, x)), np.diag([2.0, 4.0, 6.0]))
    jz = tape.jacobian(z, x)
    assert jz.shape == (2, 1, 3)
    np.testing.assert_array_equal(value(jz)[:, 0, :], W)


def test_jacobian_with_nested_sources_and_unconnected():
    a, b = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    unused = tf.Variable([1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = a * b
    ja, jb, ju = tape.jacobian(y, [a, b, unused])
    np.testing.assert_array_equal(value(ja), [[3.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(value(jb), [1.0, 2.0])
    assert ju is None
    jz = tape.jacobian(y, unused, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert jz.shape == (2, 1) and not value(jz).any()


def test_jacobian_of_scalar_target_is_gradient():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x ** 2)
    np.testing.assert_array_equal(value(tape.jacobian(y, x)), [2.0, 4.0])


def test_batch_jacobian_against_hand_computed():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x * tf.constant([1.0, 10.0])
    jac = tape.batch_jacobian(y, x)
    assert jac.shape == (3, 2, 2)
    expected = np.stack([np.diag(2 * row * np.array([1.0, 10.0])) for row in x.numpy()])
    np.testing.assert_allclose(value(jac), expected)


def test_batch_jacobian_through_matmul():
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    x = tf.constant(np.ones((4, 2), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, W))
    jac = tape.batch_jacobian(y, x)
    assert jac.shape == (4, 3, 2)
    pre = x.numpy() @ W
    expected = (1 - np.tanh(pre) ** 2)[:, :, None] * W.T[None]
    np.testing.assert_allclose(value(jac), expected, rtol=1e-5)


def test_batch_jacobian_needs_a_shared_batch_dimension():
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x)
    with pytest.raises(ValueError):
        tape.batch_jacobian(y, x)


# ---- threads ---------------------------------------------------------------------------------
def test_tape_stacks_are_per_thread():
    x = tf.Variable(2.0)
    ready, done = threading.Event(), threading.Event()
    results = {}

    def other_thread():
        ready.wait()
        results["other"] = x * x * x  # runs while the main thread's tape is open
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with tf.GradientTape() as tape:
        ready.set()
        done.wait(60)
        y = x * 10.0
    thread.join()
    assert len(tape.nodes) == 1
    assert value(tape.gradient(y, x)) == 10.0
    assert value(results["other"]) == 8.0


def test_tape_in_another_thread_records_its_own_ops():
    x = tf.Variable(3.0)
    out = {}

    def worker():
        with tf.GradientTape() as tape:
            y = x * x
        out["grad"] = tape.gradient(y, x)

    with tf.GradientTape() as main_tape:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert len(main_tape.nodes) == 0
    assert value(out["grad"]) == 6.0


# ---- nodes -----------------------------------------------------------------------------------
def test_nodes_in_order_with_inputs_outputs_and_source_lines():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        line = sys._getframe().f_lineno + 1
        y = x * x
        z = tf.reduce_sum(y + 1.0)
    nodes = tape.nodes
    assert [n.op.name for n in nodes] == ["multiply", "add", "reduce_sum"]
    mul, add, total = nodes
    assert mul.output is y and total.output is z
    assert add.inputs[0] is y
    np.testing.assert_array_equal(mul.inputs[0].numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(add.inputs[1].numpy(), 1.0)
    assert mul.input_ids == (id(x), id(x))
    assert mul.phase == "forward"
    assert mul.source.filename == __file__
    assert mul.source.lineno == line
    assert total.source.lineno == line + 1
    assert mul.source.function == "test_nodes_in_order_with_inputs_outputs_and_source_lines"
    assert mul.source.line == "y = x * x"


def test_ops_on_unwatched_values_are_not_recorded():
    x = tf.constant(1.0)
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        a = x * 2.0
        b = w * a
    assert [n.op.name for n in tape.nodes] == ["multiply"]
    assert tape.nodes[0].output is b


def test_node_keeps_the_value_a_variable_had_when_read():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        _ = v * 2.0
        v.assign(7.0)
    assert float(tape.nodes[0].inputs[0]) == 1.0


# ---- backward iterator -----------------------------------------------------------------------
def _model():
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
    b = tf.Variable([0.1, -0.2])
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
    tape = tf.GradientTape(persistent=True)
    with tape:
        h = tf.tanh(tf.matmul(x, w) + b)
        loss = tf.reduce_mean(h * h)
    return tape, loss, [w, b]


def test_backward_stepped_by_hand_equals_gradient():
    tape, loss, sources = _model()
    expected = tape.gradient(loss, sources)
    backward = tape.backward(loss, sources)
    steps = []
    while True:
        try:
            steps.append(next(backward))
        except StopIteration:
            break
    assert backward.done
    for source, grad in zip(sources, expected):
        np.testing.assert_array_equal(backward.gradient_of(source).numpy(), grad.numpy())
    names = [s.node.op.name for s in steps]
    assert names == ["reduce_mean", "multiply", "tanh", "add", "matmul"]


def test_each_backward_step_exposes_node_upstream_and_input_grads():
    tape, loss, (w, b) = _model()
    nodes = tape.nodes
    for step in tape.backward(loss, [w, b]):
        assert step.node is nodes[step.index]
        assert step.upstream.shape == step.node.output.shape
        assert len(step.input_grads) == len(step.node.inputs)
        for grad, x in zip(step.input_grads, step.node.inputs):
            assert grad is None or grad.shape == x.shape
        if step.node.op.name == "reduce_mean":
            assert float(step.upstream) == 1.0
            np.testing.assert_allclose(step.input_grads[0].numpy(), np.full((3, 2), 1 / 6))
        if step.node.op.name == "matmul":
            assert step.input_grads[0] is None  # x is a constant: its gradient is not needed


def test_backward_iterator_does_not_consume_a_non_persistent_tape():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x * x
    stepped = list(tape.backward(y, [x]))
    assert len(stepped) == 2
    assert value(tape.gradient(y, x)) == 12.0


def test_backward_with_output_gradients():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
    seed = tf.constant([3.0, 5.0])
    backward = tape.backward(y, [x], output_gradients=seed)
    for _ in backward:
        pass
    np.testing.assert_array_equal(backward.gradient_of(x).numpy(),
                                  tape.gradient(y, x, output_gradients=seed).numpy())


# ---- events ----------------------------------------------------------------------------------
@pytest.fixture
def events():
    seen = []
    tf.subscribe(seen.append)
    yield seen
    tf.unsubscribe(seen.append)


def test_subscriber_sees_every_op_taped_or_not(events):
    x = tf.Variable(2.0)
    a = tf.constant(1.0) + 2.0
    with tf.GradientTape() as tape:
        b = x * 3.0
        c = a * 4.0
    ops = [e for e in events if isinstance(e, tf.OpExecuted)]
    assert [(e.node.op.name, e.taped) for e in ops] == \
        [("add", False), ("multiply", True), ("multiply", False)]
    assert ops[1].node.output is b and ops[2].node.output is c
    assert ops[0].node.source.filename == __file__
    del tape


def test_subscriber_sees_vjp_steps_and_backward_ops(events):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.square(x * 3.0)
    events.clear()
    grad = tape.gradient(y, x)
    assert value(grad) == 36.0
    steps = [e.step for e in events if isinstance(e, tf.VJPApplied)]
    assert [s.node.op.name for s in steps] == ["square", "multiply"]
    ops = [e.node for e in events if isinstance(e, tf.OpExecuted)]
    assert ops and all(n.phase == "backward" for n in ops)




def test_nodes_record_the_name_scope_they_ran_under():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tf.name_scope("model"):
            with tf.name_scope("dense"):
                y = x * 3.0
            z = y + 1.0
        _ = z * z
    assert [n.scope for n in tape.nodes] == ["model/dense", "model", ""]


def test_unrecorded_ops_reach_subscribers_but_no_tape():
    from tapeviz.dispatch import unrecorded
    x = tf.Variable(2.0)
    seen = []
    tf.subscribe(seen.append)
    try:
        with tf.GradientTape() as tape:
            y = x * x
            with unrecorded():
                x.assign_sub(0.1 * y)
    finally:
        tf.unsubscribe(seen.append)
    assert [n.op.name for n in tape.nodes] == ["multiply"]
    assert [e.node.op.name for e in seen] == ["multiply", "multiply", "assign_sub"]
    assert not any(e.taped for e in seen[1:])


def test_subscribers_hear_when_a_gradient_is_computed_and_how_long_ops_took():
    x = tf.Variable(3.0)
    seen = []
    tf.subscribe(seen.append)
    try:
        with tf.GradientTape() as tape:
            y = x * x
        grad = tape.gradient(y, [x])
    finally:
        tf.unsubscribe(seen.append)
    done = [e for e in seen if isinstance(e, tf.GradientComputed)]
    assert len(done) == 1 and done[0].tape is tape and done[0].sources == [x]
    assert done[0].gradients[0] is grad[0]
    assert isinstance(seen[-1], tf.GradientComputed)
    executed = [e for e in seen if isinstance(e, tf.OpExecuted)]
    assert executed and all(e.duration > 0 for e in executed)


def test_an_unwatched_constant_gets_no_gradient_even_next_to_a_watched_variable():
    c = tf.constant(2.0)
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = c * x
    grad_c, grad_x = tape.gradient(y, [c, x])
    assert grad_c is None and float(grad_x) == 2.0


def test_a_tensor_times_itself_differentiates_as_a_square_to_any_order():
    x = tf.constant([1.5, -2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
        dy = inner.gradient(y, x)
    np.testing.assert_allclose(dy.numpy(), [3.0, -4.0])
    np.testing.assert_allclose(outer.gradient(dy, x).numpy(), [2.0, 2.0])
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = w * w
    assert float(tape.gradient(loss, w)) == 6.0



# ---- what a tape notes for why_none ----------------------------------------------------------
def test_a_tape_notes_where_a_tracked_value_left_and_the_op_it_came_back_into():
    w = tf.Variable([1.0, 2.0])
    data = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        h = w * 2.0
        data.numpy()                       # untracked: not noted
        tf.constant([h, h])                # tapeviz converting a list reads h: not noted
        back = tf.constant(h.numpy()) * w  # noted, with this line
    [left] = tape.value_exits()
    line = sys._getframe().f_lineno - 2  # the line of `back = ...`
    assert left.how == ".numpy()" and left.source.lineno == line and left.shape == (2,)
    assert left.came_back == ("multiply", left.source) and back is not None
    h.numpy()
    assert len(tape.value_exits()) == 1  # the tape stopped recording: nothing noted


def test_a_freed_tape_keeps_its_outline_when_a_gradient_was_none():
    x, w, unused = tf.Variable(2.0), tf.Variable(3.0), tf.Variable(4.0)
    with tf.GradientTape() as tape:
        y = x * w
    assert value(tape.gradient(y, x)) == 3.0
    assert tape.freed and tape.skeleton is None  # every gradient found: nothing kept
    with tf.GradientTape() as tape:
        y = x * w
    assert tape.gradient(y, [x, unused])[1] is None
    assert tape.freed and tape.nodes == () and tape.watched_variables() == (x, w)
    [outline] = tape.skeleton.outlines(id(x))
    assert outline.op.name == "multiply" and outline.output_id == id(y)
    assert outline.input_ids == (id(x), id(w)) and outline.floating is True
    with tf.GradientTape() as tape:
        y = x * w
        tape.reset()
    assert tape.skeleton is None and tape.value_exits() == ()


def test_integer_tensors_watch_refused_are_remembered_with_their_first_reader():
    counts = tf.constant([1, 2], dtype=tf.uint8)
    with pytest.warns(UserWarning, match="must be floating"):
        with tf.GradientTape() as tape:
            tape.watch(counts)
            tf.cast(counts, tf.float32)
    refused = tape.refused_watches()[id(counts)]
    assert refused.dtype == "uint8" and refused.first_reader[0] == "cast"
    assert refused.first_reader[1].lineno == refused.source.lineno + 1


# ---- the fast paths of a training step keep their results ------------------------------------
def test_gradient_returns_the_structure_of_its_sources():
    w, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w + 5.0 * b
    flat = tape.gradient(loss, [w, b])
    assert type(flat) is list and [value(g) for g in flat] == [4.0, 5.0]
    nested = tape.gradient(loss, [[w], b])
    assert type(nested[0]) is list and value(nested[0][0]) == 4.0 and value(nested[1]) == 5.0
    as_tuple = tape.gradient(loss, (w, b))
    assert type(as_tuple) is tuple and value(as_tuple[1]) == 5.0
    named = tape.gradient(loss, {"w": w, "b": b})
    assert value(named["w"]) == 4.0 and value(named["b"]) == 5.0


def test_run_announces_only_the_steps_someone_hears_and_computes_every_gradient():
    x = tf.Variable(0.5)

    def gradient():
        with tf.GradientTape() as tape:
            y = tf.exp(tf.sin(x * 3.0)) * x
        return tape.gradient(y, x)

    unheard = value(gradient())
    heard = []
    exp = tf.ops.REGISTRY["exp"]
    tf.subscribe(heard.append, ops={exp}, kinds=(tf.VJPApplied,))
    try:
        again = value(gradient())
    finally:
        tf.unsubscribe(heard.append)
    assert [e.step.node.op.name for e in heard] == ["exp"]
    assert again == unheard
    x0 = np.float32(0.5)
    expected = np.exp(np.sin(3 * x0)) * (np.cos(3 * x0) * 3 * x0 + 1)
    assert unheard == pytest.approx(expected, rel=1e-6)


def test_per_example_regression_steps_match_numpy():
    """The lecture's loop (tf.data rows, GradientTape, assign_sub), step for step against the
    same float32 arithmetic in numpy: the fast paths of iteration, gradient and update."""
    rows = np.array([[1.5, 70.0], [3.0, 60.5], [6.0, 50.25]], np.float32)
    dataset = tf.data.Dataset.from_tensor_slices((rows[:, 0], rows[:, 1]))
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    nw, nb, rate = np.float32(0), np.float32(0), np.float32(0.001)
    for _ in range(3):
        for (x, y), (nx, ny) in zip(dataset, rows):
            with tf.GradientTape() as tape:
                loss = (y - (w * x + b)) ** 2
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.001 * dw)
            b.assign_sub(0.001 * db)
            residual = ny - (nw * nx + nb)
            nw, nb = nw - rate * (-2 * residual * nx), nb - rate * (-2 * residual)
            assert float(loss) == pytest.approx(float(residual ** 2), rel=1e-6)
    assert w.numpy() == pytest.approx(nw, rel=1e-6) and b.numpy() == pytest.approx(nb, rel=1e-6)
    assert w.dtype == tf.float32 and type(w.numpy()) is np.float32


def test_assign_sub_of_a_scalar_variable_checks_the_delta():
    v = tf.Variable(1.0)
    with pytest.raises(tf.errors.OpError, match="assign_sub"):
        v.assign_sub(tf.constant(1.0, tf.float64))
    with pytest.raises(tf.errors.OpError, match="shape"):
        v.assign_sub(tf.constant([1.0, 2.0]))
    assert v.assign_sub(0.25).numpy() == np.float32(0.75)
    m = tf.Variable([1.0, 2.0])
    m.assign_sub([0.5, 0.5])
    assert m.numpy().tolist() == [0.5, 1.5]


@pytest.mark.parametrize("persistent", [False, True])
def test_a_tape_whose_gradient_was_none_is_freed_with_its_values_and_variables(persistent):
    w = tf.Variable(np.ones((300, 300), np.float32), name="w")
    unused = tf.Variable([2.0], name="unused")
    with tf.GradientTape(persistent=persistent) as tape:
        activations = tf.exp(w)
        loss = tf.reduce_sum(activations)
        float(activations[0, 0])   # a value leaving the tape: an exit the tape notes
    assert tape.gradient(loss, [w, unused])[1] is None
    assert last_missing_gradient(unused)[0] is not None   # why-None can still read it
    freed = [weakref.ref(item) for item in (tape, activations, w)]
    del tape, activations, loss, w
    gc.collect()
    assert [ref() for ref in freed] == [None, None, None]


@pytest.mark.parametrize("persistent", [False, True])
def test_why_a_gradient_is_none_is_still_said_after_its_tape_is_dropped(persistent):
    w, unused = tf.Variable([1.0], name="w"), tf.Variable([2.0], name="unused")

    def gradients():   # the tape dies when this returns, before apply_gradients
        with tf.GradientTape(persistent=persistent) as tape:
            loss = tf.reduce_sum(w * w)
        return tape.gradient(loss, [w, unused])

    with pytest.warns(UserWarning, match="was never read by an op recorded on this tape"):
        tf.keras.optimizers.SGD(0.1).apply_gradients(zip(gradients(), [w, unused]))


def test_a_tape_entered_again_forgets_the_error_that_ended_its_last_block():
    """`raised` is the error that ended the tape's *last* block: a persistent tape whose
    first block an op's error ended and whose second ended plainly says None."""
    x = tf.Variable([1.0, 2.0])
    tape = tf.GradientTape(persistent=True)
    with pytest.raises(tf.errors.OpError), tape:
        x + tf.constant([1.0, 2.0, 3.0])
    assert tape.raised is not None and tape.raised.op == "add"
    with tape:
        y = x * x
    assert tape.raised is None and tape.caught is None
    assert value(tape.gradient(y, x)).tolist() == [2.0, 4.0]
