"""Comparisons, logic and the index of an extreme: the ops with no gradient.

Each is one `defop` row marked `nondiff=True` (`kind="compare"`, or `"reduce"` for
argmax/argmin), so the backward pass stops at them. Tensor's operators (`<`, `==`, `&`,
`~`, ...) call these rows.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import arguments, dtypes
from ..errors import InvalidArgumentError
from ..string_values import NO_TEXT_KERNEL, math_refusal
from .axes import normalize_axis
from .kinds import _bools_only, _floats_only
from .registry import defop

is_nan = defop("is_nan", _floats_only("is_nan", np.isnan), label="isnan", kind="compare",
               nondiff=True, doc="Whether each value is NaN.")
is_inf = defop("is_inf", _floats_only("is_inf", np.isinf), label="isinf", kind="compare",
               nondiff=True, doc="Whether each value is +inf or -inf.")
is_finite = defop("is_finite", _floats_only("is_finite", np.isfinite), label="isfinite",
                  kind="compare", nondiff=True, doc="Whether each value is neither NaN nor inf.")
equal = defop("equal", operator.eq, label="==", kind="compare", broadcasting=True, nondiff=True,
              doc="x == y elementwise.")
not_equal = defop("not_equal", operator.ne, label="!=", kind="compare", broadcasting=True,
                  nondiff=True, doc="x != y elementwise.")
less = defop("less", operator.lt, label="<", kind="compare",
             broadcasting=True, nondiff=True, doc="x < y elementwise.")
less_equal = defop("less_equal", operator.le, label="<=",
                   kind="compare", broadcasting=True, nondiff=True, doc="x <= y elementwise.")
greater = defop("greater", operator.gt, label=">", kind="compare",
                broadcasting=True, nondiff=True, doc="x > y elementwise.")
greater_equal = defop("greater_equal", operator.ge, label=">=",
                      kind="compare", broadcasting=True, nondiff=True,
                      doc="x >= y elementwise.")
# TF's Less/Greater kernels refuse string tensors; numpy would order their bytes
NO_TEXT_KERNEL.update((less, less_equal, greater, greater_equal))
logical_and = defop("logical_and", _bools_only("logical_and", np.logical_and, 2),
                    label="and", kind="compare",
                    broadcasting=True, nondiff=True, doc="x and y elementwise, on bools.")
logical_or = defop("logical_or", _bools_only("logical_or", np.logical_or, 2),
                   label="or", kind="compare", broadcasting=True,
                   nondiff=True, doc="x or y elementwise, on bools.")
logical_xor = defop("logical_xor", _bools_only("logical_xor", np.logical_xor, 2),
                    label="xor", kind="compare",
                    broadcasting=True, nondiff=True, doc="x xor y elementwise, on bools.")
logical_not = defop("logical_not", _bools_only("logical_not", np.logical_not),
                    label="not", kind="compare", nondiff=True,
                    doc="not x elementwise, on bools.")


def _arg_forward(reduce, nan_as):
    def forward(x, *, axis, output_type):
        kind = x.dtype.kind
        if kind == "f":  # a NaN never wins, as in TF (numpy's first NaN would)
            nan = np.isnan(x)
            if nan.any():
                x = np.where(nan, nan_as, x)
        elif kind == "O":   # numpy would order bytes; TF's kernel has no string one
            raise math_refusal(reduce.__name__, (x,))
        return np.asarray(reduce(x, axis=axis)).astype(output_type)
    return forward


_ARG_SAMPLES = ((((2, 3),), {"axis": 1, "output_type": np.dtype(np.int64)}),)
_argmax = defop("argmax", _arg_forward(np.argmax, -np.inf), kind="reduce", nondiff=True,
                samples=_ARG_SAMPLES,
                doc="Index of the largest value along an axis.")
_argmin = defop("argmin", _arg_forward(np.argmin, np.inf), kind="reduce", nondiff=True,
                samples=_ARG_SAMPLES,
                doc="Index of the smallest value along an axis.")


def argmax(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the largest value along `axis` (0 when None), as in tf.math.argmax.

    >>> import tapeviz as tf
    >>> tf.argmax([[1, 5], [7, 2]], axis=1).numpy()
    array([1, 0])
    """
    return _argmax(input, axis=_one_axis("argmax", input, axis),
                   output_type=_index_dtype("argmax", output_type))


def argmin(input, axis=None, output_type=dtypes.int64, name=None):
    """Index of the smallest value along `axis` (0 when None), as in tf.math.argmin."""
    return _argmin(input, axis=_one_axis("argmin", input, axis),
                   output_type=_index_dtype("argmin", output_type))


def _one_axis(op, input, axis):
    return normalize_axis(op, 0 if axis is None else axis, arguments.rank_of(op, "input", input))


def _index_dtype(op, output_type):
    dtype = arguments.dtype(op, "output_type", output_type, optional=False)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(op, f"output_type must be tf.int32 or tf.int64; got {dtype!r}")
    return dtype._np
