"""Dispatch's specialised paths (an op only tapes record; one a Recorder's followed segment
checks) say numpy's warnings as the general path does: naming the op and where its input's
Inf came from."""
import warnings

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder


def _step(w, x):
    with tf.GradientTape() as tape:
        y = w * x
        loss = y - y
    (dw,) = tape.gradient(loss, [w])
    w.assign_sub(0.1 * dw)


def test_a_warning_in_a_step_that_follows_the_recorders_program_names_the_op():
    w = tf.Variable(1.0)
    finite, infinite = tf.constant([2.0, 1.0]), tf.constant([np.inf, 1.0])
    with Recorder() as recorder:
        for _ in range(3):   # recorded fully, learned, then followed
            _step(w, finite)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            _step(w, infinite)
    said = [str(w.message) for w in record if w.category is RuntimeWarning]
    assert said[0] == ("subtract: invalid value encountered in subtract; input 0 already held "
                       "1 Inf: it spread from an earlier op")
    with warnings.catch_warnings():   # (the look runs the last step's ops again: it warns again)
        warnings.simplefilter("ignore")
        assert len(recorder.steps) == 4


def test_a_warning_from_an_op_only_a_tape_records_names_the_op():
    x = tf.constant([np.inf, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            _ = x - x
    said = [str(w.message) for w in record if w.category is RuntimeWarning]
    assert said == ["subtract: invalid value encountered in subtract; input 0 already held "
                    "1 Inf: it is in the data (a constant, numpy array or dataset batch)"]
