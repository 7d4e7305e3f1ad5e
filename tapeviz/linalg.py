"""`tapeviz.linalg`: the part of `tf.linalg` tapeviz covers (products and norms).

`matmul` and `tensordot` are the registry rows of `ops/linalg.py`; `norm` and
`global_norm` are composites of ordinary ops, so gradients flow through them and the tape
shows each step (`tf.norm` is this `norm`).
"""
from __future__ import annotations

import numpy as np

from . import arguments
from .clip import global_norm
from .dispatch import name_scope
from .errors import DTypeError, InvalidArgumentError
from .ops.axes import normalize_axes
from .ops.linalg import matmul, tensordot
from .ops.math import abs, sqrt
from .ops.reduce import reduce_max, reduce_sum
from .ops.shape import squeeze
from .tensor import Tensor, wrap

__all__ = ["global_norm", "matmul", "norm", "tensordot"]

_VECTOR_ORDS = {"euclidean": "euclidean", "fro": "euclidean", 2: "euclidean",  # 2.0 and 1.0 too
                1: "sum", np.inf: "max"}


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """The norm of `tensor` over `axis` (all of it by default): 'euclidean' (also 'fro',
    and 2 over one axis), 1 or np.inf over one axis or all.

    >>> import tapeviz as tf
    >>> float(tf.norm(tf.constant([3.0, 4.0])))
    5.0
    """
    tensor = tensor if isinstance(tensor, Tensor) else wrap(arguments.array_of("norm", "tensor",
                                                                                 tensor))
    if not tensor.dtype.is_floating:
        raise DTypeError("norm", f"tensor must be a float tensor; got dtype {tensor.dtype.name}",
                         hint="cast first: tf.cast(tensor, tf.float32)")
    rank = len(tensor.shape)
    axes = None if axis is None else normalize_axes("norm", axis, rank)
    kind = _VECTOR_ORDS.get(ord) if isinstance(ord, (str, int, float)) else None
    if kind is None or (axes is not None and len(axes) == 2 and ord not in ("euclidean", "fro")):
        raise InvalidArgumentError("norm", f"tapeviz covers ord='euclidean' (or 'fro'), and 1, "
                                           f"2 or np.inf over one axis or all; got ord={ord!r} "
                                           f"with axis={axis!r}")
    if axes is not None and len(axes) > 2:
        raise InvalidArgumentError("norm", f"axis must be None, an int or a pair of ints; got "
                                           f"{axis!r}")
    keep = arguments.flag("norm", "keepdims", keepdims, default=False)
    with name_scope("norm"):
        if kind == "euclidean":
            result = sqrt(reduce_sum(tensor * tensor, axis=axes, keepdims=True))
        elif kind == "sum":
            result = reduce_sum(abs(tensor), axis=axes, keepdims=True)
        else:
            result = reduce_max(abs(tensor), axis=axes, keepdims=True)
        if keep:
            return result
        return squeeze(result, axis=list(range(rank)) if axes is None else list(axes)) \
            if rank else result
