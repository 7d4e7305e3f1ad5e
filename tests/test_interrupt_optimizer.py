"""A kernel interrupt (Jupyter's, Ctrl-C: SIGINT, raised on the main thread between any two
bytecodes) inside apply_gradients while a Recorder hears the update ops lands after the
apply: every variable, slot and `iterations` took the step, as an uninterrupted apply does.
A real SIGINT, sent at a known point: from a listener inside the second variable's update."""
import signal

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder


def made():
    optimizer = tf.keras.optimizers.Adam(0.1)
    variables = [tf.Variable([1.0, -2.0], name=n) for n in "abc"]
    return optimizer, variables


def apply(optimizer, variables):
    optimizer.apply_gradients([(tf.constant([0.5, 1.0]) * (i + 1), v)
                               for i, v in enumerate(variables)])


def state(optimizer, variables):
    return [v.numpy().copy() for v in [*variables, *optimizer.variables]]


def interrupting(scope):
    """A listener that sends this process a SIGINT at the update op in `scope`, once."""
    def listener(event):
        if event.node.scope == scope and event.node.op.name == "adam_step" and not sent:
            sent.append(True)
            signal.raise_signal(signal.SIGINT)
    sent = []
    return listener


def test_an_interrupt_inside_a_heard_apply_lands_after_it():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    optimizer, variables = made()
    twin, twin_variables = made()
    listener = interrupting("Adam/b")   # a's step taken, b's m and v moved
    with Recorder():
        apply(optimizer, variables)   # the slots exist; the next apply is a second step
        events.subscribe(listener, kinds=(events.OpExecuted,))
        try:
            with pytest.raises(KeyboardInterrupt):
                apply(optimizer, variables)
        finally:
            events.unsubscribe(listener)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    apply(twin, twin_variables), apply(twin, twin_variables)
    assert int(optimizer.iterations) == 2
    for theirs, mine in zip(state(twin, twin_variables), state(optimizer, variables),
                            strict=True):
        np.testing.assert_array_equal(theirs, mine)
    with pytest.raises(KeyboardInterrupt):   # and Ctrl-C outside an apply interrupts at once
        signal.raise_signal(signal.SIGINT)
