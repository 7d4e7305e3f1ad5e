"""Variable: the one mutable binding, a Tensor whose value `assign*` rebinds.

A Variable is what tapes watch and optimizers update: each op reads its value at the
moment it runs (as a `VariableRead`, which remembers the variable), so a recorded value
never changes under the recording. This module also gives a variable its TF name
('w:0') and lets a slice of it be assigned (`v[0].assign(x)`), as TF does.
"""
from __future__ import annotations

import itertools
import numbers
import threading
import weakref

import numpy as np

from .sourceinfo import user_source
from .tensor import Tensor, _numpy_text, _shown_dtype
from .threadstate import local as _thread

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
        wanted = None if np_dtype is None else np_dtype._np
        value = text_array(initial_value, wanted, "Variable")   # text: a tf.string variable
        if value is None:
            value = to_array(initial_value, wanted, "Variable")
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

    def __hash__(self):
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

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
        """Rebind this variable to `value` (same shape and dtype); returns the variable, or
        None given read_value=False, as TF does."""
        self._value = _dispatch(_a.assign, self, value)._value   # (`_rebind` inlined)
        return self if read_value else None

    def assign_add(self, delta, read_value: bool = True):
        """Rebind this variable to its value plus `delta` (returns as `assign` does)."""
        self._value = _dispatch(_a.assign_add, self, delta)._value   # (`_rebind` inlined)
        return self if read_value else None

    def assign_sub(self, delta, read_value: bool = True):
        """Rebind this variable to its value minus `delta` (returns as `assign` does)."""
        self._value = _dispatch(_a.assign_sub, self, delta)._value   # (`_rebind` inlined)
        return self if read_value else None

    def __getitem__(self, key):
        """`v[key]`, a tensor that remembers its variable and key: `v[key].assign(x)`
        updates that slice of v, as in TF."""
        sliced = _indexing.getitem(self, key)
        slice_id = id(sliced)   # the entry goes with its slice (freed before its id is reused)
        _slices[slice_id] = (weakref.ref(sliced, lambda _: _slices.pop(slice_id, None)),
                             weakref.ref(self), key)
        return sliced

    def _assign_slice(self, key, value, name=None):
        """`self[key].assign(value)`: one update op; returns the variable, as TF does."""
        return self._rebind(_indexing.assign_slice(self, key, value))

    def _rebind(self, new_value: Tensor):
        self._value = new_value._value
        return self

    def read_value(self) -> Tensor:
        """The current value as a tensor (an `identity` op, so tapes see the read)."""
        return _a.identity(self)

    def value(self) -> Tensor:
        return _a.identity(self)

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
    read = VariableRead()
    read._value = variable._value
    read.variable = variable
    return read


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




# tensor.py's import cycle, which this module joins: a variable's constructor converts its
# value and its methods call ops, and conversion takes variables. tensor.py imports this
# module at its bottom, first; these modules last.
from . import arguments  # noqa: E402
from .convert import to_array  # noqa: E402
from .string_values import text_array  # noqa: E402
from .errors import (DTypeError, InvalidArgumentError, MissingAttributeError,  # noqa: E402
                     ShapeError, bad_argument, describe)
from .ops import assign as _a, indexing as _indexing  # noqa: E402
# an update's op dispatched directly: called as an object, `_a.assign_sub(self, delta)`, it
# pays ~520 instructions of slot_tp_call more (bench_dispatch.py)
from .dispatch import dispatch as _dispatch  # noqa: E402
