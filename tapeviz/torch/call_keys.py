"""A torch call's key, what a Recorder's kept step checks each call by against the program it
follows (kept_steps.py): its function, user line, layer, each tensor's producer (an earlier
call, a parameter, outside), its other arguments, its keywords' names and grad mode; None
where it cannot be run again the same (an in-place write, `out=`, `inplace=True`, batch
norm's running statistics written in train mode, a tensor that is not a plain CPU one of a
numpy dtype, autocast). And how to make the call again on
a look (`how`: its tensors as slots, step_again.py fills them).
"""
from __future__ import annotations

import torch

from .call_arguments import argument_names, arguments, tensors_of
from .step_again import Slot
from .values import STATISTICS_WRITERS, statistics_written

# dtypes whose numpy copy is the tensor bitwise (run again from it: the same bits)
EXACT = frozenset({torch.float16, torch.float32, torch.float64, torch.int8, torch.int16,
                   torch.int32, torch.int64, torch.uint8, torch.bool})
# in-place ops that write only their tensors' .grad: run again on a look's own leaves, after
# the backward passes run again have written theirs
GRADIENT_WRITERS = frozenset({"clip_grad_norm_", "clip_grad_value_"})


def key_of(op, func, args, kwargs, scope, source, segment, scaling) -> tuple:
    """(the call's key: function, line, layer, each tensor's producer, its other arguments;
    its tensors, those from outside), the key None where it cannot be run again the same;
    `segment`: the producers so far (`made`), the parameters' codes (`seeds`, `parameters`)."""
    if scaling or op.inplace and op.name not in GRADIENT_WRITERS or "out" in kwargs \
            or kwargs.get("inplace") is True \
            or True in map(_is_true, args) and _written_by_flag(func, args) \
            or op.name in STATISTICS_WRITERS and statistics_written(
                op.name, *arguments(func, args, kwargs)):
        return (None if tensors_of(args, kwargs) else ()), (), ()
    made = segment.made
    codes, others, tensors, outside = [], [], [], []
    plain = True
    for arg in (*args, *kwargs.values()) if kwargs else args:
        if isinstance(arg, torch.Tensor):
            code = made.get(id(arg), -1)
            if code == -1:
                if arg.dtype not in EXACT or arg.device.type != "cpu" \
                        or arg.layout is not torch.strided or not arg.is_contiguous() \
                        or arg.requires_grad and not arg.is_leaf:
                    plain = False
                elif arg.requires_grad:   # a parameter: the programs' code for it
                    code = seed(arg, segment)
            if code < 0:
                outside.append(arg)
            codes.append(code)
            tensors.append(arg)
        elif type(arg) in _PLAIN or type(arg) in (tuple, list) and all(
                type(item) in _PLAIN for item in arg):
            others.append(arg)
        elif tensor_list(arg):   # (cat's tensors, clip_grad_norm_'s parameters)
            listed, listed_tensors, listed_outside = key_of(op, func, arg, {}, scope, source,
                                                            segment, False)
            if listed is None:
                plain = False
            else:
                codes += listed[3]
                others.append(len(arg))
                tensors += listed_tensors
                outside += listed_outside
        else:   # (an array: compared by `==` it would not say equal)
            plain = False
    if not tensors:   # a factory (given a Generator too), a query (the profiler's ranges):
        return (), (), ()   # the mode's own path
    if not plain or _autocast():   # (autocast: kernels a look would not run)
        return None, (), ()
    return (func, source, scope, tuple(codes), tuple(others), tuple(kwargs), _grad_enabled()), \
        tensors, outside


_autocast = torch._C._is_any_autocast_enabled
_grad_enabled = torch.is_grad_enabled
_PLAIN = frozenset({int, float, bool, str, type(None), slice, type(...), torch.dtype,
                    torch.memory_format})


def _is_true(arg) -> bool:
    return arg is True   # (a positional True: `F.relu(x, True)` writes its input)


def _written_by_flag(func, args) -> bool:
    """Whether a positional True is `func`'s `inplace` (`F.relu(x, True)`), not another flag
    (torch.gru's has_biases, batch_first); True where its argument names are unknown."""
    names = argument_names(func)
    return not names or "inplace" in names[:len(args)] and args[names.index("inplace")] is True


def seed(parameter, segment) -> int:
    """The code of `parameter` (-2, -3, ...), given it when first seen."""
    code = segment.seeds.get(id(parameter))
    if code is None:
        code = segment.seeds[id(parameter)] = -2 - len(segment.parameters)
        segment.parameters.append(parameter)
        segment.made[id(parameter)] = code
    return code


def how(func, args, kwargs, source, scope, tensors, codes, random: bool) -> tuple:
    """How to make the call again: (function, args and kwargs with each tensor replaced by
    its position among the call's tensors, line, layer, each tensor's producer: an earlier
    call's index, or below 0 a value kept from outside, whether grad mode was on, whether
    it draws from torch's generator: its state is kept before its values from outside, how
    many tensors it returned: set once it ran)."""
    slots = {id(tensor): position for position, tensor in enumerate(tensors)}
    def slot(arg):
        if isinstance(arg, torch.Tensor):
            return Slot(slots[id(arg)])
        return type(arg)(Slot(slots[id(item)]) for item in arg) if tensor_list(arg) else arg
    return (func, tuple(map(slot, args)), {name: slot(arg) for name, arg in kwargs.items()},
            source, scope, codes, _grad_enabled(), random, 1)


def tensor_list(arg) -> bool:
    """Whether `arg` is a list or tuple of tensors."""
    return type(arg) in (list, tuple) and bool(arg) and all(
        isinstance(item, torch.Tensor) for item in arg)


__all__ = ["EXACT", "GRADIENT_WRITERS", "key_of", "how", "seed", "tensor_list"]
