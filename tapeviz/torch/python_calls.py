"""torch's Python functions (`F.relu`, `F.cross_entropy`, `torch.functional`'s) brought to the
adapter's mode by a shorter way while anyone listens.

Such a function asks `has_torch_function` and, with a mode on, calls torch's Python
`handle_torch_function`: it collects the arguments that override `__torch_function__`, then
pops the mode in a generator context manager, calls its handler and pushes it back. That way
costs ~34 k instructions a call (callgrind, `F.relu` under a mode that only calls through),
against ~15 k for popping and pushing the mode around the handler directly. The stand-in
(put in those modules while anyone listens: activation._sync_hooks) does the latter when
the adapter's mode is the only one on this thread's stack and every argument it is told of
is a plain tensor, a Parameter or None, so torch's way would find no override either;
otherwise (a user's mode, a tensor subclass, a number, another thread) it is torch's own, as
is a handler's NotImplemented.
"""
from __future__ import annotations

import torch
import torch.functional
import torch.nn.functional
from torch import overrides

from .mode import local

_OWN = overrides.handle_torch_function
_MODULES = (torch.nn.functional, torch.functional)   # whose functions call it by that name
_length, _at = torch._C._len_torch_function_stack, torch._C._get_function_stack_at
_pop, _push = torch._C._pop_torch_function_stack, torch._C._push_on_torch_function_stack
_TENSOR = torch.Tensor
_PARAMETER = torch.nn.Parameter   # (its __torch_function__ is disabled: torch's way skips it)
_TENSOR_TYPES = (torch.Tensor,)   # the types torch's way gives the handler for plain tensors


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """torch's `handle_torch_function`, the adapter's mode called directly when it is alone
    (see the module docstring)."""
    mode = local.mode
    if mode is not None and type(relevant_args) is tuple and _length() == 1 \
            and _at(0) is mode:
        types = ()
        for arg in relevant_args:
            if type(arg) is _TENSOR:
                types = _TENSOR_TYPES
            elif arg is not None and type(arg) is not _PARAMETER:   # (a subclass: torch's way)
                return _OWN(public_api, relevant_args, *args, **kwargs)
        _pop()
        try:
            result = mode.__torch_function__(public_api, types, args, kwargs)
        finally:
            _push(mode)
        if result is not NotImplemented:
            return result
    return _OWN(public_api, relevant_args, *args, **kwargs)


def install(on: bool) -> None:
    """Put the stand-in in torch's modules (`on`), or torch's own back (unless something has
    put another there since: that stays)."""
    for module in _MODULES:
        if on and module.handle_torch_function is _OWN:
            module.handle_torch_function = handle_torch_function
        elif not on and module.handle_torch_function is handle_torch_function:
            module.handle_torch_function = _OWN
