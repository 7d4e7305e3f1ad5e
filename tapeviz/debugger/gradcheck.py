"""Check one recorded node's VJP against central finite differences, at its recorded inputs.

It reruns the node's `op.forward` on float64 copies of the inputs the node saw, and
compares `op.input_grads` (the VJP the backward pass used) with the numeric gradient of
<forward(x), v> for a random cotangent v: elementwise for small inputs, along random
directions for large ones. Nothing is recorded on any tape.
"""
from __future__ import annotations

import numpy as np

from ..dispatch import unrecorded
from ..tensor import wrap
from .summary import _array


def _scalar_or_array(values: np.ndarray):
    return values[()] if values.ndim == 0 else values


def _unbroadcast(grad: np.ndarray, shape) -> np.ndarray:
    """Sum `grad` down to `shape`, as the backward engine does for broadcasting ops."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class InputCheck:
    """The comparison for one input: analytic vs numeric, and the worst errors."""

    def __init__(self, index, analytic, numeric, abs_error, rel_error, passed, directional):
        self.index = index
        self.analytic = analytic
        self.numeric = numeric
        self.abs_error = abs_error
        self.rel_error = rel_error
        self.passed = passed
        self.directional = directional  # compared along random directions, not per element

    def __repr__(self) -> str:
        verdict = "ok" if self.passed else "FAIL"
        return f"<input {self.index} {verdict}: abs {self.abs_error:.3g} rel {self.rel_error:.3g}>"


class GradCheckResult:
    """Outcome of `check_node_gradient`: truthy when every float input passed."""

    def __init__(self, op_name, inputs, skipped=None, source=None):
        self.op = op_name
        self.inputs = inputs            # one InputCheck per float input
        self.skipped = skipped          # why nothing was checked, or None
        self.source = source
        self.max_abs_error = max((c.abs_error for c in inputs), default=0.0)
        self.max_rel_error = max((c.rel_error for c in inputs), default=0.0)
        self.passed = all(c.passed for c in inputs)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.op}: not checked ({self.skipped})"
        verdict = "passed" if self.passed else "FAILED"
        bad = [c.index for c in self.inputs if not c.passed]
        where = f" at {self.source.filename.rsplit('/', 1)[-1]}:{self.source.lineno}" \
            if self.source is not None else ""
        text = (f"{self.op}{where}: gradient check {verdict}; max abs error "
                f"{self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}")
        return text + (f"; wrong input(s): {bad}" if bad else "")

    def __repr__(self) -> str:
        return f"<GradCheckResult {self}>"


def check_node_gradient(node, eps: float = 1e-6, seed: int = 0, rtol: float = 1e-4,
                        atol: float = 1e-6, max_elements: int = 256,
                        directions: int = 4) -> GradCheckResult:
    """Finite-difference check of `node`'s VJP at its recorded inputs (float64 copies).

    >>> import tapeviz as tf
    >>> x = tf.Variable([1.0, 2.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.sin(x) * x
    >>> [bool(check_node_gradient(node)) for node in tape.nodes]
    [True, True]
    """
    op = node.op
    source = getattr(node, "source", None)
    if getattr(op, "nondiff", False):
        return GradCheckResult(op.name, [], skipped="the op has no gradient (nondiff)",
                               source=source)
    params = dict(node.params or {})
    arrays = [_array(x) for x in node.inputs]
    arrays = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if not floats:
        return GradCheckResult(op.name, [], skipped="no float inputs", source=source)

    def forward(values) -> np.ndarray:
        return np.asarray(op.forward(*map(_scalar_or_array, values), **params), np.float64)

    rng = np.random.default_rng(seed)
    ans = forward(arrays)
    v = rng.standard_normal(ans.shape)
    with unrecorded():
        grads = op.input_grads(wrap(_scalar_or_array(v.astype(ans.dtype))),
                               wrap(_scalar_or_array(ans)),
                               [wrap(_scalar_or_array(a)) for a in arrays], params)

    def objective(i, shifted) -> float:
        values = list(arrays)
        values[i] = shifted
        return float(np.sum(forward(values) * v))

    checks = []
    for i in floats:
        x = arrays[i]
        grad = grads[i] if i < len(grads) else None
        analytic = np.zeros_like(x) if grad is None else np.asarray(_array(grad), np.float64)
        if getattr(op, "broadcasting", False) and analytic.shape != x.shape:
            analytic = _unbroadcast(analytic, x.shape)
        if analytic.shape != x.shape:
            checks.append(InputCheck(i, analytic, None, np.inf, np.inf, False, False))
            continue
        if x.size <= max_elements:
            numeric = np.zeros_like(x)
            for j in range(x.size):
                step = np.zeros(x.size)
                step[j] = eps
                step = step.reshape(x.shape)
                numeric.flat[j] = (objective(i, x + step) - objective(i, x - step)) / (2 * eps)
            got, want, directional = analytic, numeric, False
        else:
            units = [rng.standard_normal(x.shape) for _ in range(directions)]
            want = np.array([(objective(i, x + eps * u) - objective(i, x - eps * u)) / (2 * eps)
                             for u in units])
            got = np.array([float(np.sum(analytic * u)) for u in units])
            numeric, directional = want, True
        error = np.abs(got - want)
        scale = np.maximum(np.abs(got), np.abs(want))
        rel = np.where(scale > 0, error / np.where(scale > 0, scale, 1), 0.0)
        passed = bool(np.all(error <= atol + rtol * np.abs(want)))
        checks.append(InputCheck(i, analytic, numeric, float(error.max(initial=0.0)),
                                 float(rel.max(initial=0.0)), passed, directional))
    return GradCheckResult(op.name, checks, source=source)
