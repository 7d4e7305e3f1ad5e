"""Suspicious patterns in a recording that train badly: findings with figures, ops and lines.

`diagnose` looks for broadcasts that grow both operands (an accidental outer product) on
the way to the loss, where NaN/Inf was born or, when no op made it, where it was given
from outside (the data, a variable's value), in the recording or in the first step of a
history that holds any, a loss that diverges under updates as large as the weights, ReLU
layers that output only zeros, gradients that stay exactly zero over steps, and gradient
norms that explode or vanish across the layers (naming the sigmoid/tanh ops in between);
`program_bugs` adds, first, bugs in how the program is written (gradient ascent, identical
hidden units, a softmax over the batch, unscaled pixels, a Variable made in the loop).
Nothing here runs an op, except the backward pass of a tape given with its target.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import nest
from ..errors import DTypeError, InvalidArgumentError
from ..fpwarnings import warn_from_user_line
from ..nonfinite import FIXES, engine_of
from ..tensor import Variable, VariableRead
from . import breakpoint_listener
from .activations import (dead_relus, describe_saturating, describe_variables,
                          saturating_ops, variable_order)
from .ascent import find_ascent
from .chance_loss import loss_at_chance
from .divergence import find_divergence
from .findings import Finding
from .given import check_recorded_ops, check_target_and_sources
from .history import RecordedStep
from .logits_as_probabilities import logits_given_as_probabilities
from .loss_shape import non_scalar_target
from .nan_entry import NaNEntry
from .nan_steps import nan_over_steps
from .numerics import _nodes_of, _op_name, _where, find_nan_origin
from .output_range import output_out_of_range
from .program_bugs import with_program_bugs
from .recorder import Recorder
from .summary import NoValues, _array, all_finite, nonfinite_each
from .variable_names import unnamed
from .why_none import path_nodes


ACROSS_LAYERS = ("gradient_ratio", "vanishing_stack", "exploding_stack")


_shape = operator.attrgetter("_value.shape")   # a tensor's shape (its numpy value's)
_OUTPUT_VALUE = operator.attrgetter("output._value")


def _outer_broadcast(shapes: tuple, out_shape: tuple) -> bool:
    """Whether an elementwise op broadcast operands of `shapes` to `out_shape` with every
    operand smaller than the result (matmul broadcasts its batch dimensions only: (4, 3) @
    (3, 5) is fine)."""
    try:
        if np.broadcast_shapes(*shapes) != out_shape:
            return False
    except ValueError:
        return False
    size = math.prod(out_shape)
    return size > 1 and all(math.prod(shape) < size for shape in shapes)


def _broadcasts(nodes) -> list:
    """Outer-product broadcasts among `nodes`; each distinct set of shapes is judged once
    (a long tape repeats a few)."""
    found, verdicts = [], {}
    for node in nodes:
        if not getattr(node.op, "broadcasting", False) or len(node.inputs) < 2:
            continue
        shapes = tuple(map(_shape, node.inputs))
        out_shape = _shape(node.output)
        verdict = verdicts.get((shapes, out_shape))
        if verdict is None:
            verdict = verdicts[shapes, out_shape] = _outer_broadcast(shapes, out_shape)
        if verdict:
            found.append(Finding("outer_broadcast", _broadcast_message(node, shapes,
                                                                       out_shape), node))
    return found


def _broadcast_message(node, shapes: tuple, out_shape: tuple) -> str:
    sizes = [math.prod(shape) for shape in shapes]
    message = (f"{_op_name(node)} broadcast {' and '.join(map(str, shapes))} to {out_shape}: "
               f"both operands grew ({math.prod(out_shape)} values from "
               f"{' + '.join(map(str, sizes))}), an outer product; at {_where(node.source)}")
    ordered = sorted(shapes, key=len)
    if len(ordered) == 2 and ordered[1] == ordered[0] + (1,):
        squeeze = {"tf": "tf.squeeze the", "torch": ".squeeze(-1) the"}[engine_of(node.op)]
        message += (f"; hint: {ordered[0]} against {ordered[1]}: reshape one so they "
                    f"match, e.g. {squeeze} {ordered[1]} operand")
    return message


def _key_name(key) -> str:
    if isinstance(key, str):
        return key
    key = key.deref() if hasattr(key, "deref") else key
    return getattr(key, "name", None) or repr(key)


def _grad_items(step, variables=None) -> list:
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
            return _grad_items(step)
    names = [_key_name(v) for v in variables] if variables is not None else None
    return [(names[i] if names and i < len(names) else f"#{i}", g) for i, g in enumerate(step)]


def _always_zero(history, variables, min_steps: int) -> tuple[list, list, int]:
    """(names whose gradient is None in every step, (name, size) of those exactly zero in
    every step, steps looked at); nothing below `min_steps` steps."""
    history = list(history)
    steps = [dict(_grad_items(step, variables)) for step in history]
    first = next((i for i, step in enumerate(steps) if step), None)
    steps = [step for step in steps if step]   # (an evaluation's or model.fit's last: none)
    if len(steps) < min_steps:
        return [], [], len(steps)
    none, zero = [], []
    for name in _with_none(history[first], steps[0]):   # (a name missing later: None there)
        grads = [s.get(name) for s in steps]
        if all(g is None for g in grads):
            none.append(name)
        elif all(g is not None and not np.any(_array(g)) for g in grads):
            zero.append((name, _array(grads[0]).size))
    return none, zero, len(steps)


def _with_none(step, gradients: dict) -> dict:
    """A recorded step's `gradients` with None for each trained Variable its gradient call
    was given that got none (a step keeps only the gradients that came)."""
    if isinstance(step, RecordedStep):
        for source in step.gradient_sources:
            if isinstance(source, Variable) and (source.trainable or "/" not in source.name):
                gradients.setdefault(source.name, None)   # (a layer's moving mean: no)
    return gradients


def _first_read(nodes, name):
    for node in nodes:
        for tensor in node.inputs:
            if type(tensor) is VariableRead and tensor.variable.name == name:
                return node
    return None


def _zero_findings(none, zero, count, nodes, explained, recorded=()) -> list:
    given = {v.name: v for step in recorded[-1:] for v in step.gradient_sources
             if isinstance(v, Variable)}   # the variables themselves, to name as code does
    found = [_none_finding(name, count, nodes, given.get(name)) for name in none]
    for name, size in zero:
        if name in explained:
            continue   # a dead ReLU's finding names it, with the op to blame
        reader = _first_read(nodes, name)
        where = (f"; read by {_op_name(reader)} at {_where(reader.source)}"
                 if reader is not None else "")
        found.append(Finding("zero_gradient", f"{name}: the gradient is exactly zero in all "
                             f"{count} steps ({size} values each): it never "
                             f"trains (dead ReLUs, a masked path, or a constant input){where}",
                             reader, variables=[name]))
    return found


def _none_finding(name: str, count: int, nodes, variable=None) -> Finding:
    """A variable (`variable`, where known) whose gradient was None in every step, named as
    the code names it, with the op that read it (read, but off the way to the loss) or that
    no op read it."""
    reader = _first_read(nodes, name)
    shown = name if variable is None else describe_variables([variable], nodes)
    why = ("no op of the step read it: the loss does not use it" if reader is None else
           f"it is read by {_op_name(reader)} at {_where(reader.source)}, but not on the way to "
           f"the loss")
    if variable is not None and not variable.trainable:
        watch = shown if shown.isidentifier() else "the variable"
        return Finding("none_gradient", f"{shown}: the gradient is None in all {count} steps, "
                       f"so it never trains: it was made with trainable=False at "
                       f"{_where(variable.made_at)}, so the tape does not watch it; fix: drop "
                       f"trainable=False (or tape.watch({watch}) in the tape)", reader,
                       variables=[name])
    return Finding("none_gradient", f"{shown}: the gradient is None in all {count} steps, so it "
                   f"never trains: {why}; fix: use it in the loss, or leave it out of the "
                   f"variables given to tape.gradient (why_none(tape, loss, variable), right "
                   f"after tape.gradient, says why)", reader, variables=[name])


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
    items = _grad_items(gradients, variables)
    if order:
        rank = {name: i for i, name in enumerate(order)}
        items.sort(key=lambda item: rank.get(item[0], len(rank)))
    squares: dict = {}
    for name, grad in items:
        if grad is not None:
            value = _array(grad).astype(np.float64)
            squares[_layer(name)] = squares.get(_layer(name), 0.0) + float(np.sum(value * value))
    return {layer: float(np.sqrt(total)) for layer, total in squares.items()}


def _layer_finding(kind: str, message: str, layer: str, nodes) -> Finding:
    """A finding about `layer`, naming the op that reads its first variable and its line."""
    reader = next((n for n in nodes for t in n.inputs
                   if type(t) is VariableRead and _layer(t.variable.name) == layer), None)
    if reader is not None:
        message += (f"; {_shown_layer(layer, nodes)} is read by {_op_name(reader)} at "
                    f"{_where(reader.source)}")
    return Finding(kind, message, reader)


def _shown_layer(layer: str, nodes) -> str:
    """`layer` as the code names it: an unnamed Variable, a layer of its own to the gradient
    norms ('Variable_1'), as its line assigns it ('w'); a layer's name as it is."""
    variable = next((t.variable for n in nodes for t in n.inputs
                     if type(t) is VariableRead and _layer(t.variable.name) == layer), None)
    return describe_variables([variable], nodes) if variable is not None and \
        unnamed(variable) else layer


