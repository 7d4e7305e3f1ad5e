"""Square matrices and diagonals, as tf.linalg has them: inverse, determinant and linear
solve are registry rows (their VJPs written with tapeviz ops, so nested tapes differentiate
them again); matvec, trace, diag, diag_part and matrix_transpose are composites of ordinary
ops, so their gradients come from the ops they are made of. Each works on the last two axes,
any leading axes being a batch."""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import DTypeError, InvalidArgumentError, ShapeError, attr_words
from ..tensor import Tensor, wrap
from ..convert import infer_array
from .gather import _gather
from .linalg import _matmul, matmul
from .reduce import reduce_sum
from .registry import defop
from .shape import _transpose, expand_dims, reshape, squeeze


def _square(op: str, x) -> None:
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(op, f"expected square matrices (the last two dimensions equal); got "
                             f"shape {x.shape}")
    if x.dtype.kind != "f":
        raise DTypeError(op, f"expected a float tensor; got dtype {x.dtype.name}"
                             f"{attr_words(x.dtype.name)}",
                         hint="cast it first: tf.cast(x, tf.float32)")


def _not_invertible(op: str, exc: np.linalg.LinAlgError) -> InvalidArgumentError:
    error = InvalidArgumentError(op, "the matrix is not invertible (singular)",
                                 hint="its rows (or columns) are linearly dependent")
    error.__cause__ = exc
    return error


def _inv_forward(input):
    _square("inv", input)
    try:
        return np.linalg.inv(input)
    except np.linalg.LinAlgError as exc:
        raise _not_invertible("inv", exc) from exc


def _det_forward(input):
    _square("det", input)
    return np.linalg.det(input).astype(input.dtype, copy=False)


def _solve_forward(matrix, rhs):
    _square("solve", matrix)
    if rhs.ndim != matrix.ndim or rhs.shape[:-2] != matrix.shape[:-2] \
            or rhs.shape[-2] != matrix.shape[-1]:
        raise ShapeError("solve", f"rhs must have the matrix's batch dimensions and "
                                  f"{matrix.shape[-1]} rows; got matrix {matrix.shape} and rhs "
                                  f"{rhs.shape}")
    try:
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError as exc:
        raise _not_invertible("solve", exc) from exc


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """`a` with its last two axes swapped (a batch of matrices, each transposed)."""
    rank = arguments.rank_of("matrix_transpose", "a", a)
    if rank < 2:
        raise InvalidArgumentError("matrix_transpose", f"a must have rank >= 2; got rank {rank}")
    return _transpose(a, perm=tuple(range(rank - 2)) + (rank - 1, rank - 2))


def _solve_vjp(g, ans, matrix, rhs):
    rhs_grad = _solve(matrix_transpose(matrix), g)
    return -_matmul(rhs_grad, ans, transpose_a=False, transpose_b=True), rhs_grad


def _det_vjp(g, ans, input):
    scale = expand_dims(expand_dims(g * ans, -1), -1)
    return (scale * matrix_transpose(_inv(input)),)


_MATRIX = np.array([[2.0, 0.5, -0.3], [0.1, 1.5, 0.4], [-0.2, 0.3, 2.5]])
_BATCH = np.stack([_MATRIX[:2, :2], np.array([[1.2, -0.7], [0.4, 0.9]])])
_inv = defop("inv", _inv_forward, kind="linalg", label="A⁻¹", domain=(0.5, 1.5),
             vjp=lambda g, ans, input: (-_matmul(_matmul(ans, g, transpose_a=True,
                                                         transpose_b=False),
                                                 ans, transpose_a=False, transpose_b=True),),
             samples=(((_MATRIX,), {}), ((_BATCH,), {})),
             doc="The inverse of each square matrix (tf.linalg.inv).")
_det = defop("det", _det_forward, _det_vjp, kind="linalg", label="det", domain=(0.5, 1.5),
             samples=(((_MATRIX,), {}), ((_BATCH,), {})),
             doc="The determinant of each square matrix (tf.linalg.det).")
