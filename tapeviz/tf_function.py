"""`tf.function`: the decorator, which in tapeviz runs the function eagerly, every call.

tapeviz has no graphs: a decorated step runs as written, op by op, so the debugger sees
each op at its own line (TF's advice for debugging a tf.function is the same switch,
`tf.config.run_functions_eagerly(True)`). What differs from a traced function is what
differs from eager TF: Python side effects such as `print` run on every call, not once
per trace. An `input_signature` is kept as TF keeps it: each argument is converted to its
spec's dtype, and one that does not fit (a dtype, a rank, a size) is refused.
"""
from __future__ import annotations

import functools
import inspect

from .creation import constant
from .errors import DTypeError, OpError, bad_argument
from .tensor import Tensor


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """`func` itself, run eagerly; usable as `@tf.function` or `@tf.function(...)`.

    >>> import tapeviz as tf
    >>> @tf.function
    ... def double(x):
    ...     return 2 * x
    >>> double(tf.constant(3.0)).numpy()
    np.float32(6.0)
    """
    if func is None:   # @tf.function(...): its other options change nothing when run eagerly
        return lambda decorated: function(decorated, input_signature)
    if not callable(func):
        raise bad_argument("function", "func", "a function (tf.function decorates one)", func,
                           DTypeError)
    if input_signature is None:
        return func
    if not isinstance(input_signature, (list, tuple)):
        raise bad_argument("function", "input_signature", "a list or tuple of tf.TensorSpec",
                           input_signature, DTypeError)
    return _signed(func, list(input_signature))


def _signed(func, specs: list):
    """`func` checking its positional arguments against `specs` first (after self, for a
    method; a *args takes them in turn)."""
    parameters = list(inspect.signature(func).parameters.values())
    is_method = bool(parameters) and parameters[0].name in ("self", "cls")
    signature = inspect.Signature(parameters[is_method:])
    names = [p.name for p in parameters[is_method:] if p.kind in (p.POSITIONAL_ONLY,
                                                                 p.POSITIONAL_OR_KEYWORD)]

    @functools.wraps(func)
    def checked(*args, **kwargs):
        owner, args = (args[:1], args[1:]) if is_method else ((), args)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            raise DTypeError("function", f"{func.__name__} takes the {len(specs)} argument(s) "
                                         f"of its input_signature; {error}") from None
        if len(bound.args) != len(specs):
            raise DTypeError("function", f"{func.__name__} takes the {len(specs)} argument(s) "
                                         f"of its input_signature; got {len(bound.args)}")
        values = [_fitted(func.__name__, names[i] if i < len(names) else f"#{i}", spec, value)
                  for i, (spec, value) in enumerate(zip(specs, bound.args))]
        return func(*owner, *values, **bound.kwargs)

    return checked


def _fitted(function_name: str, name: str, spec, value):
    """`value` as tensors that fit `spec` (a TensorSpec, or a tuple, list or dict of them)."""
    if isinstance(spec, (list, tuple, dict)):
        keys = sorted(spec) if isinstance(spec, dict) else range(len(spec))
        kind = dict if isinstance(spec, dict) else (list, tuple)
        if not isinstance(value, kind) or len(value) != len(spec) or (
                isinstance(spec, dict) and sorted(value) != keys):
            raise DTypeError("function", f"{function_name}'s argument {name!r} must have the "
                                         f"structure of its input_signature, {spec}; got "
                                         f"{value!r}")
        fitted = {key: _fitted(function_name, name, spec[key], value[key]) for key in keys}
        return fitted if isinstance(spec, dict) else type(spec)(fitted[i] for i in keys)
    try:
        tensor = value if isinstance(value, Tensor) else constant(value, spec.dtype)
    except OpError as error:
        raise DTypeError("function", f"{function_name}'s argument {name!r} must convert to "
                                     f"{spec.dtype.name}, as its input_signature asks: "
                                     f"{error.detail}") from None
    if not spec.is_compatible_with(tensor):
        raise DTypeError("function", f"{function_name}'s argument {name!r} must fit its "
                                     f"input_signature, {spec}; got dtype "
                                     f"{tensor.dtype.name}, shape {tuple(tensor.shape)}")
    return tensor
