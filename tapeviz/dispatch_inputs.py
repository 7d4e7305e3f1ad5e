"""An op's inputs as the numpy arrays its forward takes: dispatch's conversion, on its hot path.

TensorFlow's rules for inputs side by side: a Python value next to a tensor takes the
tensor's dtype, two tensors of different dtypes are an error, and with no tensor among them
the rest take the first one's dtype. A Variable is read as a tensor of its value, tracked by
the variable's id. One value alone converts by convert.py's rules.
"""
from __future__ import annotations

import numpy as np

from .convert import infer_array, to_array
from .dtype_errors import ALL, mismatch, unconverted
from .errors import OpError
from .python_numbers import LIMIT, MADE, let_go, note
from .string_values import NO_TEXT_KERNEL, math_refusal
from .tensor import Tensor, wrap
from .variable import Variable, VariableRead, read_variable

_NDARRAY = np.ndarray
_TEXT = np.dtype(object)   # a tf.string tensor's arrays: routed to the conversion path
# numpy's float scalar types, each its own: a 0-d value's dtype without reading `.dtype`
# (~0.15 us on a numpy scalar)
FLOAT_SCALAR_TYPES = {t: t for t in (np.float16, np.float32, np.float64, np.longdouble)}
# numpy float type -> {Python number: that number as a numpy scalar of the type}; keyed by
# type first, so a look-up hashes the number alone (a (number, type) key's tuple cost 0.9k
# instructions a look-up to make, hash and free)
_constants: dict = {t: {} for t in FLOAT_SCALAR_TYPES}
_MAX_CONSTANTS = 4096   # of one type


def _reference_dtype(op, args):
    """The dtype the op's shared inputs have (None when no tensor is among them)."""
    shared = op.dtype_args
    ref = None
    for i, arg in enumerate(args):
        if isinstance(arg, Tensor) and (shared is ALL or i in shared):
            dtype = arg._value.dtype
            if ref is None:
                ref = dtype
            elif dtype is not ref and dtype != ref:
                raise mismatch(op, args, shared)
    return ref


def _python_value(op, i, arg, ref):
    """A non-tensor argument converted: to the shared dtype where it is a shared input."""
    if ref is not None and (op.dtype_args is ALL or i in op.dtype_args):
        kind = type(arg)
        if (kind is float or kind is int) and ref.kind == "f":
            return float_constant(arg, ref.type)  # the hot case: `x * 2.0`
        return to_array(arg, ref, op.name)
    return to_array(arg, None, op.name)


def input_arrays(op, args):
    """The numpy inputs of `op` for `args`, dtypes checked and Python values converted."""
    count = len(args)
    if count == 2:  # the hot cases, `x * y`, `x * 2.0` and `2.0 * x`, without the loop
        x, y = args
        if isinstance(x, Tensor):
            x = x._value
            if isinstance(y, Tensor):
                y = y._value
                kind = type(x)  # numpy scalars of one type share a dtype: skip the compare
                if (kind is not type(y) or kind is _NDARRAY) and op.dtype_args is ALL \
                        and ((dtype := x.dtype) is not y.dtype or dtype is _TEXT):
                    return _converted_arrays(op, args)   # a mismatch, or text: checked there
                return x, y
            kind = type(y)
            if (kind is float or kind is int) and op.dtype_args is ALL:
                cached = _constants.get(type(x))  # a numpy float scalar's constants, or None
                if cached is not None:   # `x * 2.0`: the constant looked up here
                    constant = cached.get(y)
                    return x, float_constant(y, type(x)) if constant is None else constant
                if x.dtype.kind == "f":
                    return x, float_constant(y, x.dtype.type)
        elif (type(x) is float or type(x) is int) and isinstance(y, Tensor) \
                and op.dtype_args is ALL:
            y = y._value
            cached = _constants.get(type(y))
            if cached is not None:   # `0.001 * g`, as above
                constant = cached.get(x)
                return float_constant(x, type(y)) if constant is None else constant, y
            if y.dtype.kind == "f":
                return float_constant(x, y.dtype.type), y
    elif count == 1:
        (x,) = args
        if isinstance(x, Tensor):
            return (x._value,)
    elif count == 3:   # a fused VJP's three tensors (pow_grad's): of one type, nothing to check
        x, y, z = args
        if isinstance(x, Tensor) and isinstance(y, Tensor) and isinstance(z, Tensor):
            x, y, z = x._value, y._value, z._value
            kind = type(x)
            if kind is type(y) and kind is type(z) and kind is not _NDARRAY:
                return x, y, z
    return _converted_arrays(op, args)


def _converted_arrays(op, args):
    """`input_arrays` beyond its hot cases (its own frame: the comprehension's closure
    would cost the hot cases two cells a call)."""
    ref = _reference_dtype(op, args)
    try:
        arrays = [arg._value if isinstance(arg, Tensor) else _python_value(op, i, arg, ref)
                  for i, arg in enumerate(args)]
    except OpError as error:
        raise _naming_the_input(op, args, ref, error) from None
    if ref is None and op.dtype_args is ALL and len(arrays) > 1:
        arrays = _unify_python_values(op, args, arrays)
    if op in NO_TEXT_KERNEL:   # (here, not in the forward: a compare of numbers pays nothing)
        refused = math_refusal(op.name, arrays)
        if refused is not None:
            raise refused
    return arrays


