"""Gradients against central finite differences: the one numeric-gradient helper, and checks.

`numeric_gradient` is the only finite-difference loop in tapeviz and its tests.
`check_grads(f, args, order=1 or 2)` asserts that a function's gradients from a
`GradientTape` (order 2: a Hessian-vector product through nested tapes) match it.
`check_node_gradient(node)` reruns a recorded node's `op.forward` on float64 copies of
the inputs the node saw, and compares `op.input_grads` (the VJP the backward pass used)
with the numeric gradient of <forward(x), v> for a random cotangent v: elementwise for
small inputs, along random directions for large ones. Nothing is recorded on any tape.
"""
from __future__ import annotations

import numpy as np

from ..creation import constant
from ..dispatch import unrecorded
from ..ops import math as _m
from ..ops import reduce as _reduce
from ..tape import GradientTape
from ..tensor import wrap
from .given import check_node
from .summary import _array


def numeric_gradient(f, x, direction=None, eps: float = 1e-6):
    """Central differences of `f` at `x` (as float64): along `direction`, or per element.

    With a direction u: (f(x + eps u) - f(x - eps u)) / (2 eps), the derivative of f along
    u (an array when f returns one: f's Jacobian times u). Without: the gradient of a
    scalar-valued f, one such difference per element of x, shaped like x.

    >>> numeric_gradient(lambda x: float(np.sum(x ** 3)), np.array([1.0, 2.0])).round(6)
    array([ 3., 12.])
    >>> float(numeric_gradient(np.sin, 0.0, direction=2.0).round(6))
    2.0
    """
    x = np.asarray(x, dtype=np.float64)
    if direction is not None:
        u = np.asarray(direction, dtype=np.float64)
        ahead = np.asarray(f(x + eps * u), dtype=np.float64)
        behind = np.asarray(f(x - eps * u), dtype=np.float64)
        return (ahead - behind) / (2 * eps)
    grad = np.zeros(x.shape)
    for j in range(x.size):
        unit = np.zeros(x.shape)
        unit.flat[j] = 1.0
        grad.flat[j] = float(numeric_gradient(f, x, unit, eps))
    return grad


def check_grads(f, args, order: int = 1, *, eps: float = 1e-6, rtol: float = 1e-5,
                atol: float = 1e-7, seed: int = 0, name: str | None = None) -> None:
    """Assert that `f`'s gradients from a GradientTape match central finite differences.

    `f` takes tensors and returns one tensor. Float arrays in `args` are differentiated
    (as float64 constants); other args (indices, labels, masks) are held fixed.
    Order 1: for a random cotangent v and, per float input, a random direction u, the
    tape's gradient of <f(x), v> dotted with u equals the derivative of <f(x), v> along u.
    Order 2: for L(x) = <f(x), v> + |f(x)|^2 / 2, the Hessian-vector product H u from
    nested tapes equals, entry by entry, the derivative of the tape's gradient of L along
    u (all float inputs moved at once). The square makes the upstream gradient depend on
    x, so a VJP that is not differentiable in its `g` fails too.

    Raises AssertionError naming `name` (default: f's name), the input and both values.

    >>> import tapeviz as tf
    >>> check_grads(lambda x: tf.sin(x) * x, [np.array([0.5, 1.0])], order=2)
    """
    name = name or getattr(f, "__name__", "f")
    args = [np.asarray(a) for a in args]
    floats = [i for i, a in enumerate(args) if a.dtype.kind == "f"]
    args = [a.astype(np.float64) if i in floats else a for i, a in enumerate(args)]
    rng = np.random.default_rng(seed)
    if order == 1:
        _check_first_order(f, args, floats, rng, eps, rtol, atol, name)
    elif order == 2:
        _check_second_order(f, args, floats, rng, eps, rtol, atol, name)
    else:
        raise ValueError(f"check_grads: order must be 1 or 2; got {order!r}")


def _with(args, i, value) -> list:
    args = list(args)
    args[i] = value
    return args


def _check_first_order(f, args, floats, rng, eps, rtol, atol, name) -> None:
    tensors = [constant(a) for a in args]
    with GradientTape(persistent=True) as tape:
        for i in floats:
            tape.watch(tensors[i])
        y = f(*tensors)
    v = rng.standard_normal(np.shape(y.numpy()))
    grads = tape.gradient(y, [tensors[i] for i in floats], output_gradients=constant(v))
    for i, grad in zip(floats, grads):
        x = args[i]
        u = rng.standard_normal(x.shape)
        if grad is not None:
            assert grad.shape == x.shape, f"{name}: gradient {i} has shape {grad.shape}, " \
                                          f"input has {x.shape}"
        analytic = 0.0 if grad is None else float(np.sum(grad.numpy() * u))

        def value(shifted, i=i):
            return f(*[constant(a) for a in _with(args, i, shifted)]).numpy()

        numeric = float(np.sum(numeric_gradient(value, x, u, eps) * v))
        assert np.isclose(analytic, numeric, rtol=rtol, atol=atol), \
            f"{name}: input {i}: VJP gives {analytic!r}, finite differences {numeric!r}"


