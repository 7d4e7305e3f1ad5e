"""`tf.function`: the decorator, which in tapeviz runs the function eagerly, every call.

tapeviz has no graphs: a decorated step runs as written, op by op, so the debugger sees
each op at its own line (TF's advice for debugging a tf.function is the same switch,
`tf.config.run_functions_eagerly(True)`). What differs from a traced function is what
differs from eager TF: Python side effects such as `print` run on every call, not once
per trace. An `input_signature` is kept as TF keeps it: each argument is converted to its
spec's dtype, and one that does not fit (a dtype, a rank, a size) is refused.
`get_concrete_function(...)` fixes such a signature from specs or example arguments (a
Python value among them stays fixed, as TF's trace keeps it), and its function runs the
decorated one eagerly under it.
"""
from __future__ import annotations

import functools
import inspect

from .creation import constant
from .data.structure import TensorSpec
from .errors import DTypeError, KernelDTypeError, MisuseError, OpError, bad_argument, describe
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
        return _with_concrete(func, func, None)
    if not isinstance(input_signature, (list, tuple)):
        raise bad_argument("function", "input_signature", "a list or tuple of tf.TensorSpec",
                           input_signature, DTypeError)
    return _with_concrete(_signed(func, list(input_signature)), func, list(input_signature))


def _with_concrete(called, func, specs):
    """`called` (the function itself, when it takes attributes) with TF's
    `get_concrete_function` and `python_function`."""
    try:
        called.python_function = func
    except AttributeError:   # a bound method or a builtin: a function that calls it
        called = functools.wraps(func)(lambda *args, **kwargs: func(*args, **kwargs))
        called.python_function = func
    called.get_concrete_function = functools.partial(ConcreteFunction.of, func, specs)
    return called


class ConcreteFunction:
    """A tf.function fixed to one signature (TensorSpecs, and Python values kept as given),
    run eagerly; `structured_input_signature` is TF's ((args...), {kwargs}).

    >>> import tapeviz as tf
    >>> square = tf.function(lambda x: x * x)
    >>> concrete = square.get_concrete_function(tf.TensorSpec([None], tf.float32))
    >>> concrete(tf.constant([1.0, 3.0])).numpy()
    array([1., 9.], dtype=float32)
    """

    def __init__(self, func, signature: inspect.Signature, bound: inspect.BoundArguments):
        self.python_function = func
        self._signature, self._bound = signature, bound
        self.structured_input_signature = (tuple(bound.args), dict(bound.kwargs))

    @classmethod
    def of(cls, func, specs, *args, **kwargs) -> "ConcreteFunction":
        """The concrete function of `func` for `args` (specs, tensors or Python values), or
        for its input_signature `specs` when none are given."""
        name = getattr(func, "__name__", "function")
        parameters = list(inspect.signature(func).parameters.values())
        if parameters and parameters[0].name in ("self", "cls"):
            raise MisuseError("get_concrete_function", f"{name} is a method: tapeviz makes a "
                                                       f"concrete function of a plain function "
                                                       f"only (not covered)",
                              hint="tf.function(obj.method).get_concrete_function(...), or call "
                                   "the method: it runs eagerly either way")
        signature = inspect.signature(func)
        if specs is not None:
            given = list(args) or list(specs)
            if len(given) != len(specs) or any(
                    not spec.is_compatible_with(_spec_of(value)) for spec, value in
                    zip(specs, given)):
                raise DTypeError("get_concrete_function", f"{name}'s input_signature is "
                                                          f"{specs}; got {given}")
            args = tuple(specs)
        try:
            bound = signature.bind(*(_spec_of(a) for a in args),
                                   **{k: _spec_of(v) for k, v in kwargs.items()})
        except TypeError as error:
            raise DTypeError("get_concrete_function", f"binding the arguments of {name} "
                                                      f"failed: {error}") from None
        bound.apply_defaults()
        return cls(func, signature, bound)

    def __call__(self, *args, **kwargs):
        name = getattr(self.python_function, "__name__", "function")
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise DTypeError("ConcreteFunction", f"binding the arguments of {name} failed: "
                                                 f"{error}") from None
        for key, fixed in self._bound.arguments.items():   # one not passed: as fixed
            if key not in bound.arguments and not isinstance(fixed, TensorSpec):
                bound.arguments[key] = fixed
        bound.apply_defaults()
        for key, value in bound.arguments.items():
            fixed = self._bound.arguments[key]
            if isinstance(fixed, TensorSpec):
                # a tensor of another dtype: TF's traced function, a kernel, refuses it
                bound.arguments[key] = _fitted(name, key, fixed, value, KernelDTypeError)
            elif value is not fixed and (isinstance(value, Tensor) or value != fixed):
                raise DTypeError("ConcreteFunction", f"{name}'s argument {key!r} was fixed to "
                                                     f"{fixed!r} when the concrete function was "
                                                     f"made; got {describe(value)}")
        return self.python_function(*bound.args, **bound.kwargs)


def _spec_of(value):
    """A tensor's TensorSpec; a spec or a Python value as it is."""
    if isinstance(value, Tensor):
        return TensorSpec(tuple(value.shape), value.dtype)
    return value


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


def _fitted(function_name: str, name: str, spec, value, other_dtype=DTypeError):
    """`value` as tensors that fit `spec` (a TensorSpec, or a tuple, list or dict of them);
    a tensor of another dtype refused as an `other_dtype`."""
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
        cls = other_dtype if tensor.dtype != spec.dtype else DTypeError
        raise cls("function", f"{function_name}'s argument {name!r} must fit its "
                              f"input_signature, {spec}; got dtype {tensor.dtype.name}, shape "
                              f"{tuple(tensor.shape)}")
    return tensor