def _norm_findings(norms: dict, high: float, low: float, ratio: float, nodes) -> list:
    """Per layer: above `high`, below `low` (an exact zero is a zero gradient, not a
    vanishing one); across layers: a change of more than `ratio`, between neighbours or,
    when no neighbours differ that much, over the whole stack."""
    norms = {k: v for k, v in norms.items() if math.isfinite(v)}  # NaN: the origin says it
    found, layers = [], list(norms)
    for layer in layers:
        if norms[layer] > high:
            found.append(_layer_finding("exploding_gradient", f"{_shown_layer(layer, nodes)}: "
                                        f"gradient norm {norms[layer]:.3g} > {high:g}", layer,
                                        nodes))
        elif 0 < norms[layer] < low:
            found.append(_layer_finding("vanishing_gradient", f"{_shown_layer(layer, nodes)}: "
                                        f"gradient norm {norms[layer]:.3g} < {low:g}", layer,
                                        nodes))
    layers = [layer for layer in layers if norms[layer] > 0]
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
    return found + neighbours


_CLIP = {"tf": "tf.clip_by_global_norm",
         "torch": "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)"}


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
                   f"last layer's{when} ({first} {norms[first]:.3g}, {last} "
                   f"{norms[last]:.3g}): "
                   f"the gradient shrinks on its way back{through}, so the first layers "
                   f"barely train; hint: use relu (with He initialisation) in deep stacks, "
                   f"or batch normalisation / residual connections")
    else:
        message = (f"exploding gradients: the first layer's gradient norm is {r:.3g}x the "
                   f"last layer's{when} ({first} {norms[first]:.3g}, {last} {norms[last]:.3g})"
                   f"{through}; hint: smaller initial weights, normalisation, or "
                   f"{_CLIP[engine_of(nodes[0].op) if nodes else 'tf']}")
    node = saturating[0][0] if saturating else None
    return [Finding("vanishing_stack" if r < 1 else "exploding_stack", message, node)]


