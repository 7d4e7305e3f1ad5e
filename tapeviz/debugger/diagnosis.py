"""Suspicious patterns in a recording that train badly: findings with figures.

`diagnose` looks for broadcasts that grow both operands (an accidental outer product) on
the way to the loss, NaN/Inf, gradients that stay exactly zero over steps, and gradient
norms that explode or vanish from one layer to the next. Nothing here runs an op.
"""
from __future__ import annotations

import numpy as np

from .findings import Finding
from .numerics import _nodes_of, _op_name, _where, find_nan_origin
from .summary import _array
from .why_none import path_nodes


def _elementwise(inputs, out) -> bool:
    """Whether `out` has the elementwise broadcast shape of `inputs`."""
    try:
        return np.broadcast_shapes(*(np.shape(_array(x)) for x in inputs)) == np.shape(out)
    except ValueError:
        return False


def _broadcasts(nodes) -> list:
    found = []
    for node in nodes:
        if not getattr(node.op, "broadcasting", False) or len(node.inputs) < 2:
            continue
        sizes = [_array(x).size for x in node.inputs]
        out = _array(node.output)
        if not _elementwise(node.inputs, out):
            continue   # matmul broadcasts its batch dimensions only: (4, 3) @ (3, 5) is fine
        if out.size > 1 and all(s < out.size for s in sizes):
            shapes = " and ".join(str(tuple(np.shape(_array(x)))) for x in node.inputs)
            message = (f"{_op_name(node)} broadcast {shapes} to {tuple(out.shape)}: both "
                       f"operands grew ({out.size} values from {' + '.join(map(str, sizes))}), "
                       f"an outer product; at {_where(node.source)}")
            shapes = sorted((np.shape(_array(x)) for x in node.inputs), key=len)
            if len(shapes) == 2 and shapes[1] == shapes[0] + (1,):
                message += (f"; hint: {shapes[0]} against {shapes[1]}: reshape one so they "
                            f"match, e.g. tf.squeeze the {shapes[1]} operand")
            found.append(Finding("outer_broadcast", message, node))
    return found


def _key_name(key) -> str:
    if isinstance(key, str):
        return key
    key = key.deref() if hasattr(key, "deref") else key
    return getattr(key, "name", None) or repr(key)


def _grad_items(step, variables=None) -> list:
    """[(name, gradient or None)] from a dict, a list (named by `variables`) or a step."""
    if isinstance(step, dict):
        return [(_key_name(k), g) for k, g in step.items()]
    sources = getattr(step, "sources", None)
    if hasattr(step, "gradients"):
        step = step.gradients
        variables = variables if variables is not None else sources
        if isinstance(step, dict):
            return _grad_items(step)
    names = [_key_name(v) for v in variables] if variables is not None else None
    return [(names[i] if names and i < len(names) else f"#{i}", g) for i, g in enumerate(step)]


def _zero_gradients(history, variables, min_steps: int) -> list:
    steps = [dict(_grad_items(step, variables)) for step in history]
    if len(steps) < min_steps:
        return []
    found = []
    for name in steps[0]:
        grads = [s.get(name) for s in steps]
        if all(g is None for g in grads):
            found.append(Finding("none_gradient", f"{name}: the gradient is None in all "
                                 f"{len(steps)} steps (see why_none)"))
        elif all(g is not None and not np.any(_array(g)) for g in grads):
            found.append(Finding("zero_gradient", f"{name}: the gradient is exactly zero in all "
                                 f"{len(steps)} steps ({_array(grads[0]).size} values each): it "
                                 f"never trains (dead ReLUs, a masked path, or a constant input)"))
    return found


def _layer(name: str) -> str:
    name = name.split(":")[0]
    return name.rsplit("/", 1)[0] if "/" in name else name


def gradient_norms(gradients, variables=None) -> dict:
    """L2 norm of the gradients per layer (the variable name up to its last '/'), in order.

    >>> import numpy as np
    >>> gradient_norms({"dense/kernel:0": np.array([3.0]), "dense/bias:0": np.array([4.0])})
    {'dense': 5.0}
    """
    squares: dict = {}
    for name, grad in _grad_items(gradients, variables):
        if grad is not None:
            value = _array(grad).astype(np.float64)
            squares[_layer(name)] = squares.get(_layer(name), 0.0) + float(np.sum(value * value))
    return {layer: float(np.sqrt(total)) for layer, total in squares.items()}


def _norm_findings(norms: dict, high: float, low: float, ratio: float) -> list:
    found, layers = [], list(norms)
    for layer in layers:
        if norms[layer] > high:
            found.append(Finding("exploding_gradient", f"{layer}: gradient norm "
                                 f"{norms[layer]:.3g} > {high:g}"))
        elif norms[layer] < low:
            found.append(Finding("vanishing_gradient", f"{layer}: gradient norm "
                                 f"{norms[layer]:.3g} < {low:g}"))
    for a, b in zip(layers, layers[1:]):
        if norms[a] > 0 and norms[b] > 0:
            r = norms[b] / norms[a]
            if r > ratio or r < 1 / ratio:
                found.append(Finding("gradient_ratio", f"gradient norm changes {r:.3g}x from "
                                     f"{a} ({norms[a]:.3g}) to {b} ({norms[b]:.3g}): "
                                     f"{'exploding' if r > 1 else 'vanishing'} across layers"))
    return found


def diagnose(recording=None, target=None, *, gradients=None, history=None, variables=None,
             min_steps: int = 2, high: float = 1e3, low: float = 1e-7,
             ratio: float = 1e3) -> list:
    """Findings for suspicious patterns, each with `kind`, a `message` and the node it names.

    `recording`: a tape or nodes (outer-product broadcasts on the path to `target`, and
    where NaN/Inf was born); `history`: gradients per step (dicts, lists named by
    `variables`, or steps with `.gradients`); `gradients` (default: the last step): norms
    per layer, flagged above `high`, below `low`, or changing more than `ratio` between
    consecutive layers.

    >>> import tapeviz as tf
    >>> x, y = tf.Variable(tf.zeros([4])), tf.zeros([4, 1])
    >>> with tf.GradientTape() as tape:
    ...     loss = tf.reduce_mean(tf.square(x - y))
    >>> [f.kind for f in diagnose(tape, loss)]
    ['outer_broadcast']
    """
    found = []
    if recording is not None:
        nodes = [n for n in _nodes_of(recording) if getattr(n, "phase", "forward") == "forward"]
        found += _broadcasts(path_nodes(nodes, id(target)) if target is not None else nodes)
        origin = find_nan_origin(nodes)
        if origin is not None:
            found.append(Finding("nan", str(origin).splitlines()[0], origin.node,
                                 origin.source))
    if history is not None:
        history = list(getattr(history, "steps", history))
        found += _zero_gradients(history, variables, min_steps)
        if gradients is None and history:
            gradients = history[-1]
    if gradients is not None:
        found += _norm_findings(gradient_norms(gradients, variables), high, low, ratio)
    return found