_solve = defop("solve", _solve_forward, _solve_vjp, kind="linalg", label="A⁻¹b",
               domain=(-1.0, 1.0),
               samples=(((_MATRIX, np.linspace(-1.0, 1.0, 6).reshape(3, 2)), {}),
                        ((_BATCH, np.array([[[0.5], [-0.8]], [[0.3], [0.9]]])), {})),
               doc="x with matrix @ x = rhs, for each square matrix (tf.linalg.solve).")


def inv(input, adjoint=False, name=None):
    """The inverse of each square matrix of `input` (of its transpose, with adjoint=True).

    >>> import tapeviz as tf
    >>> tf.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    if arguments.flag("inv", "adjoint", adjoint):
        input = matrix_transpose(input)
    return _inv(input)


def det(input, name=None):
    """The determinant of each square matrix of `input`.

    >>> import tapeviz as tf
    >>> float(tf.linalg.det([[2.0, 1.0], [1.0, 3.0]]))
    5.0
    """
    return _det(input)


def solve(matrix, rhs, adjoint=False, name=None):
    """x with matrix @ x = rhs (matrix's transpose, with adjoint=True), for each matrix.

    >>> import tapeviz as tf
    >>> tf.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [[1.0], [2.0]]).numpy()
    array([[0.5],
           [0.5]], dtype=float32)
    """
    if arguments.flag("solve", "adjoint", adjoint):
        matrix = matrix_transpose(matrix)
    return _solve(matrix, rhs)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Each matrix of `a` times the vector of `b` in the same place: (..., m, n) by (..., n).

    >>> import tapeviz as tf
    >>> tf.linalg.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy()
    array([3., 7.], dtype=float32)
    """
    # said with the shapes as given (matmul's words would show b as (..., n, 1))
    a_shape, b_shape = arguments.shape_of("matvec", "a", a), arguments.shape_of("matvec", "b", b)
    if len(a_shape) < 2 or not b_shape:
        raise ShapeError("matvec", f"a must be a matrix (rank >= 2) and b a vector (rank >= 1), "
                                   f"or batches of them; got a {a_shape} and b {b_shape}")
    turned = arguments.flag("matvec", "transpose_a", transpose_a, default=False) or \
        arguments.flag("matvec", "adjoint_a", adjoint_a, default=False)
    columns = a_shape[-2] if turned else a_shape[-1]
    if columns != b_shape[-1]:
        raise ShapeError("matvec", f"b's last axis must have a's {columns} "
                                   f"{'rows (a transposed)' if turned else 'columns'}; got a "
                                   f"{a_shape} and b {b_shape}")
    return squeeze(matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a),
                   axis=-1)


def _as_tensor(op: str, value) -> Tensor:
    return value if isinstance(value, Tensor) else wrap(infer_array(value, op))


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The main diagonal of each matrix: (..., m, n) to (..., min(m, n))."""
    input = _as_tensor("diag_part", input)
    if k != 0:
        raise InvalidArgumentError("diag_part", f"tapeviz covers the main diagonal, k=0; got "
                                                f"k={k!r}")
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise InvalidArgumentError("diag_part", f"input must have rank >= 2; got shape {shape}")
    rows, columns = shape[-2:]
    flat = reshape(input, shape[:-2] + (rows * columns,))
    return _gather(flat, np.arange(min(rows, columns)) * (columns + 1), axis=len(shape) - 2)


def trace(x, name=None):
    """The sum of each matrix's main diagonal: (..., m, n) to (...)."""
    return reduce_sum(diag_part(x), axis=-1)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Square matrices with `diagonal` on their main diagonal: (..., n) to (..., n, n)."""
    diagonal = _as_tensor("diag", diagonal)
    if k != 0 or num_rows != -1 or num_cols != -1:
        raise InvalidArgumentError("diag", "tapeviz covers square matrices on the main "
                                           "diagonal: k=0, num_rows and num_cols left out")
    if not diagonal.shape:
        raise InvalidArgumentError("diag", "diagonal must have rank >= 1; got a scalar")
    size = diagonal.shape[-1]
    return expand_dims(diagonal, -1) * np.eye(size, dtype=diagonal._value.dtype)
