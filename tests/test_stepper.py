"""BackwardStepper: one VJP at a time, same gradients as tape.gradient, robust to interrupts."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import BackwardStepper, break_on
from raising import assert_names_this_line, raised


pytestmark = pytest.mark.usefixtures("quiet_breakpoints")


def _mlp(persistent=True):
    """A small MLP with a reused weight, broadcasting, a nondiff branch and two outputs."""
    rng = np.random.default_rng(0)
    w1 = tf.Variable(rng.normal(size=(4, 5)).astype(np.float32))
    b1 = tf.Variable(np.zeros(5, np.float32))
    w2 = tf.Variable(rng.normal(size=(5, 1)).astype(np.float32))
    x = tf.constant(rng.normal(size=(8, 4)).astype(np.float32))
    with tf.GradientTape(persistent=persistent) as tape:
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        h = h * tf.reduce_mean(w1)                    # w1 used twice: gradients accumulate
        out = tf.matmul(h, w2)
        _ = tf.argmax(out, axis=0)                    # nondiff: skipped
        loss = tf.reduce_mean(tf.square(out)) + tf.reduce_sum(tf.exp(b1))
    return tape, loss, [w1, b1, w2]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.dtype == y.dtype
            assert np.array_equal(x.numpy(), y.numpy())


def test_stepping_gives_identical_gradients_to_tape_gradient():
    tape, loss, sources = _mlp()
    stepper = BackwardStepper(tape, loss, sources)
    steps = []
    while (step := stepper.step()) is not None:
        steps.append(step)
    assert stepper.done and stepper.step() is None
    assert len(steps) == stepper.count > 5
    _same(stepper.result(), tape.gradient(loss, sources))


def test_gradients_identical_for_a_non_persistent_tape_and_seeded_targets():
    tape, loss, sources = _mlp(persistent=False)
    stepped = BackwardStepper(tape, loss, sources, output_gradients=tf.constant(2.0)).run()
    _same(stepped.result(), tape.gradient(loss, sources, output_gradients=tf.constant(2.0)))


def test_steps_walk_the_tape_in_reverse_and_expose_the_current_step():
    tape, loss, sources = _mlp()
    stepper = BackwardStepper(tape, loss, sources)
    assert stepper.current is None and stepper.upstream is None and stepper.input_grads is None
    first = stepper.step()
    assert first.node is tape.nodes[-1] and stepper.current is first.node
    assert stepper.index == len(tape) - 1
    assert np.array_equal(stepper.upstream.numpy(), np.float32(1.0))
    assert stepper.input_grads is first.input_grads and len(first.input_grads) == 2
    second = stepper.step()
    assert second.index < first.index


def test_reprs_say_the_step_as_the_widgets_strip_does():
    """A stepper and its step printed in a notebook read as the widget's stepping strip:
    'steps applied', 'stepped through add (op 9 of the tape)' (was '#8', a tape entry)."""
    tape, loss, sources = _mlp()
    stepper = BackwardStepper(tape, loss, sources)
    assert repr(stepper) == "<BackwardStepper steps applied: 0, not started>"
    step = stepper.step()
    last = f"{step.node.op.name} (op {len(tape)} of the tape)"
    assert repr(step) == f"<BackwardStep through {last}>"
    assert repr(stepper) == f"<BackwardStepper steps applied: 1, stepped through {last}>"
    stepper.run()
    assert repr(stepper).startswith(f"<BackwardStepper steps applied: {stepper.count} (done), "
                                    "stepped through ")
    assert "#" not in repr(stepper)


def test_gradients_so_far_map_each_source_and_grow_as_steps_run():
    tape, loss, (w1, b1, w2) = _mlp()
    stepper = BackwardStepper(tape, loss, [w1, b1, w2])
    assert all(g is None for g in stepper.gradients.values())
    assert set(stepper.gradients) == {w1.ref(), b1.ref(), w2.ref()}
    stepper.run_to(tape.nodes[-3])      # the exp(b1) branch runs first: b1 has a partial gradient
    partial = stepper.gradient(b1)
    assert partial is not None and stepper.gradient(w2) is None
    stepper.run()
    assert not np.array_equal(stepper.gradient(b1).numpy(), partial.numpy())
    assert stepper.gradients[w2.ref()] is stepper.gradient(w2)


def test_run_to_stops_once_that_node_vjp_has_been_applied():
    tape, loss, sources = _mlp()
    nodes = tape.nodes
    matmul2 = [i for i, n in enumerate(nodes) if n.op.name == "matmul"][-1]
    stepper = BackwardStepper(tape, loss, sources)
    step = stepper.run_to(matmul2)
    assert step.index == matmul2 and stepper.current is nodes[matmul2]
    relu = next(i for i, n in enumerate(nodes) if n.op.name == "relu")
    assert stepper.run_to(nodes[relu].output).index == relu      # by the tensor it made
    with pytest.raises(ValueError, match=rf"^BackwardStepper.run_to: op {matmul2 + 1} of the tape "
                                         r"\(matmul\) is already behind the stepper: the next "
                                         rf"to step through is op {relu} of the tape"):
        stepper.run_to(matmul2)
    with pytest.raises(IndexError):
        stepper.run_to(10_000)


def test_run_to_a_node_without_gradient_stops_at_the_first_step_past_it():
    tape, loss, sources = _mlp()
    argmax = next(i for i, n in enumerate(tape.nodes) if n.op.name == "argmax")
    step = BackwardStepper(tape, loss, sources).run_to(argmax)
    assert step.index < argmax


def test_interrupt_inside_a_subscriber_rolls_back_the_step_and_tape_keeps_working():
    rng = np.random.default_rng(1)
    w = tf.Variable(rng.normal(size=(3, 3)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.tanh(tf.matmul(w, w)) * 3.0)
        stepper = BackwardStepper(tape, y, [w])
        stepper.step()
        calls = []

        def interrupt(event):
            calls.append(event)
            if isinstance(event, tf.OpExecuted) and len(calls) == 1:
                raise KeyboardInterrupt

        tf.subscribe(interrupt)
        try:
            with pytest.raises(KeyboardInterrupt):
                stepper.step()
        finally:
            tf.unsubscribe(interrupt)
        before = len(tape)
        z = y * 2.0                    # still inside `with`: the tape records again
        assert len(tape) == before + 1 and tape.nodes[-1].output is z
        stepper.run()                  # the interrupted step is retried
    reference = tape.gradient(y, [w])
    _same([stepper.gradient(w)], reference)


def test_exception_between_steps_leaves_the_tape_usable():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.exp(x) * x)
        stepper = BackwardStepper(tape, y, [x])
        with pytest.raises(RuntimeError):
            stepper.step()
            raise RuntimeError("user stopped between steps")
        w = x * 1.0
        assert tape.nodes[-1].output is w
    assert tape.gradient(y, x) is not None


def test_continue_stops_at_a_vjp_breakpoint_without_opening_a_debugger():
    tape, loss, sources = _mlp()
    bp = break_on(op="relu", phase="vjp")       # the default action would raise with no stdin
    stepper = BackwardStepper(tape, loss, sources)
    step = stepper.continue_()
    assert step.node.op.name == "relu" and stepper.current is step.node
    assert len(bp.hits) == 1 and bp.hits[0].step is step and bp.hits[0].debugger is None
    stepper.continue_()
    assert stepper.done
    bp.clear()
    _same(stepper.result(), tape.gradient(loss, sources))


def test_stepper_announces_gradient_computed_at_the_end():
    tape, loss, sources = _mlp()
    seen = tf.subscribe(lambda event: None)
    events = []
    tf.subscribe(events.append)
    try:
        BackwardStepper(tape, loss, sources).run()
    finally:
        tf.unsubscribe(events.append)
        tf.unsubscribe(seen)
    finished = [e for e in events if isinstance(e, tf.GradientComputed)]
    assert len(finished) == 1 and len(finished[0].gradients) == 3
    steps = [e for e in events if isinstance(e, tf.VJPApplied)]
    assert steps and all(e.step.node.phase == "forward" for e in steps)


# ---- misuse: said at the student's line, the stepper still steps after --------------------------
def test_run_to_what_the_tape_does_not_hold_names_the_call_and_the_stepper_goes_on():
    tape, loss, sources = _mlp()
    stepper = BackwardStepper(tape, loss, sources)
    last = len(tape.nodes) - 1
    err, line = raised(IndexError, lambda: stepper.run_to(10_000))   # was: no line named
    assert str(err).startswith(f"BackwardStepper.run_to: there is no op at index 10000: the "
                               f"tape has {last + 1} ops, at indices 0 to {last}")
    assert_names_this_line(err, line)
    err, line = raised(ValueError, lambda: stepper.run_to("matmul"))
    assert str(err).startswith("BackwardStepper.run_to: expected a node of this stepper's "
                               "tape, the tensor one made, or its index; got 'matmul' (str)")
    assert_names_this_line(err, line)
    err, line = raised(TypeError, lambda: stepper.gradient("w"))   # was: AttributeError
    assert str(err).startswith("BackwardStepper.gradient: source must be a tensor or variable")
    assert_names_this_line(err, line)
    assert stepper.count == 0
    stepper.run()
    err, line = raised(ValueError, lambda: stepper.run_to(0))   # was: 'next entry: #-1'
    assert "already behind the stepper: the backward pass is over" in str(err)
    assert "a new BackwardStepper" in err.hint
    assert_names_this_line(err, line)
    with tf.GradientTape() as check:
        again = tf.reduce_sum(sources[0] * 2.0)
    assert check.gradient(again, sources[0]) is not None
    assert [stepper.gradient(s) is not None for s in sources] == [True] * len(sources)


def test_a_recorded_steppers_run_to_past_its_ops_says_which_indices_there_are():
    from tapeviz.debugger.recorded_stepper import RecordedStepper
    w = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * w + w
    stepper = RecordedStepper(list(tape.backward(y, [w])), tape.nodes)
    with pytest.raises(IndexError) as err:   # was: 'op #5 does not exist'
        stepper.run_to(5)
    assert str(err.value) == "run_to: there is no op at index 5: the recording has 2 ops, " \
                             "at indices 0 to 1"
