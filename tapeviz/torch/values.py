"""Torch values as the debugger keeps them: numpy copies, wrapped as tapeviz Tensors.

Torch tensors are mutable (`optimizer.step()` and in-place ops change them), so a recorded
value is a copy taken when the op ran (on CUDA, the copy to the host). One copy is made per
tensor and version: the output an op recorded is the very Tensor its consumers' nodes take
as input (the widget links ops by that identity), until an in-place op makes a new version
(batch norm's running statistics, which its kernel writes with their version unmoved, are
copied before the call and on every read after it, never kept by version:
`statistics_written`, `written_unversioned`).
A leaf that requires grad (a parameter) becomes a `VariableRead` of one tapeviz Variable (a
`TorchParameter`) per parameter, named as `model.named_parameters()` names it
(`conv1.weight`), so the widget draws it as a variable and the Recorder keys its gradient
by that name. Copies are made only on the traced path: when a tape records or someone
hears the op. A large gradient a backward pass made is kept as a read-only view of torch's
memory instead (`gradient_snapshot`): autograd hands it on and lets it go, so when the pass
ends it is copied only where something else holds it (a user who could write it later), and
shown with no values where it was written in place during the pass (a hook that wrote its
argument, which torch forbids): never shown changed.
"""
from __future__ import annotations

import weakref
from sys import getrefcount

import numpy as np
import torch
from torch._C import _storage_Use_Count
from torch._C._functorch import (get_unwrapped, is_batchedtensor, is_functorch_wrapped_tensor,
                                 peek_interpreter_stack)

from ..debugger.summary import no_values
from ..dtypes import from_numpy, widened
from ..debugger.variable_names import name_made_at, name_read_at
from ..tensor import Tensor
from . import modules
from ..variable import Variable, VariableRead

_snapshots: dict = {}   # id(torch tensor) -> (weakref to it, its version, its Tensor)
_unversioned: dict = {}   # id(torch tensor written with its version unmoved) -> weakref to it
_variables: dict = {}   # id(leaf torch tensor) -> (weakref to it, its Variable)
_aliases: dict = {}     # id(p.data's tensor) -> (weakref to it, weakref to the parameter p)


class TorchParameter(Variable):
    """The Variable standing for a torch leaf that requires grad (a parameter)."""

    __slots__ = ()
    layout = "NCHW"   # a conv weight is OIHW: the inspector draws it as filters, transposed


_NUMPY_FLOATS = (torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128)


def host_copy(tensor: torch.Tensor) -> np.ndarray:
    """A numpy copy of `tensor`'s value now (on the host, dense; a float or complex dtype
    numpy lacks, bfloat16, float8, complex32, widened to float32 or complex64: a float one
    shown by its torch name, `dtypes.widened`); a meta tensor's shape and dtype with no
    values (`summary.NoValues`)."""
    if tensor.requires_grad:   # (a gradient needs no detach)
        if tensor.is_cpu:   # detached in C++ (force=True): no Python tensor made, ~3 k
            try:            # instructions of ~13 k a copy (an op's output, a parameter)
                return tensor.numpy(force=True).copy()
            except (TypeError, RuntimeError):   # a dtype numpy lacks, a torch.func wrapper
                pass
        tensor = tensor.detach()
    try:
        return tensor.numpy().copy()   # a CPU tensor's .numpy() shares its memory
    except (TypeError, RuntimeError):  # on a device, sparse, quantized, a dtype numpy lacks,
        if peek_interpreter_stack() is None:   # or a conj/neg view bit set
            return _converted(tensor)
        with torch._C._DisableFuncTorch():     # inside a torch.func transform: read with its
            return _converted(tensor)           # layer off (a tensor it wraps, unwrapped)


def _converted(tensor: torch.Tensor) -> np.ndarray:
    """host_copy of a tensor whose `.numpy()` failed."""
    if is_functorch_wrapped_tensor(tensor):
        if is_batchedtensor(tensor):   # vmap's: a batch of examples' values
            return _without_values(tensor, BATCHED)
        return host_copy(get_unwrapped(tensor))   # grad's: the values themselves
    if tensor.is_meta:
        return _without_values(tensor, META)
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    if tensor.is_quantized:
        tensor = tensor.dequantize()
    tensor = tensor.resolve_conj().resolve_neg()
    if tensor.dtype not in _NUMPY_FLOATS and tensor.is_floating_point():   # bfloat16, float8
        name = str(tensor.dtype).removeprefix("torch.")
        return tensor.to(device="cpu", dtype=torch.float32).numpy().view(widened(name))
    if tensor.dtype not in _NUMPY_FLOATS and tensor.is_complex():   # complex32
        tensor = tensor.to(torch.complex64)
    return tensor.cpu().numpy() if tensor.device.type != "cpu" else tensor.numpy().copy()


