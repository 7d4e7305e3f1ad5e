"""How one case runs, written once for any `tf` module: TensorFlow's when recording the
goldens (`record.py`), tapeviz's when replaying them (`tests/test_tf_fidelity.py`).

A case's numpy inputs become constants that one persistent tape watches (the float
ones); the case's output is encoded (dtype, shape, values); the gradients of
`sum(output * cotangent)` with respect to every float input are encoded beside it. A
call that raises is recorded as its exception's class, message and whether it is a
ValueError or TypeError. Only numpy is imported here.
"""
from __future__ import annotations

import numpy as np

FLOAT_KINDS = ("float16", "float32", "float64")


def spread(shape, seed: int = 1, low: float = -2.0, high: float = 2.0, dtype="float32"):
    """Deterministic values in [low, high) of `shape`, exact rationals, the same bits under
    any numpy (integer arithmetic, no random generator, no libm)."""
    count = int(np.prod(shape, dtype=np.int64))
    steps = (np.arange(count, dtype=np.int64) * 7919 + seed * 104729) % 997
    return (low + (high - low) * (steps / 997.0)).reshape(shape).astype(dtype)


def cotangent(shape, dtype: str):
    """The fixed upstream gradient for an output of `shape`: distinct values in [0.25, 1.25)."""
    return spread(shape, seed=7, low=0.25, high=1.25, dtype=dtype)


def _dtype_name(value) -> str:
    return getattr(value.dtype, "name", str(value.dtype))


def _is_tensor(value) -> bool:
    return hasattr(value, "numpy") and hasattr(value, "dtype") and hasattr(value, "shape")


def _plain(array):
    """A numpy array as JSON-able nested lists (NaN and infinities as JSON's NaN/Infinity)."""
    return np.asarray(array).tolist()


def encode(value):
    """A case's output as JSON-able data: tensors by dtype, shape and values."""
    if value is None:
        return {"t": "none"}
    if _is_tensor(value):
        array = np.asarray(value.numpy())
        return {"t": "tensor", "dtype": _dtype_name(value), "shape": list(array.shape),
                "value": _plain(array)}
    if isinstance(value, np.ndarray):
        return {"t": "array", "dtype": value.dtype.name, "shape": list(value.shape),
                "value": _plain(value)}
    if isinstance(value, np.generic):
        return {"t": "py", "value": value.item()}
    if isinstance(value, (bool, int, float, str)):
        return {"t": "py", "value": value}
    if isinstance(value, (list, tuple)):
        return {"t": "list", "items": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "items": {str(k): encode(v) for k, v in sorted(value.items())}}
    raise TypeError(f"a case returned {type(value).__name__}, which has no encoding")


def float_leaves(value) -> list:
    """The float tensors in a case's output (its differentiable parts)."""
    if _is_tensor(value):
        return [value] if _dtype_name(value) in FLOAT_KINDS else []
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in float_leaves(v)]
    if isinstance(value, dict):
        return [leaf for _, v in sorted(value.items()) for leaf in float_leaves(v)]
    return []


def failure(exc: BaseException) -> dict:
    return {"error": type(exc).__name__, "message": str(exc).splitlines()[0][:300] if str(exc)
            else "", "value_or_type_error": isinstance(exc, (ValueError, TypeError)),
            "classes": [cls.__name__ for cls in type(exc).__mro__]}   # a subclass of TF's is TF's


def _dense(tf, gradient):
    """TF's IndexedSlices (a gather's gradient) as the dense tensor it stands for."""
    return tf.convert_to_tensor(gradient) if hasattr(gradient, "dense_shape") else gradient


def run_case(tf, case) -> dict:
    """Run `case` under the module `tf`; its encoded output and gradients, or its error."""
    args = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in case.inputs]
    sources = [a for a in args if _is_tensor(a) and _dtype_name(a) in FLOAT_KINDS]
    try:
        with tf.GradientTape(persistent=True) as tape:
            for source in sources:
                tape.watch(source)
            out = case.fn(tf, *args)
            leaves = float_leaves(out) if case.grad else []
            loss = None
            for leaf in leaves:
                term = tf.reduce_sum(leaf * cotangent(tuple(leaf.shape), _dtype_name(leaf)))
                loss = term if loss is None else loss + tf.cast(term, loss.dtype)
    except Exception as exc:  # what the case's own call raised is the result
        return failure(exc)
    result = {"out": encode(out)}
    if loss is not None and sources:
        try:
            grads = tape.gradient(loss, sources)
            result["grads"] = encode([_dense(tf, g) for g in grads])
        except Exception as exc:
            result["grads_error"] = failure(exc)
    return result
