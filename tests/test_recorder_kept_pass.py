"""A backward pass the Recorder keeps as one record (debugger/kept_pass.py): its ops, made
again on a look, are those that ran, and the look itself is heard and recorded by no one."""
import numpy as np

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder, break_on, clear_breakpoints


def _train(w, x, steps):
    for _ in range(steps):
        with tf.GradientTape() as tape:
            with tf.name_scope("block"):
                h = tf.nn.relu(tf.matmul(x, w))
            loss = tf.reduce_sum(h * h)
        w.assign_sub(0.01 * tape.gradient(loss, w))


def _described(ops_or_nodes):
    return [(node.op.name, node.phase, node.scope, node.source, np.asarray(node.output._value))
            for node in ops_or_nodes]


def _same(first, second):
    assert len(first) == len(second)
    for (*fields, value), (*other, value_again) in zip(first, second):
        assert fields == other
        np.testing.assert_array_equal(value, value_again)


def test_a_kept_pass_is_one_record_until_a_look_and_then_the_ops_that_ran():
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
    x = tf.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))
    heard = []
    events.subscribe(heard.append, kinds=(events.OpExecuted,))
    try:
        with Recorder() as rec:
            _train(w, x, 3)
    finally:
        events.unsubscribe(heard.append)
    steps = rec.steps
    kept = [step._record_count() for step in steps]
    backward = [event.node for event in heard if event.node.phase == "backward"]
    assert len(backward) >= 4
    # dispatch ran each step's VJP ops (its listener heard them) and the Recorder kept a
    # record less than the ops: the pass, one record
    ran = [event.node for event in heard]
    assert len(ran) == sum(len(step) for step in steps) and all(
        count < len(step) for count, step in zip(kept, steps))
    _same(_described(rop.node for step in steps for rop in step.ops), _described(ran))
    gradients = [rop.grad for rop in steps[-1].ops if rop.phase == "forward" and rop.taped]
    assert all(grad is not None for grad in gradients)


def test_a_look_is_heard_by_no_listener_and_recorded_by_no_tape():
    w = tf.Variable(np.array([[0.5], [2.0]], np.float32))
    x = tf.constant(np.array([[1.0, 2.0]], np.float32))
    with Recorder() as rec:
        _train(w, x, 2)
    heard = []
    events.subscribe(heard.append, kinds=(events.OpExecuted, events.VJPApplied))
    try:
        with tf.GradientTape(persistent=True) as outer:
            outer.watch(x)
            names = [rop.op for rop in rec.steps[0].ops]
    finally:
        events.unsubscribe(heard.append)
    assert "relu" in names and names.count("matmul") >= 2   # the forward's and a VJP's
    assert heard == [] and len(outer) == 0


def test_a_second_pass_over_a_persistent_tape_is_recorded_op_by_op():
    w = tf.Variable(3.0)
    with Recorder(split="mark") as rec:
        with tf.GradientTape(persistent=True) as tape:
            loss = w * w * w
        first = tape.gradient(loss, w)
        second = tape.gradient(loss, w)
    step = rec.last_step
    backward = [rop for rop in step.ops if rop.phase == "backward"]
    # two passes over one tape in one step: each made again over the same taped ops
    half = len(backward) // 2
    assert half >= 2 and len(backward) == 2 * half
    assert [rop.op for rop in backward[:half]] == [rop.op for rop in backward[half:]]
    for early, late in zip(backward[:half], backward[half:]):
        np.testing.assert_array_equal(early.output, late.output)
    assert float(first) == float(second) == 27.0


def test_a_look_inside_a_kept_pass_shows_the_ops_that_ran_so_far_and_then_the_whole_pass():
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
    x = tf.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))
    heard, looked = [], []

    def hear(event):   # a breakpoint's look at the ReLU's VJP, before the matmul's runs
        heard.append(event.node)
        if event.node.op.name == "relu_grad" and not looked:
            looked.append(_described(node for node in rec.current_step.nodes
                                     if node.phase == "backward"))

    with Recorder() as rec:
        events.subscribe(hear, kinds=(events.OpExecuted,))
        try:
            _train(w, x, 2)
        finally:
            events.unsubscribe(hear)
    ran = [node for node in heard if node.phase == "backward"]
    first_step = [node for node in rec.steps[0].nodes if node.phase == "backward"]
    so_far = len(looked[0])
    assert 0 < so_far < len(first_step)   # what had run then: not the VJPs still to come
    _same(looked[0], _described(ran[:so_far]))
    assert looked[0][-1][0] == "relu_grad"
    # the pass went on after the look: the step holds every op it ran, each once, in order
    _same(_described(first_step), _described(ran[:len(first_step)]))
    _same(_described(rop.node for step in rec.steps for rop in step.ops),
          _described(heard))
    gradients = [rop.grad for rop in rec.steps[0].ops if rop.phase == "forward" and rop.taped]
    assert all(grad is not None for grad in gradients)


def test_a_breakpoint_condition_inside_a_vjp_sees_the_step_so_far():
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
    x = tf.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))
    looked = []

    def condition(node):   # looks at the step, never stops
        looked.append([rop.op for rop in rec.current_step.ops if rop.phase == "backward"])
        return False

    with Recorder() as rec:
        break_on(op="reshape", phase="backward", condition=condition)   # reduce_sum's VJP:
        try:                                                            # reshape, broadcast_to
            _train(w, x, 1)
        finally:
            clear_breakpoints()
    assert looked == [["reshape"]]
    assert [rop.op for rop in rec.steps[0].ops if rop.phase == "backward"] == \
        ["reshape", "broadcast_to", "square_grad", "relu_grad", "matmul"]
