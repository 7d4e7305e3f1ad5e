"""`tf.py_function` and `tf.numpy_function`: Python code on tensors' values inside a tf.data
function, which TF traces into a graph where a tensor has no value (so `x.numpy()` there
fails, in both: `refuse_numpy_where_traced`). Both run eagerly, as TF's do: py_function's
ops are taped, so gradients flow through it; numpy_function's results are new constants."""
from __future__ import annotations

import functools
import sys

from . import nest
from .creation import constant, convert_to_tensor
from .dtypes import as_dtype
from .errors import DTypeError, MissingAttributeError, describe
from .tensor import Tensor
from .threadstate import local


def refuse_numpy_where_traced() -> None:
    """Called by Tensor.numpy() while a tf.data function runs: refused when the user's own
    code calls it (tapeviz's reads inside its ops are not TF's symbolic tensors)."""
    caller = sys._getframe(2)
    if caller.f_globals.get("__name__", "").startswith("tapeviz."):
        return
    raise MissingAttributeError(
        "numpy", "'SymbolicTensor' object has no attribute 'numpy': TF traces a tf.data "
        "function (map's, filter's, ...) into a graph, where a tensor has no value yet",
        hint="use tf ops on it (tf.cast, tf.where, tf.strings...), or run Python code on its "
             "value with tf.py_function(func, [x], Tout)")


def _called_eagerly(op: str, func, args: list):
    """func(*args) with x.numpy() allowed again, as TF runs a py_function's func."""
    if not callable(func):
        raise DTypeError(op, f"func must be a function; got {describe(func)}")
    state = local.state
    was_traced, state.traced = state.traced, False
    try:
        return func(*args)
    finally:
        state.traced = was_traced


def _as_tout(op: str, results, Tout):
    """The results as tensors of `Tout`: one dtype (one result) or a list of them."""
    if isinstance(Tout, (list, tuple)):
        results = list(results) if isinstance(results, (list, tuple)) else [results]
        if len(results) != len(Tout):
            raise DTypeError(op, f"func returned {len(results)} values for {len(Tout)} "
                                 f"dtypes in Tout")
        return [_as_dtype(r, t) for r, t in zip(results, Tout)]
    return _as_dtype(results, Tout)


def _as_dtype(result, dtype):
    """A result tensor of the dtype as it is (its tape link kept), anything else converted."""
    if isinstance(result, Tensor) and result.dtype == as_dtype(dtype):
        return result
    return convert_to_tensor(result, dtype=dtype)


def _as_decorator(function, op: str, inp, **options):
    """TF's decorator form, `@tf.py_function(Tout=tf.float32)` over a def (func omitted):
    the def, called with its arguments, runs through `function`; inp without func refused."""
    if inp is not None:
        raise DTypeError(op, "func must be a function; got None")

    def decorate(f):
        @functools.wraps(f)
        def called(*args):
            return function(f, list(args), **options)
        return called
    return decorate


def _missing_inp(op: str) -> DTypeError:
    return DTypeError(op, "Missing argument `inp`: the list of arguments to the function",
                      hint=f"tf.{op}(func, [x], Tout), or use it as a decorator: "
                           f"@tf.{op}(Tout=...) over a def")


def py_function(func=None, inp=None, Tout=None, name=None):
    """`func(*inp)` on eager tensors (their .numpy() works), its results as `Tout`; without
    func, a decorator (`@tf.py_function(Tout=tf.float32)`), as in TF.

    >>> import tapeviz as tf
    >>> ds = tf.data.Dataset.range(3).map(
    ...     lambda x: tf.py_function(lambda v: v.numpy() * 2, [x], tf.int64))
    >>> [int(v) for v in ds]
    [0, 2, 4]
    """
    if func is None:
        return _as_decorator(py_function, "py_function", inp, Tout=Tout)
    if inp is None:
        raise _missing_inp("py_function")
    args = [convert_to_tensor(x) for x in nest.flatten(inp)]
    return _as_tout("py_function", _called_eagerly("py_function", func, args), Tout)


def numpy_function(func=None, inp=None, Tout=None, stateful=True, name=None):
    """`func(*arrays)` on the inputs' numpy values, its results as new `Tout` constants (no
    gradient flows through them, as in TF); without func, a decorator, as in TF."""
    if func is None:
        return _as_decorator(numpy_function, "numpy_function", inp, Tout=Tout,
                             stateful=stateful)
    if inp is None:
        raise _missing_inp("numpy_function")
    arrays = [convert_to_tensor(x)._value for x in nest.flatten(inp)]
    results = _called_eagerly("numpy_function", func, arrays)
    if isinstance(Tout, (list, tuple)):
        return [constant(t) for t in _as_tout("numpy_function", results, Tout)]
    return constant(_as_tout("numpy_function", results, Tout))