def _without_values(tensor: torch.Tensor, why: str):
    """`tensor`'s shape and the dtype its copy would have, with no values (`why` not)."""
    return no_values(tuple(tensor.shape), host_copy(torch.empty(0, dtype=tensor.dtype)).dtype,
                     why)


META = "no values: a meta tensor (shape and dtype only)"
BATCHED = "no values: one example of a torch.vmap batch (its values are not read)"
_NO_VALUES = np.zeros(0, np.float32)


def host_view(tensor: torch.Tensor) -> np.ndarray:
    """`tensor`'s value as numpy, sharing its memory where torch can (a CPU tensor), for a
    test read at once (a nan breakpoint's); else a copy; none for a meta tensor (a shape
    with no data)."""
    try:
        return (tensor.detach() if tensor.requires_grad else tensor).numpy()
    except (TypeError, RuntimeError):   # as host_copy's
        return _NO_VALUES if tensor.is_meta else host_copy(tensor)


def dtype_of(tensor: torch.Tensor):
    """The tapeviz DType of `tensor`'s copy, without copying it."""
    found = _dtypes.get(tensor.dtype)
    if found is None:
        found = _dtypes[tensor.dtype] = from_numpy(host_copy(torch.empty(0, dtype=tensor.dtype))
                                                   .dtype)
    return found


_dtypes: dict = {}   # torch dtype -> the DType of its copies


def version(tensor: torch.Tensor) -> int:
    """`tensor._version`, which every in-place write moves; -1 for an inference-mode tensor."""
    try:
        return tensor._version
    except RuntimeError:   # an inference-mode tensor keeps no version: it is never modified
        return -1


def snapshot(tensor: torch.Tensor, name_of=None):
    """The tapeviz Tensor of `tensor`'s value now: the one made before if its version has
    not changed since, else a new copy. `name_of(leaf)` names a parameter seen first."""
    key = id(tensor)
    try:
        current = tensor._version   # (version(), inlined: ~55 calls a step)
    except RuntimeError:
        current = -1
    entry = _snapshots.get(key)
    if entry is not None and entry[1] == current and entry[0]() is tensor:
        if _unnamed and name_of is not None and key in _unnamed:   # first seen by an
            variable_of(tensor, None, name_of)   # initialiser, no module running: name it now
        return entry[2]
    value = host_copy(tensor)
    leaf = tensor if tensor.requires_grad and tensor.is_leaf else \
        _parameter_of(key, tensor) if _aliases else None
    if leaf is not None:
        variable = variable_of(leaf, value, name_of)
        made = VariableRead()
        made._value = value
        made.variable = variable
        variable._value = value   # the variable reads as its latest recorded value
    else:
        made = Tensor()   # (tensor.wrap, inlined: ~30 copies a step)
        made._value = value
    _snapshots[key] = (weakref.ref(tensor, lambda _, key=key: _snapshots.pop(key, None)),
                       None if key in _unversioned else current, made)   # (None: never again)
    return made


# calls whose kernel writes their running statistics in place without moving torch's
# `_version` (batch norm in train mode, instance norm on its input's statistics), by the flag
# that makes them write and its default: a copy kept by version would show an earlier value
STATISTICS_WRITERS = {"batch_norm": ("training", False), "instance_norm": ("use_input_stats", True)}


def statistics_written(op_name: str, names, tensors, params: dict) -> list:
    """The running statistics among a call's `tensors` (named `names`, its other arguments
    `params`) that it writes without moving their version: none for most calls."""
    flag = STATISTICS_WRITERS.get(op_name)
    if flag is None or not params.get(*flag):
        return []
    return [tensor for name, tensor in zip(names, tensors)
            if name in ("running_mean", "running_var")]


def written_unversioned(tensors) -> None:
    """`tensors` were written with their version unmoved: forget their copies and keep none
    by version from now on (a read copies them again, also after a write no traced call made:
    a batch norm run while nobody heard it)."""
    for tensor in tensors:
        key = id(tensor)
        _snapshots.pop(key, None)
        if key not in _unversioned:
            _unversioned[key] = weakref.ref(tensor, lambda _, key=key: _unversioned.pop(key, None))


