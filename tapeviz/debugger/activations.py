"""Activations that stop gradients: ReLU layers that output only zeros (dead), sigmoid/tanh
layers that output only their bounds (saturated: derivative exactly 0), and the sigmoid/tanh
ops of a stack whose small derivatives multiply into a vanishing gradient.

Both read forward nodes as dispatch made them (a tape's, or a recorded step's); nothing
here runs an op.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import engine_of
from ..variable import Variable, VariableRead
from .batch_sum import summed_over_batch
from .findings import Finding
from .numerics import _where
from .op_index import role
from .summary import _array
from .variable_names import name_in_code, reached_name, torch_layer_in_code, unnamed
from .why_none import path_nodes

RELUS = ("relu", "relu6")
WEIGHING = ("matmul", "conv2d", "multiply", "einsum", "tensordot")   # by op_index.role
SATURATING = {"sigmoid": lambda y: y * (1 - y), "tanh": lambda y: 1 - y * y}
_BOUNDS = {"sigmoid": "0 and 1", "tanh": "-1 and 1"}


def _variables_read(nodes) -> list:
    """The variables the nodes read, in order of first read."""
    found: dict = {}
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead:
                found.setdefault(id(tensor.variable), tensor.variable)
    return list(found.values())


def variable_order(nodes) -> list:
    """Variable names in the order the forward pass first read them (input side first)."""
    return [v.name for v in _variables_read(nodes)]


def _weighing(nodes, node) -> list:
    """The nodes that multiply `node`'s output by something (the next layer's kernel)."""
    return [n for n in nodes if id(node.output) in n.input_ids and role(n.op) in WEIGHING]


def starved_variables(nodes, relu) -> list:
    """The variables a dead `relu` leaves with no gradient: those it is computed from, and
    those multiplied by its zeros (the next layer's kernel)."""
    return _variables_read(path_nodes(nodes, id(relu.output)) + _weighing(nodes, relu))


_LEAKY = {"tf": "tf.nn.leaky_relu", "torch": "F.leaky_relu (torch.nn.LeakyReLU)"}


def _and(parts: list) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def _unnamed(variable, nodes) -> str:
    """An unnamed variable as code shows it: 'w1' as the line that made it assigns it (and
    no other variable `nodes` read), else 'the 16x8 variable read by matmul (line 141)'
    (with its name when the graph draws it by one of the op that made it, 'full:0')."""
    assigned = name_in_code(variable, [t.variable for node in nodes for t in node.inputs
                                       if type(t) is VariableRead])
    if assigned is not None:
        return assigned
    shape = tuple(variable.shape)
    size = "scalar" if not shape else (f"{shape[0]}-element" if len(shape) == 1
                                       else "x".join(map(str, shape)))
    reader = next((n for n in nodes for t in n.inputs
                   if type(t) is VariableRead and t.variable is variable), None)
    if reader is None:
        return f"the {size} variable {variable.name}"
    line = f" (line {reader.source.lineno})" if reader.source is not None else ""
    drawn = "" if type(variable) is Variable else f" {variable.name},"
    return f"the {size} variable{drawn} read by {reader.op.name}{line}"


def describe_variables(variables, nodes) -> str:
    """Variables as their user names them: a layer's as 'the kernel and bias of layer
    dense_1', a torch parameter as code reaches it ('model[0].weight'), one named at
    creation by that name, an unnamed one as the code assigns it
    ('w1 = tf.Variable(...)': w1) or else by its shape and the op that reads it."""
    parts, layers = [], {}   # a layer's part is (its name,), filled in at the end
    for variable in variables:
        name = variable.name[:-2] if variable.name.endswith(":0") else variable.name
        if "/" in name:
            layer, what = name.rsplit("/", 1)
            if layer not in layers:
                parts.append((layer,))
            layers.setdefault(layer, []).append(what)
        elif unnamed(variable):
            parts.append(_unnamed(variable, nodes))
        else:
            parts.append(name if type(variable) is Variable else reached_name(name, nodes))
    return _and([f"the {_and(layers[part[0]])} of layer {part[0]}"
                 if isinstance(part, tuple) else part for part in parts])


def _dead(nodes) -> list:
    """The forward ReLU ops of a layer whose whole output is zero, in order."""
    found = []
    for node in nodes:
        if node.op.name not in RELUS or getattr(node, "phase", "forward") != "forward":
            continue
        out = _array(node.output)
        if out.size < 2 or out.dtype.kind != "f" or np.any(out):
            continue
        if node.scope or _weighing(nodes, node):   # a hinge loss at zero is no dead layer
            found.append(node)
    return found


def _by_cause(nodes, dead) -> list:
    """[(relu, [the dead ReLUs after it that its zeros feed])]: a dead ReLU downstream of
    another is its consequence (it gets zeros, or a bias alone), said with it."""
    groups: list = []
    for node in dead:
        upstream = {id(n) for n in path_nodes(nodes, id(node.output))}
        cause = next((group for group in groups if id(group[0]) in upstream), None)
        if cause is None:
            groups.append((node, []))
        else:
            cause[1].append(node)
    return groups


def layer_in_code(node) -> str:
    """The layer `node` ran in (its scope) as the user's code reaches it, as the other
    findings name layers: a Keras layer by its name ('dense', whose variables are
    'dense/kernel'), a torch module by its path from the model, named as the code binds it
    (`model_in_code`), with its kind: 'model[1] (ReLU)' for scope 'Sequential/1' of an
    nn.Sequential bound to `model`, 'net.body[1] (ReLU)' for 'Net/body/1' of `net = Net()`."""
    if engine_of(node.op) != "torch":
        return node.scope.rsplit("/", 1)[-1]
    return torch_layer_in_code(node.op.name, node.scope)


def _after_it(relu, after, nodes) -> str:
    """'; 9 more ReLU layers after it, which its zeros feed, output only zeros too
    (model[3] (ReLU), ..., model[19] (ReLU): 10 dead layers, 320 units an example in all)'."""
    if not after:
        return ""
    layers = [layer_in_code(n) if n.scope else _where(n.source) for n in after]
    shown = layers if len(layers) <= 3 else [layers[0], "...", layers[-1]]
    units = sum(_array(n.output)[0].size for n in [relu, *after])
    return (f"; {len(after)} more ReLU layer{'s' if len(after) > 1 else ''} after it, which "
            f"its zeros feed, output only zeros too ({', '.join(shown)}: {len(after) + 1} "
            f"dead layers, {units} units an example in all)")


def dead_relus(nodes, zero_gradients=None, steps=None) -> list:
    """A Finding per cause of dead ReLUs: the first ReLU op whose whole output is zero, with
    the dead ones after it that its zeros feed, naming the variables they starve.

    `zero_gradients`: names of variables whose gradient was seen to be exactly zero; given,
    only those are named as starved (the evidence), else every variable upstream of the
    ReLUs and the ones that multiply their output. `steps`: the recorded steps, which say
    whether it was dead from the start (its initialisation) or died as it trained.
    """
    found = []
    for node, after in _by_cause(nodes, _dead(nodes)):
        out, pre = _array(node.output), _array(node.inputs[0])
        starved = list({id(v): v for relu in [node, *after]
                        for v in starved_variables(nodes, relu)}.values())
        if zero_gradients is not None:
            starved = [v for v in starved if v.name in zero_gradients]
        shape = "x".join(map(str, out.shape))
        layer = f" in layer {layer_in_code(node)}" if node.scope else ""
        message = (f"dead ReLU: {node.op.name}{layer} outputs only zeros "
                   f"({shape} values: every unit, every example); its inputs are all <= 0 "
                   f"(largest {float(np.max(pre)):.3g}), so no gradient flows back through it"
                   + _after_it(node, after, nodes))
        if starved:
            message += f": {describe_variables(starved, nodes)} never train"
        leaky = _LEAKY[engine_of(node.op)]
        when = _when_it_died(node, steps or [], nodes)
        message += f"; at {_where(node.source)}" + (
            f"; {when[0]}; hint: {when[1]}, or use {leaky}" if when else
            f"; hint: a large negative bias or weights (initialisation, or a learning rate "
            f"that pushed them there) kill every unit: re-initialise the layer (bias 0), "
            f"lower the learning rate, or use {leaky}")
        found.append(Finding("dead_relu", message, node,
                             variables=[v.name for v in starved]))
    return found


def saturated(nodes, zero_gradients=None, steps=None) -> list:
    """A Finding per sigmoid/tanh layer op whose every output sits on its bounds, where its
    derivative is exactly 0: no gradient flows back through it (a dead ReLU's twin). The
    arguments are `dead_relus`' own. Not said once the loss fell under 1% of its first value:
    a classifier that fits its labels puts its sigmoid on 0 and 1 too."""
    found = []
    losses = [step.loss for step in steps or () if step.loss is not None]
    if len(losses) > 1 and abs(losses[-1]) < 0.01 * abs(losses[0]):
        return found
    for node in nodes:
        derivative = SATURATING.get(node.op.name)
        if derivative is None or getattr(node, "phase", "forward") != "forward" \
                or not node.scope:
            continue
        out = _array(node.output)
        if out.size < 2 or out.dtype.kind != "f" or np.any(derivative(out)):
            continue
        starved = _variables_read(path_nodes(nodes, id(node.output)))
        if zero_gradients is not None:
            starved = [v for v in starved if v.name in zero_gradients]
        name, shape = node.op.name, "x".join(map(str, out.shape))
        message = (f"saturated {name}: {name} in layer {layer_in_code(node)} outputs only "
                   f"{_BOUNDS[name]} ({shape} values: every unit, every example), where its "
                   f"derivative is exactly 0, so no gradient flows back through it")
        if starved:
            message += f": {describe_variables(starved, nodes)} never train"
        when = _when_saturated(node, steps or [])
        message += f"; at {_where(node.source)}" + (
            f"; {when}; hint: lower the learning rate (10x, until the loss moves again)"
            if when else "; hint: its inputs are too large: scale the model's inputs, "
                         "lower the learning rate or re-initialise the layer")
        found.append(Finding("saturated", message, node, variables=[v.name for v in starved]))
    return found


def _when_saturated(node, steps) -> str | None:
    """When the steps saw `node` (a sigmoid or tanh) saturate as it trained, or None."""
    from .divergence import optimizer_line   # (it imports the recorder; this module not)
    key, derivative, free_in = _key(node), SATURATING[node.op.name], None
    for step in steps:
        outputs = [_array(rop.node.output) for rop in step.ops if rop.phase == "forward"
                   and rop.op == node.op.name and _key(rop.node) == key]
        if not outputs:
            continue
        free = max(float(np.mean(derivative(out) > 0)) for out in outputs)
        if free_in is None and free:
            free_in = (step, free)
        elif free_in is not None and not free:
            made_at = optimizer_line(step)
            return (f"it was off its bounds in step {free_in[0].number} ({free_in[1]:.0%} of "
                    f"its outputs) and on them from step {step.number}: the updates pushed it "
                    f"there, a learning rate too large"
                    + (f" (set at {_where(made_at)})" if made_at is not None else "")
                    + summed_over_batch(step))
    return None


def _key(node) -> tuple:
    """What the same ReLU has in common from step to step: op, layer and line."""
    source = node.source
    return (node.op.name, node.scope,
            None if source is None else (source.filename, source.lineno))


_ZEROED = {"tf": "kernel_initializer='zeros'", "torch": "nn.init.zeros_(layer.weight)"}


def _set_at(relu, nodes, step) -> str:
    """' (set: model[0].bias at file:line: text; ...)': the lines in `step` that last wrote,
    before `relu` ran, its own layer's variables (read from the last weighing op on its
    path on), as torch's initialisers are recorded; '' where none was."""
    path = path_nodes(nodes, id(relu.output))
    first = max((i for i, n in enumerate(path) if role(n.op) in WEIGHING), default=0)
    own = {id(v) for v in _variables_read(path[first:])}
    lines: dict = {}
    for rop in step.ops:
        if rop.phase == "forward" and rop.op == relu.op.name and _key(rop.node) == _key(relu):
            break   # (what the step's update writes after it is no initialisation)
        written = getattr(rop.node.output, "variable", None)
        if rop.phase == "forward" and id(written) in own and rop.node.source is not None:
            lines[id(written)] = (reached_name(written.name, path), rop.node.source)
    said: list = []
    for name, source in lines.values():
        where = _where(source)
        said += [] if any(where in s for s in said) else [f"{name} at {where}"]
    return f" (set: {'; '.join(said)})" if said else ""


def _when_it_died(relu, steps, graph=()) -> tuple | None:
    """(when, the fix) for a `relu` the steps saw die as it trained (the updates pushed it
    there: the learning rate) or dead from the first (its initialisation, with the lines
    that set its layer's variables); None when they do not say."""
    from .divergence import optimizer_line   # (it imports the recorder; this module not)
    key, alive_in = _key(relu), None
    for step in steps:
        nodes = [rop.node for rop in step.ops if rop.phase == "forward"
                 and rop.op == relu.op.name and _key(rop.node) == key]
        if not nodes:
            continue
        alive = max(float(np.mean(_array(node.output) > 0)) for node in nodes)
        if alive_in is None and not alive and not any(
                np.any(_array(node.inputs[0])) for node in nodes if node.inputs):
            return (f"it was dead from the first recorded step (step {step.number}): its "
                    f"inputs are exactly 0 for every example, as a layer whose weights start "
                    f"at zero makes them ({_ZEROED[engine_of(relu.op)]}), and ReLU passes no "
                    f"gradient at 0",
                    "keep the layer's default initialiser: weights drawn at random, not zeros")
        if alive_in is None and not alive:
            return (f"it was dead from the first recorded step (step {step.number}): its "
                    f"initial weights or bias killed it{_set_at(relu, graph, step)}",
                    "re-initialise the layer (bias 0, the default initialisers)")
        if alive_in is None:
            alive_in = (step, alive)
        elif not alive:
            first, share = alive_in
            made_at = optimizer_line(step)
            return (f"it was alive in step {first.number} ({share:.0%} of its outputs > 0) "
                    f"and dead from step {step.number}: the updates killed it, a learning "
                    f"rate too large"
                    + (f" (set at {_where(made_at)})" if made_at is not None else "")
                    + summed_over_batch(step),
                    "lower the learning rate (10x, until the units stay alive)")
    return None


def saturating_ops(nodes) -> list:
    """[(node, mean local derivative)] for the forward sigmoid and tanh ops, in order."""
    found = []
    for node in nodes:
        derivative = SATURATING.get(node.op.name)
        if derivative is not None and getattr(node, "phase", "forward") == "forward":
            out = _array(node.output).astype(np.float64)
            if out.size:
                found.append((node, float(np.mean(derivative(out)))))
    return found


def describe_saturating(ops) -> str:
    """'8 sigmoid ops (local derivative 0.2 on average, at most 0.25) at file:line: text'."""
    names = sorted({node.op.name for node, _ in ops})
    mean = float(np.mean([d for _, d in ops]))
    limit = " at most 0.25," if names == ["sigmoid"] else ""
    lines = []
    for node, _ in ops:
        where = _where(node.source)
        if where not in lines:
            lines.append(where)
    return (f"{len(ops)} {'/'.join(names)} ops (each passes on its local derivative:{limit} "
            f"{mean:.2g} on average) at {'; '.join(lines)}")
