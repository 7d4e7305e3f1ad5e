"""A nan breakpoint's test of an op's output, as cheap as torch lets it be.

The mode asks `passes(op, args, output, test, kwargs)` of each op heard only by tests of
outputs (`events.subscribe(only_if=)`). For the nan breakpoint's own test (`not_finite`) it
reads no value of a bool or integer output; nor of an op whose output is finite whenever
its inputs are, when their magnitudes are known: relu, max-pool or a view of the output
this thread last found finite, and a large convolution or `linear` output (at least
`_LARGE` values) whose bound (input's and weight's largest magnitudes times the terms
summed, plus the bias's) stays far below the dtype's overflow. A magnitude is known for the
output last found finite here and for a parameter last found finite at its version (by the
optimizer's step, or read here); an unknown input smaller than the output is read instead
of it. Any other output is read by one reduction on torch's side (a NaN or Inf always makes
a sum non-finite; a sum of finite values that overflows is a false alarm, settled by the
exact test). Any other test reads the value as numpy, as before. `optimizer.step()`'s
parameters are tested as one (`all_finite`), each alone only when that fails. A parameter
whose `.data` was taken while listening is never known again (its writes move no version);
one written through a numpy view or a `.data` taken before is not seen, as by the copies'
cache (values.py).
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
_AT_MOST_ONE = frozenset({"sigmoid", "tanh", "softmax"})   # whatever their input's magnitude
# each output a sum of at most weight[0].numel() products of an input and a weight, plus a
# bias: |output| <= |input| * |weight| * terms + |bias|
_WEIGHTED = frozenset({"conv1d", "conv2d", "conv3d", "linear"})
_LARGE = 2 ** 16   # an output of fewer values is read (its sum costs less than a bound)
_INEXACT = frozenset(dtype for dtype in vars(torch).values()   # float8s and halves too
                     if isinstance(dtype, torch.dtype) and (dtype.is_floating_point
                                                            or dtype.is_complex))
_SUMMED = frozenset({torch.float32, torch.float64})   # math.isfinite reads their sum
# a bound below this is far from overflow, whatever order or transform (Winograd's) the
# kernel sums in
_SAFE = {dtype: torch.finfo(dtype).max / 2.0 ** 40 for dtype in _SUMMED}
_UNKNOWN = math.inf   # a magnitude not known: the tensor is finite, its largest value not read


class _Local(threading.local):
    def __init__(self):
        # (weakref to the last output found finite here, its version, its largest magnitude)
        self.last = None


_local = _Local()
# id(parameter) -> (weakref to it, its version, its largest magnitude, its memory's address:
# `p.data = x` moves no version) as last found finite; Nones for one whose `.data` was taken
# while listening (written where no version moves)
_parameters: dict = {}
_bounding = False   # a large conv or linear output was seen: parameters' magnitudes are read


def passes(op, args: tuple, output: torch.Tensor, test, kwargs: dict | None = None) -> bool:
    """Whether `output`, made by `op` from `args` and `kwargs`, passes `test` (False:
    someone wants it)."""
    if test is not not_finite:
        return not test(values.host_view(output))
    if output.dtype not in _INEXACT:
        return True
    last = _local.last
    if op.name in KEEPS_FINITE and last is not None and args and args[0] is last[0]() \
            and values.version(args[0]) == last[1]:
        bound = 1.0 if op.name in _AT_MOST_ONE else last[2]
    elif op.name in _WEIGHTED and output.numel() >= _LARGE and output.dtype in _SUMMED:
        global _bounding
        _bounding = True
        bound = _weighted_bound(args, kwargs, output)
    else:
        bound = None
    if bound is None:
        if not finite(output):
            return False
        bound = _UNKNOWN
    _local.last = (weakref.ref(output), values.version(output), bound)
    return True


def _weighted_bound(args: tuple, kwargs: dict | None, output: torch.Tensor) -> float | None:
    """A bound on the magnitudes of a convolution's or linear's `output` from its inputs',
    far below overflow (the output is then finite), or None."""
    if len(args) < 2 or not isinstance(args[1], torch.Tensor) or args[1].ndim < 2:
        return None
    bias = args[2] if len(args) > 2 else kwargs.get("bias") if kwargs else None
    bounds = _read_if_smaller((args[0], args[1]) if bias is None else (args[0], args[1], bias),
                              output)
    if bounds is None:
        return None
    weight = args[1]
    bound = bounds[0] * bounds[1] * (weight.numel() // weight.shape[0]) \
        + (bounds[2] if bias is not None else 0.0)
    return bound if bound < _SAFE[output.dtype] else None


def _read_if_smaller(inputs: tuple, output: torch.Tensor) -> list | None:
    """Each input's largest magnitude: known, or read when the inputs not known hold fewer
    values than `output` (None: then reading the output costs less, or one is not finite)."""
    bounds = [magnitude(tensor) if isinstance(tensor, torch.Tensor) else None
              for tensor in inputs]
    unknown = [i for i, bound in enumerate(bounds) if bound is None or bound == _UNKNOWN]
    if unknown:
        if not all(isinstance(inputs[i], torch.Tensor) for i in unknown) or \
                sum(inputs[i].numel() for i in unknown) >= output.numel():
            return None
        for i in unknown:
            bounds[i] = read_magnitude(inputs[i])
            if bounds[i] is None:
                return None
    return bounds


def magnitude(tensor: torch.Tensor) -> float | None:
    """`tensor`'s largest magnitude if known (`_UNKNOWN`: finite, not read), else None."""
    last = _local.last
    if last is not None and last[0]() is tensor and last[1] == values.version(tensor):
        return last[2]
    entry = _parameters.get(id(tensor))
    if entry is not None and entry[0]() is tensor and entry[1] == values.version(tensor) \
            and entry[3] == tensor.data_ptr():
        return entry[2]
    return None


