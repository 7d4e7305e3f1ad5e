"""`tf.custom_gradient`: a function whose forward runs as ops and whose gradient is the
user's `grad_fn(upstream)`.

As in TF's eager mode, the decorated function runs on the caller's own tensors (its ops are
recorded and heard like any other), and its result is then passed through one op named
after the function, whose inputs are the function's arguments and the variables it read,
and whose VJP is the `grad_fn` the function returned. The tape holds that op as one node,
so the backward pass, the stepper, breakpoints, the Recorder and the widget see one VJP
step, whose ops run at the lines of the user's `grad_fn`. A nested tape records those ops:
second order flows through a custom gradient written with differentiable ops.
"""
from __future__ import annotations

import functools
import inspect
import threading

import numpy as np

from . import nest
from .creation import constant, convert_to_tensor
from .dispatch import unrecorded
from .errors import DTypeError, InvalidArgumentError, describe
from .ops.assign import cast
from .ops.registry import defop
from .tape import GradientTape
from .tensor import Tensor
from .variable import Variable

_ops: dict = {}   # the decorated function's code -> its op: one op per definition site
_computed = threading.local()


def custom_gradient(f=None):
    """Decorate `f(*args) -> (result, grad_fn)` so that the gradient of `result` is
    `grad_fn(upstream)`: one gradient per argument (None where none flows), and, when `f`
    reads variables, `grad_fn(upstream, variables=...)` returns `(input_grads,
    variable_grads)`.

    >>> import tapeviz as tf
    >>> @tf.custom_gradient
    ... def log1pexp(x):
    ...     e = tf.exp(x)
    ...     def grad(upstream):
    ...         return upstream * (1 - 1 / (1 + e))
    ...     return tf.math.log(1 + e), grad
    >>> x = tf.constant(100.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = log1pexp(x)
    >>> print(tape.gradient(y, x))
    tapeviz.Tensor(1.0, shape=(), dtype=float32)
    """
    if f is None:
        return custom_gradient
    if not callable(f):
        raise DTypeError("custom_gradient", f"expected a function returning (result, grad_fn); "
                         f"got {describe(f)}")

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return _call(f, args, kwargs)
    return decorated


def _call(f, args, kwargs):
    with GradientTape() as watcher:   # TF's VariableWatcher: the variables `f` reads
        returned = f(*args, **kwargs)
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2
            and callable(returned[1])):
        raise DTypeError("custom_gradient", f"{_name(f)} must return (result, grad_fn); "
                         f"it returned {describe(returned)}")
    result, grad_fn = returned
    name = _name(f)
    flat_args = nest.flatten(args)
    inputs = [a if isinstance(a, Tensor) else convert_to_tensor(a) for a in flat_args]
    variables = tuple(v for v in watcher.watched_variables()
                      if not any(v is a for a in flat_args))
    if variables and not _takes_variables(grad_fn):
        raise DTypeError("custom_gradient", f"{name} reads the variables "
                         f"{[v.name for v in variables]}, so its grad_fn must accept a keyword "
                         f"argument 'variables'; {_name(grad_fn)} takes "
                         f"{inspect.signature(grad_fn)}",
                         hint="def grad_fn(upstream, variables): ... return input_grads, "
                              "[one gradient per variable]")
    if isinstance(result, (tuple, list, dict)):
        raise InvalidArgumentError("custom_gradient", f"{name} returned "
                                   f"{describe(result)} as its result; tapeviz covers one "
                                   f"result tensor", hint="return one tensor (tf.concat or "
                                   "tf.stack the parts, and split them after the call)")
    result = result if isinstance(result, Tensor) else convert_to_tensor(result)
    _computed.value = result._value
    try:
        return _op_for(f)(*inputs, *variables, function=f, grad_fn=grad_fn,
                          variables=variables, dtype=result.dtype)
    finally:
        _computed.value = None


def _name(function) -> str:
    return getattr(function, "__name__", type(function).__name__)


def _takes_variables(grad_fn) -> bool:
    parameters = inspect.signature(grad_fn).parameters.values()
    return any((p.name == "variables" and p.kind is not p.POSITIONAL_ONLY)
               or p.kind is p.VAR_KEYWORD for p in parameters)


def _op_for(f):
    """The op of `f`'s definition site, named after it (as TF names its recorded op)."""
    code = getattr(f, "__code__", f)
    op = _ops.get(code)
    if op is None:
        name = _name(f)

        def vjp(g, ans, *inputs, function, grad_fn, variables, dtype):
            """The user's grad_fn; `f` held here so the walk says its ops ran at the user's
            lines (backward.py judges a VJP by the code it can reach)."""
            if g.dtype != dtype:   # a gradient check's float64 upstream: grad_fn's dtype
                g = cast(g, dtype)
            return _input_grads(_name(f), grad_fn, variables, g, inputs)

        op = _ops[code] = defop(name, _forward, vjp, kind="custom_gradient", dtype_args=(),
                                register=False, doc=f"tf.custom_gradient of {name}", inputs=())
    return op


def _forward(*arrays, function, grad_fn, variables, dtype):
    """The value the decorated call just computed (set around its dispatch); asked again
    with other inputs (a gradient check), `function` run again on them."""
    value = getattr(_computed, "value", None)
    if value is not None:
        _computed.value = None
        return value
    count = len(arrays) - len(variables)
    kept = [v._value for v in variables]
    try:
        for variable, array in zip(variables, arrays[count:]):
            variable._value = array
        with unrecorded():
            result = function(*[constant(a) for a in arrays[:count]])[0]
        return np.asarray(result._value if isinstance(result, Tensor) else result)
    finally:
        for variable, value in zip(variables, kept):
            variable._value = value


def _input_grads(name, grad_fn, variables, g, inputs) -> list:
    count = len(inputs) - len(variables)
    if variables:
        returned = grad_fn(g, variables=list(variables))
        if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
            raise InvalidArgumentError("custom_gradient", f"{name}'s grad_fn must return "
                                       f"(input_grads, variable_grads), as it reads variables; "
                                       f"it returned {describe(returned)}")
        input_grads, variable_grads = returned
        variable_grads = list(nest.flatten(variable_grads))
        if len(variable_grads) != len(variables):
            raise InvalidArgumentError("custom_gradient", f"{name}'s grad_fn returned "
                                       f"{len(variable_grads)} variable gradients; expected "
                                       f"one for each variable it read, "
                                       f"{[v.name for v in variables]}")
    else:
        input_grads, variable_grads = grad_fn(g), []
    flat = nest.flatten(input_grads)
    if len(flat) != count:
        raise InvalidArgumentError("custom_gradient", f"{name}'s grad_fn returned {len(flat)} "
                                   f"gradients; expected {count}, one for each argument "
                                   f"(None where no gradient flows)")
    return [_gradient(name, grad, x) for grad, x in zip(flat + variable_grads, inputs)]


def _gradient(name, grad, x):
    if grad is None:
        return None
    grad = grad if isinstance(grad, Tensor) else convert_to_tensor(grad)
    if np.shape(grad._value) != np.shape(x._value):
        what = f"variable {x.name}" if type(x) is Variable else "its argument"
        raise InvalidArgumentError("custom_gradient", f"{name}'s grad_fn returned a gradient "
                                   f"of shape {list(np.shape(grad._value))} for {what} of "
                                   f"shape {list(np.shape(x._value))}")
    return grad


__all__ = ["custom_gradient"]
