"""reduce_sum's and reduce_mean's VJPs in numpy while nobody can tell (ops/reduce.py's
_spread): the bits of their reshape, truediv and broadcast_to ops, which run where anyone
could see them (a listener, a recording outer tape)."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
import tapeviz.tensor as tensor_module
from tapeviz.ops import reduce as reduce_ops
from tapeviz.ops.registry import REGISTRY

SPREAD_OPS = ("reshape", "truediv", "broadcast_to")


def _counted(monkeypatch):
    """{op name: how many times the op is called (dispatched) from now on}; _spread calls
    the rows' forwards straight, which dispatch nothing."""
    calls = dict.fromkeys(SPREAD_OPS, 0)
    row_type = type(REGISTRY["reshape"])
    dispatch = row_type.__call__

    def counting(op, *args, **params):
        if op.name in calls:
            calls[op.name] += 1
        return dispatch(op, *args, **params)
    monkeypatch.setattr(row_type, "__call__", counting)
    monkeypatch.setattr(tensor_module, "_dispatch", counting)   # a Tensor's operators
    return calls


def _gradient(reduce, x, axis, keepdims, calls=None):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = reduce(x, axis=axis, keepdims=keepdims)
        loss = tf.reduce_sum(y * tf.constant(np.linspace(0.5, 1.5, max(1, int(np.size(y))))
                                             .reshape(np.shape(y)).astype(x.dtype.name)))
    if calls is not None:
        calls.update(dict.fromkeys(calls, 0))
    return tape.gradient(loss, x)


CASES = [(None, False), ([1, 2], False), ([0], True), ([-1], False), (None, True)]


@pytest.mark.parametrize("reduce", [tf.reduce_sum, tf.reduce_mean])
@pytest.mark.parametrize("axis, keepdims", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unheard_spread_has_the_ops_bits(monkeypatch, reduce, axis, keepdims, dtype):
    x = tf.constant(np.random.default_rng(3).standard_normal((3, 5, 7)).astype(dtype))
    unheard = _gradient(reduce, x, axis, keepdims)
    monkeypatch.setattr(reduce_ops, "unheard", lambda *ops: False)
    by_ops = _gradient(reduce, x, axis, keepdims)
    assert unheard.dtype == by_ops.dtype and unheard.shape == by_ops.shape
    assert unheard.numpy().tobytes() == by_ops.numpy().tobytes()


def test_the_mean_s_gradient_dispatches_none_of_its_ops_unheard(monkeypatch):
    x = tf.constant(np.ones((4, 6), np.float32))
    calls = _counted(monkeypatch)
    _gradient(tf.reduce_mean, x, [1], False, calls)
    assert calls == dict.fromkeys(SPREAD_OPS, 0)
    monkeypatch.setattr(reduce_ops, "unheard", lambda *ops: False)
    _gradient(tf.reduce_mean, x, [1], False, calls)
    assert calls == {"reshape": 2, "truediv": 1, "broadcast_to": 2}   # the outer sum's too


def test_a_listener_on_truediv_hears_the_mean_s_division():
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    unheard = _gradient(tf.reduce_mean, x, [0], False)
    heard = []
    subscription = tf.subscribe(heard.append, ops={REGISTRY["truediv"]})
    try:
        again = _gradient(tf.reduce_mean, x, [0], False)
    finally:
        tf.unsubscribe(subscription)
    assert again.numpy().tobytes() == unheard.numpy().tobytes() and len(heard) == 1


def test_an_outer_tape_differentiates_the_mean_s_vjp():
    x = tf.Variable(np.array([[1.0, 2.0], [3.0, 5.0]]))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_mean(x * x, axis=1)
        first = inner.gradient(y, x)   # x, each row's mean of squares: 2x / 2
        total = tf.reduce_sum(first * first)
    np.testing.assert_array_equal(first.numpy(), x.numpy())
    np.testing.assert_array_equal(outer.gradient(total, x).numpy(), 2 * x.numpy())
