"""Tensor: an immutable value over numpy, its shape, and the hashable reference to it.

A `Tensor` never changes after it is made, so a value recorded on a tape or in history
stays valid with no copy. Operators and methods call the registered ops, so everything
goes through the dispatch point. `Variable`, the one mutable binding, is in variable.py
(imported here too, where most of the package has always imported it from).
"""
from __future__ import annotations

import functools
import sys

import numpy as np

from . import dtypes as _dtypes
from .pytorch_habits import add_habits
from .threadstate import local as _thread
from .two_engines import refused_as_dlpack, refused_by_torch

class TensorShape(tuple):
    """A tensor's shape: a tuple of ints that prints like TensorFlow's; `TensorShape(None)`
    is TF's shape of unknown rank (`UNKNOWN_SHAPE`)."""

    def __new__(cls, dims=()):
        return UNKNOWN_SHAPE if dims is None else _tuple_new(cls, dims)

    @property
    def rank(self) -> int:
        return len(self)

    @property
    def ndims(self) -> int:
        return len(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        return tuple.__repr__(tuple(self))


class UnknownShape(TensorShape):
    """TF's `TensorShape(None)`: any rank (a `TensorSpec(None)`'s, a generator's element
    without output_shapes); its rank is None and, as in TF, it has no length or dims."""

    rank = ndims = None

    def __len__(self):
        raise InvalidArgumentError("TensorShape", "Cannot take the length of shape with "
                                   "unknown rank.", hint="its .rank is None")

    def __iter__(self):
        raise InvalidArgumentError("TensorShape", "Cannot iterate over a shape with unknown "
                                   "rank.", hint="its .rank is None")

    def as_list(self):
        raise InvalidArgumentError("as_list", "as_list() is not defined on an unknown "
                                   "TensorShape.", hint="a TensorSpec(None) has any rank: "
                                   "its shape's .rank is None")

    def num_elements(self):
        return None

    def __repr__(self) -> str:
        return "TensorShape(None)"

    def __str__(self) -> str:
        return "<unknown>"


_tuple_new = tuple.__new__
UNKNOWN_SHAPE = _tuple_new(UnknownShape, ())


class Tensor:
    """An immutable n-dimensional value, used like a TensorFlow eager tensor.

    >>> import tapeviz as tf
    >>> print(tf.constant([[1, 2], [3, 4]]))
    tapeviz.Tensor(
    [[1 2]
     [3 4]], shape=(2, 2), dtype=int32)
    """

    __slots__ = ("_value", "__weakref__")
    # numpy defers `ndarray * tensor` to Tensor.__rmul__, so mixed arithmetic stays a Tensor
    __array_priority__ = 100
    # torch.relu(x) of a tapeviz tensor is refused naming both engines (two_engines.py)
    __torch_function__ = classmethod(refused_by_torch)
    # torch.tensor(x) and torch.as_tensor(x) ask for a DLPack buffer instead: refused alike
    __dlpack__ = __dlpack_device__ = refused_as_dlpack
    # No __init__: the engine makes each one by `Tensor()` and sets `_value` (wrap), a type
    # call with no Python frame, ~300 instructions less than object.__new__(Tensor), whose
    # wrapper copies its argument tuple. As in TF, no one makes a tensor by calling the
    # class: tf.constant and tf.convert_to_tensor do.

    # ---- value and metadata ------------------------------------------------------------
    def numpy(self):
        """The value as a numpy array (a numpy scalar for 0-d tensors); a copy."""
        state = _thread.state
        if state.tapes:
            _left(self, ".numpy()")
        if state.traced:
            refuse_numpy_where_traced()
        value = self._value
        if isinstance(value, np.ndarray):   # 0-d arrays (squeeze, reshape to []) as scalars
            return value.copy() if value.ndim else value[()]
        return value

    @property
    def shape(self) -> TensorShape:
        return _tuple_new(TensorShape, np.shape(self._value))

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self) -> int:
        return np.ndim(self._value)

    @property
    def device(self) -> str:
        """TF's name of the device holding the value: the CPU, where tapeviz runs."""
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def get_shape(self) -> TensorShape:
        return self.shape

    def ref(self) -> "Reference":
        """A hashable reference, for using tensors and variables as dict keys (as in TF)."""
        return Reference(self)

    def __array__(self, dtype=None, copy=None):
        if _thread.state.tapes:
            _left(self, "np.asarray or numpy math")
        value = np.asarray(self._value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __len__(self) -> int:
        if not np.ndim(self._value):
            raise TypeError("Scalar tensor has no `len()`")
        return len(self._value)

    def __iter__(self):
        if not np.ndim(self._value):
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(len(self._value)):
            yield self[i]

    def __bool__(self) -> bool:
        try:
            return bool(self._value)
        except ValueError:
            raise _not_one_value("bool", self._value, InvalidArgumentError) from None

    def __int__(self) -> int:
        try:
            return int(self._value)
        except TypeError:
            raise _not_one_value("int", self._value, DTypeError) from None

    def __float__(self) -> float:
        if _thread.state.tapes:
            _left(self, "float()")
        try:
            return float(self._value)
        except TypeError:
            raise _not_one_value("float", self._value, DTypeError) from None

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu" or np.ndim(self._value):
            raise TypeError(f"Only scalar integer tensors can be used as an index; "
                            f"got dtype {self._value.dtype.name}, shape {self.shape}")
        return int(self._value)

    def __hash__(self):
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __round__(self, ndigits=None):
        """TF 2.21's round(t) fails inside itself (AttributeError: no 'astype'): say what works."""
        raise DTypeError("round", "round() takes a Python number, not a tensor",
                         hint="tf.round(t) for a tensor of rounded values, or round(float(t)) "
                              "for a Python number")

    def __format__(self, spec: str) -> str:
        value = self._value
        if value.ndim == 0:  # as TF: numpy's scalar, so "{}" gives 1.154594898223877
            return format(value[()], spec)
        return str(value) if not spec else format(value, spec)

    def __str__(self) -> str:
        return f"tapeviz.Tensor({_numpy_text(self._value, False)}, shape={self.shape}, " \
               f"dtype={self.dtype.name})"

    def __repr__(self) -> str:
        return f"<tapeviz.Tensor: shape={self.shape}, dtype={_shown_dtype(self._value)}, " \
               f"numpy={_numpy_text(self._value, True)}>"

    # ---- operators: each is a registered op, so each goes through dispatch ---------------
    def __add__(self, other):
        return _dispatch(_m.add_v2, self, other)

    def __radd__(self, other):
        return _dispatch(_m.add_v2, other, self)

    def __sub__(self, other):
        return _dispatch(_m.subtract, self, other)

    def __rsub__(self, other):
        return _dispatch(_m.subtract, other, self)

    def __mul__(self, other):
        return _dispatch(_m.multiply, self, other)

    def __rmul__(self, other):
        return _dispatch(_m.multiply, other, self)

    def __truediv__(self, other):
        return _dispatch(_m.divide, self, other)

    def __rtruediv__(self, other):
        return _dispatch(_m.divide, other, self)

    def __floordiv__(self, other):
        return _dispatch(_m.floordiv, self, other)

    def __rfloordiv__(self, other):
        return _dispatch(_m.floordiv, other, self)

    def __mod__(self, other):
        return _dispatch(_m.floormod, self, other)

    def __rmod__(self, other):
        return _dispatch(_m.floormod, other, self)

    def __pow__(self, other):
        return _dispatch(_m.pow, self, other)

    def __rpow__(self, other):
        return _dispatch(_m.pow, other, self)

    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):   # `a @ w` converts a to w's dtype first, as TF's does
        if not isinstance(other, Tensor):
            other = wrap(to_array(other, self._value.dtype, "matmul"))
        return _linalg.matmul(other, self)

    def __neg__(self):
        return _dispatch(_m.negative, self,)

    def __pos__(self):
        return self

    def __abs__(self):
        return _m.abs(self)

    def __invert__(self):
        return _c.logical_not(self)

    def __and__(self, other):
        return _dispatch(_c.logical_and, self, other)

    def __rand__(self, other):
        return _dispatch(_c.logical_and, other, self)

    def __or__(self, other):
        return _dispatch(_c.logical_or, self, other)

    def __ror__(self, other):
        return _dispatch(_c.logical_or, other, self)

    def __xor__(self, other):
        return _dispatch(_c.logical_xor, self, other)

    def __rxor__(self, other):
        return _dispatch(_c.logical_xor, other, self)

    def __lt__(self, other):
        return _dispatch(_c.less, self, other)

    def __le__(self, other):
        return _dispatch(_c.less_equal, self, other)

    def __gt__(self, other):
        return _dispatch(_c.greater, self, other)

    def __ge__(self, other):
        return _dispatch(_c.greater_equal, self, other)

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return _c.equal(self, other)
        except TypeError:
            if isinstance(other, Tensor):   # argmax's int64 == int32 labels: TF refuses it,
                raise                       # and a False here reads as accuracy 0
            return False

    def __ne__(self, other):
        if other is None:
            return True
        try:
            return _c.not_equal(self, other)
        except TypeError:
            if isinstance(other, Tensor):
                raise
            return True

    def __getitem__(self, key):
        return _indexing.getitem(self, key)

    @property
    def assign(self):
        """A slice of a Variable assigns into it, as in TF (`v[0].assign(1.0)`); any other
        tensor says why it cannot."""
        origin = _slice_origin(self)
        if origin is None:
            raise _not_a_variable(self, "assign")
        variable, key = origin
        return functools.partial(variable._assign_slice, key)

    @property
    def assign_add(self):
        raise _not_a_variable(self, "assign_add")

    @property
    def assign_sub(self):
        raise _not_a_variable(self, "assign_sub")

    def __setitem__(self, key, value):
        kind = type(self).__name__
        raise DTypeError("item assignment", f"a {kind} does not support item assignment; got "
                                            f"x[{key!r}] = {describe(value)}",
                         hint=f"assign the slice, as in TF: v[{key!r}].assign(...); or replace "
                              f"the whole value: v.assign(tf.where(mask, new, v))"
                         if kind == "Variable" else
                              "tensors are immutable: build a new one, e.g. tf.where(mask, "
                              "new, x), or keep the value in a tf.Variable")


