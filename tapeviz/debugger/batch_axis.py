"""A softmax, or a hand-written cross-entropy's sum, over the batch axis: `tf.nn.softmax(
logits, axis=0)` or `-tf.reduce_sum(y * tf.math.log(p), axis=0)` where axis 0 holds the
examples. Axis 0 is the batch when the values come, through a few elementwise ops, from a
layer's `x @ w` (its classes on the last axis), or from a softmax over the last axis; in
the column layout some courses use (`w @ x`, one example a column) axis 0 is the classes,
and nothing is said.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .findings import Finding
from .numerics import _where
from .op_index import axes_of, maker, role

_ALONG = ("add", "bias_add", "subtract", "multiply", "truediv", "log", "identity", "cast")
_LOGS = ("log", "log_softmax")


def _examples_first(nodes, position: int, hops: int = 6) -> bool:
    """Whether the value read by the node at `position` has its examples on axis 0: it
    comes (following each op's first made input) from a layer's x @ w or from a softmax
    over the last axis."""
    for _ in range(hops):
        node = nodes[position]
        for argument in range(len(node.inputs)):
            made = maker(nodes, position, argument)
            if made is None:
                continue
            _, source = made
            name = role(source.op)
            if name == "matmul":
                return _kernel_first(source) is False
            if name in ("softmax", "log_softmax"):
                ndim = np.ndim(source.output._value)
                return axes_of(source, ndim) == (ndim - 1,)
            if name in _ALONG:
                position = made[0]
                break
        else:
            return False
    return False


def _kernel_first(matmul):
    """True for w @ x (a variable first), False for x @ w (or torch's linear(x, weight)),
    None when neither reads one."""
    kinds = [type(t) is VariableRead for t in matmul.inputs[:2]]
    if kinds[1] and not kinds[0]:
        return False
    return True if kinds[0] and not kinds[1] else None


def _batch_axis(node) -> bool:
    """Whether the op works along axis 0 (only) of a rank-2+ value with several examples."""
    value = node.inputs[0]._value
    return np.ndim(value) >= 2 and np.shape(value)[0] > 1 and \
        axes_of(node, np.ndim(value)) == (0,)


def _softmax_finding(node) -> Finding:
    shape = tuple(np.shape(node.output._value))
    sums = np.sum(np.asarray(node.output._value, np.float64), axis=tuple(range(1, len(shape))))
    name = node.op.name
    if engine_of(node.op) == "tf":
        axis, fix = "axis 0", f"tf.nn.{name}(logits) (axis=-1, the default)"
    else:
        dim = 1 if len(shape) == 2 else -1
        module = "Softmax" if name == "softmax" else "LogSoftmax"
        axis, fix = "dim 0", f"F.{name}(logits, dim={dim}) (nn.{module}(dim={dim}))"
    message = (f"{name} over {axis} of {shape}, the batch axis: each class is "
               f"normalised across the {shape[0]} examples, so an example's probabilities do not "
               f"sum to 1 (they sum to {sums.min():.3g} to {sums.max():.3g} here) and the model "
               f"learns to rank examples, not classes; at {_where(node.source)}; fix: "
               f"normalise over the classes, the last axis: {fix}")
    return Finding("batch_axis", message, node)


_SCALING = ("negative", "multiply", "truediv")   # a sign or a scale on the way to the loss


def _reduced_whole(nodes, position: int, reach: int = 8) -> str | None:
    """The op (reduce_mean or reduce_sum) that makes one number of the output of the node at
    `position`, through a sign or a scale, among the `reach` ops after it; else None."""
    current = nodes[position].output_id
    for later in range(position + 1, min(len(nodes), position + 1 + reach)):
        node = nodes[later]
        if current not in node.input_ids:
            continue
        name = role(node.op)
        if name in ("reduce_mean", "reduce_sum") and np.ndim(node.output._value) == 0:
            return name
        if name not in _SCALING:
            return None
        current = node.output_id
    return None


def _sum_finding(nodes, position: int, what: str) -> Finding | None:
    """The finding for a cross-entropy reduced over axis 0 first, unless what follows makes
    it the batch's mean or total anyway (mean over examples then sum over classes; sums)."""
    node = nodes[position]
    examples, classes = np.shape(node.inputs[0]._value)[0], np.shape(node.inputs[0]._value)[-1]
    then = _reduced_whole(nodes, position)
    reduced = role(node.op)
    scale = {("reduce_sum", "reduce_mean"): examples / classes,
             ("reduce_mean", "reduce_mean"): 1 / classes}.get((reduced, then))
    if then is not None and scale is None:
        return None   # the mean, or the total, of the examples' cross-entropy: as written
    shape = tuple(np.shape(node.inputs[0]._value))
    verb = "sums" if reduced == "reduce_sum" else "averages"
    tf = engine_of(node.op) == "tf"
    message = (f"{node.op.name} over {'axis' if tf else 'dim'} 0 of {what} {shape}, the batch "
               f"axis: it {verb} each class over the {examples} examples ({classes} class "
               f"values, not {examples} example losses)")
    if scale is not None:
        then = then if tf else _NAMES[then]
        message += (f", and the {then} after it makes the loss {scale:.3g}x the examples' "
                    f"mean cross-entropy ({examples} examples, {classes} classes), so the step "
                    f"size changes with the batch size")
    message += (f"; at {_where(node.source)}; fix: sum over the classes, then average over "
                f"the batch: " + (
                    "tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(p), axis=-1)) (or "
                    "tf.keras.losses.CategoricalCrossentropy())" if tf else
                    "(-(y * torch.log(p)).sum(dim=1)).mean() (or F.cross_entropy(logits, "
                    "labels) on the logits)"))
    return Finding("batch_axis", message, node)


_NAMES = {"reduce_mean": "mean", "reduce_sum": "sum"}   # torch's names of the reductions


def _log_term(nodes, position: int) -> str | None:
    """'y * log(p)' or 'log(p)' when the reduction at `position` reads one, else None."""
    made = maker(nodes, position)
    if made is None:
        return None
    index, source = made
    name = role(source.op)
    if name in _LOGS:
        return source.op.name + "(p)"
    if name == "multiply" and any(
            (m := maker(nodes, index, argument)) is not None and role(m[1].op) in _LOGS
            for argument in range(min(2, len(source.inputs)))):   # (torch's x * 0.5: one)
        return "y * log(p)"
    return None


def over_batch_axis(by_op: dict, nodes) -> list:
    """A Finding per softmax/log_softmax, or reduce_sum/reduce_mean of a log term (a
    cross-entropy), over axis 0 where axis 0 holds the examples (`by_op`: from
    `op_index.ops_named`)."""
    found = []
    for op in ("softmax", "log_softmax"):
        for position, node in by_op.get(op, ()):
            if _batch_axis(node) and _examples_first(nodes, position):
                found.append(_softmax_finding(node))
    if found:
        return found   # a softmax over the batch explains the loss built on it
    for op in ("reduce_sum", "reduce_mean"):
        for position, node in by_op.get(op, ()):
            if not _batch_axis(node):
                continue
            term = _log_term(nodes, position)
            if term is not None and _examples_first(nodes, position):
                finding = _sum_finding(nodes, position, term)
                found += [finding] if finding is not None else []
    return found