def _stack_over_steps(steps, order, ratio, nodes) -> list:
    """The stack finding judged on the kept step where the first and last layers' gradient
    norms are furthest apart: a stack whose first layers get 1e-4 of the head's gradient at
    the start may get 1e-2 once the head has fitted the mean, the first layers unmoved."""
    worst = None   # (distance in decades, step, norms)
    for step in steps:
        if not _finite(step, None):
            continue
        norms = {k: v for k, v in gradient_norms(step, order=order).items() if v > 0}
        if len(norms) > 2:
            layers = list(norms)
            distance = abs(math.log10(norms[layers[0]] / norms[layers[-1]]))
            if worst is None or distance > worst[0]:
                worst = (distance, step, norms, layers[0], layers[-1])
    if worst is None:
        return []
    _, step, norms, first, last = worst
    latest = next(s for s in reversed(steps) if _finite(s, None))
    when = f" in step {step.number}"
    now = gradient_norms(latest, order=order)
    if step is not latest and now.get(first) and now.get(last):
        when += f", {now[first] / now[last]:.3g} in step {latest.number}"
    return _stack_finding(norms, first, last, ratio, nodes, when)


def _over_steps(steps, shown_nan, dropped: int, ascent) -> list:
    """Where NaN/Inf was first born in recorded `steps` (or carried in, when `shown_nan`,
    the shown step's own finding, is None too), then whether the loss diverged, unless
    `ascent` (gradient ascent's finding, or None) explains the climb: a smaller learning
    rate, divergence's hint, would not help."""
    born = nan_over_steps(steps, carried_in=shown_nan is None, dropped=dropped)
    divergence = find_divergence(steps) if ascent is None else None
    if born is not None and (ascent or divergence) is not None and \
            (ascent or divergence).kind != "oscillation":   # (bounded: it made no NaN)
        born.message += (f"; the loss was diverging before: see the "
                         f"{'divergence' if ascent is None else 'gradient ascent'} finding")
    return [f for f in (born, divergence) if f is not None]