def _objective(f, tensors, v):
    y = f(*tensors)
    return _reduce.reduce_sum(y * v) + 0.5 * _reduce.reduce_sum(_m.square(y))


def _as_array(grad, like) -> np.ndarray:
    return np.zeros(np.shape(like)) if grad is None else np.asarray(grad.numpy(), np.float64)


def _check_second_order(f, args, floats, rng, eps, rtol, atol, name) -> None:
    v = constant(rng.standard_normal(np.shape(f(*[constant(a) for a in args]).numpy())))
    us = [rng.standard_normal(args[i].shape) for i in floats]
    sizes = np.cumsum([0] + [args[i].size for i in floats]).tolist()

    def unpacked(flat) -> list:
        values = list(args)
        for k, i in enumerate(floats):
            values[i] = flat[sizes[k]:sizes[k + 1]].reshape(args[i].shape)
        return values

    def gradient(flat) -> np.ndarray:
        """The tape's first-order gradient of L, all float inputs flattened into one vector."""
        tensors = [constant(a) for a in unpacked(flat)]
        sources = [tensors[i] for i in floats]
        with GradientTape() as tape:
            tape.watch(sources)
            loss = _objective(f, tensors, v)
        grads = tape.gradient(loss, sources)
        return np.concatenate([_as_array(g, s).ravel() for g, s in zip(grads, sources)])

    tensors = [constant(a) for a in args]
    sources = [tensors[i] for i in floats]
    with GradientTape() as outer:
        outer.watch(sources)
        with GradientTape() as inner:
            inner.watch(sources)
            loss = _objective(f, tensors, v)
        grads = inner.gradient(loss, sources)
        along_u = [_reduce.reduce_sum(g * u) for g, u in zip(grads, us) if g is not None]
        total = sum(along_u[1:], along_u[0]) if along_u else None
    hvp = [None] * len(sources) if total is None else outer.gradient(total, sources)
    analytic = np.concatenate([_as_array(h, s).ravel() for h, s in zip(hvp, sources)])
    x = np.concatenate([args[i].ravel() for i in floats])
    numeric = numeric_gradient(gradient, x, np.concatenate([u.ravel() for u in us]), eps)
    bad = ~np.isclose(analytic, numeric, rtol=rtol, atol=atol)
    if bad.any():
        j = int(np.argmax(bad))
        k = int(np.searchsorted(sizes, j, side="right")) - 1
        raise AssertionError(
            f"{name}: Hessian-vector product, input {floats[k]}: {int(bad.sum())} of "
            f"{bad.size} entries differ; entry {j - sizes[k]}: nested tapes give "
            f"{analytic[j]!r}, finite differences of the gradient {numeric[j]!r}")


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
        where = f" at {self.source.location}" if self.source is not None else ""
        text = (f"{self.op}{where}: gradient check {verdict}; max abs error "
                f"{self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g}")
        return text + (f"; wrong input(s): {bad}" if bad else "")

    def __repr__(self) -> str:
        return f"<GradCheckResult {self}>"


def _in_float64(op, params: dict) -> dict:
    """`params`, a cast's to a float dtype made float64, as the check computes: kept, it
    rounds each shifted output back to float32, whose resolution over `eps` is percents (a
    right VJP said FAILED). (Another op's dtype, a custom gradient's, is the user's code's.)"""
    params = dict(params)
    dtype = params.get("dtype")
    if op.name == "cast" and np.dtype(getattr(dtype, "as_numpy_dtype", dtype)).kind == "f":
        params["dtype"] = np.dtype(np.float64)
    return params


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
    check_node("check_node_gradient", node)
    node = getattr(node, "node", node)   # a RecordedOp holds its node
    op = node.op
    source = getattr(node, "source", None)
    if getattr(op, "nondiff", False):
        return GradCheckResult(op.name, [], skipped="the op has no gradient (nondiff)",
                               source=source)
    params = _in_float64(op, node.params or {})
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
            numeric = numeric_gradient(lambda shifted, i=i: objective(i, shifted), x, eps=eps)
            got, want, directional = analytic, numeric, False
        else:
            units = [rng.standard_normal(x.shape) for _ in range(directions)]
            want = np.array([numeric_gradient(lambda shifted, i=i: objective(i, shifted), x, u,
                                              eps) for u in units])
            got = np.array([float(np.sum(analytic * u)) for u in units])
            numeric, directional = want, True
        error = np.abs(got - want)
        scale = np.maximum(np.abs(got), np.abs(want))
        rel = np.where(scale > 0, error / np.where(scale > 0, scale, 1), 0.0)
        passed = bool(np.all(error <= atol + rtol * np.abs(want)))
        checks.append(InputCheck(i, analytic, numeric, float(error.max(initial=0.0)),
                                 float(rel.max(initial=0.0)), passed, directional))
    return GradCheckResult(op.name, checks, source=source)
