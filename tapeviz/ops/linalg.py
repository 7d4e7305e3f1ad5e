"""Linear algebra: matmul (batched, transposes) and tensordot (built from matmul)."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..convert import converted_alone
from ..errors import (DTypeError, InvalidArgumentError, ShapeError, bad_argument, in_tf_words,
                      tf_shape)
from ..tensor import Tensor
from .axes import normalize_axis
from .registry import defop
from . import shape as _shape


def _oriented(a, b, transpose_a, transpose_b):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return a, b


def _matmul_forward(a, b, *, transpose_a, transpose_b):
    if np.ndim(a) < 2 or np.ndim(b) < 2:
        raise ShapeError("matmul", f"both operands must have rank >= 2; got shapes "
                                   f"{tuple(np.shape(a))} and {tuple(np.shape(b))}",
                         hint="add an axis with tf.expand_dims or tf.reshape")
    if a.dtype.kind == "b":   # numpy computes an or of ands; TF has no bool matmul
        raise DTypeError("matmul", "expected numeric tensors; got dtype bool",
                         hint="convert them first: tf.cast(a, tf.float32)")
    return np.matmul(*_oriented(a, b, transpose_a, transpose_b))


def _matmul_explain(a, b, *, transpose_a, transpose_b):
    x, w = _oriented(a, b, transpose_a, transpose_b)
    if x.shape[-1] == w.shape[-2]:   # the batch dimensions are what failed
        return ShapeError, (f"the batch dimensions (all but the last two) must broadcast "
                            f"together; got {a.shape} @ {b.shape}"
                            + in_tf_words(f"In[0] and In[1] must have compatible batch "
                                          f"dimensions: {tf_shape(a.shape)} vs. "
                                          f"{tf_shape(b.shape)}")), None
    hint = None
    if x.shape[-1] == w.shape[-1]:
        hint = f"the right operand transposed, shape {w.shape[:-2] + w.shape[::-1][:2]}, " \
               f"would fit (transpose_b=True)"
    elif x.shape[-2] == w.shape[-2]:
        hint = "the left operand transposed would fit (transpose_a=True)"
    # the operands by TF's names for them (tf.matmul(a, b)), as the failed cell's graph names
    # them, and the shapes they came with
    inner_a, inner_b = ("a.shape[-2]" if transpose_a else "a.shape[-1]",
                        "b.shape[-1]" if transpose_b else "b.shape[-2]")
    flags = ", ".join(f"{flag}=True" for flag, on in (("transpose_a", transpose_a),
                                                     ("transpose_b", transpose_b)) if on)
    got = f"{a.shape} @ {b.shape}" + (f" ({flags})" if flags else "")
    tf_words = in_tf_words(f"Matrix size-incompatible: In[0]: {tf_shape(a.shape)}, In[1]: "
                           f"{tf_shape(b.shape)}")   # MatMul's and oneDNN's BatchMatMulV2's
    return ShapeError, f"{inner_a} must equal {inner_b}; got {got}{tf_words}", hint


def _matmul_a_vjp(g, ans, a, b, *, transpose_a, transpose_b):
    if transpose_a:
        return _matmul(b, g, transpose_a=transpose_b, transpose_b=True)
    return _matmul(g, b, transpose_a=False, transpose_b=not transpose_b)


def _matmul_b_vjp(g, ans, a, b, *, transpose_a, transpose_b):
    if transpose_b:
        return _matmul(g, a, transpose_a=True, transpose_b=transpose_a)
    return _matmul(a, g, transpose_a=not transpose_a, transpose_b=False)


_FLAGS = {"transpose_a": False, "transpose_b": False}
_matmul = defop("matmul", _matmul_forward, (_matmul_a_vjp, _matmul_b_vjp), kind="linalg", label="@",
                broadcasting=True, explain=_matmul_explain,
                samples=((((2, 3), (3, 4)), _FLAGS),
                         (((3, 2), (3, 4)), {"transpose_a": True, "transpose_b": False}),
                         (((2, 3), (4, 3)), {"transpose_a": False, "transpose_b": True}),
                         (((3, 2), (4, 3)), {"transpose_a": True, "transpose_b": True}),
                         (((2, 2, 3), (3, 4)), _FLAGS)),
                doc="Matrix product over the last two axes; leading axes broadcast.")


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """a @ b over the last two axes, optionally transposing either first.

    >>> import tapeviz as tf
    >>> print(tf.matmul([[2.0]], [[2.0]]))
    tapeviz.Tensor([[4.]], shape=(1, 1), dtype=float32)
    """
    if not isinstance(a, Tensor):
        a = converted_alone("matmul", a, b, "@", names=("a", "b"))
    if transpose_a is False and transpose_b is False and adjoint_a is False \
            and adjoint_b is False:   # `x @ w`, checked at the cost of four identity tests
        return _matmul(a, b, transpose_a=False, transpose_b=False)
    flags = [arguments.flag("matmul", flag_name, value) for flag_name, value in
             (("transpose_a", transpose_a), ("transpose_b", transpose_b),
              ("adjoint_a", adjoint_a), ("adjoint_b", adjoint_b))]
    return _matmul(a, b, transpose_a=flags[0] or flags[2], transpose_b=flags[1] or flags[3])


def _contracted_axes(a_rank: int, b_rank: int, axes) -> tuple:
    """tensordot's `axes` (an int n: a's last n against b's first n; or a pair of axis
    lists) as two lists of non-negative axes."""
    if not isinstance(axes, (list, tuple)) and arguments.ndim(axes) == 0:
        n = arguments.count("tensordot", "axes", axes)
        if n > min(a_rank, b_rank):
            raise InvalidArgumentError("tensordot", f"axes={n} contracts more axes than a "
                                                    f"(rank {a_rank}) or b (rank {b_rank}) has")
        return list(range(a_rank - n, a_rank)), list(range(n))
    pair = list(axes) if isinstance(axes, (list, tuple)) else None
    if pair is None or len(pair) != 2:
        raise bad_argument("tensordot", "axes", "an int or a pair of axis lists", axes)
    a_axes, b_axes = ([normalize_axis("tensordot", axis, rank)
                       for axis in arguments.int_list("tensordot", "axes", part)]
                      for part, rank in zip(pair, (a_rank, b_rank)))
    if len(a_axes) != len(b_axes):
        raise InvalidArgumentError("tensordot", f"axes must pair as many axes of a as of b; "
                                                f"got {pair[0]!r} and {pair[1]!r}")
    return a_axes, b_axes


def tensordot(a, b, axes, name=None):
    """Sum of products over `axes` (an int, or a pair of axis lists), as np.tensordot."""
    a_shape = arguments.shape_of("tensordot", "a", a)
    b_shape = arguments.shape_of("tensordot", "b", b)
    a_rank, b_rank = len(a_shape), len(b_shape)
    a_axes, b_axes = _contracted_axes(a_rank, b_rank, axes)
    if [a_shape[i] for i in a_axes] != [b_shape[i] for i in b_axes]:
        raise ShapeError("tensordot", f"contracted dimensions must match; got "
                         f"{[a_shape[i] for i in a_axes]} (axes {a_axes} of a, shape "
                         f"{tuple(a_shape)}) and {[b_shape[i] for i in b_axes]} (axes {b_axes} "
                         f"of b, shape {tuple(b_shape)})")
    a_free = [i for i in range(a_rank) if i not in a_axes]
    b_free = [i for i in range(b_rank) if i not in b_axes]
    size = int(np.prod([a_shape[i] for i in a_axes], dtype=np.int64))
    a2 = _shape.reshape(_shape.transpose(a, a_free + a_axes), [-1, size])
    b2 = _shape.reshape(_shape.transpose(b, b_axes + b_free), [size, -1])
    out_shape = [a_shape[i] for i in a_free] + [b_shape[i] for i in b_free]
    return _shape.reshape(matmul(a2, b2), out_shape)
