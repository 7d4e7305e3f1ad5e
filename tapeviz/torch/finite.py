"""A nan breakpoint's test of an op's output, as cheap as torch lets it be.

The mode asks `passes(op, args, output, test)` of each op heard only by tests of outputs
(`events.subscribe(only_if=)`). For the nan breakpoint's own test (`not_finite`) it reads no
value of a bool or integer output, nor of an op that keeps finite values finite (relu,
max-pool, a view) when its input is the last output this thread found finite, and reads
the others by one reduction on torch's side (a NaN or Inf always makes a sum non-finite; a
sum of finite values that overflows is a false alarm, settled by the exact test). Any other
test reads the value as numpy, as before. `optimizer.step()`'s parameters are tested as one
(`all_finite`), each alone only when that fails.
"""
from __future__ import annotations

import math
import threading
import weakref

import torch

from ..debugger.breakpoint_listener import not_finite
from . import values

# an output holding no NaN or Inf when its first input holds none: its values are some of
# the input's, or bounded functions of them (a bool or integer output, a comparison's, holds
# none whatever its inputs: its dtype says so)
KEEPS_FINITE = frozenset({
    "relu", "relu6", "sigmoid", "tanh", "softmax",
    "max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "view", "reshape", "flatten", "permute", "transpose", "t", "T", "mT", "squeeze",
    "unsqueeze", "getitem", "expand", "contiguous", "narrow", "flip", "view_as", "expand_as",
    "reshape_as", "detach", "clone"})
_INEXACT = frozenset(dtype for dtype in vars(torch).values()   # float8s and halves too
                     if isinstance(dtype, torch.dtype) and (dtype.is_floating_point
                                                            or dtype.is_complex))
_SUMMED = frozenset({torch.float32, torch.float64})   # math.isfinite reads their sum


class _Local(threading.local):
    def __init__(self):
        self.last = None   # (weakref to the last output found finite here, its version)


_local = _Local()


def passes(op, args: tuple, output: torch.Tensor, test) -> bool:
    """Whether `output`, made by `op` from `args`, passes `test` (False: someone wants it)."""
    if test is not not_finite:
        return not test(values.host_view(output))
    if output.dtype not in _INEXACT:
        return True
    last = _local.last
    if not (op.name in KEEPS_FINITE and last is not None and args and args[0] is last[0]()
            and values.version(args[0]) == last[1]) and not finite(output):
        return False
    try:
        version = output._version   # (values.version inlined: every op's output)
    except RuntimeError:   # an inference-mode tensor: never changed
        version = -1
    _local.last = (weakref.ref(output), version)
    return True


def finite(tensor: torch.Tensor) -> bool:
    """Whether `tensor` holds no NaN or Inf: its sum read by `math.isfinite` (~2.4 us on a
    small tensor against ~4.5 for numpy's test of a view; a scalar, a loss, read as it is:
    ~1.2 us), the exact test when that sum is not finite or cannot be read (a complex or
    half dtype, a vmap batch, a meta tensor)."""
    if tensor.dtype in _SUMMED:
        try:
            value = tensor.detach() if tensor.requires_grad else tensor
            if math.isfinite(value.sum() if value.dim() else value):
                return True
        except RuntimeError:   # a value that cannot be read so (inside torch.vmap)
            pass
    return not not_finite(values.host_view(tensor))


def all_finite(tensors: list) -> bool:
    """Whether each of `tensors` holds no NaN or Inf, as one test: one joined copy summed
    (~14 us for Adam's 6 parameters on the guide's CNN, against ~23 for a sum each); False
    where they cannot be joined (the caller then tests each)."""
    joined = join(tensors)
    return joined is not None and finite(joined)


def join(tensors: list) -> torch.Tensor | None:
    """One flat copy of `tensors` by one torch call, or None where they do not share a dtype
    and device or one is not dense (a sparse gradient)."""
    if not tensors:
        return None
    dtype = tensors[0].dtype
    for tensor in tensors:
        if tensor.dtype is not dtype:
            return None
    enabled = _grad_enabled()   # (the parameters require grad: no autograd node for this;
    _set_grad_enabled(False)    #  torch.no_grad()'s context is six Python calls, this none)
    try:
        return _flatten(tensors)
    except RuntimeError:   # on two devices, sparse
        return None
    finally:
        _set_grad_enabled(enabled)


_flatten = torch._C._nn.flatten_dense_tensors   # torch.cat of their flat views, in C++
_grad_enabled, _set_grad_enabled = torch.is_grad_enabled, torch._C._set_grad_enabled
