"""What a new torch optimizer's first step does to a parameter, by the kind of its update op:
the signature by which `optimizer_in_loop` tells an optimizer made anew every step, whose
state (momentum buffer, moment estimates, running or summed squared gradients) is empty at
each step. Torch's update ops carry no step count (the numpy engine's Keras optimizers
do), so the update's values are compared with the first step's formula, computed here
from the parameter before, its gradient and the group's hyperparameters (the node's
params). An optimizer that keeps no state (SGD without momentum) has no signature: a new
one steps as the old would.
"""
from __future__ import annotations

import numpy as np

from .summary import _array

# op name -> (the optimizer as the finding names it, the state it loses when made anew)
KINDS = {
    "adam_step": ("Adam", "its moment estimates start over every step, so momentum never "
                          "builds up and its steps never adapt to the gradients' scale"),
    "sgd_step": ("SGD", "its momentum buffer starts over every step, so momentum never "
                        "builds up: it trains as plain SGD"),
    "rmsprop_step": ("RMSprop", "its average of squared gradients starts over every step, so "
                                "its steps never adapt to the gradients' scale"),
    "adagrad_step": ("Adagrad", "its sum of squared gradients starts over every step, so its "
                                "steps never shrink as training goes on"),
}
KINDS["adamw_step"] = ("AdamW", KINDS["adam_step"][1])


def keeps_state(node) -> bool:
    """Whether the optimizer of update `node` keeps state a new one would lack (SGD without
    momentum keeps none), and its step is one this module can compute."""
    params = node.params
    if node.op.name not in KINDS or not isinstance(params.get("lr"), float):
        return False   # (a tensor lr, a capturable step: not compared)
    return node.op.name != "sgd_step" or bool(params.get("momentum"))


def is_first_step(node) -> bool:
    """Whether update `node` (inputs: the parameter before, its gradient; output: the
    parameter after) changed every element as a new optimizer's first step does."""
    found = _first_change(node)
    if found is None:
        return False
    before, change = found
    after = _array(node.output).astype(np.float64)
    largest = float(np.max(np.abs(change))) if change.size else 0.0
    if largest == 0.0 or after.shape != change.shape:
        return False   # (no gradient: every step leaves it as it was)
    return float(np.max(np.abs(before - after - change))) <= 1e-2 * largest


def moved(node) -> str:
    """How a first step of update `node`'s optimizer moves every weight, in words."""
    params = node.params
    lr, name = params["lr"], node.op.name
    if name == "sgd_step":
        nesterov = f" times {1 + params['momentum']:g} (Nesterov's look-ahead)" \
            if params.get("nesterov") else ""
        return f"moved every weight by exactly the learning rate ({lr:g}) times its " \
               f"gradient{nesterov}"
    if name == "rmsprop_step":
        alpha = params.get("alpha", 0.99)
        root = np.sqrt(alpha * (1 - alpha) if params.get("centered") else 1 - alpha)
        return (f"moved every weight by {1 / root:.3g} times the learning rate ({lr:g}) times "
                f"the sign of its gradient (its alpha {alpha:g} makes the first average "
                f"{root ** 2:.3g} g^2)")
    start = params.get("initial_accumulator_value", 0.0) if name == "adagrad_step" else 0.0
    if start:
        return (f"moved every weight by the learning rate ({lr:g}) times g / sqrt({start:g} + "
                f"g^2), g its gradient")
    return f"moved every weight by exactly the learning rate ({lr:g}) times the sign of its " \
           f"gradient"


def _first_change(node):
    """(the parameter before the step, less any decoupled weight decay; the change a new
    optimizer's first step subtracts from it), as float64, or None when the node's
    optimizer keeps no state or its step reads more than this knows."""
    if not keeps_state(node) or len(node.inputs) != 2:
        return None
    params = node.params
    lr, eps = params["lr"], params.get("eps", 1e-8)
    before = _array(node.inputs[0]).astype(np.float64)
    gradient = _array(node.inputs[1]).astype(np.float64)
    if params.get("maximize"):
        gradient = -gradient
    decay = params.get("weight_decay") or 0.0
    name = node.op.name
    if name == "adamw_step" or (name == "adam_step" and params.get("decoupled_weight_decay")):
        before = before * (1.0 - lr * decay)
    elif decay:
        gradient = gradient + decay * before
    if name in ("adam_step", "adamw_step"):   # m / (1 - b1) = g, sqrt(v / (1 - b2)) = |g|
        return before, lr * gradient / (np.abs(gradient) + eps)
    if name == "sgd_step":   # the buffer starts as the gradient itself
        return before, lr * gradient * (1.0 + params["momentum"] if params.get("nesterov")
                                        else 1.0)
    if name == "rmsprop_step":   # square_avg = (1 - alpha) g^2 (less the mean's, centered)
        alpha = params.get("alpha", 0.99)
        kept = alpha * (1 - alpha) if params.get("centered") else 1 - alpha
        return before, lr * gradient / (np.sqrt(kept) * np.abs(gradient) + eps)
    # adagrad: the sum starts at initial_accumulator_value; lr_decay acts from step 2 on
    start = params.get("initial_accumulator_value", 0.0)
    return before, lr * gradient / (np.sqrt(start + gradient ** 2) + eps)
