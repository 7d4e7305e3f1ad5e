"""What a torch call was given, as a Node names it: the tensors passed (a list argument's
each) under their argument names, and the other arguments by name (stride, padding, dim,
reduction); and the first tensor a call returned. The mode reads these only for an op
someone hears."""
from __future__ import annotations

import inspect

import torch


def arguments(func, args, kwargs) -> tuple:
    """(names, tensors, params): the tensors passed, in order (a list argument's each), their
    argument names, and the other arguments by name (stride, padding, dim, reduction)."""
    signature = argument_names(func)
    names, tensors, params = [], [], {}
    given = [(signature[i] if i < len(signature) else f"input {i}", arg)
             for i, arg in enumerate(args)]
    for name, arg in given + [item for item in kwargs.items() if item[0] != "out"]:
        if isinstance(arg, torch.Tensor):
            names.append(name)
            tensors.append(arg)
        elif isinstance(arg, (list, tuple)) and any(isinstance(a, torch.Tensor) for a in arg):
            for j, item in enumerate(arg):
                if isinstance(item, torch.Tensor):
                    names.append(f"{name}[{j}]")
                    tensors.append(item)
        else:
            params[name] = arg
    return tuple(names), tensors, params


def tensors_of(args, kwargs) -> list:
    """The tensors `arguments` finds, in its order, without naming them (an op that may
    never be read: its names and params found when first read)."""
    tensors = []
    for arg in (*args, *[arg for name, arg in kwargs.items() if name != "out"]) if kwargs \
            else args:   # (a list, not a generator: one call, not one a keyword)
        if isinstance(arg, torch.Tensor):
            tensors.append(arg)
        elif isinstance(arg, (list, tuple)):   # (a loop: conv2d's stride, padding and
            for item in arg:                      #  dilation make no generator each)
                if isinstance(item, torch.Tensor):
                    tensors.append(item)
    return tensors


def first_tensor(result):
    """The first tensor of a call's result (itself, or a tuple's), or None."""
    if isinstance(result, torch.Tensor):
        return result
    if isinstance(result, (list, tuple)):
        return next((r for r in result if isinstance(r, torch.Tensor)), None)
    return None


_names: dict = {}        # torch function -> its positional argument names
_overrides = None        # torch's table of every overridable function's signature


def argument_names(func) -> tuple:
    names = _names.get(func)
    if names is None:
        names = _names[func] = _signature_names(func)
    return names


def _signature_names(func) -> tuple:
    """The argument names of `func`: its signature, else the one torch's override tests
    give it (the built-ins have none), with a method's `self` called `input`."""
    global _overrides
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        if _overrides is None:
            _overrides = torch.overrides.get_testing_overrides()
        stand_in = _overrides.get(func)
        if stand_in is None:
            return ()
        signature = inspect.signature(stand_in)
    names = tuple(p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    return tuple("input" if name == "self" else name for name in names)