def input_tensors(op, args):
    """The numpy inputs of `op` for `args`, the tensors the op saw, the ids that track
    them, and whether a Variable was read.

    A Variable is read as a tensor of its current value but tracked by the variable's
    own id; so is that read when a VJP passes it on (an outer tape then records the VJP's
    ops: higher-order gradients w.r.t. variables). A Python value becomes a constant
    tensor tracked by nothing.
    """
    count = len(args)
    if count == 1:
        (x,) = args
        if type(x) is Tensor:  # the hot unary case: nothing to convert
            return (x._value,), args, (id(x),), False
    elif count == 2:  # the hot cases, `x * y`, `w * x` and `x * 2.0`, without the general loop
        x, y = args
        x_kind, y_kind = type(x), type(y)
        if (x_kind is Tensor or x_kind is Variable) and (y_kind is Tensor or y_kind is Variable):
            a, b = x._value, y._value
            kind = type(a)  # numpy scalars of one type share a dtype: skip the compare
            if (kind is not type(b) or kind is _NDARRAY) and op.dtype_args is ALL \
                    and ((dtype := a.dtype) is not b.dtype or dtype is _TEXT):
                input_arrays(op, args)   # raises for a mismatch, or text the op refuses
            if x_kind is Tensor:
                if y_kind is Tensor:
                    return (a, b), args, (id(x), id(y)), False
                read = VariableRead()   # (`read_variable`, inlined: a call less a read)
                read._value, read.variable = b, y
                return (a, b), (x, read), (id(x), id(y)), True
            read = VariableRead()
            read._value, read.variable = a, x
            return (a, b), (read, y if y_kind is Tensor else read_variable(y)), \
                (id(x), id(y)), True
        if op.dtype_args is ALL:  # `x * 2.0`, `2.0 * x`: the number becomes a constant tensor
            if (x_kind is Tensor or x_kind is Variable) and (y_kind is float or y_kind is int):
                constant = _constant_like(y, x._value)
                if constant is not None:
                    return (x._value, constant._value), \
                        (x if x_kind is Tensor else read_variable(x), constant), \
                        (id(x), id(constant)), x_kind is Variable
            elif (y_kind is Tensor or y_kind is Variable) and (x_kind is float or x_kind is int):
                constant = _constant_like(x, y._value)
                if constant is not None:
                    return (constant._value, y._value), \
                        (constant, y if y_kind is Tensor else read_variable(y)), \
                        (id(constant), id(y)), y_kind is Variable
    arrays = input_arrays(op, args)
    tensors = []
    ids = []
    reads_variable = False
    for arg, value in zip(args, arrays):
        if type(arg) is Tensor:
            tensors.append(arg)
            ids.append(id(arg))
        elif type(arg) is VariableRead:
            tensors.append(arg)
            ids.append(id(arg.variable))
        elif isinstance(arg, Tensor):
            reads_variable = True
            tensors.append(read_variable(arg))
            ids.append(id(arg))
        else:
            constant = wrap(value)
            if type(arg) is float or type(arg) is int or type(arg) is bool:   # not data:
                note(constant)   # what the widget calls a constant (python_numbers.py)
                if len(MADE) > LIMIT[0]:
                    let_go()
            tensors.append(constant)
            ids.append(id(constant))
    return arrays, tuple(tensors), tuple(ids), reads_variable


def _constant_like(number, value):
    """`number` as a constant tensor of `value`'s dtype, where that is a float (else None)."""
    cached = _constants.get(type(value))   # a numpy float scalar's constants: no `.dtype` read
    found = None if cached is None else cached.get(number)
    if found is None:
        if cached is not None:
            found = float_constant(number, type(value))
        elif value.dtype.kind == "f":
            found = float_constant(number, value.dtype.type)
        else:
            return None
    constant = Tensor()   # (wrap, inlined)
    constant._value = found
    note(constant)   # what the widget calls a constant (python_numbers.py)
    if len(MADE) > LIMIT[0]:
        let_go()
    return constant


def float_constant(value, scalar_type):
    """The Python number `value` as a numpy scalar of the float type `scalar_type`.

    Cached per value: converting costs ~0.2 us, a lookup ~0.06, and VJPs and user code
    repeat a few constants (`2 * g`, `x * 0.5`). Numpy scalars are immutable, so sharing
    one is safe; zero is not cached, since 0.0 and -0.0 are equal keys (so the hot paths
    above look a constant up in `_constants` themselves, and call this when it misses).
    """
    if not value:
        return scalar_type(value)
    cached = _constants.get(scalar_type)
    if cached is None:   # a float type numpy has beyond its four
        cached = _constants[scalar_type] = {}
    constant = cached.get(value)
    if constant is None:
        if len(cached) >= _MAX_CONSTANTS:  # e.g. a new random constant every step
            cached.clear()
        constant = cached[value] = scalar_type(value)
    return constant


def _naming_the_input(op, args, ref, error) -> OpError:
    """`error` (a Python value of `op`'s input that did not convert) said again with the
    input's name, as `tf.exp(x="abc")` would name it: found by converting each again."""
    for i, arg in enumerate(args):
        if isinstance(arg, Tensor):
            continue
        try:
            _python_value(op, i, arg, ref)
        except OpError:
            return unconverted(op, i, error, ref, _own_dtype(arg))
    return error


def _own_dtype(value):
    """The dtype `value` converts to alone (None if it does not)."""
    try:
        return infer_array(value).dtype
    except OpError:
        return None


def _unify_python_values(op, args, arrays) -> list:
    """With no tensor among the inputs, the rest converted to the first one's dtype, as TF
    does: tf.add([1.0, 2.0], [1, 2]) is float32, tf.add(1, 2.5) an error."""
    first = arrays[0].dtype
    return [array if array.dtype == first else to_array(arg, first, op.name)
            for arg, array in zip(args, arrays)]
