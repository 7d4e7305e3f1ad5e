"""Gradient norms per layer for `diagnose`: each layer's norm flagged above or below a bound,
a change of more than a ratio between neighbouring layers, or, when none, over the whole
stack (vanishing or exploding gradients, naming the sigmoid/tanh ops in between), judged on
the step where the first and last layers are furthest apart. Gradients come as dicts, lists
named by their variables, recorded steps or steps with `.gradients` (`grad_items`).
"""
from __future__ import annotations

import math

import numpy as np

from ..nonfinite import engine_of
from ..variable import Variable, VariableRead
from .activations import describe_saturating, describe_variables, saturating_ops
from .findings import Finding
from .history import RecordedStep
from .numerics import _op_name, _where
from .summary import _array, all_finite
from .variable_names import model_in_code, reached_name, torch_in_code, unnamed


def _key_name(key) -> str:
    if isinstance(key, str):
        return key
    key = key.deref() if hasattr(key, "deref") else key
    return getattr(key, "name", None) or repr(key)


def grad_items(step, variables=None) -> list:
    """[(name, gradient or None)] from a dict, a list (named by `variables`), a recorded
    step (its variables' gradients) or a step with `.gradients`."""
    if isinstance(step, RecordedStep):
        return list(step.variable_gradients.items())
    if isinstance(step, dict):
        return [(_key_name(k), g) for k, g in step.items()]
    sources = getattr(step, "sources", None)
    if hasattr(step, "gradients"):
        step = step.gradients
        variables = variables if variables is not None else sources
        if isinstance(step, dict):
            return grad_items(step)
    names = [_key_name(v) for v in variables] if variables is not None else None
    return [(names[i] if names and i < len(names) else f"#{i}", g) for i, g in enumerate(step)]


def _layer(name: str) -> str:
    """'dense' of 'dense/kernel:0'; 'conv1' of torch's 'conv1.weight' (named_parameters'
    names: no ':0')."""
    if "/" not in name and ":" not in name and "." in name:
        return name.rsplit(".", 1)[0]
    name = name.split(":")[0]
    return name.rsplit("/", 1)[0] if "/" in name else name


def gradient_norms(gradients, variables=None, order=None) -> dict:
    """L2 norm of the gradients per layer (the variable name up to its last '/'), in order
    (of `order`, variable names input side first, where given).

    >>> import numpy as np
    >>> gradient_norms({"dense/kernel:0": np.array([3.0]), "dense/bias:0": np.array([4.0])})
    {'dense': 5.0}
    """
    items = grad_items(gradients, variables)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        items.sort(key=lambda item: rank.get(item[0], len(rank)))
    squares: dict = {}
    for name, grad in items:
        if grad is not None:
            value = _array(grad).astype(np.float64)
            squares[_layer(name)] = squares.get(_layer(name), 0.0) + float(np.sum(value * value))
    return {layer: float(np.sqrt(total)) for layer, total in squares.items()}


_ADDING = frozenset({"add", "subtract", "bias_add", "add_n"})


def _added_only(layer: str, nodes) -> bool:
    """Whether `layer` is one variable no code named as a layer's (`b = tf.Variable(0.0)`)
    that ops (but its updates) only add: a bias written by hand, a layer of its own to the
    norms but in no stack; its gradient, the residuals' mean, is ~0 once it fits (centred
    data): converged, not vanishing."""
    if "/" in layer:
        return False   # (a Keras layer's: a stack's)
    readers = [node.op.name for node in nodes if node.op.kind != "update"
               for tensor in node.inputs
               if type(tensor) is VariableRead and _layer(tensor.variable.name) == layer]
    return bool(readers) and set(readers) <= _ADDING


def _layer_finding(kind: str, message: str, layer: str, nodes) -> Finding:
    """A finding about `layer`, naming the op that reads its first variable and its line."""
    read = next(((n, t.variable) for n in nodes for t in n.inputs
                 if type(t) is VariableRead and _layer(t.variable.name) == layer), None)
    if read is None:
        return Finding(kind, message, None)
    reader, variable = read
    message += (f"; {_read_variable(layer, variable, nodes)} is read by {_op_name(reader)} "
                f"at {_where(reader.source)}")
    return Finding(kind, message, reader)