def _tape_gradients(recording, target, sources):
    """{variable name: gradient} from a tape's backward pass (the tape is not consumed), or
    None when it cannot run, a breakpoint could stop it, or check-numerics stops it."""
    if target is None or not hasattr(recording, "backward") or recording.freed:
        return None
    if any(bp.enabled for bp in breakpoint_listener.armed()):
        return None   # a diagnosis must not open the debugger at the user's breakpoint
    chosen = nest.flatten(sources) if sources is not None else recording.watched_tensors()
    variables = [v for v in chosen if isinstance(v, Variable) and v.dtype.is_floating]
    if not variables:
        return None
    try:
        grads = recording.backward(target, variables).run().grads
    except InvalidArgumentError:
        return None   # check-numerics is on and the backward pass made NaN: it said so
    return {v.name: grads.get(id(v)) for v in variables}


def _what_to_read(recording, history, target=None) -> tuple:
    """(the nodes' holder, the history) for what `diagnose` was given: a Recorder is its last
    step with all its kept steps as history; a RecordedStep its ops, with itself as the
    history unless one is given; a tape or a list of nodes stays as it is."""
    if recording is None and isinstance(history, Recorder):
        recording = history   # diagnose(history=recorder) reads its last step's ops too
    if isinstance(recording, Recorder):
        step = recording.last_step
        if step is None:
            warn_from_user_line("diagnose: the Recorder recorded no ops, so there is nothing "
                                "to judge: run the training steps inside `with rec:`, on the "
                                "thread that entered it (or Recorder(threads='all'))")
        elif _bookkeeping(step):
            step = next((s for s in reversed(recording.steps) if s.variable_gradients), step)
        return ([] if step is None else step), recording if history is None else history
    if isinstance(recording, RecordedStep):
        return recording, [recording] if history is None else history
    if recording is not None:
        check_recorded_ops("diagnose", recording, "a Recorder, a RecordedStep, a GradientTape "
                           "or a list of its nodes", "diagnose(rec)", target)
    return recording, history


