"""Tiling and padding: ops whose outputs repeat input entries, with their transposes.

Each op's gradient adds the copies back onto the entry they came from: tile's through
a reshape and a sum, pad's through a `pad_grad` row whose own gradient is `pad` again
(so higher-order gradients work). Rows take normalized static params (tuples of ints,
an upper-case mode); the public functions take TensorFlow's signatures.
"""
from __future__ import annotations

import numpy as np

from .. import arguments
from ..errors import InvalidArgumentError, ShapeError, bad_argument
from .registry import defop
from .shape import _reshape
from .indexing import _along
from . import reduce as _reduce


# ---- tiling ----------------------------------------------------------------------------------
def _tile_vjp(g, ans, input, *, multiples):
    # g's axis i holds multiples[i] copies of input's axis i: split each into (copy, index)
    # and add up the copies
    shape = np.shape(input._value)
    interleaved = tuple(n for pair in zip(multiples, shape) for n in pair)
    return (_reduce.reduce_sum(_reshape(g, shape=interleaved),
                               axis=list(range(0, 2 * len(shape), 2))),)


_tile = defop("tile", lambda input, *, multiples: np.tile(input, multiples), _tile_vjp,
              kind="shape", samples=((((2, 3),), {"multiples": (3, 2)}),
                                     (((2, 1, 3),), {"multiples": (1, 4, 1)})),
              doc="`input` repeated `multiples[i]` times along each axis i.")


def tile(input, multiples, name=None):
    """`input` repeated `multiples[i]` times along each axis i.

    >>> import tapeviz as tf
    >>> tf.tile([[1, 2]], [2, 2]).numpy()
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    rank = arguments.rank_of("tile", "input", input)
    multiples = arguments.shape("tile", "multiples", multiples)
    if len(multiples) != rank or min(multiples, default=0) < 0:
        raise InvalidArgumentError("tile", f"multiples must hold one non-negative int per axis "
                                           f"of input (rank {rank}); got {list(multiples)}")
    return _tile(input, multiples=multiples)


# ---- padding -------------------------------------------------------------------------------
PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def _pad_forward(tensor, *, paddings, mode, constant_values):
    if not paddings:  # a scalar: np.pad rejects empty pad widths
        return tensor
    if mode == "CONSTANT":
        return np.pad(tensor, paddings, constant_values=constant_values)
    return np.pad(tensor, paddings, mode=mode.lower())


def _pad_grad_forward(grad, *, paddings, mode):
    """Each padded entry's gradient added back to the entry it copies (pad's transpose)."""
    for axis, (before, after) in enumerate(paddings):
        length = grad.shape[axis] - before - after
        if mode == "CONSTANT":
            grad = grad[_along(axis, slice(before, before + length))]
            continue
        source = np.pad(np.arange(length), (before, after), mode=mode.lower())
        folded = np.zeros(grad.shape[:axis] + (length,) + grad.shape[axis + 1:], grad.dtype)
        np.add.at(np.moveaxis(folded, axis, 0), source, np.moveaxis(grad, axis, 0))
        grad = folded
    return grad


PAD_SAMPLES = ((((3, 4),), {"paddings": ((1, 2), (0, 1)), "mode": "CONSTANT"}),
               (((3, 4),), {"paddings": ((2, 1), (1, 3)), "mode": "REFLECT"}),
               (((3, 4),), {"paddings": ((3, 0), (4, 2)), "mode": "SYMMETRIC"}))

_pad = defop("pad", _pad_forward, kind="shape",
             vjp=lambda g, ans, tensor, *, paddings, mode, constant_values:
             (_pad_grad(g, paddings=paddings, mode=mode),),
             samples=tuple((specs, {**params, "constant_values": 0.5})
                           for specs, params in PAD_SAMPLES),
             doc="`tensor` padded on each axis: with a constant, or mirrored.")
_pad_grad = defop("pad_grad", _pad_grad_forward, kind="shape", label="padᵀ",
                  vjp=lambda g, ans, grad, *, paddings, mode:
                  (_pad(g, paddings=paddings, mode=mode, constant_values=0),),
                  samples=((((6, 5),), PAD_SAMPLES[0][1]), (((6, 8),), PAD_SAMPLES[1][1]),
                           (((6, 10),), PAD_SAMPLES[2][1])),
                  doc="pad's gradient: the padding cut off, mirrored entries added back.")


def _paddings(paddings) -> tuple:
    """pad's `paddings` (a list of [before, after] lists, or an int tensor) as its flat
    values and its shape."""
    if not isinstance(paddings, (list, tuple)):
        values = arguments.int_entries(paddings)
        if values is None:
            raise bad_argument("pad", "paddings", "a list of [before, after] int pairs",
                               paddings)
        return values, tuple(np.shape(paddings))
    rows = [arguments.int_list("pad", "paddings", row) for row in paddings]
    lengths = {len(row) for row in rows}
    got = (len(rows), lengths.pop()) if len(lengths) == 1 else (len(rows), "ragged")
    return [v for row in rows for v in row], got


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """`tensor` with paddings[i] = [before, after] entries added on each axis i.

    `mode` is CONSTANT (fill with `constant_values`), REFLECT (mirror, edge excluded) or
    SYMMETRIC (mirror, edge included), in any case.

    >>> import tapeviz as tf
    >>> tf.pad([[1, 2, 3]], [[0, 0], [2, 1]], mode="REFLECT").numpy()
    array([[3, 2, 1, 2, 3, 2]], dtype=int32)
    """
    array = arguments.array_of("pad", "tensor", tensor)
    shape = np.shape(array)
    rank = len(shape)
    values, got = _paddings(paddings)
    if got != (rank, 2) and not (rank == 0 and not values):
        raise ShapeError("pad", f"paddings must have shape [{rank}, 2] (one [before, after] pair "
                                f"per axis of the input, shape {shape}); got shape {list(got)}")
    pairs = tuple(zip(values[::2], values[1::2]))
    if min(values, default=0) < 0:
        raise InvalidArgumentError("pad", f"paddings must be non-negative; "
                                          f"got {[list(p) for p in pairs]}")
    mode = arguments.choice("pad", "mode", mode, PAD_MODES, upper=True)
    for axis, (before, after) in enumerate(pairs):
        largest = shape[axis] - 1 if mode == "REFLECT" else shape[axis]
        if mode != "CONSTANT" and max(before, after) > largest:
            raise InvalidArgumentError("pad", f"{mode} paddings on axis {axis} (length "
                                              f"{shape[axis]}) must be at most {largest}; "
                                              f"got {[before, after]}")
    arguments.number("pad", "constant_values", constant_values)
    if type(constant_values) is not int or constant_values:   # (the default 0 fits any dtype)
        constant_values = arguments.array_of("pad", "constant_values", constant_values,
                                             array.dtype)
    return _pad(tensor, paddings=pairs, mode=mode,
                constant_values=np.asarray(constant_values).item())
