"""The numpy engine's gradients clipped far below their size in every step, a `diagnose`
finding (torch's is `over_clipped`): `tf.clip_by_global_norm(grads, 1e-6)`, or a Keras
optimizer's `global_clipnorm=1e-6` or `clipnorm=1e-6` (a clip norm meant for something else,
or a typo for 1.0), scales every update down to a tiny fraction of the gradient: nothing
fails, the loss barely moves, and the gradients the tape returned (read before the clip)
make the learning rate look far too small (`tf.clip_by_norm(g, 1e-9)` and
`tf.clip_by_value(g, -1e-9, 1e-9)` alike). Read from each of the last trained steps:
`clip_by_global_norm`'s or `clip_by_norm`'s `maximum(norm, clip_norm)` op or a
`clip_by_value` of a gradient, found from the step's end back to its backward pass, or the
clip setting of the Keras optimizer whose step count the step advanced (`optimizer_clips`:
kept past the optimizer, so a recording read after it is gone finds its clip too), against
the gradients' norm (or largest value). A correct program reads its last
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

_NORM_SCOPES = ("clip_by_global_norm", "clip_by_norm")   # their `maximum(norm, clip_norm)`
_OP_FIXES = {"clip_by_global_norm": "tf.clip_by_global_norm(grads, 1.0) or 5.0",
             "clip_by_norm": "tf.clip_by_norm(g, 1.0)",
             "clip_by_value": "tf.clip_by_value(g, -1.0, 1.0), or a clip by norm"}
ADAPTIVE_SHRINK = 0.1   # an Adam's updates shrunk to at most this by the clip: a cut


def norm_clipped_far_below(trained: list) -> list:
    """A Finding when each of the last MIN_STEPS `trained` steps (`unapplied.last_trained`)
    clipped its gradients' norm (or values) by FACTOR or more (`tf.clip_by_global_norm`,
    `tf.clip_by_norm`, `tf.clip_by_value`, or a Keras optimizer's `global_clipnorm` or
    `clipnorm`)."""
    if len(trained) < MIN_STEPS:
        return []
    from ..keras.optimizers.step_counts import optimizer_clips   # (keras imports the debugger)
    clips = []
    for step in reversed(trained[-MIN_STEPS:]):   # the last first: a correct run's only
        clip = _clip_of(step, optimizer_clips)
        if clip is None or clip[0] < FACTOR * clip[1]:
            return []
        clips.append(clip)
    ratio = min(clip[0] / clip[1] for clip in clips)
    norm, limit, node, setting, adaptive = clips[0]
    if adaptive is not None and adaptive[1] > ADAPTIVE_SHRINK:
        return []   # an Adam divides by the gradient's size: the clip barely matters
    first, last = trained[-MIN_STEPS], trained[-1]
    if setting in _OP_FIXES:
        by = f"by {setting} at {_where(node.source)}"
        fix = _OP_FIXES[setting]
        source = node.source
    else:
        source = node.inputs[0].variable.made_at   # the step count's: the optimizer's line
        by = (f"by the optimizer's {setting}={limit:.2g} (made at {_where(source)}), "
              f"applied at {_where(node.source)}")
        fix = f"{setting}=1.0 is common"
    of = {"clipnorm": "the largest gradient's norm", "clip_by_norm": "that gradient's norm",
          "clip_by_value": "their largest value"}.get(setting, "their norm")
    to = f"values within ±{limit:.2g}" if setting == "clip_by_value" else \
        f"a norm of {limit:.2g}"
    if adaptive is None:
        effect = (f"every update is then the learning rate times under {1 / ratio:.2g} of "
                  f"the gradient")
    else:
        name, shrink, epsilon = adaptive
        effect = (f"{name} divides each update by the gradient's size, so a clip alone would "
                  f"not matter, but gradients this small fall below its epsilon "
                  f"({epsilon:.2g}), which then sets the size: every update is about "
                  f"{shrink:.2g} of the step {name} takes unclipped")
    message = (f"the gradients are clipped to {to} in every step (steps "
               f"{first.number}-{last.number}), at least {ratio:.2g} times below {of} "
               f"(before the clip: {norm:.3g} at step {last.number}) {by}: {effect}, so "
               f"the model barely trains, though the gradients the tape returned look healthy "
               f"and the learning rate too small; fix: clip at about the gradients' usual norm "
               f"({fix}), a guard against a spike, not a cut in every step")
    return [Finding("gradients_over_clipped", message, node, source)]


def _clip_of(step, optimizer_clips):
    """(the gradients' norm, the clip norm, the clip's node, None or the Keras setting's
    name) of `step`'s `tf.clip_by_global_norm`, or of the Keras optimizer that took it
    with `global_clipnorm` or `clipnorm` set, looked for from the step's end back to its
    backward pass; or None."""
    for node in reversed(step.nodes):
        if node.phase == "backward":
            return None
        scope = node.scope.rsplit("/", 1)[-1]
        if node.op.name == "maximum" and scope in _NORM_SCOPES:
            norm, limit = (float(np.max(_array(x))) for x in node.inputs)   # abs(clip_norm)
            return (norm, limit, node, scope, None) if limit > 0 and np.isfinite(norm) else None
        if node.op.name == "clip_by_value" and len(node.inputs) == 3 and \
                type(node.inputs[0]) is not VariableRead:   # (a WGAN's weights: no gradient)
            largest = float(np.max(np.abs(_array(node.inputs[0])), initial=0.0))
            limit = max(abs(float(np.max(_array(x)))) for x in node.inputs[1:])
            return (largest, limit, node, "clip_by_value", None) \
                if limit > 0 and np.isfinite(largest) else None
        if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead:
            settings = optimizer_clips(node.inputs[0].variable)   # (its step count's update)
            clip = None if settings is None else _keras_clip(settings, step, node)
            if clip is not None:
                return clip   # (else a tf.clip_by_global_norm may come before its updates)
    return None


def _keras_clip(settings, step, node):
    """(the gradients' norm, the clip, `node`, the setting's name, `_adaptive`'s) of the
    optimizer's `global_clipnorm` or `clipnorm` (`settings`: its `Clips`), against `step`'s
    gradients; or None if neither is set."""
    gradients = step.variable_gradients
    for setting in ("global_clipnorm", "clipnorm"):
        limit = getattr(settings, setting)
        if limit is not None and limit > 0:
            norms = {name: _norm({name: g}) for name, g in gradients.items()}
            norm = _norm(gradients) if setting == "global_clipnorm" else max(norms.values())
            if not np.isfinite(norm):
                return None
            scales = {name: min(1.0, limit / (norm if setting == "global_clipnorm" else own))
                      if own > 0 else 1.0 for name, own in norms.items()}
            return norm, limit, node, setting, _adaptive(settings, gradients, scales)
    return None


def _adaptive(settings, gradients: dict, scales: dict):
    """(its class name, the median factor the clip `scales` shrink its updates by, its
    epsilon) for an optimizer that divides each update by the gradient's size (Adam,
    RMSprop, Adagrad: one with an `epsilon`), where a clip shrinks an element's update only
    as its clipped gradient falls below epsilon; None for one that does not (SGD)."""
    epsilon = settings.epsilon
    if epsilon is None or epsilon <= 0:
        return None
    factors = []
    for name, gradient in gradients.items():
        size = np.abs(np.asarray(_array(gradient), np.float64)).reshape(-1)
        size = size[size > 0]
        scale = scales[name]
        factors.append(scale * (size + epsilon) / (scale * size + epsilon))
    factors = np.concatenate(factors) if factors else np.ones(1)
    return settings.kind, float(np.median(factors)), float(epsilon)
