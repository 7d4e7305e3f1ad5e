"""A VJP's ops and an optimizer's update ops take the user line the backward pass or the
optimizer already knows (`state.source`) instead of walking the stack per op: every
node's `source` must still be exactly what the walk gives (`sourceinfo.source_from`
from dispatch's caller), including a user's own VJP, a user's optimizer formula and the
ops a listener runs itself."""
import sys

import numpy as np
import pytest
from programs import line_of

import tapeviz as tf
from tapeviz import dispatch as dispatch_module
from tapeviz import sourceinfo
from tapeviz.ops.registry import defop
from tapeviz.threadstate import thread_state

_DISPATCH = dispatch_module.dispatch.__code__


def _walk_answer():
    """What the walk finds for the op being dispatched now (called inside a listener)."""
    frame = sys._getframe(1)
    while frame.f_code is not _DISPATCH:
        frame = frame.f_back
    # the traced and deferred paths walk from dispatch's caller
    return sourceinfo.source_from(frame.f_back, thread_state().origin)


class Checked:
    """Hears every op (node form, as the Recorder): keeps (node, the walk's answer)."""

    def __init__(self, run_an_op_in=()):
        self.seen = []
        self.run_an_op_in = run_an_op_in   # op names whose listener call runs an op
        self.inside = False

    def on_node(self, node, taped, duration):
        self.seen.append((node, _walk_answer()))
        if node.op.name in self.run_an_op_in and not self.inside:
            self.inside = True
            try:
                tf.constant(1.0) + 1.0   # listener: its own line
            finally:
                self.inside = False

    def __enter__(self):
        tf.subscribe(self._event, kinds=(tf.OpExecuted,), timed=False, on_node=self.on_node)
        return self

    def _event(self, event):
        self.on_node(event.node, event.taped, 0.0)

    def __exit__(self, *exc):
        tf.unsubscribe(self._event)

    def check(self, phase=None):
        chosen = [(n, w) for n, w in self.seen if phase is None or n.phase == phase]
        assert chosen
        for node, walked in chosen:
            assert node.source == walked, (node.op.name, node.phase, node.source, walked)
        return chosen


def _sine_rule(g, ans, x):
    return g * tf.cos(x)                     # line: user vjp


users_sin = defop("test_known_source_sin", np.sin, (_sine_rule,), register=False)


def test_backward_ops_of_a_tape_and_a_nested_tape_have_the_walks_lines():
    x = tf.Variable([0.5, 1.5])
    with Checked(run_an_op_in=("cos", "multiply")) as checked:
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = tf.reduce_sum(tf.exp(x) * tf.sin(x) + x * x / 3.0)
                z = tf.reduce_sum(users_sin(x * 2.0))
            grads = inner.gradient([y, z], x)               # line: inner gradient
        second = outer.gradient(grads, x)                   # line: outer gradient
    backward = checked.check("backward")
    lines = {node.source.lineno for node, _ in backward}
    here = __file__
    assert line_of(here, "# line: inner gradient") in lines
    assert line_of(here, "# line: outer gradient") in lines
    # the user's VJP keeps its own line; the listener's op its own
    assert line_of(here, "# line: user vjp") in lines
    assert line_of(here, "# listener: its own line") in {n.source.lineno for n, _ in checked.seen}
    checked.check()
    at = np.array([0.5, 1.5])   # d2/dx2 of y + z, elementwise
    assert np.allclose(second.numpy(), 2 * np.exp(at) * np.cos(at) + 2 / 3.0
                       - 4 * np.sin(2 * at), rtol=1e-5)


def test_the_shortcut_is_taken_most_backward_ops_walk_no_more(monkeypatch):
    walks = []
    real = dispatch_module.source_from

    def counted(frame, origin=None):
        walks.append(thread_state().phase)
        return real(frame, origin)

    monkeypatch.setattr(dispatch_module, "source_from", counted)
    x = tf.Variable([0.5, 1.5])
    with Checked() as checked:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.exp(x) * tf.sin(x) * x * x)
        tape.gradient(y, x)
    backward = checked.check("backward")
    assert walks.count("backward") < len(backward) / 2


class UsersSGD(tf.keras.optimizers.SGD):
    def _apply_dense(self, grad, var, lr, step):
        var.assign_sub(lr * grad)                           # line: users formula


def _step_with(optimizer, apply):
    w = tf.Variable([1.0, -2.0], name="w")
    b = tf.Variable(0.5, name="b")
    with Checked(run_an_op_in=("adam_step",)) as checked:
        apply(optimizer, w, b)
        apply(optimizer, w, b)
    return checked


def _by_tape(optimizer, w, b):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w) + b * 3.0
    grads = tape.gradient(loss, [w, b])
    optimizer.apply_gradients(zip(grads, [w, b]))           # line: apply_gradients


def _by_minimize(optimizer, w, b):
    optimizer.minimize(lambda: tf.reduce_sum(w * w) + b * 3.0, var_list=[w, b])  # line: minimize


@pytest.mark.parametrize("optimizer, apply, line", [
    (lambda: tf.keras.optimizers.Adam(0.1), _by_tape, "# line: apply_gradients"),
    (lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), _by_tape,
     "# line: apply_gradients"),
    (lambda: tf.keras.optimizers.RMSprop(0.1, centered=True, momentum=0.5), _by_tape,
     "# line: apply_gradients"),
    (lambda: UsersSGD(0.1), _by_tape, "# line: users formula"),
    (lambda: tf.train.AdamOptimizer(0.1), _by_minimize, "# line: minimize"),
    (lambda: tf.train.GradientDescentOptimizer(0.1), _by_minimize, "# line: minimize"),
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), _by_minimize, "# line: minimize"),
])
def test_optimizer_update_ops_have_the_walks_lines(optimizer, apply, line):
    checked = _step_with(optimizer(), apply)
    checked.check()
    updates = [node for node, _ in checked.seen if node.op.kind == "update"]
    assert updates
    lines = {node.source.lineno for node in updates}
    assert line_of(__file__, line) in lines
    # the iteration count's increment is said from the line that called the optimizer
    assert lines - {line_of(__file__, line)} <= {line_of(__file__, "# line: apply_gradients")}


