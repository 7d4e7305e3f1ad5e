"""Joining and splitting ops: concat, stack, unstack, split.

TF defines unstack and split as one kernel with many outputs; here each piece is its own
strided slice (indexing.py), so every node has exactly one output. concat and stack take
the tensors they join as separate positional inputs; `tensor_list` reads TF's `values`
argument (add_n's too) and `check_same_shapes` refuses shapes that do not fit.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import arguments
from ..errors import (InvalidArgumentError, InvalidArgumentTypeError, ShapeError, bad_argument,
                      in_tf_words, tf_shape)
from .axes import normalize_axis
from .indexing import _along, _getitem
from .registry import defop


def check_same_shapes(op: str, shapes: list, axis: int | None = None) -> None:
    """All shapes equal (ignoring `axis`, when given), else a ShapeError naming two of them."""
    def trimmed(shape):
        return shape[:axis] + shape[axis + 1:] if axis is not None else shape
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(shapes[0]) or trimmed(shape) != trimmed(shapes[0]):
            rule = "the same shape" if axis is None else f"the same shape except on axis {axis}"
            tf_words = _unequal_words(op, shapes[0], shape, i, axis)
            raise ShapeError(op, f"all inputs must have {rule}; got {shapes[0]} and {shape} "
                                 f"(inputs 0 and {i}){tf_words}")


def _unequal_words(op: str, first, shape, i: int, axis: int | None) -> str:
    """TF's words for input `i` of `shape` that does not fit input 0's, as its AddN, ConcatV2
    and Pack kernels print them."""
    a, b = tf_shape(first), tf_shape(shape)
    if op == "add_n":
        return in_tf_words(f"Inputs to operation AddN of type AddN must have the same size and "
                           f"shape.  Input 0: {a} != input {i}: {b}")
    if op == "stack":
        return in_tf_words(f"Shapes of all inputs must match: values[0].shape = {a} != "
                           f"values[{i}].shape = {b}")
    if len(first) != len(shape):
        return in_tf_words(f"ConcatOp : Ranks of all input tensors should match: shape[0] = {a} "
                           f"vs. shape[{i}] = {b}")
    dim = next(d for d, (m, n) in enumerate(zip(first, shape)) if m != n and d != axis)
    return in_tf_words(f"ConcatOp : Dimension {dim} in both shapes must be equal: shape[0] = "
                       f"{a} vs. shape[{i}] = {b}")


def _concat_vjp(g, ans, *values, axis):
    bounds = np.cumsum([0] + [np.shape(v._value)[axis] for v in values]).tolist()
    return [_getitem(g, key=_along(axis, slice(start, stop)))
            for start, stop in itertools.pairwise(bounds)]


_concat = defop("concat", lambda *values, axis: np.concatenate(values, axis=axis), _concat_vjp,
                kind="shape", inputs=(),
                samples=((((2, 3), (2, 1), (2, 2)), {"axis": 1}),
                         (((1, 3), (2, 3)), {"axis": 0}), (((2, 3),), {"axis": 0})),
                doc="Tensors joined along an existing axis.")
_stack = defop("stack", lambda *values, axis: np.stack(values, axis=axis), kind="shape",
               vjp=lambda g, ans, *values, axis:
               [_getitem(g, key=_along(axis, i)) for i in range(len(values))],
               inputs=(),
               samples=((((2, 3), (2, 3), (2, 3)), {"axis": 2}), (((), ()), {"axis": 0}),
                        (((2, 3),), {"axis": 0})),
               doc="Tensors of one shape joined along a new axis.")


def tensor_list(op: str, values, name: str = "values") -> tuple:
    """concat's, stack's and add_n's `values` (a non-empty list of tensors; a lone tensor is
    a list of one for concat, its slices along axis 0 for the others, as in TF) and their
    shapes."""
    from ..tensor import Tensor
    if isinstance(values, Tensor) and (op == "concat" or np.ndim(values._value)):
        values = [values] if op == "concat" else list(values)
    if not isinstance(values, (list, tuple)):
        rows = "" if op == "concat" else " (or a tensor of rank >= 1: its rows)"
        raise bad_argument(op, name, f"a list of tensors{rows}", values, InvalidArgumentTypeError)
    if not values:
        raise InvalidArgumentError(op, "expected a non-empty list of tensors; got []",
                                   hint="a list filled in a loop that ran no times?")
    shapes = [arguments.shape_of(op, f"{name}[{i}]", v) for i, v in enumerate(values)]
    return list(values), shapes


def concat(values, axis, name=None):
    """`values` joined along `axis` (negative counts from the end); other axes must match.

    >>> import tapeviz as tf
    >>> tf.concat([[[1, 2]], [[3, 4]]], axis=-1).numpy()
    array([[1, 2, 3, 4]], dtype=int32)
    """
    values, shapes = tensor_list("concat", values)
    if not shapes[0]:
        raise InvalidArgumentError("concat", "cannot concatenate scalars (shape ())",
                                   hint="tf.stack joins scalars into a vector")
    axis = normalize_axis("concat", axis, len(shapes[0]))
    check_same_shapes("concat", shapes, axis)
    return _concat(*values, axis=axis)


def stack(values, axis=0, name=None):
    """Tensors of one shape joined along a new axis at `axis`.

    >>> import tapeviz as tf
    >>> tf.stack([[1, 2], [3, 4]], axis=1).numpy()
    array([[1, 3],
           [2, 4]], dtype=int32)
    """
    values, shapes = tensor_list("stack", values)
    check_same_shapes("stack", shapes)
    return _stack(*values, axis=normalize_axis("stack", axis, len(shapes[0]) + 1))


def _axis_of_nonscalar(op: str, value, axis) -> tuple:
    """`value`'s shape and `axis` normalized against it; scalars have no axis to split."""
    shape = arguments.shape_of(op, "value", value)
    if not shape:
        raise InvalidArgumentError(op, "expected a tensor of rank >= 1; got a scalar")
    return shape, normalize_axis(op, axis, len(shape))


