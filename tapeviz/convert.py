"""Turning Python values, numpy arrays and tensors into an op's input arrays.

TensorFlow's rules: Python float -> float32, Python int -> int32 (int64 when it does
not fit), bool -> bool, numpy arrays keep their dtype, nested lists work; a Python value
next to a tensor takes the tensor's dtype; two tensors of different dtypes are an error.
"""
from __future__ import annotations

import numpy as np

from .dtype_errors import (ALL, kernel_words, mismatch, numpy_array_fix, refusal_class,
                           unconverted)
from .errors import DTypeError, DTypeValueError, InvalidArgumentError, OpError, in_tf_words
from .python_numbers import LIMIT, MADE, let_go, note
from .tensor import Tensor, wrap
from .variable import Variable, VariableRead, read_variable

_INT32 = np.iinfo(np.int32)
_INT64 = np.iinfo(np.int64)
_SUPPORTED_KINDS = "biuf"
_NDARRAY = np.ndarray
# numpy's float scalar types, each its own: a 0-d value's dtype without reading `.dtype`
# (~0.15 us on a numpy scalar)
FLOAT_SCALAR_TYPES = {t: t for t in (np.float16, np.float32, np.float64, np.longdouble)}
# numpy float type -> {Python number: that number as a numpy scalar of the type}; keyed by
# type first, so a look-up hashes the number alone (a (number, type) key's tuple cost 0.9k
# instructions a look-up to make, hash and free)
_constants: dict = {t: {} for t in FLOAT_SCALAR_TYPES}
_MAX_CONSTANTS = 4096   # of one type


def infer_array(value, op: str = "convert_to_tensor"):
    """The numpy value of `value` under TensorFlow's inference rules."""
    if isinstance(value, Tensor):
        return value._value
    if isinstance(value, (np.ndarray, np.generic)):
        array = value
    elif isinstance(value, bool):
        return np.bool_(value)
    elif isinstance(value, int):
        if _INT32.min <= value <= _INT32.max:
            return np.int32(value)
        if not _INT64.min <= value <= _INT64.max:
            raise _too_large(op, value)
        return np.int64(value)
    elif isinstance(value, float):
        return np.float32(value)
    else:
        array = _nested_to_array(value, op)
        if isinstance(value, (list, tuple)):
            if array.dtype == np.float64 and not _holds_float64(value):
                array = array.astype(np.float32)
            elif array.dtype == np.int64 and array.size and \
                    _INT32.min <= array.min() and array.max() <= _INT32.max:
                array = array.astype(np.int32)
    _check_numeric(array, value, op)
    return array


def to_array(value, dtype, op: str = "convert_to_tensor"):
    """`value` as a numpy value of `dtype` (a numpy dtype); lossy conversions raise."""
    if dtype is None:
        return infer_array(value, op)
    if isinstance(value, Tensor):
        array = value._value
        if array.dtype != dtype:
            wanted = np.dtype(dtype).name
            raise DTypeError(op, f"expected a tensor of dtype {wanted}; "
                             f"got a tensor of dtype {array.dtype.name}",
                             hint=f"convert it first: tapeviz.cast(x, tapeviz.{wanted})")
        return array
    if type(value) is int and not _INT64.min <= value <= _INT64.max \
            and np.dtype(dtype).kind == "f":   # 10**30 for a float tensor, as TF converts it
        try:
            return np.dtype(dtype).type(float(value))
        except OverflowError:
            raise _too_large(op, value) from None
    target = np.dtype(dtype)
    if target.kind == "O":   # a string tensor's: text converts, anything else is refused
        from .string_values import text_array   # (it imports this module)
        return text_array(value, target, op)
    source = value if isinstance(value, (np.ndarray, np.generic)) else _nested_to_array(value, op)
    _check_numeric(source, value, op)
    # TF never converts a Python float to an integer (not even 2.0); a numpy array, if whole;
    # an empty list holds no float ([] is float64 to numpy): tf.constant([], tf.int32) is fine
    lossy_float = source.size and source.dtype.kind == "f" and target.kind in "biu" and (
        not isinstance(value, (np.ndarray, np.generic)) or not np.all(np.mod(source, 1) == 0))
    number_as_bool = source.size and source.dtype.kind in "iuf" and target.kind == "b" \
        and not isinstance(value, np.ndarray)
    if lossy_float or number_as_bool:
        raise DTypeError(op, f"cannot convert {_short(value)} to a tensor of dtype {target.name}",
                         hint=f"TF never converts a float to an integer. If the {target.name} "
                              f"came from tf.Variable(1) or tf.constant(1), write 1.0 to make "
                              f"it float32; or cast: tf.cast(x, tf.float32)"
                         if lossy_float else None)
    if isinstance(value, (int, float, bool)) and target.kind in "iu":
        info = np.iinfo(target)
        if not info.min <= value <= info.max:
            raise DTypeError(op, f"{value} does not fit in dtype {target.name}")
    if source.dtype == target:
        return source
    return np.asarray(source, dtype=target) if source.ndim else target.type(source)


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
                        and x.dtype is not y.dtype and x.dtype != y.dtype:
                    raise mismatch(op, args, ALL)
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
                    and a.dtype is not b.dtype and a.dtype != b.dtype:
                raise mismatch(op, args, ALL)
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


