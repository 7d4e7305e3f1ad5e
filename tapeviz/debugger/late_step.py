"""`optimizer.step()` before `loss.backward()`, with `zero_grad()` between them: each step
applies the gradients the step before computed, one batch late. The weights move and the
loss may fall, so nothing looks wrong; but every update follows the gradient of weights
that have changed since, and the last batch's gradient is never applied. (With no
`zero_grad()` between, the step finds no gradient and updates nothing: unapplied.py; with
none at all, torch raises at the backward, the weights its graph read being changed.)
Seen in the recorded steps: each update op of the last trained steps holds the gradient
the step before computed, not its own (the adapter files a torch loop's steps by their
backward passes, so such a step's update sits before its own backward).
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from .activations import describe_variables
from .findings import Finding
from .label_source import call_after
from .numerics import _where
from .summary import _array
from .unapplied import trains
from .variable_names import optimizer_in_code


def applied_a_step_late(trained: list) -> list:
    """A Finding when, in each of `trained` (`unapplied.last_trained`, at least two) after
    the first, every torch update holds the gradient of its variable that the step before
    computed, and not the step's own."""
    if len(trained) < 2:
        return []
    late = None
    for before, step in zip(trained, trained[1:]):
        updates = [node for node in step.nodes if trains(node)   # (not `nn.init.constant_`)
                   and engine_of(node.op) == "torch"]
        if not updates or not all(_given_the_last(node, before, step) for node in updates):
            return []
        late = updates[0]
    loss = next((rop.node for rop in reversed(trained[-1].ops)
                 if rop.phase == "forward" and rop.grad is not None), None)
    backward = call_after("backward", loss.source) if loss is not None else None
    after = f" at {_where(backward)}" if backward is not None else ""
    variables = [node.inputs[0].variable for node in updates]
    optimizer = optimizer_in_code(late)
    message = (f"the gradients are applied a step late: {optimizer}.step() at "
               f"{_where(late.source)} runs before loss.backward(){after}, so in each of the "
               f"last {len(trained) - 1} steps it applied the gradients the step before "
               f"computed for {describe_variables(variables, trained[-1].nodes)}, not the "
               f"step's own: every update follows the "
               f"gradient of weights that have moved since, one batch late, and the last "
               f"batch's gradient is never applied; "
               f"fix: call {optimizer}.step() after loss.backward(): zero_grad(), the forward "
               f"pass and the loss, backward(), then step()")
    return [Finding("gradients_applied_late", message, late, source=late.source,
                    related=backward,
                    variables=[variable.name for variable in variables])]


def _given_the_last(update, before, step) -> bool:
    """Whether `update` (parameter, gradient) applied the gradient `before` computed for its
    variable, which differs from the one `step` computed."""
    variable = getattr(update.inputs[0], "variable", None)   # (a kept step's: a Tensor)
    if variable is None:
        return False
    name = variable.name
    last, own = before.variable_gradients.get(name), step.variable_gradients.get(name)
    if last is None or own is None:
        return False
    given = _array(update.inputs[1])
    return np.array_equal(given, _array(last)) and not np.array_equal(given, _array(own))
