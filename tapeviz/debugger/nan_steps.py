"""Where NaN/Inf was born over a Recorder's steps: after a run diverged, every later step
holds NaN, so the birth is searched from the step before the first non-finite loss or
gradient; when no kept op made it from finite inputs, the first op that read it is named.
"""
from __future__ import annotations

import math

from ..nonfinite import reason
from .findings import Finding
from .numerics import _op_name, _where, find_nan_origin
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


def _first_nan(steps) -> Finding | None:
    """Where NaN/Inf was born in the first recorded step that made any (later steps only
    carry it, or make it again), with that step's number."""
    for step in steps:
        origin = find_nan_origin([rop.node for rop in step.ops])
        if origin is None:
            continue
        later = sum(1 for s in steps if s.index > step.index and s.loss is not None
                    and not math.isfinite(s.loss))
        after = f"; {later} later step(s) have a non-finite loss" if later else ""
        return Finding("nan", f"{str(origin).splitlines()[0]}; first in step "
                       f"{step.number}{after}", origin.node, origin.source)
    return None


def _nan_carried_in(steps, dropped: int) -> Finding | None:
    """When NaN/Inf is in the steps but no kept op made it from finite inputs: the first op
    that read it, and where it may have come from."""
    for step in steps:
        node = next((rop.node for rop in step.ops if not all_finite(rop.node.output)), None)
        if node is None:
            continue
        why = reason(_op_name(node), node.inputs, node.output) or "its input held NaN/Inf"
        older = (f"; {dropped} older step(s) were dropped to keep the Recorder's byte budget "
                 f"and it may have been born there: raise Recorder(max_bytes=...)"
                 if dropped else "")
        return Finding("nan", f"{_op_name(node)} read NaN/Inf that no kept op made, in step "
                       f"{step.number} at {_where(node.source)}; {why}{older}", node)
    return None


def nan_over_steps(steps, carried_in: bool = True, dropped: int = 0) -> Finding | None:
    """Where NaN/Inf was first born in recorded `steps`, with the step's number; else, with
    `carried_in`, the first op that read NaN/Inf no kept op made (`dropped`: how many older
    steps the Recorder dropped, where it may have been born)."""
    suspects = _suspects(steps)
    born = _first_nan(suspects)
    if born is None and carried_in:
        born = _nan_carried_in(suspects, dropped)
    return born
