"""A regression whose output activation cannot reach its targets: `Dense(1, activation=
"sigmoid")` (a classifier's head, copied) predicting values from 48 to 83, a tanh's output
compared with targets beyond 1, a relu's with negative ones. The predictions stay inside the
activation's range, it saturates against the bound and its gradient vanishes, so the loss
stops high, silently. Read from the prediction's error: a subtraction of the data from
an activation's output (or the other way round), on the way to a square or an absolute
value, the data mostly outside that range.
"""
from __future__ import annotations

from itertools import compress
from operator import attrgetter

import numpy as np

from ..nonfinite import engine_of
from .findings import Finding
from .numerics import _where
from .op_index import made_through, role
from .summary import _array

_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, np.inf),
           "torch.tanh": (-1.0, 1.0), "torch.relu": (0.0, np.inf)}
_ERRORS = frozenset({"square", "abs", "pow", "torch.square", "torch.abs",
                     "torch.pow"})   # what a regression's loss makes of its error
_SUBTRACTIONS = frozenset({"subtract", "sub"})
_ACTIVATIONS = frozenset({"sigmoid", "tanh", "relu"})   # their op names, in both engines
_BARE = {"tf": "Dense(1) alone", "torch": "the last nn.Linear's output alone"}
OUTSIDE = 0.5   # the share of targets outside the range that says they cannot be reached
_op_names = attrgetter("op.name")


def _carries(node):
    """The input to follow back through an op that hands a prediction on unchanged."""
    return 0 if node.op.kind == "shape" or role(node.op) in ("cast", "identity") else None


def output_out_of_range(nodes) -> list:
    """A Finding per subtraction among `nodes` (the shown step's forward ops) of data from
    an activation's output whose values lie mostly outside that activation's range, the
    difference then squared or made absolute."""
    names = list(map(_op_names, nodes))
    if _ACTIVATIONS.isdisjoint(names) or _SUBTRACTIONS.isdisjoint(names):
        return []   # (found in C: a step with no activation or no subtraction ends here)
    found, said = [], set()
    for position in compress(range(len(nodes)), map(_SUBTRACTIONS.__contains__, names)):
        error = nodes[position]
        if len(error.inputs) != 2 or not _squared(nodes, position):
            continue
        for argument in (0, 1):
            activation = made_through(nodes, position, argument, tuple(_RANGES), _carries,
                                      hops=3)
            if activation is None or id(activation) in said:
                continue
            targets = _array(error.inputs[1 - argument]).astype(np.float64, copy=False)
            low, high = _RANGES[role(activation.op)]
            outside = float(np.mean((targets < low) | (targets > high))) if targets.size \
                else 0.0
            if outside > OUTSIDE:
                said.add(id(activation))
                found.append(_finding(activation, error, targets, outside, low, high))
    return found


def _squared(nodes, position: int) -> bool:
    """Whether an op right after the subtraction at `position` squares its difference or
    takes its absolute value (a regression's error, not a centring or a residual)."""
    made = nodes[position].output_id
    return any(made in node.input_ids and role(node.op) in _ERRORS
               for node in nodes[position + 1:position + 4])


def _finding(activation, error, targets, outside, low, high) -> Finding:
    kind = role(activation.op).removeprefix("torch.")
    layer = f" in layer {activation.scope}" if activation.scope else ""
    predicted = np.asarray(activation.output._value, np.float64)
    bound = "at 0 or above" if high == np.inf else f"between {low:g} and {high:g}"
    message = (f"the prediction is made by {kind}{layer} at {_where(activation.source)}, so "
               f"it lies {bound} (now {predicted.min():.3g} to {predicted.max():.3g}), but "
               f"{outside:.0%} of the targets it is compared with lie outside that (from "
               f"{targets.min():.4g} to {targets.max():.4g}; {error.op.name} at "
               f"{_where(error.source)}): the predictions can never reach them, {kind} "
               f"saturates against its bound and its gradient vanishes, so the loss stops "
               f"high, silently; fix: no activation on a regression's output layer "
               f"({_BARE[engine_of(activation.op)]}), or scale the targets into the "
               f"activation's range")
    return Finding("output_out_of_range", message, activation, related=error.source)
