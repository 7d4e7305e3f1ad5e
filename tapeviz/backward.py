"""The backward pass as an iterator of steps, one VJP each.

A tape is recorded in execution order, so it is already topologically sorted: the
iterator walks it in reverse, running the VJP of each node whose output has a gradient
and that leads back to a source. `tape.gradient` drains it; a debugger pulls one step
at a time. Both give identical gradients because they are the same loop.
"""
from __future__ import annotations

import numpy as np

from . import events
from .convert import to_array
from .dispatch import thread_state
from .ops.math import add
from .ops.shape import unbroadcast
from .tensor import Tensor, wrap


class BackwardStep:
    """One VJP: the node, the gradient that reached its output, the gradients it made."""

    __slots__ = ("node", "upstream", "input_grads", "index")

    def __init__(self, node, upstream, input_grads, index):
        self.node = node
        self.upstream = upstream          # gradient of the target w.r.t. node.output
        self.input_grads = input_grads    # one per node input (None where none flows)
        self.index = index                # the node's position on the tape

    def __repr__(self) -> str:
        return f"<BackwardStep #{self.index} {self.node.op.name}>"


class Backward:
    """Iterator over the backward steps of `tape` from `targets` (summed) to `sources`.

    `grads` maps id(tensor or variable) to the gradient accumulated so far. With
    `sources` given, only nodes on a path from a source are visited; with
    `keep_intermediate=False`, a node's upstream gradient is freed once used.
    """

    def __init__(self, tape, targets, output_gradients=None, sources=None,
                 keep_intermediate: bool = True):
        self._tape = tape
        self._nodes = tape._nodes
        self._position = len(self._nodes)
        self._keep = keep_intermediate
        self._sources = None if sources is None else {id(s) for s in sources}
        self._reachable = None if sources is None else self._reachable_from(self._sources)
        self.grads: dict[int, object] = {}
        if output_gradients is None:
            output_gradients = [None] * len(targets)
        for target, seed in zip(targets, output_gradients):
            seed = _ones_like(target) if seed is None else _as_gradient(seed, target)
            self._accumulate(id(target), seed)

    def _reachable_from(self, source_ids: set) -> set:
        reachable = set(source_ids)
        for node in self._nodes:
            for input_id in node.input_ids:
                if input_id in reachable:
                    reachable.add(id(node.output))
                    break
        return reachable

    @property
    def done(self) -> bool:
        return self._position == 0

    @property
    def position(self) -> int:
        """Index of the next node the iterator will look at, plus one."""
        return self._position

    def gradient_of(self, tensor):
        return self.grads.get(id(tensor))

    def __iter__(self):
        return self

    def __next__(self) -> BackwardStep:
        nodes = self._nodes
        grads = self.grads
        reachable = self._reachable
        while self._position > 0:
            self._position -= 1
            node = nodes[self._position]
            output_id = id(node.output)
            g = grads.get(output_id)
            if g is None or node.op.nondiff:
                continue
            if reachable is not None and output_id not in reachable:
                continue
            if not self._keep and (self._sources is None or output_id not in self._sources):
                del grads[output_id]
            step = BackwardStep(node, g, self._apply(node, g), self._position)
            if events._subscribers:
                events.emit(events.VJPApplied(step))
            return step
        raise StopIteration

    def run(self) -> "Backward":
        """Run every remaining step; returns self."""
        for _ in self:
            pass
        return self

    def _apply(self, node, g) -> tuple:
        state = thread_state()
        tape = self._tape
        was_recording, phase = tape._recording, state.phase
        tape._recording, state.phase = False, "backward"
        try:
            input_grads = node.op.vjp(g, node.output, *node.inputs, **node.params)
            if node.op.broadcasting:
                input_grads = tuple(
                    unbroadcast(grad, np.shape(x._value))
                    if grad is not None and np.shape(grad._value) != np.shape(x._value) else grad
                    for grad, x in zip(input_grads, node.inputs))
            reachable = self._reachable
            for input_id, x, grad in zip(node.input_ids, node.inputs, input_grads):
                if grad is None or x._value.dtype.kind != "f":
                    continue
                if reachable is None or input_id in reachable:
                    self._accumulate(input_id, grad)
        finally:
            tape._recording, state.phase = was_recording, phase
        return tuple(input_grads)

    def _accumulate(self, key: int, grad) -> None:
        existing = self.grads.get(key)
        self.grads[key] = grad if existing is None else add(existing, grad)


def _ones_like(target):
    return wrap(np.ones_like(target._value))


def _as_gradient(seed, target):
    if isinstance(seed, Tensor):
        return seed
    return wrap(to_array(seed, target._value.dtype, "gradient"))
