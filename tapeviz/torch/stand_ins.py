"""What stands in for a few of torch's functions while anyone listens, so they read as the
user thinks of them: `zero_grad` runs without the mode (it runs no op, but sent a dozen
`.grad` reads through it), a custom `torch.autograd.Function`, `clip_grad_norm_` and
`clip_grad_value_` are one op each (traced call by call they were their forward's ops, a
dozen norm, stack and foreach ops, 8 `_foreach_clamp` heads for two parameters), and a
`torch.compile`d model runs eagerly so its ops are heard. `install` puts them on and takes
them off with the mode's hooks (activation._sync_hooks); a function the user's code took
before (`from torch.nn.utils import clip_grad_norm_`) stays torch's own.
"""
from __future__ import annotations

import functools
import sys

import torch

from . import activation as _activation, mode as _mode, ops   # (activation imports this
#                                                              module: call-time use only)


def install(on: bool) -> None:
    """Put every stand-in in place (`on`) or torch's own functions back."""
    _wrap_zero_grads(on)
    _wrap_as_one_op(on)
    _compile_eagerly(on)


def _without_mode(call, plain=None):
    """`call()` with this thread's mode off; `plain()` (default `call()`) where it is not on
    (another thread's mode, or inside the mode's own handler)."""
    mode = _mode.local.mode
    if mode is None or not _activation._remove(mode):
        return (plain or call)()
    try:
        return call()
    finally:
        _activation._push_under_users(mode)


def _zero_grad_without_mode(zero_grad):
    """`zero_grad` run without this thread's mode when it runs no op (`set_to_none=True`)."""
    @functools.wraps(zero_grad)
    def zero_grad_without_mode(self, set_to_none: bool = True):
        if not set_to_none:
            return zero_grad(self, set_to_none)
        return _without_mode(lambda: zero_grad(self, set_to_none))
    return zero_grad_without_mode


_ZERO_GRADS = (torch.optim.Optimizer, torch.nn.Module)   # whose zero_grad is wrapped
_zero_grads: dict = {}   # class -> (its own zero_grad, the wrapper standing in for it)


def _wrap_zero_grads(wrapped: bool) -> None:
    """Put the wrapper on `zero_grad` (while anyone listens), or take it off (unless the user
    has put their own there since: theirs stays)."""
    for owner in _ZERO_GRADS:
        if wrapped and owner not in _zero_grads:
            own = owner.__dict__["zero_grad"]
            _zero_grads[owner] = (own, _zero_grad_without_mode(own))
            owner.zero_grad = _zero_grads[owner][1]
        elif not wrapped and owner in _zero_grads:
            own, wrapper = _zero_grads.pop(owner)
            if owner.__dict__.get("zero_grad") is wrapper:
                owner.zero_grad = own


def _as_one_op(name: str, call, args: tuple, kwargs: dict, function=None):
    """`call(*args, **kwargs)` heard as the one op `name`, its insides unheard (autograd
    makes one node of what runs without the mode, so its backward is one step too);
    `function`: the custom autograd.Function class it applies (diagnose checks its backward)."""
    def traced():
        op = ops.op_named(name)
        if function is not None:
            op.function = function
        tapes, route = _mode.local.tapes, op.route
        if tapes or route.heard or route.steps or _mode._thread.state.layer_listeners:
            return _mode._traced(op, call, args, kwargs, route, tapes)
        return call(*args, **kwargs)
    return _without_mode(traced, plain=lambda: call(*args, **kwargs))


_FUNCTION_APPLY = torch.autograd.Function.__dict__["apply"]   # a classmethod
_CLIP = torch.nn.utils.clip_grad.clip_grad_norm_
_CLIP_VALUE = torch.nn.utils.clip_grad.clip_grad_value_
_CLIP_OWNERS = (torch.nn.utils, torch.nn.utils.clip_grad)   # the modules that name them


def _apply_as_one_op(cls, *args, **kwargs):
    """A custom `torch.autograd.Function`'s `apply`: one op named after its class."""
    return _as_one_op(cls.__name__, functools.partial(_FUNCTION_APPLY.__func__, cls), args,
                      kwargs, cls)


@functools.wraps(_CLIP)
def _clip_as_one_op(parameters, *args, **kwargs):
    """`clip_grad_norm_`: one op, the parameters in and the total norm out, as an optimizer's
    update is one op."""
    parameters = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    return _as_one_op("clip_grad_norm_", _CLIP, (parameters, *args), kwargs)


@functools.wraps(_CLIP_VALUE)
def _clip_value_with_largest(parameters, clip_value, foreach=None):
    """torch's `clip_grad_value_`, returning the largest |gradient| it was given (the op's
    output: whether the clip bit, as clip_grad_norm_'s total norm says)."""
    grads = [parameter.grad for parameter in parameters if parameter.grad is not None]
    with torch.no_grad():
        largest = torch.cat([norm.reshape(1) for norm in torch._foreach_norm(
            grads, float("inf"))]).max() if grads else torch.zeros(())
    _CLIP_VALUE(parameters, clip_value, foreach)
    return largest


@functools.wraps(_CLIP_VALUE)
def _clip_value_as_one_op(parameters, *args, **kwargs):
    """`clip_grad_value_`: one op, the parameters in and their largest |gradient| out (the
    user is given torch's None)."""
    parameters = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    _as_one_op("clip_grad_value_", _clip_value_with_largest, (parameters, *args), kwargs)


def _wrap_as_one_op(wrapped: bool) -> None:
    torch.autograd.Function.apply = classmethod(_apply_as_one_op) if wrapped else \
        _FUNCTION_APPLY
    for owner in _CLIP_OWNERS:
        owner.clip_grad_norm_ = _clip_as_one_op if wrapped else _CLIP
        owner.clip_grad_value_ = _clip_value_as_one_op if wrapped else _CLIP_VALUE


_eager_stance: list = []   # torch.compiler.set_stance("force_eager")'s, to restore the one before


def _compile_eagerly(eager: bool) -> None:
    """While anyone listens, a `torch.compile`d model runs as written (stance "force_eager"),
    so its ops are heard as an uncompiled model's: traced by dynamo, the mode's handler
    broke its graph at each op and recompiled. Only once torch.compile is loaded (its import
    takes ~2 s): a model compiled after listening began is compiled as usual."""
    if eager and not _eager_stance and "torch._dynamo" in sys.modules:
        _eager_stance.append(torch.compiler.set_stance("force_eager"))
    elif not eager and _eager_stance:
        _eager_stance.pop().__exit__(None, None, None)
