"""`optimizer.step()` as the debugger hears it: one update op per parameter, as the numpy
engine's Adam is one `adam_step` op per variable.

The step runs without the adapter's mode (activation.py takes it off in the optimizer's pre-hook
and puts it back in its post-hook): traced call by call, Adam's ~8 in-place calls per
parameter cost more than the forward pass they follow. When someone hears the update op
(`adam_step` for `torch.optim.Adam`, `sgd_step` for SGD: a Recorder, a Runner's gate, a
breakpoint on it or on kind "update"), `start` keeps each parameter's value before the step
(the copy its forward pass made, when its version has not changed since) and its gradient
(for a nan breakpoint, which hears only an update that makes NaN or Inf: plain numpy copies,
made into the node's values for that update alone; for a condition, which may read none of
them, the gradient as a reference, copied when read), and `finish` sends one `OpExecuted` per
parameter: inputs (parameter before, gradient), output the parameter after, params the
group's hyperparameters (lr, betas), the user's line that called `step()`. Kind "update"
with the parameter's Variable as first input, as the numpy engine's updates: the Recorder
files them into the step their backward ended, `diagnose` reads what each step changed.
"""
from __future__ import annotations

import threading
from time import perf_counter

import numpy as np

from .. import events
from ..tensor import read_variable, wrap
from . import finite, values
from .nodes import LazyNode, make_node, tell
from .ops import op_named, update_op_name

_HYPERPARAMETERS = (bool, int, float, str, tuple)   # a group's entries kept as node params


class _Local(threading.local):
    def __init__(self):
        # (optimizer, op, hearers, source, [(param, before, grad, params)], test, started,
        #  lazy, forms)
        self.pending = None


_local = _Local()


def op_of(optimizer):
    """The update op of one parameter by `optimizer` ('adam_step', kind "update")."""
    cls = type(optimizer)
    return op_named(update_op_name(cls), kind="update", label=f"{cls.__name__} −=")


def start(optimizer, op, hearers: tuple, source, test=None, lazy: bool = False,
          forms: tuple = ()) -> None:
    """The step is about to run and `hearers` hear its updates: keep what it starts from.
    `test(value)`: what a parameter's new value must pass for its update to be heard (a nan
    breakpoint's); what it starts from is kept all the same (the step writes over it).
    `lazy`: heard by listeners alone (a condition), each update a `LazyNode`: the gradient
    and the value after copied only if read (a gradient the step wrote over is refused),
    told to `forms`, the node forms of listeners (`route.on_node`), before `hearers`."""
    keep = values.snapshot if test is None else values.host_copy   # tested: plain copies,
    updated = []                                      # made values for an update heard
    for group in optimizer.param_groups:
        params = {key: value for key, value in group.items()
                  if key != "params" and isinstance(value, _HYPERPARAMETERS)}
        for parameter in group["params"]:
            grad = parameter.grad
            if grad is not None:   # the parameters step() changes
                updated.append((parameter, keep(parameter),
                                (grad, values.version(grad)) if lazy else keep(grad), params))
    _local.pending = (optimizer, op, hearers, source, updated, test, perf_counter(), lazy,
                      forms)


def cancel() -> None:
    """Forget what a step that raised before its end kept."""
    _local.pending = None


def finish(optimizer) -> None:
    """The step ran: one update op per parameter it changed, sent to its hearers."""
    pending = _local.pending
    if pending is None or pending[0] is not optimizer:
        return
    _local.pending = None
    _, op, hearers, source, updated, test, started, lazy, forms = pending
    if not op.input_names:
        op.input_names = ("param", "grad")
    duration = (perf_counter() - started) / max(1, len(updated))
    scope = type(optimizer).__name__
    for parameter, before, grad, params in updated:
        if test is not None:
            if finite.passes(op, (), parameter, test):
                continue
            before, grad = _read_before(parameter, before), wrap(grad)
        elif lazy:
            tell(LazyNode(op, (before, grad[0], parameter), params, scope, source,
                          versions=(None, grad[1], values.version(parameter))),
                 hearers, False, duration, forms)
            continue
        node = make_node(op, (before, grad), values.snapshot(parameter), params, scope, source)
        event = events.OpExecuted(node, False, duration)
        for callback in hearers:
            callback(event)


def _read_before(parameter, value: np.ndarray):
    """The parameter's Variable as the update read it, holding `value` (its copy before the
    step); the node's output, the snapshot after, then makes the Variable read as that."""
    variable = values.variable_of(parameter, value)
    variable._value = value
    return read_variable(variable)
