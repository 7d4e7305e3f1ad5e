"""Every weight given for training: `model.weights` (or `model.variables`) where
`model.trainable_variables` was meant, passed to tape.gradient and apply_gradients. The list
holds a layer's non-trainable variables too, a BatchNormalization's moving mean and
variance, which the layer updates itself from each batch: their gradients are None, and TF
warns "Gradients do not exist for variables ..." each step. (The frozen layers' weights it
holds are `frozen`'s finding.) Seen in the last trained step: a layer's variable made with
trainable=False among those its gradient call was given.
"""
from __future__ import annotations

import ast

from ..variable import Variable, VariableRead
from .activations import describe_variables
from .findings import Finding
from .frozen import variables_given
from .numerics import _where


def non_trainable_given(trained: list) -> list:
    """A Finding when the last of `trained` (`unapplied.last_trained`) differentiated for a
    layer's non-trainable variables (none of them got a gradient)."""
    if not trained:
        return []
    step = trained[-1]
    given = [source for source in step.gradient_sources if isinstance(source, Variable)
             and not source.trainable and "/" in source.name
             and source.name not in step.variable_gradients]   # (a user's own: none_gradient)
    if not given:
        return []
    update = next((node for node in step.nodes if node.op.kind == "update" and node.inputs
                   and type(node.inputs[0]) is VariableRead
                   and node.inputs[0].variable.name in step.variable_gradients), None)
    nodes = [node for node in step.nodes if node.phase == "forward"]
    expression = variables_given(update.source) if update is not None else None
    what = "the variables given to tape.gradient"
    if expression is not None:
        what += (f" and apply_gradients, {ast.unparse(expression[0])} (at "
                 f"{_where(expression[1])}),")
    where = f"; apply_gradients at {_where(update.source)}" if update is not None else ""
    names = describe_variables(given, nodes)
    message = (f"{what} hold {names}, made with trainable=False: the layer updates them "
               f"itself (a batch norm's moving statistics, from each batch), so their "
               f"gradients are None in every step (step {step.number}{where}) and "
               f"apply_gradients warns that they are not updated (TF: 'Gradients do not exist "
               f"for variables ...'); model.weights and model.variables hold every variable, "
               f"trainable or not; fix: give tape.gradient and apply_gradients "
               f"model.trainable_variables")
    return [Finding("non_trainable_given", message, update,
                    variables=[variable.name for variable in given])]
