"""An apply_gradients a listener cuts short: its variables and slots are put back when a
breakpoint could stop one of its updates, and only then are their old values held (decided
once per change of subscriptions and apply line; a Runner's stop lets an apply finish):
otherwise the error says what the update left."""
import sys

import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import BreakpointError, Runner, break_on, clear_breakpoints


@pytest.fixture(autouse=True)
def no_debugger(monkeypatch):
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    yield
    clear_breakpoints()
    assert events.subscribers() == (), "a test left a subscriber behind"


class Planted(Exception):
    pass


def _three(prefix: str) -> list:
    return [tf.Variable([1.0], name=f"{prefix}_{n}") for n in "abc"]


def _values(optimizer, variables: list) -> list:
    return [v.numpy().tolist() for v in [*variables, *optimizer.variables]]


def _planted_at(variable):
    """A listener that raises inside `variable`'s update."""
    def listener(event):
        if event.node.scope.endswith("/" + variable.name[:-2]):
            raise Planted("planted")
    return listener


def _apply_with(listener, optimizer, variables: list):
    """apply_gradients (gradients of ones) while `listener` hears every op; its error."""
    tf.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        with pytest.raises(Planted) as raised:
            optimizer.apply_gradients([(tf.constant([1.0]), v) for v in variables])
    finally:
        tf.unsubscribe(listener)
    return raised.value


def _never_run():
    return tf.constant(1.0) * 2.0   # a line an op runs at: a line breakpoint's


NEVER_RUN = _never_run.__code__.co_firstlineno + 1


def _said_what_it_left(error) -> bool:
    return any(".apply_gradients was cut short while updating" in note
               for note in getattr(error, "__notes__", ()))


def test_a_line_breakpoint_at_the_apply_line_stops_an_update_and_puts_everything_back():
    variables = _three("line_here")
    optimizer = tf.keras.optimizers.Adam(0.1)
    optimizer.apply_gradients([(tf.constant([1.0]), v) for v in variables])   # slots made
    before = _values(optimizer, variables)
    line = sys._getframe().f_lineno + 5
    break_on(file=__file__, line=line,
             condition=lambda node: node.scope.endswith("/" + variables[1].name[:-2]))
    pairs = [(tf.constant([1.0]), v) for v in variables]
    with pytest.raises(BreakpointError):
        optimizer.apply_gradients(pairs)
    assert _values(optimizer, variables) == before   # a's weight, m and v too


def test_a_line_breakpoint_elsewhere_holds_no_old_value():
    """No breakpoint can stop these updates, so nothing is held to put back: a listener's
    error says what the update left (a took the step)."""
    variables = _three("line_elsewhere")
    optimizer = tf.keras.optimizers.SGD(0.1)
    break_on(file=__file__, line=NEVER_RUN)
    error = _apply_with(_planted_at(variables[1]), optimizer, variables)
    assert _said_what_it_left(error)
    assert float(variables[0][0]) == pytest.approx(0.9)


@pytest.mark.parametrize("criteria", [{"op": "multiply"}, {"condition": lambda node: False},
                                      {"nan": True}], ids=["op", "condition", "nan"])
def test_a_disabled_breakpoint_holds_no_old_value(criteria):
    variables = _three("disabled")
    optimizer = tf.keras.optimizers.SGD(0.1)
    break_on(**criteria).disable()
    assert _said_what_it_left(_apply_with(_planted_at(variables[1]), optimizer, variables))


def test_a_backward_step_breakpoint_holds_no_old_value():
    variables = _three("vjp_only")
    optimizer = tf.keras.optimizers.SGD(0.1)
    break_on(phase="vjp")
    assert _said_what_it_left(_apply_with(_planted_at(variables[1]), optimizer, variables))


def test_the_decision_follows_breakpoints_set_since_and_the_apply_line():
    variables = _three("follows")
    optimizer = tf.keras.optimizers.Adam(0.1)
    break_on(file=__file__, line=NEVER_RUN)   # these applies hold nothing
    optimizer.apply_gradients([(tf.constant([1.0]), v) for v in variables])
    error = _apply_with(_planted_at(variables[1]), optimizer, variables)
    assert _said_what_it_left(error)

    before = _values(optimizer, variables)   # a breakpoint set since: held, put back
    break_on(op="multiply")
    assert not _said_what_it_left(_apply_with(_planted_at(variables[1]), optimizer, variables))
    assert _values(optimizer, variables) == before
    clear_breakpoints()

    def apply_at_the_breakpoints_line():
        optimizer.apply_gradients([(tf.constant([1.0]), v) for v in variables])

    planted, raising = _planted_at(variables[1]), []

    def listener(event):
        if raising:
            planted(event)

    at = apply_at_the_breakpoints_line.__code__.co_firstlineno + 1
    tf.subscribe(listener, kinds=(events.OpExecuted,))
    try:
        break_on(file=__file__, line=at, condition=lambda node: False)
        optimizer.apply_gradients([(tf.constant([1.0]), v) for v in variables])  # held nothing
        before = _values(optimizer, variables)
        raising.append(True)
        with pytest.raises(Planted) as raised:   # the same optimizer at the breakpoint's line
            apply_at_the_breakpoints_line()
    finally:
        tf.unsubscribe(listener)
    assert not _said_what_it_left(raised.value)
    assert _values(optimizer, variables) == before


def test_a_runner_stopped_inside_an_update_leaves_no_variable_half_updated():
    """The stop lets the apply finish (test_runner_mid_update.py): every variable took it."""
    a, b = tf.Variable([1.0], name="stopped_a"), tf.Variable([2.0], name="stopped_b")
    optimizer = tf.keras.optimizers.Adam(0.1)
    applied = []   # each apply's values before it

    def train(a, b, optimizer, steps=50):
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(a * a + b * b)
            grads = tape.gradient(loss, [a, b])
            applied.append(_values(optimizer, [a, b]))
            optimizer.apply_gradients(zip(grads, [a, b]))

    runner = Runner(train, a, b, optimizer)
    runner.pause()
    runner.start()
    assert runner.wait_paused(10.0)
    while not (len(applied) > 1 and runner.paused_at.node.scope.endswith("/stopped_b")):
        runner.step_op()   # to b's update in a later step: a's weight, m and v moved by then
        assert runner.wait_paused(10.0)
    runner.stop()
    assert runner.join(60.0)
    assert runner.state == "stopped"
    steps = len(applied)
    reference = tf.keras.optimizers.Adam(0.1)
    expected = [tf.Variable([1.0]), tf.Variable([2.0])]
    train(*expected, reference, steps)
    assert int(optimizer.iterations) == steps
    assert _values(optimizer, [a, b]) == _values(reference, expected)


def test_a_runner_gate_hearing_ops_holds_no_old_value():
    """A paused Runner's gate hears every op, but its stop lets an apply finish: an apply
    keeps no old values for it (was: held while any gate heard ops, ops/recycler.py could
    not reuse them), and a listener's error says what the update left."""
    def train(w):
        while True:
            w.assign_sub(w * 0.1)

    runner = Runner(train, tf.Variable(1.0))
    runner.pause()
    runner.start()
    try:
        assert runner.wait_paused(10.0)
        variables = _three("gate_hearing")
        optimizer = tf.keras.optimizers.Adam(0.1)
        error = _apply_with(_planted_at(variables[1]), optimizer, variables)
        assert _said_what_it_left(error)
    finally:
        runner.stop()
        assert runner.join(10.0) and runner.state == "stopped"
