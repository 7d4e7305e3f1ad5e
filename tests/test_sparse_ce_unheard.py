"""The sparse cross-entropy's VJP in numpy while nobody can tell (ops/nn.py): the op path's
bits, its forward's exponentials reused, and every op of it run where anyone could see
them (a listener, a recording outer tape, a Recorder)."""
from __future__ import annotations

import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.ops import nn
from tapeviz.ops.registry import REGISTRY
from op_counts import forwards_counted

VJP_OPS = ("softmax", "subtract", "multiply")


def _problem(dtype, shape):
    rng = np.random.default_rng(4)
    logits = tf.constant((rng.standard_normal(shape) * 3).astype(dtype))
    labels = tf.constant(rng.integers(0, shape[-1], shape[:-1]))
    return labels, logits


def _gradient(labels, logits, weights, calls=None):
    """d/dlogits of sum(weights * losses); `calls` (from _counted) emptied before the pass."""
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.reduce_sum(weights * tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels, logits))
    if calls is not None:
        calls.update(dict.fromkeys(calls, 0))
    return tape.gradient(loss, logits)


@pytest.mark.parametrize("dtype, shape", [(np.float32, (32, 10)), (np.float64, (5, 7)),
                                          (np.float32, (3, 4, 6))])
def test_unheard_gradient_runs_no_op_and_has_the_op_path_s_bits(monkeypatch, dtype, shape):
    labels, logits = _problem(dtype, shape)
    weights = tf.constant(np.linspace(0.5, 2.0, int(np.prod(shape[:-1])))
                          .reshape(shape[:-1]).astype(dtype))
    calls = forwards_counted(monkeypatch, VJP_OPS)
    unheard = _gradient(labels, logits, weights, calls)
    assert calls == {"softmax": 0, "subtract": 0, "multiply": 1}   # weights' VJP alone
    assert unheard.dtype.name == np.dtype(dtype).name
    monkeypatch.setattr(nn, "_unheard_sparse_ce_gradient", lambda *args: None)
    by_ops = _gradient(labels, logits, weights, calls)
    assert calls == {"softmax": 1, "subtract": 1, "multiply": 2}
    assert unheard.numpy().tobytes() == by_ops.numpy().tobytes()


def test_the_forward_s_exponentials_are_used_once_then_let_go(monkeypatch):
    labels, logits = _problem(np.float32, (8, 5))
    softmaxes = []
    forward = nn._softmax_forward
    monkeypatch.setattr(nn, "_softmax_forward",
                        lambda *a, **k: softmaxes.append(1) or forward(*a, **k))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    first = tape.gradient(loss, logits)
    assert softmaxes == [] and getattr(nn._sparse_ce_kept, "last", None) is None
    again = tape.gradient(loss, logits)   # computed afresh: the same bits
    assert softmaxes == [1] and again.numpy().tobytes() == first.numpy().tobytes()


def test_a_listener_on_softmax_hears_it_and_gets_the_same_gradient(monkeypatch):
    labels, logits = _problem(np.float32, (6, 4))
    weights = tf.ones([6])
    unheard = _gradient(labels, logits, weights)
    heard = []
    subscription = tf.subscribe(heard.append, ops={REGISTRY["softmax"]})
    try:
        assert _gradient(labels, logits, weights).numpy().tobytes() == unheard.numpy().tobytes()
    finally:
        tf.unsubscribe(subscription)
    assert len(heard) == 1


def test_an_outer_tape_records_the_vjp_s_ops_and_differentiates_them(monkeypatch):
    labels, logits = _problem(np.float64, (3, 4))
    calls = forwards_counted(monkeypatch, VJP_OPS)
    with tf.GradientTape() as outer:
        outer.watch(logits)
        gradient = _gradient(labels, logits, tf.ones([3], tf.float64))
        total = tf.reduce_sum(gradient * gradient)
    assert calls["softmax"] == 1
    second = outer.gradient(total, logits).numpy()
    step = 1e-6   # against central differences of the first derivative's squared norm
    x = logits.numpy()
    for index in [(0, 0), (1, 2), (2, 3)]:
        moved = [x.copy(), x.copy()]
        moved[0][index] += step
        moved[1][index] -= step
        sums = [float(tf.reduce_sum(_gradient(labels, tf.constant(m), tf.ones([3], tf.float64))
                                    ** 2)) for m in moved]
        assert second[index] == pytest.approx((sums[0] - sums[1]) / (2 * step), rel=1e-5)


def test_a_recorder_sees_the_vjp_s_ops_with_the_same_gradient():
    labels, logits = _problem(np.float32, (4, 3))
    unheard = _gradient(labels, logits, tf.ones([4]))
    with Recorder() as recorder:
        recorded = _gradient(labels, logits, tf.ones([4]))
    assert recorded.numpy().tobytes() == unheard.numpy().tobytes()
    backward = [op.op for op in recorder.last_step.find(phase="backward")]
    assert {"softmax", "subtract", "multiply"} <= set(backward)
