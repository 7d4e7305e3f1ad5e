"""Torch values as the debugger keeps them: numpy copies, wrapped as tapeviz Tensors.

Torch tensors are mutable (`optimizer.step()` and in-place ops change them), so a recorded
value is a copy taken when the op ran (on CUDA, the copy to the host). One copy is made per
tensor and version: the output an op recorded is the very Tensor its consumers' nodes take
as input (the widget links ops by that identity), until an in-place op makes a new version.
A leaf that requires grad (a parameter) becomes a `VariableRead` of one tapeviz Variable (a
`TorchParameter`) per parameter, named as `model.named_parameters()` names it
(`conv1.weight`), so the widget draws it as a variable and the Recorder keys its gradient
by that name. Copies are made only on the traced path: when a tape records or someone
hears the op.
"""
from __future__ import annotations

import weakref

import numpy as np
import torch

from ..tensor import Variable, VariableRead, wrap

_new = object.__new__
_snapshots: dict = {}   # id(torch tensor) -> (weakref to it, its version, its Tensor)
_variables: dict = {}   # id(leaf torch tensor) -> (weakref to it, its Variable)


class TorchParameter(Variable):
    """The Variable standing for a torch leaf that requires grad (a parameter)."""

    __slots__ = ()
    layout = "NCHW"   # a conv weight is OIHW: the inspector draws it as filters, transposed


def host_copy(tensor: torch.Tensor) -> np.ndarray:
    """A numpy copy of `tensor`'s value now (on the host; bfloat16 widened to float32)."""
    if tensor.requires_grad:   # a gradient needs no detach (~1 us, a new tensor)
        tensor = tensor.detach()
    try:
        return tensor.numpy().copy()   # a CPU tensor's .numpy() shares its memory
    except (TypeError, RuntimeError):  # on a device, bfloat16, or a conj/neg view bit set
        tensor = tensor.resolve_conj().resolve_neg()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        return tensor.cpu().numpy() if tensor.device.type != "cpu" else tensor.numpy().copy()


def _version(tensor: torch.Tensor) -> int:
    try:
        return tensor._version
    except RuntimeError:   # an inference-mode tensor keeps no version: it is never modified
        return -1


def snapshot(tensor: torch.Tensor, name_of=None):
    """The tapeviz Tensor of `tensor`'s value now: the one made before if its version has
    not changed since, else a new copy. `name_of(leaf)` names a parameter seen first."""
    key = id(tensor)
    version = _version(tensor)
    entry = _snapshots.get(key)
    if entry is not None and entry[1] == version and entry[0]() is tensor:
        if _unnamed and name_of is not None and key in _unnamed:   # first seen by an
            variable_of(tensor, None, name_of)   # initialiser, no module running: name it now
        return entry[2]
    value = host_copy(tensor)
    if tensor.requires_grad and tensor.is_leaf:
        variable = variable_of(tensor, value, name_of)
        made = _new(VariableRead)
        made._value = value
        made.variable = variable
        variable._value = value   # the variable reads as its latest recorded value
    else:
        made = wrap(value)
    _snapshots[key] = (weakref.ref(tensor, lambda _, key=key: _snapshots.pop(key, None)),
                       version, made)
    return made


def variable_of(leaf: torch.Tensor, value=None, name_of=None) -> TorchParameter:
    """The tapeviz Variable standing for a torch leaf that requires grad (one per leaf),
    named by `name_of(leaf)` when that knows it (a module running holds it), else 'leaf:0'
    until a later call knows it."""
    key = id(leaf)
    entry = _variables.get(key)
    if entry is not None and entry[0]() is leaf:
        variable = entry[1]
        if key in _unnamed and name_of is not None:
            _name(variable, key, name_of(leaf))
        return variable
    variable = TorchParameter(host_copy(leaf) if value is None else value, name="leaf")
    variable.made_at = None   # the line that first read it did not make it (see made_here)
    _unnamed.add(key)
    if name_of is not None:
        _name(variable, key, name_of(leaf))
    _variables[key] = (weakref.ref(leaf, lambda _, key=key: _forget_leaf(key)), variable)
    return variable


_unnamed: set = set()   # ids of the leaves whose Variable no module has named yet


def unseen(leaf: torch.Tensor) -> bool:
    """Whether `leaf` is a parameter (a leaf that requires grad) with no Variable yet."""
    entry = _variables.get(id(leaf))
    return leaf.requires_grad and leaf.is_leaf and (entry is None or entry[0]() is not leaf)


def made_here(leaf: torch.Tensor, source) -> None:
    """`leaf`, a parameter, was made at the user's `source`: a factory's line
    (`w = torch.zeros(3, requires_grad=True)`) or the line whose initialiser first wrote it
    (`nn.Linear(3, 1)`'s), which `diagnose` names as where it was made."""
    entry = _snapshots.get(id(leaf))
    if entry is not None and type(entry[2]) is not VariableRead:   # copied while it was data
        del _snapshots[id(leaf)]   # (`w.requires_grad_()`): read from now on as the variable
    variable = variable_of(leaf)
    if variable.made_at is None:
        variable.made_at = source


def _name(variable, key: int, name) -> None:
    if name:
        variable.name = name   # torch's own name for it, as named_parameters() says
        _unnamed.discard(key)


def _forget_leaf(key: int) -> None:
    _variables.pop(key, None)
    _unnamed.discard(key)


def forget() -> None:
    """Drop every kept copy (the adapter stops: nobody listens, nothing records)."""
    _snapshots.clear()
