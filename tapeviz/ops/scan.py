"""`tf.math.cumsum`: running sums along an axis (TF's Cumsum), one `defop` row.

Its VJP is the cumulative sum of the upstream gradient run the other way, written with the
row itself, so nested tapes give higher derivatives.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import InvalidArgumentError
from .axes import normalize_axis
from .kinds import refused_bools
from .registry import defop


def _cumsum_forward(x, *, axis, exclusive, reverse):
    if x.dtype.kind == "b":
        raise refused_bools("cumsum")
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:   # shifted by one, a zero first: TF's exclusive sum, not out - x
        first = [slice(None)] * x.ndim
        first[axis] = slice(0, 1)
        rest = [slice(None)] * x.ndim
        rest[axis] = slice(0, -1)
        out = np.concatenate([np.zeros_like(x[tuple(first)]), out[tuple(rest)]], axis=axis)
    return np.flip(out, axis) if reverse else out


_cumsum = defop("cumsum", _cumsum_forward, label="cumΣ", kind="reduce",
                vjp=lambda g, ans, x, *, axis, exclusive, reverse:
                (_cumsum(g, axis=axis, exclusive=exclusive, reverse=not reverse),),
                samples=((((2, 3),), {"axis": 1, "exclusive": False, "reverse": False}),
                         (((4,),), {"axis": 0, "exclusive": True, "reverse": True}),
                         (((3, 2),), {"axis": 0, "exclusive": True, "reverse": False})),
                doc="Running sums along an axis (exclusive: each sum leaves its own value "
                    "out; reverse: from the end).")


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """The running sum of `x` along `axis`; `exclusive` leaves each value out of its own sum,
    `reverse` sums from the end.

    >>> import tapeviz as tf
    >>> tf.math.cumsum([1, 2, 3]).numpy()
    array([1, 3, 6], dtype=int32)
    >>> tf.math.cumsum([1, 2, 3], exclusive=True, reverse=True).numpy()
    array([5, 3, 0], dtype=int32)
    """
    rank = arguments.rank_of("cumsum", "x", x)
    if rank == 0:
        raise InvalidArgumentError("cumsum", "x must have rank >= 1 (a running sum goes along "
                                             "an axis); got a scalar")
    return _cumsum(x, axis=normalize_axis("cumsum", axis, rank),
                   exclusive=arguments.flag("cumsum", "exclusive", exclusive),
                   reverse=arguments.flag("cumsum", "reverse", reverse))
