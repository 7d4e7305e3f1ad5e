"""Where NaN or Inf was born in a torch computation: the op, the user's line, and why.

The forward ops are searched as `debugger.find_nan_origin` searches a tape (the first op
that made NaN/Inf from finite inputs, or was given it from outside: a batch holding NaN, a
parameter's value); then the backward steps, in the order autograd ran them, as the numpy
engine searches the ops inside its VJPs: the first that sent NaN/Inf on, given it from
outside (a forward value its VJP read while the forward op's output hid it, `atan2(w, x)`
at x = Inf; or the gradient the pass started from) or making it from finite values (the
VJP of `sqrt` at 0). The reasons and fixes are the numpy engine's (`nonfinite`), asked
under its names where torch's differ (`div` is its `truediv`), the fixes in torch's words.
"""
from __future__ import annotations

import numpy as np

from ..debugger.given import check_recorded_ops
from ..debugger.nan_entry import NaNEntry
from ..debugger.numerics import NaNOrigin, _input_lines, _where
from ..debugger.numerics import find_nan_origin as _find_in_nodes
from ..debugger.summary import all_finite, summarize
from ..nonfinite import counted, fix, nonfinite_counts, reason
from ..op_place import op_place
from .tape import TorchTape, record

# torch's names of the ops whose NaN/Inf rules the numpy engine knows under other names
RULE_NAMES = {"div": "truediv", "rdiv": "reciprocal", "floor_divide": "floordiv",
              "remainder": "floormod"}
# the rule for NaN/Inf born in an op's backward step, by the forward op's torch name
BACKWARD_RULES = {"sqrt": "sqrt_grad"}
GIVEN_GRADIENT_FIX = ("check the gradient given to the pass, torch.isfinite(g).all(), before "
                      "loss.backward(gradient=g) or torch.autograd.grad(grad_outputs=g), and "
                      "what any tensor hook (register_hook) returns")


def find_nan_origin(source, *args, **kwargs) -> NaNOrigin | None:
    """The op (and the user's line) where NaN/Inf was first born, forward or backward; None
    when every value is finite.

    `source` is a TorchTape, or a function run now, with `args` and `kwargs`, inside
    `record()` (a training step: its `loss.backward()` is searched too); a Recorder's step
    or a list of nodes is searched as `tapeviz.debugger.find_nan_origin` searches it.

    >>> import torch, tapeviz.torch as tvt
    >>> def step(x):
    ...     return torch.log(x - 1.0).sum()
    >>> tvt.find_nan_origin(step, torch.tensor([2.0, 0.5])).op
    'log'
    """
    if isinstance(source, TorchTape):
        tape = source
    elif not callable(source):   # a recorded step: searched as the numpy engine's are
        check_recorded_ops("find_nan_origin", source, "a tapeviz.torch tape, a function "
                           "that runs a training step, a recorded step or a list of nodes",
                           "find_nan_origin(rec.last_step)")
        return _find_in_nodes(source, *args, **kwargs)
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
    """The first backward step that sent NaN/Inf on: given it from outside (a forward value
    its VJP read, or the gradient the pass started from) or making it from finite values.
    (Every forward value was finite, or the forward search would have answered.)"""
    for step in tape.steps:
        upstream_bad = step.upstream is not None and not all_finite(step.upstream)
        bad = next((g for g in step.input_grads if g is not None and not all_finite(g)), None)
        if upstream_bad:   # no earlier step sent it: the gradient backward() was given
            return GivenGradient(step)
        if bad is None:
            continue
        node = step.node
        position = next((i for i, x in enumerate(node.inputs) if not all_finite(x)), None)
        if position is not None:   # its VJP read NaN/Inf that no recorded op made: the data,
            #                        or a parameter's value, whose forward op hid it
            entry = NaNEntry(node, step.index, position, vjp_of=node, step=step)
            entry.phase = "backward"
            return entry
        nans, infs = nonfinite_counts(np.asarray(bad._value))
        rule = BACKWARD_RULES.get(node.op.name, RULE_NAMES.get(node.op.name, node.op.name))
        return NaNOrigin(node, "backward", step.index, nans, infs, _input_lines(node.inputs),
                         node.source, reason(rule, node.inputs),
                         fix(rule, node.inputs, node.scope, "torch"),
                         vjp_of=node, step=step, held=bad._value)
    return None


class GivenGradient(NaNOrigin):
    """The first backward step, handed NaN/Inf as its upstream gradient from outside autograd
    (`loss.backward(gradient=...)`, `torch.autograd.grad(grad_outputs=...)`, a hook's return):
    no recorded op or step made it."""

    entered = True

    def __init__(self, step):
        nans, infs = nonfinite_counts(np.asarray(step.upstream._value))
        node = step.node
        super().__init__(node, "backward", step.index, nans, infs,
                         [f"upstream gradient: {summarize(step.upstream)}"]
                         + _input_lines(node.inputs), node.source,
                         f"its upstream gradient already held {counted(nans, infs)}",
                         GIVEN_GRADIENT_FIX, vjp_of=node, step=step)

    def headline(self, fix: bool = True) -> str:
        entry = f"{op_place(self.index, of=self.of)}, " if self.index is not None else ""
        return (f"was given {self.what} as the gradient the backward pass started from (no "
                f"recorded op or step made it), in the gradient through {self.op} ({entry}"
                f"{_where(self.source)}); {self.reason}"
                + (f"; fix: {self.fix}" if fix else ""))