def read_magnitude(tensor: torch.Tensor) -> float | None:
    """`tensor`'s largest magnitude, read by one torch call (remembered for a parameter at
    its version), or None if it holds a NaN or Inf or cannot be read so."""
    if tensor.dtype not in _SUMMED:
        return None
    try:
        low, high = torch.aminmax(tensor.detach() if tensor.requires_grad else tensor)
        bound = max(-float(low), float(high))
    except RuntimeError:   # a value that cannot be read so (inside torch.vmap, a meta tensor)
        return None
    if not math.isfinite(bound):
        return None
    if tensor.requires_grad and tensor.is_leaf:
        _remember(tensor, bound)
    return bound


def _remember(parameter: torch.Tensor, bound: float) -> None:
    key = id(parameter)
    entry = _parameters.get(key)
    if entry is not None and entry[1] is None and entry[0]() is parameter:
        return   # its `.data` was taken: written where no version moves
    if entry is None or entry[0]() is not parameter:   # (one entry a live parameter)
        entry = (weakref.ref(parameter, lambda _, key=key: _parameters.pop(key, None)),)
    _parameters[key] = (entry[0], values.version(parameter), bound, parameter.data_ptr())


def data_taken(parameter: torch.Tensor) -> None:
    """`parameter.data` was taken: what writes it moves no version of `parameter`, so its
    magnitude is never known again (its outputs are read)."""
    key = id(parameter)
    _parameters[key] = (weakref.ref(parameter, lambda _, key=key: _parameters.pop(key, None)),
                        None, None, None)


def finite(tensor: torch.Tensor) -> bool:
    """Whether `tensor` holds no NaN or Inf: its sum read by `math.isfinite` (~2.4 us on a
    small tensor against ~4.5 for numpy's test of a view), the exact test when that sum is
    not finite or cannot be read (a complex or half dtype, a vmap batch, a meta tensor)."""
    if tensor.dtype in _SUMMED:
        try:
            if math.isfinite(tensor.detach().sum() if tensor.requires_grad else tensor.sum()):
                return True
        except RuntimeError:   # a value that cannot be read so (inside torch.vmap)
            pass
    return not not_finite(values.host_view(tensor))


def all_finite(tensors: list) -> bool:
    """Whether each of `tensors` (an optimizer's parameters) holds no NaN or Inf, as one
    test: one joined copy's smallest and largest values (~14 us for Adam's 6 parameters on
    the guide's CNN, against ~23 for a sum each), remembered as each one's magnitude (its sum
    until a large conv or linear output wants them); False
    where they cannot be joined (the caller then tests each)."""
    joined = join(tensors)
    if joined is None:
        return False
    if joined.dtype not in _SUMMED or not _bounding:   # (no bound needs their magnitudes)
        return finite(joined)
    bound = read_magnitude(joined)
    if bound is None:
        return False
    for tensor in tensors:
        if tensor.requires_grad and tensor.is_leaf:
            _remember(tensor, bound)
    return True


def join(tensors: list) -> torch.Tensor | None:
    """One flat copy of `tensors` by one torch call, or None where they do not share a dtype
    and device or one is not dense (a sparse gradient)."""
    dtype = tensors[0].dtype if tensors else None
    if dtype is None or any(tensor.dtype is not dtype for tensor in tensors):
        return None
    try:
        with torch.no_grad():   # (the parameters require grad: no autograd node for this)
            return _flatten(tensors)
    except RuntimeError:   # on two devices, sparse
        return None


_flatten = torch._C._nn.flatten_dense_tensors   # torch.cat of their flat views, in C++