def _read_variable(layer: str, variable, nodes) -> str:
    """The variable a layer's finding points at, in the layer: "dense_1's kernel" (a layer is
    not read, its variables are), 'model[0].weight' as code reaches an nn.Sequential's; a
    variable that is a layer of its own as its line names it ('w')."""
    own = _own_name(variable.name, layer)
    if own and type(variable) is not Variable:   # torch's
        return reached_name(variable.name, nodes)
    return f"{layer}'s {own}" if own else _shown_layer(layer, nodes)


def _own_name(name: str, layer: str) -> str:
    """'kernel' of 'dense_1/kernel:0' in 'dense_1', 'weight' of torch's '0.weight' in '0';
    '' for a variable that is its layer ('w:0')."""
    name = name.split(":")[0]
    return name[len(layer) + 1:] if name.startswith(layer) and len(name) > len(layer) else ""


def _shown_layer(layer: str, nodes) -> str:
    """`layer` as the code names it: an unnamed Variable, a layer of its own to the gradient
    norms ('Variable_1'), as its line assigns it ('w'); a layer's name as it is."""
    variable = next((t.variable for n in nodes for t in n.inputs
                     if type(t) is VariableRead and _layer(t.variable.name) == layer), None)
    return describe_variables([variable], nodes) if variable is not None and \
        unnamed(variable) else _as_layer(layer, nodes)


_MODULES = {"linear": "Linear", "conv1d": "Conv1d", "conv2d": "Conv2d", "conv3d": "Conv3d",
            "embedding": "Embedding", "layer_norm": "LayerNorm", "batch_norm": "BatchNorm",
            "conv_transpose2d": "ConvTranspose2d"}   # torch's op -> the module that runs it


def _indexed(layer: str) -> bool:
    """Whether `layer` is an nn.Sequential's child ('model.0'), reached by an index."""
    return layer.rsplit(".", 1)[-1].isdigit()


def _as_layer(layer: str, nodes=()) -> str:
    """An nn.Sequential's child as code reaches it, with the module its op says it is:
    'model[0] (Linear)' for 'model.0' (its parameters 'model.0.weight'), 'model.body[0]
    (Linear)' for 'body.0' and 'model.fc' for 'fc' named from inside the model
    (`torch_in_code`); any other layer
    by its name ('dense_1': a Keras layer's name says its kind)."""
    reader = next((n for n in nodes for t in n.inputs
                   if type(t) is VariableRead and _layer(t.variable.name) == layer), None)
    if reader is None or engine_of(reader.op) != "torch":
        return layer
    module = _MODULES.get(reader.op.name) if _indexed(layer) else None
    return torch_in_code(layer, reader.scope) + (f" ({module})" if module else "")


def norm_findings(norms: dict, high: float, low: float, ratio: float, nodes) -> list:
    """Layers above `high`, below `low`, one finding each bound naming them all (an exact
    zero is a zero gradient, not a vanishing one; none when the whole stack is found
    vanishing); across layers: a change of
    more than `ratio`, between neighbours or, when no neighbours differ that much, over the
    whole stack."""
    norms = {k: v for k, v in norms.items() if math.isfinite(v)}  # NaN: the origin says it
    found, layers = [], list(norms)
    over = [layer for layer in layers if norms[layer] > high]
    under = [layer for layer in layers
             if 0 < norms[layer] < low and not _added_only(layer, nodes)]
    for kind, flagged, bound in (("exploding_gradient", over, f"> {high:g}"),
                                 ("vanishing_gradient", under, f"< {low:g}")):
        if flagged:   # layers that explode at once have one cause: said once
            found.append(_layer_finding(kind, _norms_said(flagged, norms, bound, nodes),
                                        flagged[0], nodes))
    layers = [layer for layer in layers if norms[layer] > 0 and not _added_only(layer, nodes)]
    neighbours = []
    for a, b in zip(layers, layers[1:]):
        r = norms[b] / norms[a]
        if r > ratio or r < 1 / ratio:
            neighbours.append(_layer_finding(
                "gradient_ratio", f"gradient norm changes {r:.3g}x from {_shown_layer(a, nodes)} "
                f"({norms[a]:.3g}) to {_shown_layer(b, nodes)} ({norms[b]:.3g}): "
                f"{'exploding' if r > 1 else 'vanishing'} across "
                f"layers", min(a, b, key=norms.get), nodes))
    if not neighbours and len(layers) > 2:
        neighbours += _stack_finding(norms, layers[0], layers[-1], ratio, nodes)
    if any(f.kind == "vanishing_stack" for f in neighbours):   # it says why, with the figures:
        found = [f for f in found if f.kind != "vanishing_gradient"]   # no layer apart
    return found + neighbours