# in-place ops that write every value of a tensor and read none (`torch.nn.init`'s and the
# methods they call): a parameter first seen written by one is being initialised
OVERWRITES = frozenset({
    "uniform_", "normal_", "zero_", "zeros_", "ones_", "fill_", "constant_", "eye_",
    "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "trunc_normal_", "orthogonal_", "sparse_", "random_", "bernoulli_", "exponential_",
    "geometric_", "log_normal_", "cauchy_"})
UNINITIALISED = ("no values: not yet initialised, memory {} wrote over before any op read it "
                 "(a model being built: torch.empty's)")


def uninitialised(leaf: torch.Tensor, name_of, op_name: str):
    """The read of parameter `leaf` by `op_name`, its initialiser, writing it first: its
    shape and dtype with no values (its memory before is torch.empty's, never a value: a
    step that built the model shows no garbage as the value it started from)."""
    value = _without_values(leaf, UNINITIALISED.format(op_name))
    made = VariableRead()
    made._value = value
    made.variable = variable_of(leaf, value, name_of)
    return made


REFERENCE_BYTES = 1 << 16   # a gradient this large is viewed, not copied (a copy: ~1 us + memcpy)
_VIEWED_DTYPES = (torch.float16, torch.float32, torch.float64)   # no conj or neg bit to resolve
WRITTEN = "no values: written in place during the backward pass after this step made it"


def gradient_snapshot(grad: torch.Tensor, held: list):
    """`snapshot(grad)` of a gradient autograd made and hands on: a large one on the CPU that
    is all of its memory is kept as a read-only view of it, listed in `held` as (tensor,
    version, Tensor) for `settle_views` at the pass's end; others are copied."""
    if grad.nbytes < REFERENCE_BYTES:   # (most: snapshot's own lookup alone)
        return snapshot(grad)
    key = id(grad)
    current = version(grad)
    entry = _snapshots.get(key)
    if entry is not None and entry[0]() is grad and entry[1] == current:
        return entry[2]
    if grad.requires_grad or grad.dtype not in _VIEWED_DTYPES \
            or grad.device.type != "cpu" or grad.layout != torch.strided \
            or grad.storage_offset() or not grad.is_contiguous() \
            or grad.untyped_storage().nbytes() != grad.nbytes:   # (a view of a larger buffer)
        return snapshot(grad)
    try:
        view = grad.numpy()
    except (TypeError, RuntimeError):   # a tensor of a torch.func transform, a subclass
        return snapshot(grad)
    view.flags.writeable = False
    made = Tensor()
    made._value = view
    _snapshots[key] = (weakref.ref(grad, lambda _, key=key: _snapshots.pop(key, None)),
                       current, made)
    held.append((grad, current, made))
    return made


def settle_views(held: list) -> None:
    """A backward pass ended: each gradient it kept as a view stays one where nothing but the
    view holds its memory now (autograd let it go, nobody can write it); it is copied where
    something else holds it (`autograd.grad`'s result, a hook that kept it, a `gradient=`
    given) or another tensor shares its memory (a hook kept `grad.detach()`, `grad.numpy()`,
    its storage), and has no values where it was written since it was kept."""
    while held:
        grad, kept, made = held.pop()
        if version(grad) != kept:
            made._value = no_values(tuple(grad.shape), made._value.dtype, WRITTEN)
        elif grad._use_count() > 1 or getrefcount(grad) > _HELD_BY_A_LOCAL \
                or _storage_Use_Count(grad.untyped_storage()._cdata) > _SHARED_BY_A_VIEW:
            made._value = made._value.copy()


def _references_of_a_local() -> tuple:
    """(what getrefcount says of a tensor one local holds, the holders its storage counts
    when a numpy view of it is kept, as `gradient_snapshot` keeps one)."""
    tensor = torch.empty(1)
    view = tensor.numpy()
    shared = _storage_Use_Count(tensor.untyped_storage()._cdata)
    del view
    return getrefcount(tensor), shared


_HELD_BY_A_LOCAL, _SHARED_BY_A_VIEW = _references_of_a_local()


