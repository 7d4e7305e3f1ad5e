"""Every differentiable op's second derivative: a Hessian-vector product against finite differences.

For each sample of each op, `check_grads(..., order=2)` takes L(x) = <op(x), v> +
|op(x)|^2 / 2, computes H u through nested GradientTapes, and compares it entry by
entry with central differences of the tape's first-order gradient of L along u. The
square makes the upstream gradient depend on x, so a VJP must be differentiable in its
inputs, its output and its `g`: a VJP that calls a `nondiff` op or raw numpy on a value
that depends on the input fails here.

Tolerances, float64 throughout: EPS = 1e-5 balances the rounding error of the
difference quotient (~1e-16 * |gradient| / EPS) against its truncation error
(~EPS^2 * |third derivative|). Over every sample the worst error measured is 8e-9
absolute (entries reach 134), at most 0.2% of the allowance ATOL + RTOL * |expected|
(2e-8 and 0.6% with EPS = 1e-6): room for other BLAS builds. A VJP that drops a term
is off by O(1).
"""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.ops import REGISTRY

from gradcheck import check_grads, sample_inputs

EPS, RTOL, ATOL = 1e-5, 1e-5, 1e-6

DIFFERENTIABLE = [op for op in REGISTRY.values() if not op.nondiff]
CASES = [(op, i) for op in DIFFERENTIABLE for i in range(len(op.samples))]


def _gap(x) -> float:
    """The smallest difference between two values of x: where a max's choice would flip
    (stricter than needed, which is only within one reduction or window)."""
    values = np.sort(np.ravel(x))
    return float(np.diff(values).min()) if values.size > 1 else np.inf


# Ops whose gradient jumps at kinks, with the sample inputs' distance to the nearest one.
# They are tested like every other op, at samples this far from a kink: a finite
# difference moves each input by EPS * |u| (u standard normal, so < 5 * EPS), and must
# not cross one.
KINK_DISTANCE = {
    "abs": lambda x: np.abs(x),
    "relu": lambda x: np.abs(x),
    "leaky_relu": lambda x: np.abs(x),
    "elu": lambda x: np.abs(x),  # the second derivative jumps at 0
    "relu6": lambda x: np.minimum(np.abs(x), np.abs(x - 6)),
    "relu_grad": lambda gradients, features: np.abs(features),
    "maximum": lambda x, y: np.abs(x - y),
    "minimum": lambda x, y: np.abs(x - y),
    "clip_by_value": lambda t, low, high: np.minimum(np.abs(t - low), np.abs(t - high)),
    "floormod": lambda x, y: np.abs(x - y * np.round(x / y)),
    "reduce_max": _gap,
    "reduce_min": _gap,
    "max_pool2d": _gap,
    "max_pool2d_grad": lambda x, g: _gap(x),
    "max_pool2d_grad_grad": lambda x, G: _gap(x),
}
KINK_MARGIN = 10 * EPS


@pytest.mark.parametrize("op,index", CASES, ids=[f"{op.name}-{i}" for op, i in CASES])
def test_hessian_vector_product_matches_finite_differences(op, index):
    specs, params = op.samples[index]
    inputs = sample_inputs(op, specs, seed=index)
    if op.name in KINK_DISTANCE:
        distance = float(np.min(KINK_DISTANCE[op.name](*inputs)))
        assert distance > KINK_MARGIN, f"{op.name} sample {index} lies {distance:.2g} from a " \
                                       f"kink: draw it elsewhere"
    check_grads(op, inputs, params, order=2, eps=EPS, rtol=RTOL, atol=ATOL)


def test_every_piecewise_op_named_here_is_registered_and_differentiable():
    assert set(KINK_DISTANCE) <= {op.name for op in DIFFERENTIABLE}


@pytest.mark.parametrize("values,hessian", [
    ([2.0, 3.0, 5.0], [[0, 5, 3], [5, 0, 2], [3, 2, 0]]),
    ([0.0, 3.0, 5.0], [[0, 5, 3], [5, 0, 0], [3, 0, 0]]),  # exact at zeros: no division
])
def test_reduce_prod_hessian_is_the_products_of_the_other_pairs(values, hessian):
    x = tf.constant(values, dtype=tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_prod(x)
        grad = inner.gradient(y, x)
    np.testing.assert_array_equal(outer.jacobian(grad, x).numpy(), hessian)