def converted_alone(op: str, x, y, symbol: str, names=("x", "y")) -> Tensor:
    """The non-tensor x of tf.add, tf.math.truediv and tf.matmul as a tensor, converted on its
    own, as their Python wrappers convert it (a numpy value keeps its dtype, 1 is int32, 1.5
    float32); y is then converted to x's dtype, so an x whose own dtype is not tensor y's is
    refused. (The operators `x + y`, `x / y`, `x @ y` convert x to y's dtype instead, as
    TF's do.) The op is given the tensor, so x is converted once."""
    x_name, y_name = names
    try:
        array = infer_array(x, op)
    except OpError as error:
        raise type(error)(op, f"{x_name}: {error.detail}", error.hint) from None
    if not isinstance(y, Tensor) or array.dtype == y._value.dtype:
        return wrap(array)
    own, wanted = array.dtype, y._value.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        what = f"a numpy {own.name} array of shape {np.shape(x)}" if np.ndim(x) else \
            f"a numpy {own.name} scalar"
        fix = numpy_array_fix(x_name, own, wanted)
    else:
        what = f"{_short(x)}, which converts to {own.name}"
        fix = f"convert {x_name} first: tf.constant({x_name}, tf.{wanted.name})"
    raise refusal_class(op)(
        op, f"{x_name} and {y_name} must have the same dtype; got {x_name}, {what}, and "
            f"{y_name}, a {wanted.name} tensor of shape {tuple(np.shape(y._value))}"
            f"{kernel_words(op, 1, own.name, wanted.name, max(np.ndim(x), y._value.ndim))}",
        hint=f"{fix} (`{x_name} {symbol} {y_name}` converts {x_name} to {y_name}'s dtype, as "
             f"TF's operator does)")


def _nested_to_array(value, op):
    try:
        array = np.asarray(value)
    # RuntimeError: an object's own __array__ refusing (a torch tensor that requires grad)
    except (ValueError, TypeError, RuntimeError) as exc:
        if "inhomogeneous" in str(exc):
            raise InvalidArgumentError(op, f"expected a tensor, number, array or nested list "
                                           f"of numbers with rows of one length; got a ragged "
                                           f"list {_short(value)}{in_tf_words(_NOT_RECTANGULAR)}",
                                       hint=_gradient_list_hint(value)) from None
        raise DTypeError(op, f"expected a tensor, number, array or nested list of numbers; "
                         f"got {_short(value)} ({exc})") from None
    except OverflowError:
        raise _too_large(op, value) from None
    if array.dtype.kind in "uO" and isinstance(value, (int, list, tuple)) \
            and _holds_huge_int(value):
        raise _too_large(op, value)
    return array


_NOT_RECTANGULAR = "Can't convert non-rectangular Python sequence to Tensor."


def _gradient_list_hint(value) -> str | None:
    """What a list of tensors of several shapes likely is: tape.gradient's, given whole."""
    if not (isinstance(value, (list, tuple)) and all(isinstance(v, Tensor) for v in value)):
        return None
    shapes = ", ".join(str(tuple(v.shape)) for v in value)
    return (f"it is a list of {len(value)} tensors of shapes {shapes}, as tape.gradient(loss, "
            f"[w, b]) returns for a list of variables: take one of them, grads[0] for the "
            f"first")


def _holds_huge_int(value) -> bool:
    """True when a Python int (in a nested list) is outside int64, TF's largest integer."""
    if isinstance(value, (list, tuple)):
        return any(_holds_huge_int(v) for v in value)
    return isinstance(value, int) and not _INT64.min <= value <= _INT64.max


def _too_large(op, value) -> InvalidArgumentError:
    return InvalidArgumentError(op, f"cannot convert {_short(value)} to a tensor: an integer "
                                    f"outside int64's range [-2**63, 2**63)",
                                hint="write it as a float (1e30) for a float tensor")


def _check_numeric(array, value, op):
    if array.dtype.kind not in _SUPPORTED_KINDS or array.dtype.itemsize > 8:
        # TF refuses an object of no tensor type with ValueError; a string makes a string
        # tensor there, which its ops refuse (InvalidArgumentError)
        cls = DTypeValueError if array.dtype.kind == "O" else DTypeError
        if array.dtype.kind == "c":
            raise cls(op, f"expected a tensor, number, array or nested list of real numbers; "
                          f"got {_short(value)}, complex: tapeviz's dtypes are floats, ints and "
                          f"bool", hint="keep the real and imaginary parts as two float tensors")
        if isinstance(value, np.ndarray):   # its repr, cut short, may not show the dtype
            raise cls(op, "expected a tensor, number, array or nested list of numbers; got a "
                          f"numpy array of dtype {array.dtype.name}, shape {array.shape}: "
                          f"{_short(value)}", hint=_object_array_hint(array))
        raise cls(op, "expected a tensor, number, array or nested list of numbers; "
                      f"got {_short(value)} of type {type(value).__name__}")


def _object_array_hint(array) -> str | None:
    """How to read an object array that holds numbers alone (np.array(rows, dtype=object))."""
    if array.dtype.kind != "O":
        return None
    try:
        np.asarray(array.tolist(), dtype=np.float32)
    except (ValueError, TypeError):
        return None
    return "it holds numbers alone: read it as floats first, np.asarray(x, dtype=np.float32)"


def _holds_float64(value) -> bool:
    """True when a nested list already holds float64 numpy values (they keep float64)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype == np.float64
    if isinstance(value, Tensor):
        return value._value.dtype == np.float64
    if isinstance(value, (list, tuple)):
        return any(_holds_float64(v) for v in value)
    return False


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
