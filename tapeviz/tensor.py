"""Tensor and Variable: immutable values over numpy, and the one mutable binding.

A `Tensor` never changes after it is made, so a value recorded on a tape or in history
stays valid with no copy. A `Variable` is a Tensor whose value can be rebound with
`assign*`; every op reads its value at the moment it runs. Operators and methods call
the registered ops, so everything goes through the dispatch point.
"""
from __future__ import annotations

import functools
import itertools
import numbers
import sys
import threading
import weakref

import numpy as np

from . import dtypes as _dtypes
from .pytorch_habits import add_habits
from .sourceinfo import user_source
from .threadstate import local as _thread

_new = object.__new__


class TensorShape(tuple):
    """A tensor's shape: a tuple of ints that prints like TensorFlow's."""

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

    def __init__(self, value):
        self._value = infer_array(value)

    # ---- value and metadata ------------------------------------------------------------
    def numpy(self):
        """The value as a numpy array (a numpy scalar for 0-d tensors); a copy."""
        if _thread.state.tapes:
            _left(self, ".numpy()")
        value = self._value
        if isinstance(value, np.ndarray):   # 0-d arrays (squeeze, reshape to []) as scalars
            return value.copy() if value.ndim else value[()]
        return value

    @property
    def shape(self) -> TensorShape:
        return TensorShape(np.shape(self._value))

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
        return _m.logical_not(self)

    def __and__(self, other):
        return _dispatch(_m.logical_and, self, other)

    def __rand__(self, other):
        return _dispatch(_m.logical_and, other, self)

    def __or__(self, other):
        return _dispatch(_m.logical_or, self, other)

    def __ror__(self, other):
        return _dispatch(_m.logical_or, other, self)

    def __xor__(self, other):
        return _dispatch(_m.logical_xor, self, other)

    def __rxor__(self, other):
        return _dispatch(_m.logical_xor, other, self)

    def __lt__(self, other):
        return _dispatch(_m.less, self, other)

    def __le__(self, other):
        return _dispatch(_m.less_equal, self, other)

    def __gt__(self, other):
        return _dispatch(_m.greater, self, other)

    def __ge__(self, other):
        return _dispatch(_m.greater_equal, self, other)

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return _m.equal(self, other)
        except TypeError:
            if isinstance(other, Tensor):   # argmax's int64 == int32 labels: TF refuses it,
                raise                       # and a False here reads as accuracy 0
            return False

    def __ne__(self, other):
        if other is None:
            return True
        try:
            return _m.not_equal(self, other)
        except TypeError:
            if isinstance(other, Tensor):
                raise
            return True

    def __getitem__(self, key):
        return _shape.getitem(self, key)

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


class Variable(Tensor):
    """A named, mutable binding to a tensor value, watched by tapes when trainable.

    >>> import tapeviz as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> _ = v.assign_add([1.0, 1.0])
    >>> v.numpy()
    array([2., 3.], dtype=float32)
    """

    __slots__ = ("trainable", "_name", "_base_name", "_unique_id", "made_at")

    def __init__(self, initial_value=None, trainable: bool = True, name: str | None = None,
                 dtype=None, shape=None):
        if initial_value is None:
            raise InvalidArgumentError("Variable", "initial_value must be given")
        if callable(initial_value):
            initial_value = initial_value()
        np_dtype = arguments.dtype("Variable", "dtype", dtype)
        value = to_array(initial_value, None if np_dtype is None else np_dtype._np, "Variable")
        if shape is not None:
            _check_variable_shape(shape, np.shape(value))
        self.trainable = arguments.flag("Variable", "trainable", trainable, default=True)
        name = arguments.name("Variable", name) or "Variable"
        scope = _thread.state.scope   # TF prefixes it with the name scopes it is made in
        self._base_name = f"{scope}/{name}" if scope else name
        self._name = None   # chosen on first read: see `name`
        self._value = value.copy() if isinstance(value, np.ndarray) else value
        self._unique_id = next(_variable_ids)
        self.made_at = user_source()   # the user's line that made it, for diagnose

    @property
    def name(self) -> str:
        """'w:0' as TF 2 names it, chosen when first read: by then a cell run again has let
        the variable it replaces go, so the new one is 'w:0' again. Only while another
        variable whose name was read holds 'w:0' is this one 'w_1:0' (TF would repeat the
        name; the debugger tells variables apart by name)."""
        if self._name is None:
            self._name = _live_variable_name(self, self._base_name)
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    def assign(self, value, read_value: bool = True):
        """Rebind this variable to `value` (same shape and dtype); returns the variable."""
        return self._rebind(_m.assign(self, value))

    def assign_add(self, delta, read_value: bool = True):
        """Rebind this variable to its value plus `delta`."""
        return self._rebind(_m.assign_add(self, delta))

    def assign_sub(self, delta, read_value: bool = True):
        """Rebind this variable to its value minus `delta`."""
        return self._rebind(_m.assign_sub(self, delta))

    def __getitem__(self, key):
        """`v[key]`, a tensor that remembers its variable and key: `v[key].assign(x)`
        updates that slice of v, as in TF."""
        sliced = _shape.getitem(self, key)
        slice_id = id(sliced)   # the entry goes with its slice (freed before its id is reused)
        _slices[slice_id] = (weakref.ref(sliced, lambda _: _slices.pop(slice_id, None)),
                             weakref.ref(self), key)
        return sliced

    def _assign_slice(self, key, value, name=None):
        """`self[key].assign(value)`: one update op; returns the variable, as TF does."""
        return self._rebind(_shape.assign_slice(self, key, value))

    def _rebind(self, new_value: Tensor):
        self._value = new_value._value
        return self

    def read_value(self) -> Tensor:
        """The current value as a tensor (an `identity` op, so tapes see the read)."""
        return _m.identity(self)

    def value(self) -> Tensor:
        return _m.identity(self)

    def __repr__(self) -> str:
        return f"<tapeviz.Variable '{self.name}' shape={self.shape} " \
               f"dtype={_shown_dtype(self._value)}, " \
               f"numpy={_numpy_text(self._value, True)}>"

    __str__ = __repr__


