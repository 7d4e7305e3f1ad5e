"""Errors that name the op, what it expected, what came, and the user's own line.

Each class subclasses the builtin that existing `except` clauses expect
(ValueError for shapes and arguments, TypeError for dtypes and input kinds).
"""
from __future__ import annotations

import difflib
import inspect
import sys

import numpy as np

from .sourceinfo import source_from, user_frame
from .threadstate import local

# entry frames that are not a function the user called by name
_NOT_CALLED_BY_NAME = frozenset({"dispatch"})


class OpError(Exception):
    """Base of tapeviz's op errors; `.op` is the op name, `.source` the user's line and
    `.input_values` the arrays the op was given (set by dispatch when the op itself failed,
    so a failed cell can draw the op where it happened; None otherwise); `.given`, for a check
    that raised while a tape records, the (name, array) of each tensor the user's call passed
    to the tapeviz function it called (a layer's `inputs`, a loss's `y_true` and `y_pred`),
    drawn as its inputs when it has no `.input_values`.

    `.function` is the tapeviz function the user's line called when that is not the op
    (`tf.keras.losses.mse` failing in its `reduce_mean`): the message starts with it, so it
    names what the user typed as well as the op that failed."""

    def __init__(self, op: str, message: str, hint: str | None = None, source=None):
        self.op = op
        self.detail = message
        self.hint = hint
        frame = sys._getframe(1)
        self.source = source if source is not None else source_from(frame)
        self.function = called_function(frame)
        if self.function == op or not op:
            self.function = None
        self.input_values = None
        self.given = ()
        super().__init__(self._format())
        if self.source is not None:
            _tell_tapes(self)

    def with_hint(self, hint: str) -> "OpError":
        """This error with `hint` said, from a caller that knows more than the op did (`fit`
        knows the model whose output a loss refused)."""
        self.hint = hint
        self.args = (self._format(),)
        return self

    def recast(self, cls: type) -> "OpError":
        """This error as an instance of `cls` (a subclass of its own class): the same message,
        line, function and values, for a caller that learns which class TF raises here."""
        error = cls.__new__(cls)
        error.__dict__.update(self.__dict__)
        error.args = self.args
        if error.source is not None:
            _tell_tapes(error)
        return error

    def _format(self) -> str:
        text = f"{self.op}: {self.detail}" if self.op else self.detail
        if self.function:
            text = f"{self.function}: {text}"
        if self.source is not None:
            text += self.source.placed()
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def _tell_tapes(error: OpError) -> None:
    """Each tape recording on this thread notes `error`, built at the user's line: the one
    its `caught` names should the user's try/except stop it in the block (tape_caught.py),
    with the tensors the user's call passed (`given`), which the tape draws as its inputs."""
    tapes = local.state.tapes
    if tapes and not error.given:
        error.given = given_tensors(sys._getframe(1))
    for tape in tapes:
        tape.op_raised(error)


def given_tensors(frame) -> tuple:
    """(name, array) of each tensor or array the tapeviz function the user's code called
    (the outermost tapeviz frame from `frame` up) holds, its parameters first, in the order
    its code names them: what the user's call passed it, read before the frame is gone."""
    entry = _entry_frame(frame)
    if entry is None:
        return ()
    given = []
    for name, value in entry.f_locals.items():
        array = value if isinstance(value, np.ndarray) else getattr(value, "_value", None)
        if name != "self" and isinstance(array, np.ndarray):
            given.append((name, array))
    return tuple(given)


def _entry_frame(frame):
    """The outermost tapeviz frame from `frame` up: the function the user's code called."""
    user = user_frame(frame)
    if user is None:
        return None
    entry = None
    while frame is not None and frame is not user:
        entry, frame = frame, frame.f_back
    return entry