def _apply_from_two_lines(optimizer, w):
    optimizer.apply_gradients([(tf.constant([1.0]), w)])    # line: first apply
    optimizer.apply_gradients([(tf.constant([2.0]), w)])    # line: second apply


def _apply_elsewhere(optimizer, w):
    optimizer.apply_gradients([(tf.constant([3.0]), w)])    # line: apply elsewhere


def test_one_optimizer_applied_at_three_lines_gives_each_apply_its_line(monkeypatch):
    from tapeviz.keras.optimizers import listening
    walks = []
    real = listening.source_from

    def counted(frame, origin=None):
        walks.append(frame)
        return real(frame, origin)

    monkeypatch.setattr(listening, "source_from", counted)
    optimizer, w = tf.keras.optimizers.SGD(0.1), tf.Variable([1.0])
    with Checked() as checked:
        for _ in range(3):
            _apply_from_two_lines(optimizer, w)
            _apply_elsewhere(optimizer, w)
        alternating = len(walks)
        for _ in range(5):
            _apply_elsewhere(optimizer, w)
    checked.check()
    lines = [node.source.lineno for node, _ in checked.seen if node.op.name == "assign_sub"]
    expected = [line_of(__file__, "# line: first apply"), line_of(__file__, "# line: second apply"),
                line_of(__file__, "# line: apply elsewhere")]
    assert lines == expected * 3 + expected[2:] * 5
    # an apply from the same frames as the last one takes its line without a walk
    assert len(walks) == alternating


def test_a_learning_rate_schedule_of_the_users_keeps_its_line():
    def schedule(step):
        return tf.constant(0.1) * 0.5                       # line: schedule

    checked = _step_with(tf.keras.optimizers.SGD(schedule), _by_tape)
    checked.check()
    assert line_of(__file__, "# line: schedule") in {n.source.lineno for n, _ in checked.seen}


def test_the_known_line_is_cleared_when_a_vjp_or_an_update_raises():
    x = tf.Variable([1.0, 2.0])
    with Checked():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.exp(x))
        tape.gradient(y, x)
        assert thread_state().source is None
        w = tf.Variable([1.0])
        bad = tf.keras.optimizers.SGD(0.1)
        bad._apply_dense = None   # the instance's, not the class's
        with pytest.raises(TypeError):
            bad.apply_gradients([(tf.constant([1.0]), w)])
        assert thread_state().source is None


def test_a_pass_found_early_under_a_file_line_breakpoint_has_the_line_that_ran_it():
    # a listener by line finds each pass's line as the pass starts (sourceinfo.Origin), from
    # above the engine's frames: the line that called gradient, or that stepped it (list()
    # calls next)
    from tapeviz.debugger import break_on, clear_breakpoints
    x = tf.Variable([0.5, 1.5])
    break_on(file="no_such_file.py", line=1)
    try:
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape(persistent=True) as inner:
                y = tf.reduce_sum(tf.exp(x) * x)
            inner.gradient(y, x)                              # line: early gradient
            steps = inner.backward(y, [x])
            list(steps)                                       # line: early next
        lines = {node.source.lineno for node in outer.nodes if node.phase == "backward"}
    finally:
        clear_breakpoints()
    here = __file__
    assert lines == {line_of(here, "# line: early gradient"), line_of(here, "# line: early next")}


def _every_way_a_pass_starts():
    from tapeviz.debugger.stepper import BackwardStepper
    x = tf.Variable([0.5, 1.5])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.exp(x) * x)
    tape.gradient(y, x)                                       # pass: gradient
    tape.gradient(y, [x])                                     # pass: persistent's second
    steps = tape.backward(y, [x])
    next(steps)                                               # pass: next
    list(steps)                                               # pass: list
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            z = tf.reduce_sum(x * x * x)
        g = inner.gradient(z, x)                              # pass: inner
    outer.gradient(g, x)                                      # pass: outer
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.exp(x) * x)
    stepper = BackwardStepper(tape, y, [x])
    stepper.step()                                            # pass: stepper
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)  # pass: fit
    tf.keras.optimizers.SGD(0.1).minimize(lambda: tf.reduce_sum(x * x), [x])  # pass: minimize


@pytest.mark.parametrize("early", [True, False], ids=["found_as_it_starts", "found_when_asked"])
def test_every_way_a_pass_starts_gives_its_ops_the_line_that_started_it(early):
    # early: a listener by line finds each pass's line from above the engine's run/__next__
    # (sourceinfo.Origin); late: the first VJP op's walk looks above the engine's frame
    lines = []

    def heard(event):
        if event.node.phase == "backward":
            lines.append(event.node.source.lineno)

    listener = tf.subscribe(heard, sites=lambda source: True) if early else \
        tf.subscribe(heard, kinds=(tf.events.OpExecuted,))
    try:
        _every_way_a_pass_starts()
    finally:
        tf.unsubscribe(listener)
    here = __file__
    expected = {line_of(here, f"# pass: {way}") for way in (
        "gradient", "persistent's second", "next", "list", "inner", "outer", "stepper", "fit",
        "minimize")}
    assert set(lines) == expected