class VariableRead(Tensor):
    """A variable's value as one op read it (a node's input): ops on it count as reads of
    `variable`, so tapes that watch the variable record the VJPs that use it."""

    __slots__ = ("variable",)


# a Variable's slice by id -> (weak references to it and to the variable, the key), for
# `v[0].assign(x)` (TF attaches assign to the slice). Not a slot of every Tensor: one more
# slot costs each tensor's making and freeing (+0.7% instructions on bench_dispatch's chain)
_slices: dict[int, tuple] = {}


def _slice_origin(tensor: Tensor):
    """(variable, key) when `tensor` is `variable[key]`, else None."""
    entry = _slices.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    variable = entry[1]()
    return None if variable is None else (variable, entry[2])


def _not_a_variable(tensor: Tensor, method: str) -> MissingAttributeError:
    if _slice_origin(tensor) is not None:   # TF's slices of a variable have only assign
        return MissingAttributeError(
            f"Tensor.{method}", f"a slice of a Variable has no {method} (as in TF): only "
                                f"assign; got {describe(tensor)}",
            hint=f"v[1:3].assign(v[1:3] {'+' if method == 'assign_add' else '-'} delta)")
    return MissingAttributeError(
        f"Tensor.{method}", f"'Tensor' object has no attribute '{method}': only a tf.Variable "
                            f"can be assigned; got {describe(tensor)}",
        hint=f"`w = w - lr * g` rebinds w to a new Tensor, which no tape watches: keep w a "
             f"Variable and update it in place, w.{method}(...)")


def _check_variable_shape(shape, value_shape: tuple) -> None:
    """Variable's `shape`: ints (and None for a dimension left unknown, as TF allows) that
    the initial value's shape matches."""
    entries = list(shape) if isinstance(shape, (list, tuple)) else None
    known = entries is not None and all(
        n is None or isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0
        for n in entries)
    if not known:
        raise bad_argument("Variable", "shape", "a list of non-negative ints or None", shape,
                           DTypeError)
    if len(entries) != len(value_shape) or any(
            n is not None and n != m for n, m in zip(entries, value_shape)):
        raise ShapeError("Variable", f"initial_value has shape {value_shape}, which does not "
                                     f"match shape {list(entries)}")


def read_variable(variable: Variable) -> VariableRead:
    """A snapshot of `variable`'s current value (hot path: no __init__ call)."""
    read = _new(VariableRead)
    read._value = variable._value
    read.variable = variable
    return read


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
        which, hint = "a tensor holding one value", "reduce it first, e.g. tf.reduce_all(x)"
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
    tensor = _new(Tensor)
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


_variable_ids = itertools.count()
_names_in_use: dict[str, weakref.ref] = {}   # a name -> the variable that last took it
_name_lock = threading.Lock()


def _live_variable_name(variable, base: str) -> str:
    """`base:0`, unless a variable still alive holds that name: then `base_1:0`, ..."""
    base = base[:-2] if base.endswith(":0") else base
    with _name_lock:
        for count in itertools.count():
            name = f"{base}:0" if count == 0 else f"{base}_{count}:0"
            holder = _names_in_use.get(name)
            if holder is None or holder() is None:
                _names_in_use[name] = weakref.ref(variable)
                return name


# The core's one import cycle, and an honest one: a tensor's constructors convert values
# and its operators call ops, and conversion and ops take tensors. These modules import
# Tensor at their top, so Tensor is imported first (tapeviz/__init__.py) and they last.
from . import arguments  # noqa: E402
from .convert import infer_array, to_array  # noqa: E402
from .errors import (DTypeError, InvalidArgumentError, MissingAttributeError,  # noqa: E402
                     ShapeError, bad_argument, describe)
from .dispatch import dispatch as _dispatch  # noqa: E402
from .ops import linalg as _linalg, math as _m, shape as _shape  # noqa: E402
