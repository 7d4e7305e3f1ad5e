"""Gradients clipped far below their size in every step, a `diagnose` finding: torch's
`clip_grad_norm_(model.parameters(), 1e-6)` (a max_norm meant for something else, or a
typo for 1.0) scales every gradient down by its norm over max_norm, so each update is the
learning rate times a tiny fraction of the gradient: nothing fails, the loss barely moves,
and the recorded gradients (read after the clip) look merely small. The adapter records the
clip as one op (`stand_ins.py`): its params hold max_norm, its output the gradients' total
norm before the clip. Read from the last trained steps' clip ops alone; a correct program
ends at the last step's nodes, read from its end, with no clip among its updates.
"""
from __future__ import annotations

from .findings import Finding
from .numerics import _where

FACTOR = 1e3   # the gradients' norm over max_norm, in each step, that is no guard but a cut
MIN_STEPS = 3


def gradients_over_clipped(trained: list) -> list:
    """A Finding when each of the last MIN_STEPS `trained` steps (`unapplied.last_trained`)
    clipped its gradients' total norm by FACTOR or more."""
    if len(trained) < MIN_STEPS:
        return []
    clips = [_clip_of(step) for step in trained[-MIN_STEPS:]]
    if any(clip is None for clip in clips):
        return []
    ratios = [float(clip.output._value) / clip.params["max_norm"] for clip in clips]
    if min(ratios) < FACTOR:
        return []
    clip, first, last = clips[-1], trained[-MIN_STEPS], trained[-1]
    max_norm = clip.params["max_norm"]
    message = (f"the gradients are clipped to a norm of {max_norm:.2g} in every step (steps "
               f"{first.number}-{last.number}), at least {min(ratios):.2g} times below their "
               f"norm (before the clip: {float(clip.output._value):.3g} at step {last.number}) "
               f"by {clip.op.name} at {_where(clip.source)}: every update is then the learning "
               f"rate times under {1 / min(ratios):.2g} of the gradient, so the model barely "
               f"trains, and the gradients recorded after the clip look merely small; fix: "
               f"clip at about the gradients' usual norm (max_norm=1.0 is common), a guard "
               f"against a spike, not a cut in every step")
    return [Finding("gradients_over_clipped", message, clip)]


def _clip_of(step):
    """`step`'s clip_grad_norm_ op with a positive max_norm, looked for from its end
    (it runs between backward() and the optimizer's step), or None."""
    for node in reversed(step.nodes):
        if node.op.name == "clip_grad_norm_":
            max_norm = node.params.get("max_norm")
            return node if type(max_norm) in (int, float) and max_norm > 0 else None
        if node.phase == "forward" and node.op.kind != "update":
            return None   # (past the step's updates: no clip after the backward pass)
    return None