def variable_of(leaf: torch.Tensor, value=None, name_of=None,
                made_by: str = "leaf") -> TorchParameter:
    """The tapeviz Variable standing for a torch leaf that requires grad (one per leaf),
    named by `name_of(leaf)` when that knows it (a module running holds it), else by the op
    that made it (`made_by`, 'full:0'; 'leaf:0' when that was not seen) until a later call
    or the statement that made it (`made_here`) names it."""
    key = id(leaf)
    entry = _variables.get(key)
    if entry is not None and entry[0]() is leaf:
        variable = entry[1]
        if key in _unnamed and name_of is not None:
            _name(variable, key, name_of(leaf))
        return variable
    value = host_copy(leaf) if value is None else value
    variable = TorchParameter(np.zeros((), value.dtype), name=made_by)
    variable._value = value   # a fresh copy: taken as it is (a meta tensor's stays unmade)
    variable.made_at = None   # the line that first read it did not make it (see made_here)
    _unnamed.add(key)
    if name_of is not None:
        _name(variable, key, name_of(leaf))
    if key in _unnamed:
        path = modules.name_among_roots(leaf) if isinstance(leaf, torch.nn.Parameter) else None
        if path:   # read outside its module's call (a write, F.linear): its path in the model
            variable.name = path   # held, until a call of its module names it (a model built
            #                        here holds its layer alone at first: 'linear/weight')
        elif made_by == "leaf":   # made before anyone listened: the op that reads it now
            fresh.append((key, variable))   # may name it (`name_by_reader`)
    _variables[key] = (weakref.ref(leaf, lambda _, key=key: _forget_leaf(key)), variable)
    return variable


fresh: list = []   # (id, Variable) of the leaves first seen since the last traced op, unnamed


def name_by_reader(node) -> None:
    """Name the unnamed leaves `node` is the first op to read by what its statement passes
    for them (`x @ w`: w), where that is one plain name (variable_names.name_read_at)."""
    new = dict(fresh)
    fresh.clear()
    count = len(node.inputs)
    for argument, tensor in enumerate(node.inputs):
        variable = getattr(tensor, "variable", None)
        key = next((key for key, made in new.items() if made is variable), None)
        if key is not None and key in _unnamed:
            _name(variable, key, name_read_at(node.op, node.source, argument, count))


_unnamed: set = set()   # ids of the leaves whose Variable no module has named yet


def leaf_of(variable) -> torch.Tensor | None:
    """The torch leaf a TorchParameter stands for, while it lives (looked for: error paths)."""
    return next((entry[0]() for entry in _variables.values() if entry[1] is variable), None)


def unseen(leaf: torch.Tensor) -> bool:
    """Whether `leaf` is a parameter (a leaf that requires grad) with no Variable yet."""
    entry = _variables.get(id(leaf))
    return leaf.requires_grad and leaf.is_leaf and (entry is None or entry[0]() is not leaf)


def made_here(leaf: torch.Tensor, source, made_by: str | None = None) -> None:
    """`leaf`, a parameter, was made at the user's `source`: by op `made_by`, a factory
    (`w = torch.zeros(3, requires_grad=True)`) or a marking (`w.requires_grad_()`), whose
    statement names it once for every reader (`w`; a helper's `p = ...` names none), or
    by the initialiser that first wrote it (`made_by` None: `nn.Linear(3, 1)`'s, whose
    module names it). `diagnose` says it was made there."""
    entry = _snapshots.get(id(leaf))
    if entry is not None and type(entry[2]) is not VariableRead:   # copied while it was data
        del _snapshots[id(leaf)]   # (`w.requires_grad_()`): read from now on as the variable
    variable = variable_of(leaf, made_by=made_by or "leaf")
    if variable.made_at is None:
        variable.made_at = source
        if made_by is not None and id(leaf) in _unnamed:
            _name(variable, id(leaf), name_made_at(source))


def alias(data: torch.Tensor, leaf: torch.Tensor) -> None:
    """`data` is `leaf.data`, a parameter's memory that autograd does not track: an op that
    writes it (`p.data += lr * p.grad`) updates the parameter, so its copies read as the
    parameter's Variable. The parameter's own copy is dropped: such a write leaves its
    version, by which a copy is reused, unchanged."""
    key = id(data)
    _aliases[key] = (weakref.ref(data, lambda _, key=key: _aliases.pop(key, None)),
                     weakref.ref(leaf))
    _snapshots.pop(id(leaf), None)


def _parameter_of(key: int, tensor: torch.Tensor):
    """The parameter whose `.data` `tensor` is (its copy then outdates the parameter's), or
    None."""
    entry = _aliases.get(key)
    leaf = entry[1]() if entry is not None and entry[0]() is tensor else None
    if leaf is not None:
        _snapshots.pop(id(leaf), None)
    return leaf


def _name(variable, key: int, name) -> None:
    if name:
        variable.name = name   # torch's own name for it, as named_parameters() says
        _unnamed.discard(key)


def _forget_leaf(key: int) -> None:
    _variables.pop(key, None)
    _unnamed.discard(key)


def forget() -> None:
    """Drop every kept copy (the adapter stops: nobody listens, nothing records)."""
    _snapshots.clear()   # (_unversioned stays: those tensors are still written so)
    _aliases.clear()
    fresh.clear()
