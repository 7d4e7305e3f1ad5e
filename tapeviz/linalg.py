"""`tapeviz.linalg`: the part of `tf.linalg` tapeviz covers (products, norms, square matrices
and diagonals).

`matmul` and `tensordot` are the registry rows of `ops/linalg.py`, `inv`, `det` and `solve`
those of `ops/matrix.py` (with its composites: matvec, trace, diag, diag_part,
matrix_transpose); `norm` and
`global_norm` are composites of ordinary ops, so gradients flow through them and the tape
shows each step (`tf.norm` is this `norm`); `einsum` is einsum.py's composite.
"""
from __future__ import annotations

import numpy as np

from .coverage import missing as _missing
from . import arguments
from .clip import global_norm
from .dispatch import name_scope
from .einsum import einsum
from .errors import InvalidArgumentError, KernelDTypeError, attr_words
from .ops.axes import normalize_axes
from .creation import eye
from .ops.linalg import matmul, tensordot
from .ops.matrix import det, diag, diag_part, inv, matrix_transpose, matvec, solve, trace
from .ops.math import abs, sqrt
from .ops.reduce import reduce_max, reduce_sum
from .ops.shape import squeeze
from .tensor import Tensor

__all__ = ["adjoint", "det", "diag", "diag_part", "einsum", "eye", "global_norm", "inv", "matmul",
           "matrix_transpose", "matvec", "norm", "solve", "tensordot", "trace"]

adjoint = matrix_transpose   # a real matrix's adjoint is its transpose

def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None) -> Tensor:
    """The norm of `tensor` over `axis`: a vector norm over one axis or (axis None) all of it,
    'euclidean' or any p > 0 (1, 2, np.inf, ...); a matrix norm over a pair of axes,
    'euclidean'/'fro', 1 (largest column sum) or np.inf (largest row sum).

    >>> import tapeviz as tf
    >>> float(tf.norm(tf.constant([3.0, 4.0])))
    5.0
    """
    tensor = arguments.tensor_of("norm", "tensor", tensor)
    if not tensor.dtype.is_floating:
        raise KernelDTypeError("norm", f"tensor must be a float tensor; got dtype "
                                       f"{tensor.dtype.name}{attr_words(tensor.dtype.name)}",
                               hint="cast first: tf.cast(tensor, tf.float32)")
    keep = arguments.flag("norm", "keepdims", keepdims, default=False)
    rank = len(tensor.shape)
    axes = tuple(range(rank)) if axis is None else normalize_axes("norm", axis, rank)
    matrix = axis is not None and len(axes) == 2
    if axis is not None and (len(axes) > 2 or not axes):   # None: every value, as one vector
        raise InvalidArgumentError("norm", f"axis must be None, an int or a pair of ints; got "
                                           f"{axis!r}")
    euclidean = ord in ("euclidean", "fro") or (ord == 2 and not matrix)
    p = None if isinstance(ord, (str, bool)) else ord
    if not euclidean and not (p is not None and isinstance(p, (int, float)) and p > 0 and
                              (not matrix or p in (1, np.inf))):
        raise InvalidArgumentError(
            "norm", f"ord must be 'euclidean', 'fro' or a number > 0 for a vector norm, and "
                    f"'euclidean', 'fro', 1 or np.inf for a matrix norm (axis a pair); got "
                    f"ord={ord!r} with axis={axis!r}"
            + (" (tapeviz does not cover the spectral norm, ord=2 over a pair of axes)"
               if matrix and p == 2 else ""))
    with name_scope("norm"):
        if euclidean:
            result = sqrt(reduce_sum(tensor * tensor, axis=axes, keepdims=True))
        elif matrix:   # 1: the largest column sum; inf: the largest row sum
            summed, over = (axes[0], axes[1]) if p == 1 else (axes[1], axes[0])
            result = reduce_max(reduce_sum(abs(tensor), axis=summed, keepdims=True), axis=over,
                                keepdims=True)
        elif p == np.inf:
            result = reduce_max(abs(tensor), axis=axes, keepdims=True)
        elif p == 1:
            result = reduce_sum(abs(tensor), axis=axes, keepdims=True)
        else:
            result = reduce_sum(abs(tensor) ** p, axis=axes, keepdims=True) ** (1.0 / p)
        return result if keep or not rank else squeeze(result, axis=list(axes))


def __getattr__(name):   # a TensorFlow name tapeviz lacks is said to be one (coverage.py)
    raise _missing('linalg', __name__, name)


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
