"""Where NaN/Inf was born over a Recorder's steps: after a run diverged, every later step
holds NaN, so the birth is searched from the step before the first non-finite loss or
gradient; when no kept op made it from finite inputs, the first op given it from outside
(the data, a variable's value: `nan_entry`) is named, with the input and what it was. An
op inside a VJP is named with the forward op whose VJP ran it and that op's line (the user's
`tf.sqrt(...)`, not only the `tape.gradient` call); a gradient the torch adapter's update
was given is traced to the backward step that made it (autograd runs no recorded op).
"""
from __future__ import annotations

import math

from .findings import Finding
from .nan_entry import NaNEntry
from .numerics import _origin, _where, find_nan_origin, made_by_vjp
from .summary import all_finite


def _finite_step(step) -> bool:
    loss = step.loss
    return (loss is None or math.isfinite(loss)) and \
        all(all_finite(g) for g in step.variable_gradients.values())


def _suspects(steps) -> list:
    """The steps from the one before the first non-finite loss or gradient: NaN that
    reaches neither is harmless (and the shown step is searched on its own)."""
    first = next((i for i, step in enumerate(steps) if not _finite_step(step)), None)
    return [] if first is None else steps[max(0, first - 1):]


def _first_nan(steps, carried_in: bool, dropped: int) -> Finding | None:
    """Where NaN/Inf first appeared in `steps`: the op that made it from finite inputs, or
    (with `carried_in`) the first op given it from outside, with that step's number (later
    steps only carry it, or make it again)."""
    for step in steps:
        origin = find_nan_origin([rop.node for rop in step.ops], entered=carried_in)
        if origin is None:
            continue
        if isinstance(origin, NaNEntry) and origin.node.op.kind == "update":
            # a gradient given to an update: born in a backward step no recorded op ran
            origin = next(filter(None, map(made_by_vjp, step.backward_steps)), origin)
        if origin.phase == "backward" and origin.vjp_of is None:
            forward = vjp_of(step, origin.node)
            if forward is not None:
                origin = _origin(origin.node, forward.index, forward.node)
        later = sum(1 for s in steps if s.index > step.index and s.loss is not None
                    and not math.isfinite(s.loss))
        after = f"; {later} later step(s) have a non-finite loss" if later else ""
        origin.of = f"step {step.number}"   # as the widget's title and inspector name the step
        if isinstance(origin, NaNEntry):
            return _carried_in(origin, step, after, dropped)
        return Finding("nan", f"{str(origin).splitlines()[0]}; first in step "
                       f"{step.number}{after}", origin.node, origin.source)
    return None


def vjp_of(step, node):
    """The forward op (a RecordedOp) of recorded `step` whose VJP ran backward `node`: the
    one whose upstream gradient `node` read, else (an op named `<op>_grad`) the `<op>` whose
    output it read; or None."""
    forward = [rop for rop in step.ops if rop.phase == "forward"]
    by_gradient = {id(rop.grad): rop for rop in forward if rop.grad is not None}
    for tensor in node.inputs:
        if id(tensor._value) in by_gradient:
            return by_gradient[id(tensor._value)]
    name = node.op.name.removesuffix("_grad")
    if name == node.op.name:
        return None
    outputs = {rop.node.output_id: rop for rop in forward if rop.op == name}
    return next((outputs[i] for i in node.input_ids if i in outputs), None)


def _carried_in(entry: NaNEntry, step, after: str, dropped: int) -> Finding:
    """The first op given NaN/Inf that no kept op made, which input, what it was, and where
    it may have come from."""
    older = (f"; {dropped} older step(s) were dropped to keep the Recorder's byte budget "
             f"and it may have been born there: raise Recorder(max_bytes=...)"
             if dropped else "")
    return Finding("nan", f"{entry.op} read NaN/Inf that no kept op made, in step "
                   f"{step.number} at {_where(entry.source)}; {entry.detail()}{after}{older}; "
                   f"fix: {entry.fix}", entry.node)


def nan_over_steps(steps, carried_in: bool = True, dropped: int = 0) -> Finding | None:
    """Where NaN/Inf first appeared in recorded `steps`, with the step's number: the op that
    made it, or (with `carried_in`, when that came first) the first op given it from outside
    (`dropped`: how many older steps the Recorder dropped, where it may have been born)."""
    return _first_nan(_suspects(steps), carried_in, dropped)
