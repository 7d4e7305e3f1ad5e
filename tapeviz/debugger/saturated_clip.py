"""A clip that holds every value it is given at its bounds (`tf.clip_by_value(loss, 0, 1)`
on a loss of 2.3, torch's `loss.clamp(max=0.5)`): outside its bounds a clip's derivative
is zero, so nothing passes back and the variables before it get exactly zero gradients
every step. Most often the loss was clipped where the gradients were meant to be. Said
once, for every variable it cuts off, with the clip's line and the fix in the engine's words.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _op_name, _where
from .step_function import first_after
from .summary import _array
from .variable_names import model_in_code, reached_name, scope_reading

_CLIPS = frozenset({"clip_by_value", "clamp", "clip"})   # TF's, torch's two names


def _bounds(node) -> tuple:
    """(low, high) of clip `node` (None where unbounded): TF's are its inputs, torch's its
    arguments."""
    if node.op.name == "clip_by_value":
        return tuple(float(_array(bound)) if _array(bound).size == 1 else None
                     for bound in node.inputs[1:3])
    params = getattr(node, "params", None) or {}
    return tuple(float(params[key]) if isinstance(params.get(key), (int, float)) else None
                 for key in ("min", "max"))


def _held(node) -> tuple | None:
    """(values, low, high) when clip `node` holds every value given it outside its bounds,
    where its derivative is zero; else None."""
    if node.op.name not in _CLIPS or not node.inputs:
        return None
    low, high = _bounds(node)
    values = np.asarray(_array(node.inputs[0]), np.float64)
    if values.size == 0 or (low is None and high is None):
        return None
    outside = np.zeros(values.shape, bool)
    if low is not None:
        outside |= values < low
    if high is not None:
        outside |= values > high
    return (values, low, high) if outside.all() else None


def saturated_clip_after(nodes, reader):
    """The first clip on the way from `reader` (the op that read a variable) to the loss that
    holds every value it gets at its bounds; None when there is none."""
    return first_after(nodes, reader, lambda node: _held(node) is not None)


def clip_finding(clip, names: list, count: int, nodes=()) -> Finding:
    """One finding for the variables `names`, whose gradients are exactly zero in all `count`
    steps because `clip` holds everything it gets at its bounds (named as `nodes`, the step's,
    read them: `reached_name`)."""
    values, low, high = _held(clip)
    torch = engine_of(clip.op) == "torch"
    if values.size == 1:
        value = float(values.reshape(()))
        side = f"above its bound {high:g}" if high is not None and value > high else \
            f"below its bound {low:g}"
        what = f"the value it gets ({value:.4g} in the last step) lies {side}"
    else:
        above = int(np.sum(values > high)) if high is not None else 0
        below = values.size - above
        parts = [f"{above} above {high:g}" if above else "", f"{below} below {low:g}"
                 if below else ""]
        what = (f"all {values.size} values it gets lie outside its bounds "
                f"({', '.join(p for p in parts if p)})")
    shown = ", ".join(reached_name(name, nodes) for name in names[:4]) + (
        f" and {len(names) - 4} more" if len(names) > 4 else "")
    model = model_in_code(scope_reading(names[0], nodes)) if names else "model"
    clip_grads = (f"torch.nn.utils.clip_grad_norm_({model}.parameters(), 1.0) after "
                  f"loss.backward()" if torch else
                  "grads, _ = tf.clip_by_global_norm(grads, 1.0) after tape.gradient, or the "
                  "optimizer's clipnorm=1.0")
    fix = (f"fix: clip the gradients, not the loss: {clip_grads}" if values.size == 1 else
           f"fix: widen the bounds or drop the clip; to bound the updates, clip the gradients: "
           f"{clip_grads}")
    return Finding("clip_saturated", f"{_op_name(clip)} at {_where(clip.source)}: {what}, "
                   f"where a clip's derivative is zero, so no gradient passes back: "
                   f"{shown} get exactly zero gradients in all {count} steps and never train; "
                   f"{fix}", clip, variables=names)
