"""Gradients as functions: the TF1 eager helpers (`tfe.gradients_function`, ...) on GradientTape.

Each helper wraps `f` so that calling the wrapper runs `f` under a fresh `GradientTape`
and returns gradients (and, for the `value_and_` forms, `f`'s value too). The explicit
forms differentiate with respect to `f`'s positional arguments; the implicit forms with
respect to every trainable variable `f` read. `tapeviz.contrib.eager` re-exports them.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable

from . import nest
from .creation import convert_to_tensor
from .tape import GradientTape
from .tensor import Tensor, wrap


def gradients_function(f: Callable, params=None) -> Callable:
    """A function returning the gradients of `f` w.r.t. its positional arguments, as a list.

    `params` selects the arguments by position or by parameter name. Call the result
    with `dy=` to give output gradients (the target is summed otherwise).

    >>> import tapeviz as tf
    >>> grad = tf.functional.gradients_function(lambda x, y: x * y)
    >>> [g.numpy().item() for g in grad(3.0, 2.0)]
    [2.0, 3.0]
    """
    value_and_grads = value_and_gradients_function(f, params)

    def decorated(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]

    return _named(decorated, f, "gradients")


def value_and_gradients_function(f: Callable, params=None) -> Callable:
    """Like `gradients_function`, but the result returns `(value of f, gradients)`.

    >>> import tapeviz as tf
    >>> value, [grad] = tf.functional.value_and_gradients_function(lambda x: x * x)(3.0)
    >>> value.numpy().item(), grad.numpy().item()
    (9.0, 6.0)
    """

    def decorated(*args, **kwargs):
        dy = kwargs.pop("dy", None)
        if kwargs:
            raise ValueError("Functions to be differentiated cannot receive keyword "
                             f"arguments; got {sorted(kwargs)}")
        positions = _param_positions(f, params, args)
        args = list(args)
        seen = set()
        for i in positions:
            arg = convert_to_tensor(args[i])
            if id(arg) in seen:  # the same tensor twice: each position gets its own gradient
                arg = wrap(arg._value)
            seen.add(id(arg))
            args[i] = arg
        sources = [args[i] for i in positions]
        with GradientTape() as tape:
            tape.watch(sources)
            value = _checked_value(f, f(*args))
        return value, tape.gradient(value, sources, output_gradients=dy)

    return _named(decorated, f, "value_and_gradients")


def implicit_value_and_gradients(f: Callable) -> Callable:
    """A function returning `(value of f, [(gradient, variable), ...])`.

    The pairs cover every trainable variable `f` read, in order of construction.

    >>> import tapeviz as tf
    >>> w = tf.Variable(2.0)
    >>> value, [(grad, var)] = tf.functional.implicit_value_and_gradients(lambda x: w * x)(5.0)
    >>> grad.numpy().item(), var is w
    (5.0, True)
    """

    def decorated(*args, **kwargs):
        with GradientTape() as tape:
            value = _checked_value(f, f(*args, **kwargs))
        variables = tape.watched_variables()
        if not variables:
            raise ValueError("No trainable variables were accessed while the function "
                             "was being computed.")
        grads = tape.gradient(value, list(variables))
        return value, list(zip(grads, variables))

    return _named(decorated, f, "implicit_value_and_gradients")


def implicit_gradients(f: Callable) -> Callable:
    """A function returning `[(gradient, variable), ...]` for the trainable variables `f` read.

    >>> import tapeviz as tf
    >>> w = tf.Variable(3.0)
    >>> [(grad, _)] = tf.functional.implicit_gradients(lambda: w * w)()
    >>> grad.numpy().item()
    6.0
    """
    value_and_grads = implicit_value_and_gradients(f)

    def decorated(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]

    return _named(decorated, f, "implicit_gradients")


def _checked_value(f, value):
    """f's result with Python and numpy leaves made tensors (TF passes each through identity)."""
    if value is None:
        raise ValueError(f"Cannot differentiate a function that returns None; did you forget "
                         f"to return a value from {getattr(f, '__name__', f)!r}?")
    leaves = [leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf)
              for leaf in nest.flatten(value)]
    return nest.pack_sequence_as(value, leaves)


def _param_positions(f, params, args) -> list:
    """Which positional arguments to differentiate: all, or those `params` names."""
    if params is None:
        names = _positional_names(f)
        count = len(args) if names is None else min(len(names), len(args))
        return list(range(count))
    params = list(params)
    if all(isinstance(p, int) and not isinstance(p, bool) for p in params):
        positions = params
    elif all(isinstance(p, str) for p in params):
        names = _positional_names(f)
        missing = [p for p in params if names is None or p not in names]
        if missing:
            raise ValueError(f"params {missing} are not positional parameters of {f!r}")
        positions = [names.index(p) for p in params]
    else:
        raise ValueError(f"params must be all strings or all integers; got {params}")
    for i in positions:
        if not -len(args) <= i < len(args):
            raise ValueError(f"params: position {i} is out of range for {len(args)} "
                             f"positional arguments")
    return [i % len(args) for i in positions]


def _positional_names(f):
    """Names of f's positional parameters, or None when f takes *args or has no signature."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in kinds]
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return None
    return names


def _named(decorated, f, prefix):
    decorated.__name__ = f"{prefix}_of_{getattr(f, '__name__', 'function')}"
    decorated.__doc__ = getattr(f, "__doc__", None)
    decorated.__wrapped__ = f
    return decorated
