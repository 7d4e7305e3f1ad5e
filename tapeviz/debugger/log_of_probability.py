"""A cross-entropy written by hand: `-reduce_sum(y * log(softmax(logits)))`, or the log of a
sigmoid's output (`log(p)`, `log(1 - p)`). In float32 the probability of a class the model
grows confident against rounds to exactly 0 (softmax's below e^-103 of the top class's,
sigmoid's below about e^-88), and then log(0) = -inf and y * log(p) = 0 * -inf = NaN: until
that step the loss and the gradients look fine, so the bug shows up only as a NaN or an Inf
loss late in training. Found before it happens, from the shown step's nodes: a log that
reads a softmax's or sigmoid's output directly (through casts, indexing or `1 - p`, not
through a clip or an added epsilon, which are the fix).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import made_through, role

_PASS_THROUGH = frozenset({"cast", "identity", "gather", "strided_slice", "reshape",
                           "torch.getitem", "torch.squeeze", "torch.view"})
_MAKERS = ("softmax", "sigmoid")
_FIXES = {
    ("tf", "softmax"): "give the logits to the built-in loss, which never takes log(0): "
                       "tf.nn.softmax_cross_entropy_with_logits(labels, logits) (integer "
                       "labels: tf.nn.sparse_softmax_cross_entropy_with_logits) or "
                       "tf.keras.losses.CategoricalCrossentropy(from_logits=True); for "
                       "log(softmax(x)) alone, tf.nn.log_softmax(x)",
    ("tf", "sigmoid"): "give the logits to the built-in loss, which never takes log(0): "
                       "tf.nn.sigmoid_cross_entropy_with_logits(labels, logits) or "
                       "tf.keras.losses.BinaryCrossentropy(from_logits=True); for "
                       "log(sigmoid(x)) alone, tf.math.log_sigmoid(x)",
    ("torch", "softmax"): "give the logits to the built-in loss, which never takes log(0): "
                          "F.cross_entropy(logits, labels); for log(softmax(x)) alone, "
                          "F.log_softmax(x, dim=1)",
    ("torch", "sigmoid"): "give the logits to the built-in loss, which never takes log(0): "
                          "F.binary_cross_entropy_with_logits(logits, labels); for "
                          "log(sigmoid(x)) alone, F.logsigmoid(x)",
}


def _one_minus(node) -> bool:
    """Whether `node` is `1 - p`: a subtract from the constant 1."""
    return role(node.op) == "subtract" and np.all(np.asarray(node.inputs[0]._value) == 1)


def _followed(node):
    """The input a probability passes on through `node` (`1 - p`'s p, a cast's or an index's
    input), or None where it stops being one."""
    if _one_minus(node):
        return 1
    return 0 if role(node.op) in _PASS_THROUGH else None


def _probabilities_before(nodes, position: int):
    """The softmax or sigmoid node whose output the log at `position` reads, through ops that
    keep probabilities probabilities (and `1 - p`); or None."""
    return made_through(nodes, position, 0, _MAKERS, _followed, hops=4)


def logs_of_probabilities(by_op: dict, nodes) -> list:
    """One Finding per log (among `by_op`, from `op_index.ops_named`) that reads a softmax's
    or sigmoid's output, said once per line."""
    found, lines = [], set()
    for position, log in by_op.get("log", ()):
        made = _probabilities_before(nodes, position)
        if made is None or log.source in lines:
            continue
        lines.add(log.source)
        found.append(_finding(log, made))
    return found


def _finding(log, made) -> Finding:
    name = role(made.op)
    read = np.asarray(log.inputs[0]._value)
    smallest = float(np.min(read)) if read.size else float("nan")
    now = ("it already read 0 in this step" if smallest == 0 else
           f"the smallest it read in this step: {smallest:.3g}")
    at = "" if made.source == log.source else f" at {_where(made.source)}"
    message = (f"log takes the log of probabilities, the output of {made.op.name}{at}: a "
               f"cross-entropy written by hand; a probability the "
               f"model grows confident against rounds to exactly 0 in float32 ({now}), and "
               f"then log(0) = -inf and y * log(p) = 0 * -inf = NaN, with the loss and the "
               f"gradients fine until that step; at {_where(log.source)}; fix: "
               f"{_FIXES[engine_of(log.op), name]}")
    return Finding("log_of_probability", message, log, related=made.source)
