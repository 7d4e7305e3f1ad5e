"""An evaluation run in training mode: `model.eval()` forgotten before a pass that computes
no gradient (accuracy on held-out batches), so its dropout still drops units at random and
its batch norm still normalises by each batch's own statistics and moves its running
averages: the figures are noisy and the evaluation changes the model. (Or `F.dropout(h, p)`
in `forward`, whose `training=True` default ignores `model.eval()`.) Read from the torch
adapter's `dropout` and `batch_norm` nodes, whose `training` argument says the mode.
"""
from __future__ import annotations

import re

from .findings import Finding
from .numerics import _where

_RANDOM = frozenset({"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                     "feature_alpha_dropout"})
_BATCH_STATISTICS = frozenset({"batch_norm"})
# F.dropout(h, p) written in forward: training=True unless given, whatever model.eval() set
_FUNCTIONAL = re.compile(r"\b(?:F|functional|torch)\.\w*dropout\w*\s*\(")


def _functional(node) -> bool:
    """Whether `node`, a dropout, was called as a function, not by an nn.Dropout layer."""
    return node.source is not None and bool(_FUNCTIONAL.search(node.source.statement))


def training_mode_in_evaluation(steps) -> list:
    """A Finding when the last recorded step ran no backward pass after steps that trained
    (an evaluation) but ran dropout or batch norm in training mode. (A lone forward pass,
    recorded to look at the graph, is no evaluation.)"""
    if not steps or steps[-1].variable_gradients or \
            not any(step.variable_gradients for step in steps[:-1]):
        return []
    step = steps[-1]
    training = [op.node for op in step.ops if op.node.phase == "forward"
                and op.node.op.name in _RANDOM | _BATCH_STATISTICS
                and op.node.params.get("training") is True]
    if not training:
        return []
    names = sorted({node.op.name for node in training})
    effects = []
    if _RANDOM & set(names):
        p = next(node.params.get("p") for node in training if node.op.name in _RANDOM)
        effects.append("dropout still zeroes units at random"
                       + (f" ({p:.0%} of them)" if isinstance(p, float) else ""))
    if "batch_norm" in names:
        effects.append("batch_norm still normalises by each batch's own statistics and moves "
                       "its running averages (the evaluation changes the model)")
    first = training[0]
    fixes = []
    if not all(map(_functional, training)):
        fixes.append("call model.eval() before evaluating (and model.train() before training "
                     "again)")
    if any(map(_functional, training)):
        fixes.append("F.dropout ignores model.eval() (its training=True default): pass "
                     "training=self.training, or use an nn.Dropout layer")
    message = (f"step {step.number} computed no gradient (an evaluation) but ran "
               f"{' and '.join(names)} in training mode, {len(training)} "
               f"call{'s' if len(training) > 1 else ''}: "
               f"{'; '.join(effects)}, so its figures are noisy and not the model's; "
               f"{first.op.name} at {_where(first.source)}"
               + (f" in layer {first.scope}" if first.scope else "")
               + "; fix: " + "; and ".join(fixes))
    return [Finding("train_mode_in_evaluation", message, first)]
