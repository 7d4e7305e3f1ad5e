"""Casts, identity, stop_gradient and a variable's updates: a value passed on, one row each.

`assign`, `assign_add` and `assign_sub` are what `Variable.assign*` runs: ops of kind
"update", seen by the debugger and never differentiated. `identity` is a variable's
read (`Variable.read_value`).
"""
from __future__ import annotations

import operator

import numpy as np

from .. import arguments
from ..errors import ShapeError, in_tf_words, tf_shape
from ..string_values import is_text, text_cast_refusal, text_update_refusal
from .math import PAIR_SAMPLES
from .registry import defop


def _cast_vjp(g, ans, x, *, dtype):
    return (_cast(g, dtype=x._value.dtype) if x._value.dtype.kind == "f" else None,)


_cast = defop("cast", lambda x, dtype: np.asarray(x).astype(dtype) if np.ndim(x)
              else dtype.type(x), _cast_vjp,
              samples=((((3,),), {"dtype": np.dtype(np.float64)}),),
              doc="x converted to another dtype.")


def cast(x, dtype, name=None):
    """`x` converted to `dtype` (floats to ints truncate toward zero, as in TF).

    >>> import tapeviz as tf
    >>> tf.cast([1.7, -1.7], tf.int32).numpy()
    array([ 1, -1], dtype=int32)
    """
    dtype = arguments.dtype("cast", "dtype", dtype, optional=False)._np
    if is_text(getattr(x, "_value", None)) and dtype != x._value.dtype:
        raise text_cast_refusal(x._value, dtype)
    return _cast(x, dtype=dtype)
identity = defop("identity", lambda x: x, vjp=lambda g, ans, x: (g,), label="id",
                 doc="The same value, as a new tensor (a variable read, when given one).")
stop_gradient = defop("stop_gradient", lambda x: x, label="stop∇", nondiff=True,
                      inputs=("input",),
                      doc="The same value, through which no gradient flows (a constant to tapes).")

# ---- variable updates: seen by the debugger, never differentiated --------------------------


def _assigned(old, new, combine=None, op: str = "assign"):
    if type(new) is type(old) and type(old) is not np.ndarray:  # numpy scalars of one type:
        return new if combine is None else combine(old, new)    # same shape, nothing to copy
    if combine is not None and is_text(old):   # numpy would join or refuse the bytes
        raise text_update_refusal(op, old)
    new = np.asarray(new)
    if np.shape(new) != np.shape(old):
        what = "the new value" if combine is None else "the delta"
        tf_words = in_tf_words(_tf_update_phrase(np.shape(old), np.shape(new), combine))
        raise ShapeError(op, f"{what} must have the variable's shape "
                             f"{tuple(np.shape(old))}; got shape {tuple(np.shape(new))}{tf_words}")
    value = new if combine is None else combine(old, new)
    return value.copy() if isinstance(value, np.ndarray) and value is new else value


def _tf_update_phrase(old, new, combine) -> str:
    """What TF says of an update of another shape: assign's Python check, else the kernel."""
    if combine is None:
        return (f"Shape mismatch.The variable shape {tuple(old)}, and the assigned value shape "
                f"{tuple(new)} are incompatible.")
    return (f"Cannot update variable with shape {tf_shape(old)} using a Tensor with shape "
            f"{tf_shape(new)}, shapes must be equal.")


assign = defop("assign", _assigned, kind="update", nondiff=True, label="←",
               samples=PAIR_SAMPLES,
               doc="The new value of a variable (Variable.assign).")
def _combined_with(combine, op: str):
    """The forward of an update by `combine`: numpy scalars of one type combined in its own
    frame (an update a training step makes, one call less), the rest by `_assigned`."""
    def forward(variable, delta):
        if type(delta) is type(variable) and type(variable) is not np.ndarray:
            return combine(variable, delta)
        return _assigned(variable, delta, combine, op)
    return forward


assign_add = defop("assign_add", _combined_with(operator.add, "assign_add"),
                   kind="update", nondiff=True, samples=PAIR_SAMPLES, label="+=",
                   doc="A variable's value plus delta.")
assign_sub = defop("assign_sub", _combined_with(operator.sub, "assign_sub"),
                   kind="update", nondiff=True, samples=PAIR_SAMPLES, label="−=",
                   doc="A variable's value minus delta.")
