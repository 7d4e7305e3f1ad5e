"""Infinities a program writes on purpose: an attention mask's -inf is no place to stop.

A transformer masks attention with -inf (`generate_square_subsequent_mask`'s
`torch.triu(torch.full(..., -inf))`, `_canonical_mask`'s `masked_fill_(pad, -inf)`), which
softmax turns into zero weights. The Recorder and `find_nan_origin` see it absorbed by the
ops after it (`numerics.absorbed_infinities`); a breakpoint stops before those ops run, so
it is told another way, by where the Inf came from: written as a constant (a factory's
value, an `inf` argument: `masked_fill(pad, float("-inf"))`, `torch.where(m, -inf, x)`,
`fill_`, `F.pad(value=-inf)`), or carried from such a tensor (`triu`, `expand`, the sum of
two masks). An Inf an op computes (`log(0)`, `exp` overflow, `x / 0`) is a fault and
stops, as any NaN does (a fully masked row's softmax makes NaN: it stops there).
"""
from __future__ import annotations

import math
import weakref

import numpy as np
import torch

from . import values
from ..debugger.summary import all_finite

_written: dict = {}   # id(tensor) -> (weakref to it, its version): holds Infs on purpose


def written_on_purpose(output: torch.Tensor, tensors, params: dict) -> bool:
    """Whether `output` (holding NaN or Inf) holds only Infs the program wrote on purpose,
    made by an op given `tensors` and `params` (no tensors: a factory); if so it is
    remembered, so the ops that carry it on are told too."""
    view = values.host_view(output)
    if view.dtype.kind not in "fc" or np.isnan(view).any():
        return False
    given = any(_infinite(value) for value in params.values())
    # a factory's Inf is written when given (torch.full(.., -inf)), not when read from
    # elsewhere (torch.as_tensor(data)); an op's when given or carried from a mask
    if not (_carried(output, tensors, given) if tensors else given):
        return False
    key = id(output)
    _written[key] = (weakref.ref(output, lambda _, key=key: _written.pop(key, None)),
                     values.version(output))
    return True


def _carried(output: torch.Tensor, tensors, given: bool) -> bool:
    """Whether an op's Inf came from a written one: given, or in a mask it read, and no
    other input brought one (the data, a fault). An in-place op's target is judged by its
    mark before the op wrote it."""
    read = [tensor for tensor in tensors if tensor is not output]
    masks = [tensor for tensor in read if _marked(tensor)]
    if len(read) < len(tensors) and _marked(output, written_now=True):
        masks.append(output)
    if not (given or masks):   # an Inf the op computed: log(0), exp's overflow
        return False
    return all(any(tensor is mask for mask in masks) or all_finite(values.host_view(tensor))
               for tensor in read)


def _infinite(value) -> bool:
    """Whether an op's argument is an infinity written in the code (or a list holding one)."""
    if isinstance(value, (list, tuple)):
        return any(type(item) is float and math.isinf(item) for item in value)
    return type(value) is float and math.isinf(value)


def _marked(tensor: torch.Tensor, written_now: bool = False) -> bool:
    """Whether `tensor` holds Infs written on purpose (unchanged since, unless `written_now`:
    an in-place op's target, by its mark before the op wrote it)."""
    entry = _written.get(id(tensor))
    return entry is not None and entry[0]() is tensor and (written_now
                                                           or entry[1] == values.version(tensor))


def forget() -> None:
    """Drop every mark (the adapter stops: nobody listens)."""
    _written.clear()
