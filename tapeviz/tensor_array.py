"""`tf.TensorArray` as TF runs it eagerly: a list of tensors written and read by index (a
write changes the array and returns it), stacked with tapeviz ops so a tape sees the stack
and its gradient reaches every tensor written. Made in a loop of `tf.while_loop` or a
Python loop, as TF's guides write one; a TensorArray inside a graph does not exist here.
"""
from __future__ import annotations

import numpy as np

from . import arguments
from .creation import constant, zeros
from .errors import (DTypeError, InvalidArgumentError, KernelDTypeError, OpError,
                     OutOfRangeError, describe)
from .ops.join import concat as _concat, stack as _stack, unstack as _unstack
from .tensor import Tensor, TensorShape


class TensorArray:
    """A list of same-dtype tensors, by index, as an eager `tf.TensorArray`.

    >>> import tapeviz as tf
    >>> squares = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    >>> for i in range(3):
    ...     squares = squares.write(i, float(i * i))
    >>> squares.stack().numpy()
    array([0., 1., 4.], dtype=float32)
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = arguments.dtype("TensorArray", "dtype", dtype, optional=False)
        if size is None:
            raise InvalidArgumentError("TensorArray", "Size must be declared for TensorArrays "
                                                      "when eager execution is enabled.")
        self._dynamic = bool(dynamic_size)
        self._clear_after_read = clear_after_read is None or bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._element_shape = None if element_shape is None else tuple(
            None if d is None else int(d) for d in element_shape)   # None: not known yet
        self._items: list = [None] * arguments.count("TensorArray", "size", size)
        self._cleared: set = set()

    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    @property
    def element_shape(self) -> TensorShape | None:
        return None if self._element_shape is None else TensorShape(self._element_shape)

    def size(self, name=None) -> Tensor:
        """The number of elements, an int32 scalar."""
        return constant(len(self._items), "int32")

    def write(self, index, value, name=None) -> "TensorArray":
        """Put `value` at `index` (growing a dynamic_size array); returns this array."""
        index = self._index("TensorArray.write", index)
        if index >= len(self._items):
            if not self._dynamic:
                raise OutOfRangeError("TensorArray.write", f"Tried to write to index {index} "
                                                           f"but array is not resizeable and "
                                                           f"size is: {len(self._items)}")
            self._items += [None] * (index + 1 - len(self._items))
        self._items[index] = self._fitted("TensorArray.write", value)
        self._cleared.discard(index)
        return self

    def read(self, index, name=None) -> Tensor:
        """The tensor at `index` (zeros of the element shape where nothing was written)."""
        index = self._index("TensorArray.read", index)
        if index >= len(self._items):
            raise OutOfRangeError("TensorArray.read", f"Tried to read from index {index} but "
                                                      f"array size is: {len(self._items)}")
        if index in self._cleared:
            raise InvalidArgumentError("TensorArray.read", f"Could not read index {index} twice "
                                                           f"because it was cleared after a "
                                                           f"previous read",
                                       hint="pass clear_after_read=False to read it again")
        value = self._items[index]
        if self._clear_after_read and value is not None:
            self._cleared.add(index)
        return value if value is not None else self._zeros("TensorArray.read")

    def stack(self, name=None) -> Tensor:
        """Every element stacked along a new first axis."""
        if not self._items:
            shape = self._element_shape
            return zeros((0, *shape) if _known(shape) else (0,), self._dtype)
        return _stack([self._items[i] if self._items[i] is not None
                       else self._zeros("TensorArray.stack") for i in range(len(self._items))])

    def gather(self, indices, name=None) -> Tensor:
        """The elements at `indices`, stacked."""
        picked = [self._index("TensorArray.gather", i) for i in np.asarray(
            indices._value if isinstance(indices, Tensor) else indices).reshape(-1)]
        for index in picked:
            if index >= len(self._items):
                raise OutOfRangeError("TensorArray.gather", f"Tried to read from index {index} "
                                                            f"but array size is: "
                                                            f"{len(self._items)}")
        return _stack([self._items[i] if self._items[i] is not None
                       else self._zeros("TensorArray.gather") for i in picked])

    def concat(self, name=None) -> Tensor:
        """Every element joined along its first axis."""
        return _concat([self._items[i] if self._items[i] is not None
                        else self._zeros("TensorArray.concat") for i in range(len(self._items))],
                       axis=0)

    def unstack(self, value, name=None) -> "TensorArray":
        """Write the rows of `value` (split along its first axis) at 0, 1, ...; returns it."""
        return self.scatter(None, value)

    def scatter(self, indices, value, name=None) -> "TensorArray":
        """Write the rows of `value` at `indices` (0, 1, ... for unstack); returns it."""
        rows = _unstack(self._converted("TensorArray.scatter", value))
        if indices is None:
            indices = range(len(rows))
        else:
            indices = np.asarray(indices._value if isinstance(indices, Tensor)
                                 else indices).reshape(-1).tolist()
            if len(indices) != len(rows):
                raise InvalidArgumentError("TensorArray.scatter", f"{len(indices)} indices for "
                                                                  f"{len(rows)} rows of value")
        for index, row in zip(indices, rows):
            self.write(index, row)
        return self

    def identity(self) -> "TensorArray":
        return self

    def close(self, name=None) -> None:
        self._items, self._cleared = [], set()

    def _index(self, op: str, index) -> int:
        index = arguments.count(op, "index", index, minimum=None)
        if index < 0:
            raise OutOfRangeError(op, f"Writing to negative indices (index {index}) is not "
                                      f"allowed." if op.endswith("write") else
                                      f"Reading from negative indices (index {index}) is not "
                                      f"allowed.")
        return index

    def _converted(self, op: str, value) -> Tensor:
        """`value` as a tensor of this array's dtype: a tensor of another dtype is refused."""
        if isinstance(value, Tensor):
            if value.dtype != self._dtype:
                raise DTypeError(op, f"TensorArray dtype is {self._dtype.name} but Op is trying "
                                     f"to write dtype {value.dtype.name}",
                                 hint=f"tf.cast(value, tf.{self._dtype.name})")
            return value
        try:
            return constant(value, self._dtype)
        except OpError as error:
            raise KernelDTypeError(op, f"TensorArray dtype is {self._dtype.name}; got "
                                       f"{describe(value)}: {error.detail}") from None

    def _fitted(self, op: str, value) -> Tensor:
        """`value` converted, its shape the element shape (the first written fixes it)."""
        tensor = self._converted(op, value)
        shape, expected = tuple(tensor.shape), self._element_shape
        if expected is not None and (len(expected) != len(shape) or any(
                e is not None and e != d for e, d in zip(expected, shape))):
            raise InvalidArgumentError(op, f"Incompatible shape for value ({shape}), expected "
                                           f"({expected})")
        if self._infer_shape and not _known(expected):
            self._element_shape = shape
        return tensor

    def _zeros(self, op: str) -> Tensor:
        if not _known(self._element_shape):
            raise InvalidArgumentError(op, "an element nothing was written to has no known "
                                           "shape: write it, or give element_shape=")
        return zeros(self._element_shape, self._dtype)

    def __repr__(self) -> str:
        return f"<tapeviz.TensorArray dtype={self._dtype.name} size={len(self._items)}>"


def _known(shape) -> bool:
    return shape is not None and None not in shape
