"""The `GradientComputed` a backward pass ends with, or the training step it is part of.

Sent when its training step ends (`steps.py`: at the optimizer step that follows, with the
passes before it) with the `.grad` of the leaves it reached, copied when read (a
`torch.amp.GradScaler`'s pass: the loss and gradients unscaled; a step the scaler skips:
none).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from .. import events
from ..tensor import wrap
from . import autograd, kept_steps, modules, steps, values   # (autograd calls this module:
#                                                              no import-time use)


def announce(func, args, kwargs, roots, result, leaves, tapes) -> None:
    """The GradientComputed that ends the pass, or the training step it is part of
    (`steps.py`): the roots, the leaves it reached with the `.grad` they hold when the step
    ends (what `optimizer.step()` reads), or `autograd.grad`'s inputs with its results. The
    leaves are found and the gradients copied to numpy when first read (a Runner counting
    steps reads neither). `autograd.grad(create_graph=True)` (a gradient penalty, an inner
    loop) is part of the step a later pass differentiates: it sends none, as a gradient
    call inside an outer tape ends no numpy-engine step."""
    name_of = modules.parameter_name
    tape = tapes[0] if tapes else None
    if func is torch.autograd.grad:
        if kwargs.get("create_graph"):
            return
        inputs = args[1] if len(args) > 1 else kwargs["inputs"]
        inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        sources = [values.variable_of(leaf, None, name_of) for leaf in inputs]
        targets = [values.snapshot(root, name_of) for root in roots]
        kept_steps.step_ends()
        events.emit(events.GradientComputed(tape, targets, sources, HostCopies(list(result))))
        return

    def reached() -> list:   # walked only if read (after the pass: the graph's nodes and
        nonlocal leaves      # edges outlive the tensors it freed)
        if leaves is None:
            leaves = autograd.walk(roots, {})[1]
        return list(leaves.values())
    scale, loss, scaling = autograd.scale_of(roots)
    if loss is None:
        targets = [values.snapshot(root, name_of) for root in roots]
    else:   # scaler.scale(loss).backward(): the loss, and the gradients unscaled, as
        targets = [values.snapshot(loss)]   # optimizer.step() uses them after unscale_
        if not all(leaf.grad is None or bool(leaf.grad.isfinite().all()) for leaf in reached()):
            if scale > 1.0 and scaling is not None:   # what the inspector shows of the mul
                scaling.params["skipped"] = SKIPPED.format(scale=scale)
            steps.skipped(tape, targets, reached, scale)   # the scaler skips this step
            return

    def computed() -> None:
        sources = Later(lambda: [values.variable_of(leaf, None, name_of) for leaf in reached()])
        grads = Later(lambda: HostCopies([leaf.grad for leaf in reached()], scale))
        events.emit(events.GradientComputed(tape, targets, sources, grads))
    steps.pass_ended(tape, targets, reached, computed)


SKIPPED = ("GradScaler: the gradients of loss x {scale:.3g} overflowed, so scaler.step() skips "
           "this step's optimizer.step() and scaler.update() lowers the scale, as AMP does "
           "(the first steps often): not a bug in the program")


class Later(Sequence):
    """A list made when first read."""

    def __init__(self, make):
        self._make = make
        self._items = None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __len__(self) -> int:
        return len(self._list())

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self):
        return iter(self._list())


class HostCopies(Sequence):
    """Torch tensors read as tapeviz Tensors of their values, each copied on first read."""

    def __init__(self, tensors, scale: float = 1.0):
        self._tensors = tensors
        self._copies = [None] * len(tensors)
        self._scale = scale   # what the gradients are divided by (a GradScaler's)

    def __len__(self) -> int:
        return len(self._tensors)

    def __iter__(self):
        return iter([self[i] for i in range(len(self._tensors))])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        copy = self._copies[i]
        if copy is None and self._tensors[i] is not None:   # the copy an update op's input shares
            copy = values.snapshot(self._tensors[i])
            if self._scale != 1.0:
                copy = wrap(copy._value / self._scale)
            self._copies[i] = copy
        return copy
