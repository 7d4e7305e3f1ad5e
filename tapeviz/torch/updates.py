"""`optimizer.step()` as the debugger hears it: one update op per parameter, as the numpy
engine's Adam is one `adam_step` op per variable.

The step runs without the adapter's mode (activation.py takes it off in the optimizer's pre-hook
and puts it back in its post-hook): traced call by call, Adam's ~8 in-place calls per
parameter cost more than the forward pass they follow. When someone hears the update op
(`adam_step` for `torch.optim.Adam`, `sgd_step` for SGD: a Recorder, a Runner's gate, a
breakpoint on it or on kind "update"), `start` keeps each parameter's value before the step
(the copy its forward pass made, when its version has not changed since) and its gradient
(for a nan breakpoint, which hears only an update that makes NaN or Inf: one copy of them
all joined on torch's side, the parameters after tested as one, read into the node's values
for that update alone; for a condition, which may read none of them, the parameters joined
so, each read into its node's input only when read, and the gradient as a reference,
copied when read), and `finish` sends one `OpExecuted` per
parameter: inputs (parameter before, gradient), output the parameter after, params the
group's hyperparameters (lr, betas), the user's line that called `step()`. Kind "update"
with the parameter's Variable as first input, as the numpy engine's updates: the Recorder
files them into the step their backward ended, `diagnose` reads what each step changed.
The optimizer's parameters that have no `.grad` (none reached them: a `.detach()` before
the head) are named in each update's params (`NO_GRADIENT`), so `diagnose` knows them too.
"""
from __future__ import annotations

import threading
from functools import partial
from time import perf_counter

import numpy as np

from .. import events, model_calls
from ..debugger.breakpoint_listener import not_finite
from ..debugger.cut_off import NO_GRADIENT
from ..tensor import wrap
from ..variable import VariableRead
from . import finite, modules, values
from .nodes import LazyNode, make_node, tell
from .ops import op_named, update_op_name

_HYPERPARAMETERS = (bool, int, float, str, tuple)   # a group's entries kept as node params


class _Local(threading.local):
    def __init__(self):
        # (optimizer, op, hearers, source, [(param, grad, params)], what they started from,
        #  test, started, lazy, forms)
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
    breakpoint's); what it starts from is kept all the same (the step writes over it), as
    plain copies made into the node's values for an update heard (`_Copies`).
    `lazy`: heard by listeners alone (a condition), each update a `LazyNode`: the value
    before read from one joined copy of the parameters (one torch call, not a numpy copy
    and a Variable read each), the gradient and the value after copied only if read (a
    gradient the step wrote over is refused), told to `forms`, the node forms of
    listeners (`route.on_node`), before `hearers`."""
    model_calls.bind_optimizer(type(optimizer).__name__,   # (the updates' scope: finish's)
                               modules.bound_name(optimizer))
    updated, idle, groups = [], [], []
    for group in optimizer.param_groups:
        params = {key: value for key, value in group.items()
                  if key != "params" and isinstance(value, _HYPERPARAMETERS)}
        groups.append(params)
        for parameter in group["params"]:
            grad = parameter.grad
            if grad is not None:   # the parameters step() changes
                updated.append((parameter, grad, params))
            elif parameter.requires_grad:
                idle.append(parameter)
    if idle:   # told with each update: the parameters this optimizer trains that got none
        names = tuple(values.variable_of(p, None, _name_of).name for p in idle)
        for params in groups:
            params[NO_GRADIENT] = names
    if test is not None:
        kept = _Copies([parameter for parameter, _, _ in updated]
                       + [grad for _, grad, _ in updated])
    elif lazy:   # (each gradient's version as the step starts: one it writes is refused)
        kept = (_Copies([parameter for parameter, _, _ in updated]),
                [values.version(grad) for _, grad, _ in updated])
    else:
        kept = [(values.snapshot(parameter, _name_of), values.snapshot(grad))
                for parameter, grad, _ in updated]
    _local.pending = (optimizer, op, hearers, source, updated, kept, test, perf_counter(), lazy,
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
    _, op, hearers, source, updated, kept, test, started, lazy, forms = pending
    if not op.input_names:
        op.input_names = ("param", "grad")
    duration = (perf_counter() - started) / max(1, len(updated))
    scope = type(optimizer).__name__
    if test is not None:
        if test is not_finite and finite.all_finite([parameter for parameter, _, _ in updated]):
            return
        for i, (parameter, _, params) in enumerate(updated):
            if not finite.passes(op, (), parameter, test):
                inputs = (_before(parameter, kept, i), wrap(kept.copy(len(updated) + i)))
                _send(make_node(op, inputs, values.snapshot(parameter, _name_of), params,
                                scope, source), hearers, duration)
        return
    if lazy:
        copies, grad_versions = kept
        for i, (parameter, grad, params) in enumerate(updated):
            before = partial(_before, parameter, copies, i)   # (read when the input is)
            tell(LazyNode(op, (before, grad, parameter), params, scope, source, _name_of,
                          versions=(None, grad_versions[i], values.version(parameter))),
                 hearers, False, duration, forms)
        return
    for (parameter, _, params), (before, grad) in zip(updated, kept):
        _send(make_node(op, (before, grad), values.snapshot(parameter, _name_of), params, scope,
                        source), hearers, duration)


def _send(node, hearers: tuple, duration: float) -> None:
    event = events.OpExecuted(node, False, duration)
    for callback in hearers:
        callback(event)


class _Copies:
    """Plain numpy copies of tensors as they are now, read one at a time: all of them joined
    by one torch call where they can be (Adam's 6 parameters and 6 gradients on the guide's
    CNN: ~15 us, against ~30 for a numpy copy each), else a copy each."""

    def __init__(self, tensors: list):
        self._tensors = tensors
        self._joined = finite.join(tensors)
        self._each = None if self._joined is not None else list(map(values.host_copy, tensors))

    def copy(self, i: int) -> np.ndarray:
        """The `i`th tensor's copy."""
        if self._each is not None:
            return self._each[i]
        start = sum(tensor.numel() for tensor in self._tensors[:i])
        tensor = self._tensors[i]
        return values.host_copy(self._joined[start:start + tensor.numel()].view(tensor.shape))


def _before(parameter, kept: _Copies, i: int) -> VariableRead:
    """The parameter's Variable as the update read it: its value before the step, the `i`th
    of `kept`. The Variable itself still reads as its latest value (the step's output
    copies it, `values.snapshot`): reading what an update started from changes no other
    node's value."""
    value = kept.copy(i)
    read = VariableRead()
    read._value = value
    read.variable = values.variable_of(parameter, value, _name_of)
    return read


# a parameter first read at an update, where no module runs: named as its model names it
_name_of = modules.name_among_roots