def called_function(frame) -> str | None:
    """The name of the tapeviz function the user's code called (the outermost tapeviz frame
    from `frame` up), or None for methods, operators, closures and private helpers."""
    entry = _entry_frame(frame)
    if entry is None:
        return None
    code = entry.f_code
    name = code.co_name
    is_method = code.co_argcount and code.co_varnames[0] in ("self", "cls")
    is_closure = code.co_flags & inspect.CO_NESTED   # e.g. the function gradients_function made
    if name.startswith(("_", "<")) or is_method or is_closure or name in _NOT_CALLED_BY_NAME:
        return None
    return name


class InvalidArgumentError(OpError, ValueError):
    """An argument has a bad value: an axis out of range, an unknown padding, ..."""


class ShapeError(InvalidArgumentError):
    """Operand shapes do not fit the op (broadcasting, matmul, concat, reshape, ...)."""


class DTypeError(OpError, TypeError):
    """Operand dtypes do not fit the op, or a value cannot be converted to a tensor."""


class KernelDTypeError(DTypeError, InvalidArgumentError):
    """A dtype the op's kernel refuses (an int given to exp, a float32 added to an int32):
    TF raises InvalidArgumentError ('cannot compute AddV2 as input #1(zero-based) was
    expected to be a int32 tensor but is a float tensor'), so this is both: an `except
    tf.errors.InvalidArgumentError` written for TF catches it, and so does an `except
    TypeError` (or DTypeError) written for tapeviz."""


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument TF refuses with TypeError that tapeviz checks as a value (a float index,
    a constant's `shape=` of another size), so this is both: an `except TypeError` written
    for TF catches it, and so does one for tapeviz's InvalidArgumentError."""


class DTypeValueError(DTypeError, ValueError):
    """A value of the wrong kind or dtype that TF refuses with ValueError (a string added to
    a Sequential, an optimizer class given to compile), so this is both: an `except
    ValueError` written for TF catches it, and so does one for tapeviz's DTypeError."""


class MisuseError(OpError, RuntimeError):
    """An object used in a way its state does not allow: a non-persistent tape's second
    gradient, a model trained before it was compiled."""


class TapeStateError(MisuseError, ValueError):
    """A tape entered while it records, or paused while it does not: TF raises ValueError
    for most of these and RuntimeError for a tape never entered, so this is both."""


class NotCompiledError(MisuseError, ValueError):
    """A model trained, evaluated or asked to predict before compile(): Keras 3 (TF 2.21)
    raises ValueError, Keras 2 RuntimeError, so this is both."""


class MissingAttributeError(OpError, AttributeError):
    """A method of another kind of object called on this one: `assign_sub` on a Tensor
    (`hasattr` still answers False)."""


class MissingStepError(OpError, IndexError):
    """A recorded step asked for by an index the Recorder does not keep (past its last step,
    or one it dropped to keep its byte budget)."""


class OutOfRangeError(OpError, IndexError):
    """An index past the end of what holds the values: a TensorArray's read or write, a
    label past to_categorical's num_classes (an IndexError, as numpy's there)."""


class NotFoundError(OpError, FileNotFoundError):
    """A file that is not there, as TF's NotFoundError says of a checkpoint: still the
    FileNotFoundError Python code catches."""


class OutOfMemoryError(OpError, MemoryError):
    """The op's result (or a temporary of it) did not fit in memory."""


def allocation_error(op: str, shape, dtype, exc: Exception, inputs: str = "") -> OpError:
    """The error for a tensor of `shape` and `dtype` (None when numpy did not say) that `op`
    could not allocate: an OutOfMemoryError when memory ran out, an InvalidArgumentError
    for a size no array can have (numpy's "array is too big"); `inputs` says what the op
    was given."""
    if shape is not None:
        dtype = np.dtype(dtype if dtype is not None else np.float32)
        count = float(np.prod([float(n) for n in shape]))
        what = f"a tensor of shape {tuple(shape)} and dtype {dtype.name} " \
               f"({size_text(count * dtype.itemsize)})"
    else:
        what = "its result"
    given = f" from {inputs}" if inputs else ""
    if isinstance(exc, MemoryError):
        return OutOfMemoryError(op, f"out of memory allocating {what}{given}",
                                hint="use smaller shapes or batches")
    return InvalidArgumentError(op, f"cannot allocate {what}{given}: {exc}")


def unknown_name(kind: str, what: str, identifier: str, known) -> InvalidArgumentError:
    """The error for a string that names no Keras `kind` ('loss', 'optimizer', ...): the
    names known (`what` introduces them) and, when one is close, which was likely meant."""
    known = sorted(known)
    by_lower = {name.lower(): name for name in known}
    close = difflib.get_close_matches(identifier.lower(), list(by_lower), n=1, cutoff=0.6)
    return InvalidArgumentError(kind, f"{what}: {identifier!r}; known names are {known}",
                                hint=f"did you mean {by_lower[close[0]]!r}?" if close else None)


def incompatible_shapes(shape_a, shape_b) -> str:
    """TF's words for two shapes that do not broadcast, as the last clause of tapeviz's
    message (`in_tf_words`)."""
    return in_tf_words(f"Incompatible shapes: {tf_shape(shape_a)} vs. {tf_shape(shape_b)}")


def broadcast_words(op_name: str, shapes: list) -> str:
    """TF's words for `shapes` that do not broadcast together: where's three at once, as its
    SelectV2 kernel says them; else the first that does not broadcast with those before it
    (broadcast together), as TF's binary kernels meet them one pair at a time."""
    if op_name == "where" and len(shapes) == 3:
        condition, then, other = map(tf_shape, shapes)
        return in_tf_words(f"condition {condition}, then {then}, and else {other} must be "
                           f"broadcastable")
    so_far = shapes[0]
    for shape in shapes[1:]:
        try:
            so_far = np.broadcast_shapes(so_far, shape)
        except ValueError:
            return incompatible_shapes(so_far, shape)
    return ""


def in_tf_words(phrase: str) -> str:
    """TF's own message for an error, as a last clause: a search for what TF prints finds
    what tapeviz says too."""
    return f"; in TensorFlow's words: {phrase}"


# ops whose TF Python wrapper compares the dtypes before any kernel runs, raising TypeError
CHECKED_IN_PYTHON = frozenset({"truediv", "divide_no_nan"})
# tapeviz's op -> TF's kernel, as TF's message names it; (rank 2, batched) for matmul
_KERNELS = {"add": "AddV2", "subtract": "Sub", "multiply": "Mul", "maximum": "Maximum",
            "minimum": "Minimum", "pow": "Pow", "squared_difference": "SquaredDifference",
            "floordiv": "FloorDiv", "floormod": "FloorMod", "equal": "Equal",
            "not_equal": "NotEqual", "less": "Less", "less_equal": "LessEqual",
            "greater": "Greater", "greater_equal": "GreaterEqual", "concat": "ConcatV2",
            "stack": "Pack", "where": "SelectV2", "add_n": "AddN", "logical_and": "LogicalAnd",
            "logical_or": "LogicalOr", "logical_xor": "LogicalOr", "logical_not": "LogicalNot",
            "reduce_all": "All", "reduce_any": "Any", "matmul": ("MatMul", "BatchMatMulV2")}


def refusal_class(op_name: str) -> type:
    """The class of a dtype refusal by `op_name`, as TF raises it: its kernel's
    InvalidArgumentError (KernelDTypeError, a TypeError too), or the TypeError of the ops
    whose Python wrapper checks first (DTypeError)."""
    return DTypeError if op_name in CHECKED_IN_PYTHON else KernelDTypeError


def kernel_words(op_name: str, index: int, expected: str, got: str, rank: int = 2) -> str:
    """TF's words for input `index` of dtype `got` where its kernel expected `expected`
    (numpy dtype names), as the last clause of tapeviz's message."""
    if op_name in CHECKED_IN_PYTHON:
        return in_tf_words(f"`x` and `y` must have the same dtype, got tf.{expected} != "
                           f"tf.{got}.")
    kernel = _KERNELS.get(op_name)
    if isinstance(kernel, tuple):
        kernel = kernel[rank > 2]
    if kernel == "AddV2" and tf_dtype(expected) == "string":
        kernel = "Add"   # tf.add's kernel for strings (AddV2 has none)
    computing = f"cannot compute {kernel} as " if kernel else ""
    return in_tf_words(f"{computing}input #{index}(zero-based) was expected to be a "
                       f"{tf_dtype(expected)} tensor but is a {tf_dtype(got)} tensor")


def attr_words(dtype_name: str, attr: str = "T") -> str:
    """TF's words for a dtype its kernel is not registered for, as a last clause."""
    return in_tf_words(f"Value for attr '{attr}' of {tf_dtype(dtype_name)} is not in the list "
                       f"of allowed values")


def tf_dtype(name: str) -> str:
    """A dtype as TF's kernels name it in an error: float32 is 'float', float64 'double'."""
    return _TF_DTYPES.get(name, name)


_TF_DTYPES = {"float32": "float", "float64": "double", "float16": "half", "object": "string"}


def tf_shape(shape) -> str:
    """A shape as TF's kernels print it: [2,3]."""
    return "[" + ",".join(str(int(n)) for n in shape) + "]"


def add_note(error: BaseException, note: str) -> None:
    """`error.add_note(note)`; Python 3.10 has no notes, and its traceback would not show
    them: there the note is also warned from the user's line."""
    if hasattr(error, "add_note"):
        error.add_note(note)
        return
    from .fpwarnings import warn_from_user_line   # (it imports tensor, which imports errors)
    error.__notes__ = [*getattr(error, "__notes__", ()), note]
    warn_from_user_line(note)


def size_text(count: float) -> str:
    """A byte count as people read it: '1.5 GiB', '12.0 KiB', '512 bytes'."""
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30),
                       ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}" if count < 2**70 else f"{count:.2e} bytes"
    return f"{int(count)} bytes"


