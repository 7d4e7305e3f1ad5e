"""`tf.cond` and `tf.while_loop`, run eagerly as TF 2 runs them outside a `tf.function`: the
predicate is read once and the chosen branch (or the loop body) runs its ops as ordinary
Python, so the tape records only what ran and gradients flow through it."""
from __future__ import annotations

import numpy as np

from . import arguments, nest
from .creation import convert_to_tensor
from .errors import DTypeError, InvalidArgumentError, InvalidArgumentTypeError, describe
from .tensor import Tensor
from .tensor_array import TensorArray


def _truth(op: str, value) -> bool:
    """A predicate's one truth value; a tensor of many values is refused, naming `op`."""
    if isinstance(value, Tensor) or isinstance(value, np.ndarray):
        if np.ndim(value) != 0:
            raise InvalidArgumentError(op, f"the predicate must be one True or False (a scalar); "
                                           f"got {describe(value)}",
                                       hint="reduce it first: tf.reduce_all(pred) or "
                                            "tf.reduce_any(pred)")
        return bool(np.asarray(value))
    return bool(value)


def _function(op: str, name: str, value):
    if not callable(value):
        raise DTypeError(op, f"{name} must be a function (e.g. lambda: ...); got "
                             f"{describe(value)}")
    return value


def cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` holds, else `false_fn()` (only the chosen branch runs).

    >>> import tapeviz as tf
    >>> x = tf.constant(3.0)
    >>> tf.cond(x > 2.0, lambda: x * 10.0, lambda: x).numpy()
    np.float32(30.0)
    """
    true_fn = _function("cond", "true_fn", true_fn)
    false_fn = _function("cond", "false_fn", false_fn)
    return true_fn() if _truth("cond", pred) else false_fn()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """`loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds (at most
    `maximum_iterations` times); returns the last loop variables, as tensors.

    >>> import tapeviz as tf
    >>> i, total = tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0))
    >>> int(i), int(total)
    (4, 6)
    """
    cond = _function("while_loop", "cond", cond)
    body = _function("while_loop", "body", body)
    if maximum_iterations is not None:
        maximum_iterations = arguments.count("while_loop", "maximum_iterations",
                                             maximum_iterations)
    several = isinstance(loop_vars, (list, tuple))
    values = _as_tensors(list(loop_vars) if several else [loop_vars])
    done = 0
    while (maximum_iterations is None or done < maximum_iterations) and \
            _truth("while_loop", cond(*values)):
        out = body(*values)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(out) != len(values):
            raise InvalidArgumentTypeError("while_loop", f"body must return as many loop "
                                                         f"variables as it takes "
                                                         f"({len(values)}); got {len(out)}")
        if _outline(out) != _outline(values):
            raise InvalidArgumentError("while_loop", f"body must return its loop variables "
                                                     f"nested as it takes them, "
                                                     f"{_outline(values)}; got {_outline(out)}")
        values = _as_tensors(out)
        done += 1
    return type(loop_vars)(values) if several else values[0]


def _as_tensors(structure: list) -> list:
    """Each leaf of the nested loop variables as a tensor, the nesting (tuples, namedtuples,
    dicts) kept as TF keeps it."""
    return nest.pack_sequence_as(structure, [leaf if isinstance(leaf, TensorArray)   # as TF
                                             else convert_to_tensor(leaf)
                                             for leaf in nest.flatten(structure)])


def _outline(structure) -> str:
    """The nesting of loop variables without their values, as `(x, (x, x))` (lists and tuples
    alike)."""
    if isinstance(structure, dict):
        return "{" + ", ".join(f"{key!r}: {_outline(v)}" for key, v in structure.items()) + "}"
    if isinstance(structure, (list, tuple)):
        return "(" + ", ".join(_outline(item) for item in structure) + ")"
    return "x"
