"""A softmax, or a hand-written cross-entropy's sum, over the batch axis: `tf.nn.softmax(
logits, axis=0)` or `-tf.reduce_sum(y * tf.math.log(p), axis=0)` where axis 0 holds the
examples. Axis 0 is the batch when the values come, through a few elementwise ops, from a
layer's `x @ w` (its classes on the last axis), or from a softmax over the last axis; in
the column layout some courses use (`w @ x`, one example a column) axis 0 is the classes,
and nothing is said.
"""
from __future__ import annotations

import numpy as np

from ..tensor import VariableRead
from .findings import Finding
from .numerics import _where
from .op_index import maker

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
            name = source.op.name
            if name == "matmul":
                return _kernel_first(source) is False
            if name in ("softmax", "log_softmax"):
                return source.params.get("axis") == np.ndim(source.output._value) - 1
            if name in _ALONG:
                position = made[0]
                break
        else:
            return False
    return False


def _kernel_first(matmul):
    """True for w @ x (a variable first), False for x @ w, None when neither reads one."""
    kinds = [type(t) is VariableRead for t in matmul.inputs]
    if kinds[1] and not kinds[0]:
        return False
    return True if kinds[0] and not kinds[1] else None


def _batch_axis(node) -> bool:
    """Whether the op works along axis 0 (only) of a rank-2+ value with several examples."""
    value = node.inputs[0]._value
    axis = node.params.get("axis")
    axis = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return np.ndim(value) >= 2 and np.shape(value)[0] > 1 and axis == (0,)


def _softmax_finding(node) -> Finding:
    shape = tuple(np.shape(node.output._value))
    sums = np.sum(np.asarray(node.output._value, np.float64), axis=tuple(range(1, len(shape))))
    message = (f"{node.op.name} over axis 0 of {shape}, the batch axis: each class is "
               f"normalised across the {shape[0]} examples, so an example's probabilities do not "
               f"sum to 1 (they sum to {sums.min():.3g} to {sums.max():.3g} here) and the model "
               f"learns to rank examples, not classes; at {_where(node.source)}; fix: "
               f"normalise over the classes, the last axis: tf.nn.{node.op.name}(logits) "
               f"(axis=-1, the default)")
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
        if node.op.name in ("reduce_mean", "reduce_sum") and np.ndim(node.output._value) == 0:
            return node.op.name
        if node.op.name not in _SCALING:
            return None
        current = node.output_id
    return None


def _sum_finding(nodes, position: int, what: str) -> Finding | None:
    """The finding for a cross-entropy reduced over axis 0 first, unless what follows makes
    it the batch's mean or total anyway (mean over examples then sum over classes; sums)."""
    node = nodes[position]
    examples, classes = np.shape(node.inputs[0]._value)[0], np.shape(node.inputs[0]._value)[-1]
    then = _reduced_whole(nodes, position)
    scale = {("reduce_sum", "reduce_mean"): examples / classes,
             ("reduce_mean", "reduce_mean"): 1 / classes}.get((node.op.name, then))
    if then is not None and scale is None:
        return None   # the mean, or the total, of the examples' cross-entropy: as written
    shape = tuple(np.shape(node.inputs[0]._value))
    verb = "sums" if node.op.name == "reduce_sum" else "averages"
    message = (f"{node.op.name} over axis 0 of {what} {shape}, the batch axis: it {verb} each "
               f"class over the {examples} examples ({classes} class values, not {examples} "
               f"example losses)")
    if scale is not None:
        message += (f", and the {then} after it makes the loss {scale:.3g}x the examples' "
                    f"mean cross-entropy ({examples} examples, {classes} classes), so the step "
                    f"size changes with the batch size")
    message += (f"; at {_where(node.source)}; fix: sum over the classes, then average over "
                f"the batch: tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(p), axis=-1)) (or "
                f"tf.keras.losses.CategoricalCrossentropy())")
    return Finding("batch_axis", message, node)


def _log_term(nodes, position: int) -> str | None:
    """'y * log(p)' or 'log(p)' when the reduction at `position` reads one, else None."""
    made = maker(nodes, position)
    if made is None:
        return None
    index, source = made
    if source.op.name in _LOGS:
        return source.op.name + "(p)"
    if source.op.name == "multiply" and any(
            (m := maker(nodes, index, argument)) is not None and m[1].op.name in _LOGS
            for argument in range(2)):
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