add_habits(Tensor, "Tensor", settable=("requires_grad",))   # x.backward(): the TF way said


class Reference:
    """Hashable handle of a tensor or variable; `deref()` gives it back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __eq__(self, other) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __repr__(self) -> str:
        return f"<Reference to {self._obj!r}>"


def _not_one_value(kind: str, value, error_class):
    """bool(), int() or float() of a tensor of many values: the error numpy's would be (a
    ValueError for bool, a TypeError for the numbers), naming the call and the shape."""
    if kind == "bool":
        which, hint = "a tensor holding one value", (
            "reduce it first, e.g. tf.reduce_all(x); or, to choose per element (an `if` takes "
            "one branch for the whole batch), tf.where(condition, x, y)")
    else:
        which, hint = "a scalar tensor (shape ())", "pick one value (x[0, 0]) or reduce it " \
                                                    "first (tf.reduce_sum(x))"
    return error_class(f"{kind}()", f"only {which} converts to a Python {kind}; got a "
                                    f"{value.dtype.name} tensor of shape "
                                    f"{tuple(np.shape(value))}", hint)


def _left(tensor: Tensor, how: str) -> None:
    """A value leaves tapeviz while tapes record: each notes where, for why_none's "the
    chain was cut" (its frame is the caller of numpy(), __array__ or __float__)."""
    frame = sys._getframe(2)
    for tape in _thread.state.tapes:
        tape.value_left(tensor, how, frame)


