"""LazyTensor: a node's output whose value is computed from the op's inputs when first read.

A fused pass (`nn_fused.py`: a Conv2D layer's conv2d, bias_add and relu in one) never
writes the intermediate values its tape's nodes show. Each is a LazyTensor holding how its
own op makes it from the very arrays that op was given; the first read of `_value` (the
widget, the inspector, `.numpy()`, an op) computes it with that op's forward, keeps it and
turns the tensor into a plain `Tensor`: the same bits the unfused op would have made, read
through the one accessor every reader already uses; its maker may leave what a later op
takes in its stead while it is unread (`folded`: relu's gradient made with a convolution's
input gradient, `ops/relu_fold.py`). While any is still `pending`, the backward pass asks
`float_outputs` which outputs are floats, so that none is computed for that; otherwise it
keeps its own walk, which reads values (no check an op added).
"""
from __future__ import annotations

from .dispatch_inputs import FLOAT_SCALAR_TYPES
from .tensor import Tensor

_VALUE = Tensor._value   # the slot under LazyTensor's property


class _Pending:
    """How to make a LazyTensor's value, the dtype it will have, and what a later op may
    take in its stead (`folded`: ops/relu_fold.py's masked gradient), or None."""

    __slots__ = ("make", "dtype", "folded")

    def __init__(self, make, dtype, folded=None):
        self.make, self.dtype, self.folded = make, dtype, folded


class LazyTensor(Tensor):
    """A Tensor whose value `make()` computes on its first read (no slots of its own, so it
    can become a plain Tensor then: every `type(x) is Tensor` path takes it after)."""

    __slots__ = ()

    def __init__(self, make, dtype, folded=None):
        global pending
        _VALUE.__set__(self, _Pending(make, dtype, folded))
        pending += 1

    @property
    def _value(self):
        held = _VALUE.__get__(self)
        value = held.make() if type(held) is _Pending else held
        self._value = value
        return value

    @_value.setter
    def _value(self, value):
        global pending
        _VALUE.__set__(self, value)
        self.__class__ = Tensor   # (no __del__ from now on)
        pending -= 1

    def __del__(self):   # never read
        global pending
        pending -= 1


pending = 0   # LazyTensors alive and not computed (read by the backward pass)


def folded(tensor):
    """What `tensor`'s maker left for a later op (`_Pending.folded`) while its value is not
    computed; else None."""
    if type(tensor) is not LazyTensor:
        return None
    held = _VALUE.__get__(tensor)
    return held.folded if type(held) is _Pending else None


def float_outputs(nodes, reachable: set) -> set:
    """`reachable` (ids of tensors that depend on a source) with the output of each of
    `nodes` (in execution order) that reads one and holds floats, as `Backward` marks
    them, a pending LazyTensor's told by its dtype, not computed."""
    independent, mark = reachable.isdisjoint, reachable.add
    for node in nodes:
        if not independent(node.input_ids):
            output = node.output
            held = _VALUE.__get__(output) if type(output) is LazyTensor else output._value
            if type(held) in FLOAT_SCALAR_TYPES or held.dtype.kind == "f":
                mark(node.output_id)
    return reachable
