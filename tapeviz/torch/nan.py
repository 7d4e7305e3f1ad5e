"""Where NaN or Inf was born in a torch computation: the op, the user's line, and why.

The forward ops are searched as `debugger.find_nan_origin` searches a tape (the first op
that made NaN/Inf from finite inputs, or was given it from outside: a batch holding NaN, a
parameter's value); then the backward steps, in the order autograd ran
them: the first whose upstream gradient was finite and that sent NaN/Inf to an input (the
VJP of `sqrt` at 0). The reasons and fixes are the numpy engine's (`nonfinite`), asked
under its names where torch's differ (`div` is its `truediv`), the fixes in torch's words.
"""
from __future__ import annotations

import numpy as np

from ..debugger.nan_entry import NaNEntry
from ..debugger.numerics import NaNOrigin, find_nan_origin as _find_in_nodes
from ..debugger.summary import all_finite, summarize
from ..nonfinite import fix, reason
from .tape import TorchTape, record

# torch's names of the ops whose NaN/Inf rules the numpy engine knows under other names
RULE_NAMES = {"div": "truediv", "rdiv": "reciprocal", "floor_divide": "floordiv",
              "remainder": "floormod"}
# the rule for NaN/Inf born in an op's backward step, by the forward op's torch name
BACKWARD_RULES = {"sqrt": "sqrt_grad"}


def find_nan_origin(source, *args, **kwargs) -> NaNOrigin | None:
    """The op (and the user's line) where NaN/Inf was first born, forward or backward; None
    when every value is finite.

    `source` is a TorchTape, or a function run now, with `args` and `kwargs`, inside
    `record()` (a training step: its `loss.backward()` is searched too).

    >>> import torch, tapeviz.torch as tvt
    >>> def step(x):
    ...     return torch.log(x - 1.0).sum()
    >>> tvt.find_nan_origin(step, torch.tensor([2.0, 0.5])).op
    'log'
    """
    if isinstance(source, TorchTape):
        tape = source
    else:
        with record() as tape:
            source(*args, **kwargs)
    origin = _find_in_nodes(tape.nodes, entered=True)
    if origin is not None:
        rule = RULE_NAMES.get(origin.op)
        if rule is not None and not isinstance(origin, NaNEntry):   # made by the op: asked
            #                                             again under the numpy engine's name
            origin.reason = reason(rule, origin.node.inputs, origin.node.output)
            origin.fix = fix(rule, origin.node.inputs, origin.node.scope, "torch")
        return origin
    return _backward_origin(tape)


def _backward_origin(tape) -> NaNOrigin | None:
    for step in tape.steps:
        bad = next((g for g in step.input_grads if g is not None and not all_finite(g)), None)
        if bad is None or (step.upstream is not None and not all_finite(step.upstream)):
            continue
        node = step.node
        values = np.asarray(bad._value)
        nans = int(np.isnan(values).sum())
        infs = int(np.isinf(values).sum())
        rule = BACKWARD_RULES.get(node.op.name, RULE_NAMES.get(node.op.name, node.op.name))
        return NaNOrigin(node, "backward", step.index, nans, infs,
                         [f"input {i}: {summarize(x)}" for i, x in enumerate(node.inputs)],
                         node.source, reason(rule, node.inputs),
                         fix(rule, node.inputs, node.scope, "torch"),
                         vjp_of=node, step=step)
    return None