def diagnose(recording=None, target=None, *, sources=None, gradients=None, history=None,
             variables=None, min_steps: int = 2, high: float = 1e3, low: float = 1e-7,
             ratio: float = 1e3) -> list:
    """Findings for suspicious patterns, each with `kind`, a `message` and the node it names.

    `recording`: a Recorder (its last step, with all its kept steps as `history`: what
    `TapeWidget(recorder).alerts` says), a RecordedStep (its ops and gradients), a tape or
    nodes (outer-product broadcasts on the path to `target`, where
    NaN/Inf was born, dead ReLUs; a tape given with `target` is differentiated w.r.t. the
    variables among `sources` for the gradient checks); `history`: a Recorder, its steps,
    or gradients per step (dicts, lists named by `variables`, or steps with `.gradients`):
    gradients exactly zero in every step, and for recorded steps a diverging loss and the
    first step where NaN/Inf was born; `gradients` (default: the tape's, else the last
    finite step's): norms per layer, flagged above `high`, below `low`, or changing more
    than `ratio` across the layers.

    >>> import tapeviz as tf
    >>> x, y = tf.Variable(tf.zeros([4])), tf.zeros([4, 1])
    >>> with tf.GradientTape() as tape:
    ...     loss = tf.reduce_mean(tf.square(x - y))
    >>> [f.kind for f in diagnose(tape, loss)]
    ['outer_broadcast']
    """
    if recording is None and history is None and gradients is None:
        raise DTypeError("diagnose", "expected something to judge: a Recorder, a RecordedStep, "
                                     "a GradientTape or its nodes, or history= or gradients=; "
                                     "got none of them",
                         hint="with tapeviz.debugger.Recorder() as rec: ...; then "
                              "diagnose(rec)")
    found, nodes, nan, entered = [], [], None, False
    recording, history = _what_to_read(recording, history, target)
    check_target_and_sources("diagnose", target, sources, "diagnose(tape, loss, sources=[w, b])")
    if recording is not None:
        nodes = [n for n in _nodes_of(recording) if getattr(n, "phase", "forward") == "forward"
                 and type(getattr(n.output, "_value", None)) is not NoValues]   # (meta: no data)
        if not isinstance(recording, RecordedStep):   # (a step's: its finding over steps)
            found += non_scalar_target(target, nodes)
        found += _broadcasts(path_nodes(nodes, id(target)) if target is not None else nodes)
        found += logits_given_as_probabilities(nodes) + output_out_of_range(nodes)
        # one batched look at the outputs; the search for the first op that made NaN/Inf
        # from finite inputs runs only when some output holds one
        origin = find_nan_origin(nodes, entered=True) if any(
            nonfinite_each(map(_OUTPUT_VALUE, nodes))) else None
        if origin is not None:
            nan = Finding("nan", str(origin).splitlines()[0], origin.node, origin.source)
            found.append(nan)
            entered = isinstance(origin, NaNEntry)
        elif gradients is None:
            gradients = _tape_gradients(recording, target, sources)
    steps = list(getattr(history, "steps", history)) if history is not None else []
    recorded = [step for step in steps if isinstance(step, RecordedStep)]
    ascent = find_ascent(recorded) if recorded else None
    if recorded:
        dropped = getattr(history, "dropped", None)    # a Recorder's
        over_steps = _over_steps(recorded, None if entered else nan,
                                 dropped.steps if dropped else 0, ascent)
        if nan is not None and over_steps and over_steps[0].kind == "nan" and (entered or (
                _op_name(nan.node) == _op_name(over_steps[0].node)
                and nan.source == over_steps[0].source)):
            # the same op and line: say it once, with its first step; NaN given to the shown
            # step from outside: the steps say where it first appeared
            found.remove(nan)
        found += over_steps
    if gradients is None and steps:
        gradients = next((s for s in reversed(steps) if _finite(s, variables)), None)
    none, zero, count = _always_zero(steps, variables, min_steps)
    evidence = ({name for name, _ in zero} if count >= min_steps
                else _zero_names(gradients, variables))
    dead = dead_relus(nodes, evidence, recorded)
    found += dead
    found += _zero_findings(none, zero, count, nodes,
                            {name for f in dead for name in f.variables}, recorded)
    if gradients is not None:
        order = variable_order(nodes)
        found += _norm_findings(gradient_norms(gradients, variables, order), high, low,
                                ratio, nodes)
        if len(recorded) > 1 and not any(f.kind in ACROSS_LAYERS for f in found):
            found += _stack_over_steps(recorded, order, ratio, nodes)
    found = _overflow_explained(with_program_bugs(
        found, nodes, recorded, {} if gradients is None else
        dict(_grad_items(gradients, variables)), ascent))
    # a stall at chance is said as a likely cause only when nothing else explains it
    return found or loss_at_chance(recorded)


# what makes the updates grow until they overflow, in words, for the NaN it leads to
_GROWTH_CAUSES = {
    "non_scalar_loss": "the loss of many values: tape.gradient differentiates their sum, so "
                       "the updates are that many times too large",
    "gradient_ascent": "the updates go along the gradient, so the loss climbs",
    "accumulated_gradients": "the gradients pile up across steps, so the updates grow",
    "unscaled_input": "the inputs are not scaled, so the first layer's gradients are huge",
}


def _overflow_explained(found: list) -> list:
    """`found`, where a NaN/Inf finding blames an overflow of values grown huge on the
    learning rate while a program bug found too makes them grow: the NaN's fix then points
    to that finding (lowering the learning rate would only delay the overflow)."""
    cause = next((f for f in found if f.kind in _GROWTH_CAUSES), None)
    if cause is None:
        return found
    for nan in found:
        if nan.kind != "nan" or nan.node is None:
            continue
        grown = f"fix: {FIXES['grown'][engine_of(nan.node.op)]}"
        if grown in nan.message:
            nan.message = nan.message.replace(grown, (
                f"cause: {_GROWTH_CAUSES[cause.kind]} (the {cause.kind} finding, at "
                f"{_where(cause.source)}); fix what that finding says, not the learning "
                f"rate (a smaller one would only delay the overflow)"))
            nan.related = cause.source
    return found


def _bookkeeping(step) -> bool:
    """Whether recorded `step` only did bookkeeping: no gradient, no trainable variable read
    (model.fit's last step, which averages its metrics); the step that trained is judged in
    its place."""
    return not step.variable_gradients and not any(
        type(tensor) is VariableRead and tensor.variable.trainable
        for node in step.nodes for tensor in node.inputs)


def _zero_names(gradients, variables) -> set | None:
    if gradients is None:
        return None
    return {name for name, g in _grad_items(gradients, variables)
            if g is not None and not np.any(_array(g))}


def _finite(step, variables) -> bool:
    return all(g is None or all_finite(g) for _, g in _grad_items(step, variables))