def unstack(value, num=None, axis=0, name=None):
    """The slices of `value` along `axis`, as a list of tensors (one op each).

    >>> import tapeviz as tf
    >>> [t.numpy().tolist() for t in tf.unstack([[1, 2], [3, 4]], axis=1)]
    [[1, 3], [2, 4]]
    """
    shape, axis = _axis_of_nonscalar("unstack", value, axis)
    if num is not None and arguments.count("unstack", "num", num) != shape[axis]:
        raise ShapeError("unstack", f"num={num} does not match the length {shape[axis]} of "
                                    f"axis {axis} in shape {shape}")
    return [_getitem(value, key=_along(axis, i)) for i in range(shape[axis])]


def _split_sizes(spec, shape: tuple, axis: int) -> list:
    """Piece lengths from split's `num_or_size_splits`: a count, or sizes with one -1 allowed."""
    length = shape[axis]
    given = arguments.int_list("split", "num_or_size_splits", spec)
    if arguments.ndim(spec) == 0:
        (count,) = given
        if count <= 0 or length % count:
            quotient, remainder = divmod(length, max(count, 1))
            sizes = [quotient + 1] * remainder + [quotient] * (count - remainder)
            hint = f"pass sizes instead, e.g. {sizes}" if 0 < count <= length else None
            raise ShapeError("split", f"cannot split axis {axis} of length {length} into {count} "
                                      f"equal pieces; value has shape {tuple(shape)}", hint=hint)
        return [length // count] * count
    values = list(given)
    if any(v < -1 for v in values) or values.count(-1) > 1:
        raise InvalidArgumentError("split", f"sizes must be non-negative, with at most one -1; "
                                            f"got {values}")
    if -1 in values:
        values[values.index(-1)] = length - (sum(values) + 1)
    if sum(values) != length or min(values, default=0) < 0:
        raise ShapeError("split", f"sizes must sum to {length} (the length of axis {axis}); "
                                  f"got {list(given)}")
    return values


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """`value` cut along `axis` into equal pieces (given a count) or pieces of given sizes.

    >>> import tapeviz as tf
    >>> [t.numpy().tolist() for t in tf.split([1, 2, 3, 4, 5], [2, -1])]
    [[1, 2], [3, 4, 5]]
    """
    shape, axis = _axis_of_nonscalar("split", value, axis)
    sizes = _split_sizes(num_or_size_splits, shape, axis)
    bounds = np.cumsum([0] + sizes).tolist()
    return [_getitem(value, key=_along(axis, slice(start, stop)))
            for start, stop in itertools.pairwise(bounds)]