def wrap(value) -> Tensor:
    """A Tensor around a numpy value, without conversion (the engine's hot path)."""
    tensor = Tensor()
    tensor._value = value
    return tensor


def _shown_dtype(value) -> str:
    """The dtype a repr names: another engine's for a copy widened from it (torch's bfloat16)."""
    return _dtypes.shown_name(np.asarray(value).dtype)


def _numpy_text(value, is_repr: bool) -> str:
    if is_repr:  # a 0-d array shows as its Python number, as TF's (numpy=0.10000000149011612)
        text = repr(value) if np.ndim(value) else repr(np.asarray(value).item())
    else:
        text = str(value)
    return "\n" + text if "\n" in text else text


# The core's one import cycle, and an honest one: a tensor's constructors convert values
# and its operators call ops, and conversion and ops take tensors. These modules import
# Tensor at their top, so Tensor is imported first (tapeviz/__init__.py) and they last;
# variable.py first of them, as conversion takes variables.
from .variable import (Variable, VariableRead, _not_a_variable,  # noqa: E402,F401
                       _slice_origin, read_variable)
from .convert import to_array  # noqa: E402
from .errors import DTypeError, InvalidArgumentError, describe  # noqa: E402
from .py_function import refuse_numpy_where_traced  # noqa: E402
from .dispatch import dispatch as _dispatch  # noqa: E402
from .ops import compare as _c, indexing as _indexing, linalg as _linalg, math as _m  # noqa: E402
