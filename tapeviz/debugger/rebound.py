"""A Variable replaced by a Tensor: `w = w - lr * g` makes a new Tensor of the update and
binds `w` to it, so the next step's gradient call is given a Tensor that no tape watches:
its gradient is None (the next `w - lr * None` fails) and the Variable never trains again.
Found from a recorded step's gradient sources: a Tensor among them that an op made from the
Variable's value, in that step or the one before (matched by the value itself: the gradient
call is given the very array the op made).
"""
from __future__ import annotations

from ..tensor import Tensor
from ..variable import Variable, VariableRead
from .findings import Finding
from .numerics import _where
from .variable_names import name_made_at, shown_name


def variables_rebound(steps) -> list:
    """A Finding when the latest recorded gradient calls were given a Tensor that an op had
    made from a Variable's value (its update, rebound to its name): judged on the first of
    them, the step after the rebinding. (A correct program's last gradient call is given
    only Variables: one step is looked at.)"""
    first = None
    for index in range(len(steps) - 1, -1, -1):
        sources = steps[index].gradient_sources
        if not sources:
            continue   # (an evaluation: no gradient call)
        if all(isinstance(source, Variable) or not isinstance(source, Tensor)
               for source in sources):
            break
        first = index
    if first is None:
        return []
    step = steps[first]
    tensors = {id(source._value) for source in step.gradient_sources
               if isinstance(source, Tensor) and not isinstance(source, Variable)}
    for rop in [*(steps[first - 1].ops if first else ()), *step.ops]:
        node = rop.node
        if rop.phase == "forward" and id(node.output._value) in tensors and _an_update(node):
            return [_finding(step, node, node.inputs[0].variable)]
    return []


def _an_update(node) -> bool:
    """Whether `node` computed a Variable's update by hand: `w - step` or `w + step`, the
    Variable's value first and the result of its shape (not a layer's `x @ w + b`, whose
    output a saliency map may differentiate on purpose)."""
    inputs = node.inputs
    return (node.op.name in _UPDATES and len(inputs) == 2 and type(inputs[0]) is VariableRead
            and inputs[0]._value.shape == node.output._value.shape)


_UPDATES = frozenset({"subtract", "add"})


def _finding(step, node, variable) -> Finding:
    name, shown = name_made_at(node.source) or "w", shown_name(variable)
    message = (f"{name} stopped being a Variable: {node.op.name} at {_where(node.source)} "
               f"made a new Tensor from the Variable {shown!r} and bound {name} to "
               f"it, so the gradient call of step {step.number} is given that Tensor, which no "
               f"tape watches: its gradient is None and {shown!r} never trains again; "
               f"fix: update the Variable in place, {name}.assign_sub(lr * grad) (or "
               f"optimizer.apply_gradients(zip(grads, variables)))")
    return Finding("variable_rebound", message, node, variables=[variable.name])
