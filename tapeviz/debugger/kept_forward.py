"""A step's ops another engine keeps as one record, run again under its autograd on a look.

The torch adapter's Recorder path (tapeviz/torch/kept_steps.py) keeps a training step that
followed a learned program as what cannot be computed again (the batch, the parameters'
values at the step's start, the calls once per program) and puts one record in the step's
place (its op `KEPT_FORWARD`, its inputs the values kept, its params `{"kept": ...}` the
object that runs the step again). When someone first looks at the step, `run_kept_forwards`
puts in its place the records of the ops run again and keeps the backward steps of the
passes run again over them, as the records and steps of a step recorded fully: the same
values bitwise, the same lines, layers and durations. Engine-neutral: the kept object
says how (`again()`), nothing here imports torch.
"""
from __future__ import annotations

from ..node import INPUTS, OP, PARAMS, RECORD_WIDTH
from ..tensor import Tensor



class KeptForward:
    """The op of such a record (named like an op: the Recorder's sorting reads it)."""

    __slots__ = ()
    name = "forward pass"
    kind = "kept forward"


KEPT_FORWARD = KeptForward()


def forward_record(kept, count: int, inputs: tuple, source, scope: str) -> tuple:
    """The record (`node.RECORD_FIELDS`) standing for `count` ops that `kept.again()` makes
    again; `inputs`: the values kept (counted with the step), taped (it starts a step as
    its first taped op would)."""
    output = Tensor()
    output._value = count
    return (None, True, 0.0, KEPT_FORWARD, count, id(output), tuple(map(id, inputs)),
            {"kept": kept}, "forward", scope, source, inputs, output)


def holds_kept(step) -> bool:
    """Whether `step` (a RecordedStep) still holds a record made on a look."""
    flat = step._flat
    if flat is not None:
        return KEPT_FORWARD in flat[OP::RECORD_WIDTH]
    return step._packed is not None and KEPT_FORWARD in step._packed.ops


def run_kept_forwards(step) -> None:
    """Put in place of each kept record of `step` the records its object makes again, and
    attach the backward steps it ran (under `_looking`, before the kept passes)."""
    flat = step._flat
    ops = flat[OP::RECORD_WIDTH]
    ran = []
    while KEPT_FORWARD in ops:
        at = ops.index(KEPT_FORWARD)
        # (given the record's inputs as the step holds them: a value an update of the step
        # wrote is that update's output, linked by its id)
        records, steps = flat[at * RECORD_WIDTH + PARAMS]["kept"].again(
            flat[at * RECORD_WIDTH + INPUTS])
        flat[at * RECORD_WIDTH:(at + 1) * RECORD_WIDTH] = records
        moved = len(records) // RECORD_WIDTH - 1
        if step._grads:
            step._grads = {index + moved if index > at else index: grad
                           for index, grad in step._grads.items()}
        ran += steps
        ops = flat[OP::RECORD_WIDTH]
    step._nodes, step._taped_ids, step._taped_upto = None, None, 0
    for backward in ran:
        step._attach({backward.node.output_id: backward.upstream}, backward)
    grown = step._recount()
    if step._owner is not None:
        grown += step._finish_count()
        step._owner.grew(grown, step)


__all__ = ["KEPT_FORWARD", "forward_record", "holds_kept", "run_kept_forwards"]
