"""The numpy engine's gradients clipped far below their size in every step, a `diagnose`
finding (torch's is `over_clipped`): `tf.clip_by_global_norm(grads, 1e-6)`, or a Keras
optimizer's `global_clipnorm=1e-6` or `clipnorm=1e-6` (a clip norm meant for something else,
or a typo for 1.0), scales every update down to a tiny fraction of the gradient: nothing
fails, the loss barely moves, and the gradients the tape returned (read before the clip)
make the learning rate look far too small. Read from each of the last trained steps:
`clip_by_global_norm`'s `maximum(norm, clip_norm)` op, found from the step's end back to its
backward pass, or the clip setting of the Keras optimizer whose step count the step
advanced (`optimizer_of`), against the gradients' norm. A correct program reads its last
step's ops from the end to its gradient call.
"""
from __future__ import annotations

import numpy as np

from ..variable import VariableRead
from .findings import Finding
from .numerics import _where
from .over_clipped import FACTOR, MIN_STEPS
from .summary import _array
from .unapplied import _norm

_SCOPE = "clip_by_global_norm"


def norm_clipped_far_below(trained: list) -> list:
    """A Finding when each of the last MIN_STEPS `trained` steps (`unapplied.last_trained`)
    clipped its gradients' norm by FACTOR or more (`tf.clip_by_global_norm`, or a Keras
    optimizer's `global_clipnorm` or `clipnorm`)."""
    if len(trained) < MIN_STEPS:
        return []
    from ..keras.optimizers.base import optimizer_made_at, optimizer_of   # (keras imports
    clips = []                                                            # the debugger)
    for step in reversed(trained[-MIN_STEPS:]):   # the last first: a correct run's only
        clip = _clip_of(step, optimizer_made_at, optimizer_of)
        if clip is None or clip[0] < FACTOR * clip[1]:
            return []
        clips.append(clip)
    ratio = min(norm / limit for norm, limit, _, _ in clips)
    norm, limit, node, setting = clips[0]
    first, last = trained[-MIN_STEPS], trained[-1]
    if setting is None:
        by = f"by clip_by_global_norm at {_where(node.source)}"
        fix = "tf.clip_by_global_norm(grads, 1.0) or 5.0"
        source = node.source
    else:
        source = node.inputs[0].variable.made_at   # the step count's: the optimizer's line
        by = (f"by the optimizer's {setting}={limit:.2g} (made at {_where(source)}), "
              f"applied at {_where(node.source)}")
        fix = f"{setting}=1.0 is common"
    of = "the largest gradient's norm" if setting == "clipnorm" else "their norm"
    message = (f"the gradients are clipped to a norm of {limit:.2g} in every step (steps "
               f"{first.number}-{last.number}), at least {ratio:.2g} times below {of} "
               f"(before the clip: {norm:.3g} at step {last.number}) {by}: every update is "
               f"then the learning rate times under {1 / ratio:.2g} of the gradient, so "
               f"the model barely trains, though the gradients the tape returned look healthy "
               f"and the learning rate too small; fix: clip at about the gradients' usual norm "
               f"({fix}), a guard against a spike, not a cut in every step")
    return [Finding("gradients_over_clipped", message, node, source)]


def _clip_of(step, optimizer_made_at, optimizer_of):
    """(the gradients' norm, the clip norm, the clip's node, None or the Keras setting's
    name) of `step`'s `tf.clip_by_global_norm`, or of the Keras optimizer that took it
    with `global_clipnorm` or `clipnorm` set, looked for from the step's end back to its
    backward pass; or None."""
    for node in reversed(step.nodes):
        if node.phase == "backward":
            return None
        if node.op.name == "maximum" and node.scope.rsplit("/", 1)[-1] == _SCOPE:
            norm, limit = (float(np.max(_array(x))) for x in node.inputs)   # abs(clip_norm)
            return (norm, limit, node, None) if limit > 0 and np.isfinite(norm) else None
        if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead \
                and optimizer_made_at(node.inputs[0].variable) is not None:
            optimizer = optimizer_of(node.inputs[0].variable)   # (its step count's update)
            clip = None if optimizer is None else _keras_clip(optimizer, step, node)
            if clip is not None:
                return clip   # (else a tf.clip_by_global_norm may come before its updates)
    return None


def _keras_clip(optimizer, step, node):
    """(the gradients' norm, the clip, `node`, the setting's name) of `optimizer`'s
    `global_clipnorm` or `clipnorm`, against `step`'s gradients; or None if neither is set."""
    gradients = step.variable_gradients
    for setting in ("global_clipnorm", "clipnorm"):
        limit = getattr(optimizer, setting)
        if limit is not None and limit > 0:
            norm = _norm(gradients) if setting == "global_clipnorm" else \
                max(_norm({name: g}) for name, g in gradients.items())
            return (norm, limit, node, setting) if np.isfinite(norm) else None
    return None
