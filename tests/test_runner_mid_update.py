"""A Runner stopped while its loop is inside one training update finishes that update, then
stops: no variable is left a step behind the others, as Keras's `stop_training` and
Lightning's `should_stop` end a loop at a step's end, never midway. (An update is not rolled
back: under tapeviz.torch the step has written every parameter before its updates are
heard.) While paused after an update op, the variable holds what the op wrote."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Runner

T = 10.0   # the longest any single wait may take


def lecture_loop(w, b, steps):
    """The lecture's loop: a GradientTape a step, then two hand-written updates."""
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = (tf.constant(2.0) - (tf.constant(float(step % 3)) * w + b)) ** 2
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.01 * dw)
        b.assign_sub(0.01 * db)


def adam_loop(variables, optimizer, steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.add_n([tf.reduce_sum(v * v * float(i + 1)) for i, v in enumerate(variables)])
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def _paused_at(runner, wanted) -> None:
    """Step op by op until the runner is paused after an op `wanted(point)` accepts."""
    while not wanted(runner.paused_at):
        runner.step_op()
        assert runner.wait_paused(T)


def _update_of(name):
    return lambda point: point.node.op.kind == "update" and \
        point.node.inputs[0].variable.name.startswith(name)


def _lecture_runner(steps_before: int):
    w, b = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b")
    runner = Runner(lecture_loop, w, b, 10**6)
    runner.pause()
    runner.start()
    assert runner.wait_paused(T)
    _paused_at(runner, lambda point: runner.step_count == steps_before + 1)
    return runner, w, b


def _stopped(runner) -> None:
    runner.stop()
    assert runner.join(T) and runner.state == "stopped" and runner.error is None


def _lecture_after(steps: int) -> list:
    w, b = tf.Variable(0.5), tf.Variable(0.0)
    lecture_loop(w, b, steps)
    return [float(w), float(b)]


@pytest.mark.parametrize("where", ["w's update", "the multiply after it", "b's update"])
def test_a_stop_between_two_hand_written_updates_finishes_the_step(where):
    runner, w, b = _lecture_runner(steps_before=2)
    _paused_at(runner, _update_of("w"))
    if where == "the multiply after it":
        runner.step_op()
        assert runner.wait_paused(T) and runner.paused_at.op_name == "multiply"
    elif where == "b's update":
        _paused_at(runner, _update_of("b"))
    _stopped(runner)
    assert runner.step_count == 3
    assert [float(w), float(b)] == _lecture_after(3)


def test_a_stop_inside_adams_apply_finishes_it_for_every_variable():
    variables = [tf.Variable([1.0, -2.0], name=name) for name in "abcd"]
    optimizer = tf.keras.optimizers.Adam(0.1)
    runner = Runner(adam_loop, variables, optimizer, 10**6)
    runner.pause()
    runner.start()
    assert runner.wait_paused(T)
    _paused_at(runner, lambda point: runner.step_count == 2)
    _paused_at(runner, _update_of("b"))
    _stopped(runner)
    assert runner.step_count == 2 and int(optimizer.iterations) == 2
    expected = [tf.Variable([1.0, -2.0]) for _ in "abcd"]
    adam_loop(expected, tf.keras.optimizers.Adam(0.1), 2)
    for got, want in zip(variables, expected):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_paused_after_an_update_the_variable_holds_what_it_wrote():
    runner, w, _ = _lecture_runner(steps_before=1)
    _paused_at(runner, _update_of("w"))
    try:
        assert float(w) == float(runner.paused_at.node.output) != 0.5
    finally:
        _stopped(runner)
    assert float(w) == _lecture_after(2)[0]


def frozen_loop(w, b, frozen, optimizer, forwards, steps):
    """The gradient covers a variable the update leaves alone (`frozen`): by hand
    (`optimizer` None) or through an optimizer given only w and b. `forwards` counts the
    forward passes that ran to their loss."""
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = (tf.constant(2.0) - (tf.constant(float(step % 3)) * w + b * frozen)) ** 2
        forwards.append(step)
        dw, db, _ = tape.gradient(loss, [w, b, frozen])
        if optimizer is None:
            w.assign_sub(0.01 * dw)
            b.assign_sub(0.01 * db)
        else:
            optimizer.apply_gradients(zip([dw, db], [w, b]))


def _frozen_variables() -> list:
    return [tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b"),
            tf.Variable(1.5, name="frozen")]


@pytest.mark.parametrize("optimizer", [None, "SGD", "Adam"])
def test_a_stop_after_an_update_that_leaves_a_differentiated_variable_alone_ends_that_step(
        optimizer):
    """The gradient call's frozen source is never written: the stop lands where the next
    forward pass reads w again, not a whole pass later after the next gradient call (was: a
    third forward pass and gradient call ran)."""
    made = None if optimizer is None else getattr(tf.keras.optimizers, optimizer)(0.01)
    variables, forwards = _frozen_variables(), []
    runner = Runner(frozen_loop, *variables, made, forwards, 10**6)
    runner.pause()
    runner.start()
    assert runner.wait_paused(T)
    _paused_at(runner, lambda point: runner.step_count == 2)
    _paused_at(runner, _update_of("b"))
    _stopped(runner)
    assert runner.step_count == 2 and len(forwards) == 2
    expected = _frozen_variables()
    frozen_loop(*expected, None if made is None else type(made)(0.01), [], 2)
    assert [float(v) for v in variables] == [float(v) for v in expected]


def test_a_stop_before_adams_first_variable_is_written_finishes_the_apply():
    """Paused at the first variable's first slot update (its m moved, nothing the gradient
    call differentiated written yet), a stop lets the whole apply run (was: the apply was
    rolled back, the step's gradient call counted and its update lost)."""
    variables = [tf.Variable([1.0, -2.0], name=name) for name in "abcd"]
    optimizer = tf.keras.optimizers.Adam(0.1)
    runner = Runner(adam_loop, variables, optimizer, 10**6)
    runner.pause()
    runner.start()
    assert runner.wait_paused(T)
    _paused_at(runner, lambda point: runner.step_count == 2)
    _paused_at(runner, lambda point: point.node.op.name == "moving_average")
    _stopped(runner)
    assert runner.step_count == 2 and int(optimizer.iterations) == 2
    expected = [tf.Variable([1.0, -2.0]) for _ in "abcd"]
    adam_loop(expected, tf.keras.optimizers.Adam(0.1), 2)
    for got, want in zip(variables, expected):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