def describe(value) -> str:
    """What came, as an error says it: a tensor by dtype and shape, anything else by a short
    repr and its type."""
    from .tensor import Tensor  # errors is imported by tensor's own imports
    if isinstance(value, Tensor):
        array = value._value
        return f"{_article(array.dtype.name)} tensor of shape {tuple(np.shape(array))}"
    if isinstance(value, np.ndarray):
        return f"{_article(value.dtype.name)} array of shape {value.shape}"
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _article(dtype_name: str) -> str:
    """'an int32', 'an object', 'a float32', 'a uint8' (said "you-int")."""
    return f"an {dtype_name}" if dtype_name.startswith(("int", "object")) else f"a {dtype_name}"


def bad_argument(op: str, name: str, expected: str, value, cls=None) -> OpError:
    """The error for argument `name` of `op`: what it must be and what came (a TypeError
    for a value of the wrong kind, a ValueError for a right kind out of range)."""
    if cls is None:
        cls = DTypeError if not _is_number_like(value) else InvalidArgumentError
    return cls(op, f"{name} must be {expected}; got {describe(value)}")


def _is_number_like(value) -> bool:
    from .tensor import Tensor
    if isinstance(value, Tensor):
        value = value._value
    if isinstance(value, (list, tuple)):
        return all(_is_number_like(v) for v in value)
    return isinstance(value, (int, float, np.number, np.ndarray)) and not isinstance(value, bool)


# TF's names here, and tapeviz's error classes (each also its builtin's subclass)
__all__ = ["DTypeError", "DTypeValueError", "InvalidArgumentError", "InvalidArgumentTypeError",
           "KernelDTypeError", "MissingAttributeError", "MissingStepError", "MisuseError",
           "NotCompiledError", "NotFoundError", "OpError", "OutOfMemoryError", "OutOfRangeError",
           "ShapeError", "TapeStateError"]


from .namespace_dir import listing as _listing
__dir__ = _listing(__name__)   # dir() and tab completion: __all__, not the imports
