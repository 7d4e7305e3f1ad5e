"""Weights the loss differentiates every step and the optimizer never updates while it updates
the others: a layer replaced or added after the optimizer was built (torch's
`optimizer = SGD(model.parameters())`, then `model.fc = nn.Linear(...)`: the optimizer holds
the old layer's parameters, which get no gradient, and steps past them), or TF's
`apply_gradients` given another variable list than `tape.gradient`. That layer stays at its
random initialisation and the rest of the model learns around it. A base the optimizer
leaves out under a head it trains (fine-tuning's way: no weight it leaves out comes after
one it updates, in the forward pass) is not said, nor are weights updated in steps of their
own (a GAN's two optimizers), nor any whose gradient is zero.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import VariableRead
from .activations import describe_variables, variable_order
from .findings import Finding
from .numerics import _where
from .summary import _array
from .unapplied import MIN_STEPS, _updates, trains
from .variable_names import model_in_code, scope_reading

_FIX = {"torch": "build the optimizer after the model is final (optimizer = "
                 "torch.optim.SGD({model}.parameters(), ...) after replacing a layer), or "
                 "optimizer.add_param_group({{'params': layer.parameters()}})",
        "tf": "give apply_gradients the list tape.gradient was given: "
              "optimizer.apply_gradients(zip(grads, variables)) with the same `variables`"}


def left_out_of_updates(steps, trained: list) -> list:
    """A Finding when in each of `trained` (the last MIN_STEPS of `steps` that computed
    gradients, `unapplied.last_trained`) but the last (a Recorder stopped between a step's
    backward pass and its update holds the update in a step of its own) some update ran,
    and variables with a non-zero gradient in each were read by no update from the first of
    them on, one of those after an updated one in the forward pass."""
    if len(trained) < MIN_STEPS:
        return []
    if not all(map(_updates, trained[:-1])):
        return []   # (not applied in some step: unapplied's and late_step's to say)
    since = steps[next(i for i, step in enumerate(steps) if step is trained[0]):]
    updates = [node for step in since for node in step.nodes if trains(node)]
    updated = {tensor.variable.name for node in updates for tensor in node.inputs
               if type(tensor) is VariableRead}
    last = trained[-1]
    left = [name for name in last.variable_gradients if name not in updated
            and all(_nonzero(step.variable_gradients.get(name)) for step in trained)]
    if not left:
        return []
    nodes = _forward_pass(trained)
    order = variable_order(nodes)
    positions = {name: order.index(name) for name in left + sorted(updated) if name in order}
    moved = [positions[name] for name in updated if name in positions]
    if not moved or all(positions.get(name, -1) < min(moved) for name in left):
        return []   # a base left out under a trained head: fine-tuning
    return [_finding(last, left, sorted(updated, key=lambda n: positions.get(n, -1)),
                     updates[-1], nodes, _set_in_loop(since))]


def _forward_pass(trained: list) -> list:
    """The forward ops of the latest of `trained` that ran any (a Runner's step can hold
    only its updates: the Recorder split it at the backward pass)."""
    for step in reversed(trained):
        nodes = [node for node in step.nodes
                 if node.phase == "forward" and node.op.kind != "update"]
        if nodes:
            return nodes
    return []


def _nonzero(gradient) -> bool:
    if gradient is None:
        return False
    value = _array(gradient)
    return bool(np.isfinite(value).all() and np.any(value != 0))


def _set_in_loop(steps) -> set:
    """(variable name, file, line) of each write of a variable alone in `steps` (not an update
    that trains: `nn.init.constant_(bias, 0.5)` in the loop). The adapter takes such a write
    of a parameter it had not seen for its making; it was set there, not made."""
    return {(node.inputs[0].variable.name, node.source.filename, node.source.lineno)
            for step in steps for node in step.nodes
            if node.op.kind == "update" and not trains(node) and node.source is not None
            and node.inputs and type(node.inputs[0]) is VariableRead}


def _finding(last, left: list, updated: list, update, nodes, set_in_loop=frozenset()) -> Finding:
    by_name = {v.name: v for v in last.gradient_sources}
    variables = [by_name[name] for name in left if name in by_name]
    made = next((v.made_at for v in variables if getattr(v, "made_at", None) is not None
                 and (v.name, v.made_at.filename, v.made_at.lineno) not in set_in_loop), None)
    engine = engine_of(update.op)
    are = "is" if len(left) == 1 else "are"
    model = model_in_code(scope_reading(left[0], nodes))
    message = (f"{describe_variables(variables, nodes) if variables else ', '.join(left)} "
               f"{are} given a non-zero gradient in each of the last {MIN_STEPS} steps and "
               f"never updated: the update at {_where(update.source)} updates "
               f"{describe_variables([by_name[n] for n in updated if n in by_name], nodes)} "
               f"alone, so {'it stays' if len(left) == 1 else 'they stay'} at the initial "
               f"values while the rest of the model trains around "
               f"{'it' if len(left) == 1 else 'them'}"
               + (f" (made at {_where(made)}, after the optimizer took its parameters)"
                  if made is not None and engine == "torch" else "")
               + f"; fix: {_FIX[engine].format(model=model)}")
    return Finding("left_out_of_updates", message, update, related=made, variables=left)
