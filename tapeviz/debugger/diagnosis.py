"""Suspicious patterns in a recording that train badly: findings with figures, ops and lines.

`diagnose` looks for broadcasts that grow both operands (an accidental outer product) on
the way to the loss (`broadcasts`), where NaN/Inf was born or, when no op made it, where it
was given from outside (the data, a variable's value), in the recording or in the first step
of a history that holds any, a loss that diverges under updates as large as the weights,
ReLU layers that output only zeros, sigmoid/tanh layers that output only their bounds,
gradients that stay None or exactly zero over steps (`zero_gradients`), torch's gradient
accumulation undone by a `zero_grad()` between its passes (`zeroed_passes`), a softmax over
the steps of a sequence (`softmax_axis`), a hand-written backward that ignores the
gradient it is given (`upstream_ignored`: a custom torch Function's, run again), and gradient norms
that explode or vanish across the layers, naming the sigmoid/tanh ops in between (`norms`);
`program_bugs` adds, first, bugs in how the program
is written (gradient ascent, identical hidden units, a softmax over the batch, unscaled
pixels, a Variable made in the loop). This module reads what it was given and runs the
checks in order. Nothing here runs an op, except the backward pass of a tape given with its
target.
"""
from __future__ import annotations

import operator
import sys

import numpy as np

from .. import nest
from ..errors import DTypeError, InvalidArgumentError
from ..fpwarnings import warn_from_user_line
from ..nonfinite import FIXES, engine_of
from ..variable import Variable, VariableRead
from . import breakpoint_listener
from .activations import dead_relus, saturated, variable_order
from .ascent import find_ascent
from .broadcasts import outer_broadcasts
from .chance_loss import loss_at_chance
from .constant_prediction import constant_prediction
from .cut_off import cut_off
from .divergence import find_divergence
from .loss_leap import loss_leap
from .findings import Finding
from .given import check_recorded_ops, check_target_and_sources
from .history import RecordedStep
from .logits_as_probabilities import logits_given_as_probabilities
from .loss_shape import non_scalar_target
from .nan_entry import NaNEntry
from .nan_steps import nan_over_steps
from .norms import finite, grad_items, gradient_norms, norm_findings, stack_over_steps
from .numerics import _nodes_of, _op_name, _where, find_nan_origin
from .output_range import output_out_of_range
from .program_bugs import with_program_bugs
from .recorder import Recorder
from .summary import NoValues, nonfinite_each
from .softmax_axis import softmax_over_steps
from .upstream_ignored import upstream_ignored
from .why_none import path_nodes
from .zero_gradients import always_zero, zero_findings, zero_names
from .zeroed_passes import zeroed_between_passes


ACROSS_LAYERS = ("gradient_ratio", "vanishing_stack", "exploding_stack")


_OUTPUT_VALUE = operator.attrgetter("output._value")


def _over_steps(steps, shown_nan, dropped: int, ascent) -> list:
    """Where NaN/Inf was first born in recorded `steps` (or carried in, when `shown_nan`,
    the shown step's own finding, is None too), then whether the loss diverged, unless
    `ascent` (gradient ascent's finding, or None) explains the climb: a smaller learning
    rate, divergence's hint, would not help."""
    born = nan_over_steps(steps, carried_in=shown_nan is None, dropped=dropped)
    divergence = (find_divergence(steps) or loss_leap(steps)) if ascent is None else None
    if born is not None and (ascent or divergence) is not None and \
            (ascent or divergence).kind != "oscillation":   # (bounded: it made no NaN)
        born.message += (f"; the loss was diverging before: see the "
                         f"{(ascent or divergence).kind.replace('_', ' ')} finding")
        if divergence is not None:
            return [divergence, born]   # the cause first, its overflow after
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
    try:   # a pass the user never ran: numpy's warnings from it would blame diagnose's line
        with np.errstate(all="ignore"):
            grads = recording.backward(target, variables).run().grads
    except InvalidArgumentError:
        return None   # check-numerics is on and the backward pass made NaN: it said so
    return {v.name: grads.get(id(v)) for v in variables}


def _torch_unheard() -> str:
    """Where torch runs and the adapter was never imported, its ops were heard by nobody
    (read off sys.modules: the debugger imports no torch)."""
    if "torch" in sys.modules and "tapeviz.torch" not in sys.modules:
        return "; a PyTorch loop is heard once `import tapeviz.torch` has run"
    return ""


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
                                "thread that entered it (or Recorder(threads='all'))"
                                + _torch_unheard())
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
        found += outer_broadcasts(path_nodes(nodes, id(target)) if target is not None else nodes)
        found += logits_given_as_probabilities(nodes) + output_out_of_range(nodes)
        found += softmax_over_steps(nodes)
        found += upstream_ignored(_backward_steps(recording))
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
        born = next((f for f in over_steps if f.kind == "nan"), None)
        if nan is not None and born is not None and (entered or (
                _op_name(nan.node) == _op_name(born.node) and nan.source == born.source)):
            # the same op and line: say it once, with its first step; NaN given to the shown
            # step from outside: the steps say where it first appeared
            found.remove(nan)
        found += over_steps
    if gradients is None and steps:
        gradients = next((s for s in reversed(steps) if finite(s, variables)), None)
    none, zero, count = always_zero(steps, variables, min_steps)
    evidence = ({name for name, _ in zero} if count >= min_steps
                else zero_names(gradients, variables))
    dead = dead_relus(nodes, evidence, recorded) + saturated(nodes, evidence, recorded)
    cut, explained = cut_off(none, nodes, recorded)
    found += dead + cut + zeroed_between_passes([s for s in recorded if s.variable_gradients])
    found += zero_findings([name for name in none if name not in explained], zero, count, nodes,
                            {name for f in dead for name in f.variables}, recorded)
    if gradients is not None:
        order = variable_order(nodes)
        found += norm_findings(gradient_norms(gradients, variables, order), high, low,
                                ratio, nodes)
        if len(recorded) > 1 and not any(f.kind in ACROSS_LAYERS for f in found):
            found += stack_over_steps(recorded, order, ratio, nodes)
    found = _overflow_explained(with_program_bugs(
        found, nodes, recorded, {} if gradients is None else
        dict(grad_items(gradients, variables)), ascent))
    # a stall at chance, or at one prediction for every input, is said as a likely cause
    # only when nothing else explains it
    return found or loss_at_chance(recorded) or constant_prediction(recorded)


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


def _backward_steps(recording) -> list:
    """Another engine's BackwardSteps in `recording` (a RecordedStep's, a torch tape's)."""
    steps = getattr(recording, "backward_steps", None)
    return list(steps if steps is not None else getattr(recording, "steps", ()))


def _bookkeeping(step) -> bool:
    """Whether recorded `step` only did bookkeeping: no gradient, no trainable variable read
    (model.fit's last step, which averages its metrics); the step that trained is judged in
    its place."""
    return not step.variable_gradients and not any(
        type(tensor) is VariableRead and tensor.variable.trainable
        for node in step.nodes for tensor in node.inputs)