def _norms_said(layers: list, norms: dict, bound: str, nodes) -> str:
    """'w: gradient norm 3e+05 > 1000 (b 2.1e+03 too)': the first layer's, the others'."""
    first, *others = layers
    message = f"{_shown_layer(first, nodes)}: gradient norm {norms[first]:.3g} {bound}"
    if others:
        said = [f"{_shown_layer(layer, nodes)} {norms[layer]:.3g}" for layer in others]
        message += f" ({', '.join(said)} too)"
    return message


def clip_fix(node, scope: str | None = None) -> str:
    """How to clip the gradients in the engine of `node` (an op of the model's, or None:
    TF's), the torch model named as the user's code binds it (`model_in_code`) at the root
    of `scope`, by default `node`'s (an update's is its optimizer's: give its layer's)."""
    if node is None or engine_of(node.op) != "torch":
        return "tf.clip_by_global_norm"
    model = model_in_code(scope or node.scope)
    return f"torch.nn.utils.clip_grad_norm_({model}.parameters(), 1.0)"


def _stack_finding(norms, first, last, ratio, nodes, when: str = "") -> list:
    """A finding when the first layer's norm is more than `ratio` away from the last's;
    `when` says which step it was judged on (e.g. ' in step 1, 0.0087 in step 30')."""
    r = norms[first] / norms[last]
    if 1 / ratio <= r <= ratio:
        return []
    saturating = saturating_ops(nodes)
    through = (f" through {describe_saturating(saturating)}" if saturating else
               " (no sigmoid or tanh on the way: look at the weights' initial scale)"
               if nodes else "")   # without the ops, nothing is known of the activations
    if r < 1:
        message = (f"vanishing gradients: the first layer's gradient norm is {r:.3g} of the "
                   f"last layer's{when} ({_as_layer(first, nodes)} {norms[first]:.3g}, "
                   f"{_as_layer(last, nodes)} {norms[last]:.3g}): "
                   f"the gradient shrinks on its way back{through}, so the first layers "
                   f"barely train; hint: use relu (with He initialisation) in deep stacks, "
                   f"or batch normalisation / residual connections")
    else:
        message = (f"exploding gradients: the first layer's gradient norm is {r:.3g}x the "
                   f"last layer's{when} ({_as_layer(first, nodes)} {norms[first]:.3g}, "
                   f"{_as_layer(last, nodes)} {norms[last]:.3g}){through}; hint: smaller initial "
                   f"weights, normalisation, or "
                   f"{clip_fix(next((n for n in nodes if n.scope), nodes[0]) if nodes else None)}")
    node = saturating[0][0] if saturating else None
    return [Finding("vanishing_stack" if r < 1 else "exploding_stack", message, node)]


def stack_over_steps(steps, order, ratio, nodes) -> list:
    """The stack finding judged on the kept step where the first and last layers' gradient
    norms are furthest apart: a stack whose first layers get 1e-4 of the head's gradient at
    the start may get 1e-2 once the head has fitted the mean, the first layers unmoved."""
    worst = None   # (distance in decades, step, norms)
    for step in steps:
        if not finite(step, None):
            continue
        norms = {k: v for k, v in gradient_norms(step, order=order).items()
                 if v > 0 and not _added_only(k, nodes)}
        if len(norms) > 2:
            layers = list(norms)
            distance = abs(math.log10(norms[layers[0]] / norms[layers[-1]]))
            if worst is None or distance > worst[0]:
                worst = (distance, step, norms, layers[0], layers[-1])
    if worst is None:
        return []
    _, step, norms, first, last = worst
    latest = next(s for s in reversed(steps) if finite(s, None))
    when = f" in step {step.number}"
    now = gradient_norms(latest, order=order)
    if step is not latest and now.get(first) and now.get(last):
        when += f", {now[first] / now[last]:.3g} in step {latest.number}"
    return _stack_finding(norms, first, last, ratio, nodes, when)


def finite(step, variables) -> bool:
    return all(g is None or all_finite(g) for _, g in grad_items(step, variables))
