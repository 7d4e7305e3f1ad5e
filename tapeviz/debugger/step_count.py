"""The bytes a recorded step holds, counted per step as its ops and gradients come (footprint.py).

A step counts its ops' records (or columns, once packed: packed.py; or segments, once kept as
parts run again: program.py), the gradients the backward pass gave it, the loss and the
variables' gradients of the gradient call that ended it; the Recorder keeps its budget by
these counts (budget.py). A mixin of `RecordedStep` (history.py), which holds what it counts.
"""
from __future__ import annotations

import sys

from ..tensor import Tensor
from ..variable import Variable
from .footprint import PER_GRADIENT, Footprint, allocated
from .recorded_op import RECORD_BYTES


def _step_bytes(step) -> int:
    """A kept BackwardStep: its object, its tuple of input gradients and its list slot."""
    return allocated(sys.getsizeof(step)) + allocated(sys.getsizeof(step.input_grads)) + 8


class StepCount:
    """Counting a step (`_count`, `_recount`: its `nbytes`) and what it holds beside its ops."""

    def _count_packed(self) -> None:
        """Count the packed step, with the loss and variable gradients not counted yet."""
        uncounted, self._uncounted = self._uncounted or (), None
        self._footprint.count_packed(
            self._packed, [held for held in uncounted if isinstance(held, Tensor)],
            [held for held in uncounted if not isinstance(held, Tensor)])

    def _recount(self) -> int:
        """Count the step again from nothing (its ops as nodes or packed, its gradients, the
        loss); returns the change."""
        before = self._footprint.nbytes
        footprint = self._footprint = Footprint(len(self._ops) * RECORD_BYTES)
        self._uncounted = None
        for grad in self.variable_gradients.values():
            self._hold_gradient(grad)
        footprint.nbytes += sum(map(_step_bytes, self._backward_steps))
        if self._loss is not None:
            self._hold_loss(self._loss)
        if self._packed is not None:
            self._count_packed()
        return footprint.nbytes - before

    def _count(self) -> int:
        """Count the ops and gradients that came since the last count; returns the bytes."""
        footprint = self._footprint
        added = 0
        if self._flat is not None and footprint.ops < self._record_count():
            added += footprint.count_ops(self._flat)
        elif self._parts is not None and footprint.ops < self._record_count():
            added += footprint.count_segments(self._parts)
            footprint.ops = self._record_count()
        if self._upstream:
            self._place_upstream()
        if footprint.gradients < len(self._grad_log):
            added += footprint.count_gradients(self._grad_log)
        uncounted = self._uncounted
        if uncounted:
            held_bytes = sum(PER_GRADIENT + footprint.hold(held) if isinstance(held, Tensor)
                             else footprint.hold_value(held) for held in uncounted)
            self._uncounted = None
            footprint.nbytes += held_bytes
            added += held_bytes
        return added

    def _take_gradient_call(self, loss, sources, gradients) -> None:
        """Take what a gradient call that ends the step gave: `loss` (the value of its one
        target, or None), its `sources` and `gradients` (each Variable's kept by name)."""
        if loss is not None:
            self._hold_loss(loss)
        self.gradient_sources = list(sources)
        for source, grad in zip(sources, gradients):
            if isinstance(source, Variable) and grad is not None:   # tapeviz.torch's too
                self.variable_gradients[source.name] = grad
                self._hold_gradient(grad)

    def _hold_gradient(self, tensor) -> None:
        """Keep a variable's gradient (outside the step's ops) for the step's next count."""
        self._uncount(tensor)

    def _hold_loss(self, value) -> None:
        """Keep the loss value (usually an op's output) for the step's next count."""
        self._loss = value
        self._uncount(value)

    def _uncount(self, held) -> None:
        if self._uncounted is None:
            self._uncounted = [held]
        else:
            self._uncounted.append(held)

    def _finish_count(self) -> int:
        """Count what is left and forget which arrays were seen (the set is memory too)."""
        added = self._count()
        self._footprint.seen = None
        return added


__all__ = ["StepCount"]
