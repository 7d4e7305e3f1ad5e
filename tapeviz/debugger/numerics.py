"""Where NaN and Inf are born: the check-numerics subscriber and `find_nan_origin`.

Both read nodes as dispatch made them (forward, or inside a VJP with phase "backward"):
the checker hears each `OpExecuted` while `tf.debugging.enable_check_numerics()` is on and
raises at the first non-finite float output; `find_nan_origin` scans a recorded tape (and,
given the target, its backward pass) for the first node whose output is non-finite while
its inputs were all finite, i.e. where the value was born rather than where it spread.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import events
from ..backward import vjp_in_flight
from ..op_place import op_place
from ..threadstate import thread_state
from ..errors import InvalidArgumentError
from ..nonfinite import (FIXES, counted, engine_of, fix, in_pass, nonfinite_counts,
                         nonfinite_kinds, reason)
from .masked_rows import FIX as MASKED_ROWS_FIX, masked_on_purpose, reader_of_whole_rows
from .masked_rows import reason as masked_rows_reason
from .summary import _array, all_finite, nonfinite_each, summarize

_local = threading.local()  # .suspended > 0: the checker stays quiet on this thread


def _op_name(node) -> str:
    op = node.op
    return getattr(op, "name", None) or str(op)


def _counts(value) -> tuple[int, int]:
    """(NaN count, Inf count) of a float value; (0, 0) for other dtypes."""
    return nonfinite_counts(_array(value))


def _where(source) -> str:
    if source is None:
        return "unknown line"
    line = source.line
    return f"{source.location}: {line}" if line else source.location


def _input_lines(inputs) -> list[str]:
    return [f"input {i}: {summarize(x)}" for i, x in enumerate(inputs)]


class NaNOrigin:
    """The node where NaN/Inf was born, with counts, input summaries, why (`reason`, in
    words) and the usual `fix`, both computed from the input values.

    `index` is the node's position on the tape (for a backward origin: the position of
    the forward node whose VJP made it, `vjp_of`); `source` is the user's line (for a
    backward origin: the line of that forward op).
    """

    def __init__(self, node, phase, index, nan_count, inf_count, inputs, source, reason=None,
                 fix=None, vjp_of=None, step=None, held=None):
        self.node = node
        self.phase = phase
        self.index = index
        self.nan_count = nan_count
        self.inf_count = inf_count
        self.inputs = inputs            # one summarize() line per input
        self.source = source
        self.reason = reason
        self.fix = fix
        self.vjp_of = vjp_of            # backward: the forward node whose VJP ran the op
        self.step = step                # backward: the BackwardStep, when known
        self.held = held                # the value counted, for the signs of its Inf
        self.of = "the tape"            # what holds the op at `index` ('step 3': op_place)

    @property
    def op(self) -> str:
        return _op_name(self.node)

    @property
    def what(self) -> str:
        """'nan', '-inf', 'nan and inf': what the counted value held (log(0) made -inf)."""
        kinds = nonfinite_kinds(_array(self.held)) if self.held is not None else []
        return " and ".join(kinds or [w for w, n in (("nan", self.nan_count),
                                                     ("inf", self.inf_count)) if n])

    def headline(self, fix: bool = True) -> str:
        """One line in STYLE.md's NaN format, without the op name: where, the counts, why,
        and (unless `fix` is False) the usual fix."""
        if self.vjp_of is not None:
            entry = f"{op_place(self.index, of=self.of)}, " if self.index is not None else ""
            where = (f"{in_pass('backward')}, in the gradient through {_op_name(self.vjp_of)} "
                     f"({entry}{_where(self.source)})")
        else:
            entry = f" at {op_place(self.index, of=self.of)}" if self.index is not None else ""
            where = f"{in_pass(self.phase)}{entry} ({_where(self.source)})"
        return (f"produced {self.what} {where}; {counted(self.nan_count, self.inf_count)}"
                + (f"; {self.reason}" if self.reason else "")
                + (f"; fix: {self.fix}" if self.fix and fix else ""))

    def __str__(self) -> str:
        lines = [f"{self.op} {self.headline()}"] + [f"  {line}" for line in self.inputs]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<NaNOrigin {self.op} {self.phase}{self._place()}: {self.what}>"

    def _place(self) -> str:
        """', op 3 of the tape' for a repr, as the messages place the op ('#2' was a tape
        index no view shows); '' without an index."""
        return "" if self.index is None else f", {op_place(self.index, of=self.of)}"


def _origin(node, index, vjp_of=None, step=None) -> NaNOrigin:
    nans, infs = _counts(node.output)
    source = vjp_of.source if vjp_of is not None and vjp_of.source is not None else node.source
    phase = getattr(node, "phase", "forward")
    name, scope = _op_name(node), getattr(vjp_of if vjp_of is not None else node, "scope", "")
    return NaNOrigin(node, phase, index, nans, infs, _input_lines(node.inputs), source,
                     reason(name, node.inputs, node.output),
                     fix(name, node.inputs, scope, engine_of(node.op)),
                     vjp_of, step, node.output)


def _born(node) -> bool:
    return (not all_finite(node.output)) and all(all_finite(x) for x in node.inputs)


def absorbed_infinities(nodes) -> set:
    """The indices of `nodes` whose output holds Inf but no NaN and is read by at least one
    later node, every one of which makes finite values or such an output in turn: an
    attention mask's -inf, which softmax turns into zero weights (torch's
    `generate_square_subsequent_mask`, `masked_fill(pad, -inf)`). No NaN/Inf came of it, so
    it is no origin."""
    index_of = {getattr(n, "output_id", id(n.output)): i for i, n in enumerate(nodes)}
    readers: dict = {}
    for j, node in enumerate(nodes):
        for value_id in getattr(node, "input_ids", None) or map(id, node.inputs):
            i = index_of.get(value_id)
            if i is not None and i < j:
                readers.setdefault(i, []).append(j)
    absorbed: set = set()
    for i in sorted(readers, reverse=True):   # readers come later: judged first
        values = _array(nodes[i].output)
        if (all_finite(values) or np.isnan(values).any()
                or not all(j in absorbed or all_finite(nodes[j].output) for j in readers[i])):
            continue
        absorbed.add(i)
    return absorbed


def _nodes_of(source) -> list:
    """The dispatch nodes of a tape, a recorded step, or a list (a RecordedOp's node)."""
    if not isinstance(source, (list, tuple)):
        for attribute in ("nodes", "ops"):
            found = getattr(source, attribute, None)
            if found is not None:
                source = found() if callable(found) else found
                break
    return [getattr(node, "node", node) for node in source]


def find_nan_origin(source, target=None, sources=None, output_gradients=None, *,
                    entered=None):
    """The first node, in execution order, that made NaN/Inf from finite inputs, or that was
    given NaN/Inf from outside (the data, a variable's value: a `NaNEntry`); or None.
    `entered` (default: unless `source` is a list, which may be a slice of a recording whose
    NaN an op before it made) says whether to look for the latter.

    `source` is a tape, a list of nodes, or anything with `.nodes`/`.ops` of node-like
    objects (`.op`, `.inputs`, `.output`, `.phase`, `.source`). Given a tape and `target`,
    the backward pass is run too (the tape is not consumed) and the ops inside each VJP
    are searched after the forward ones.

    >>> import tapeviz as tf
    >>> x = tf.Variable([1.0, -1.0])
    >>> with tf.GradientTape() as tape:
    ...     y = tf.exp(tf.log(x) * 2.0)
    >>> find_nan_origin(tape).op
    'log'
    """
    from .given import (check_recorded_ops, check_target_and_sources, nothing_recorded_warning,
                        unsearched_backward_warning)
    from .nan_entry import forward_entry   # it imports this module
    check_recorded_ops("find_nan_origin", source, "a GradientTape, a recorded step or a list "
                       "of nodes", "find_nan_origin(rec.last_step)", target)
    check_target_and_sources("find_nan_origin", target, sources, "find_nan_origin(tape, loss)")
    if entered is None:
        entered = not isinstance(source, (list, tuple))
    nodes = _nodes_of(source)
    absorbed = absorbed_infinities(nodes) if any(nonfinite_each(n.output for n in nodes)) \
        else set()
    entry = forward_entry(nodes, absorbed) if entered else None   # from outside: data, a variable
    searched = nodes if entry is None else nodes[:entry.index]
    origin = next((_origin(node, index) for index, node in enumerate(searched)
                   if index not in absorbed and _born(node)), None)
    if origin is not None and not origin.nan_count and masked_on_purpose(origin.node):
        origin = _through_whole_masked_rows(nodes, origin) or origin
    elif origin is None and entry is not None and masked_on_purpose(entry.node):
        entry = _through_whole_masked_rows(nodes, entry) or entry   # -np.inf written
    if not nodes and hasattr(source, "backward"):
        nothing_recorded_warning("find_nan_origin")
    elif origin is None and entry is None and target is None and hasattr(source, "backward"):
        unsearched_backward_warning()   # a NaN gradient from a clean forward: sqrt(0)'s
    if origin is None and entry is None and target is not None:
        origin = _backward_origin(source, target, sources, output_gradients)
    origin = origin or entry
    if origin is not None and isinstance(getattr(source, "number", None), int):
        origin.of = f"step {source.number}"   # a Recorder's step, as the widget's title names it
    return origin


def _through_whole_masked_rows(nodes, mask: NaNOrigin) -> NaNOrigin | None:
    """The op that made NaN of an attention mask's -inf (`mask`, written on purpose) over
    rows it masks wholly, as the origin in its place; None when no such op did."""
    found = reader_of_whole_rows(nodes, mask.index)
    if found is None:
        return None
    index, position, masked, rows = found
    node = nodes[index]
    line = "at the same line" if mask.source == node.source else f"at {_where(mask.source)}"
    return NaNOrigin(node, "forward", index, *_counts(node.output), _input_lines(node.inputs),
                     node.source, masked_rows_reason(mask.node, position, masked, rows, line),
                     MASKED_ROWS_FIX[engine_of(node.op)], held=node.output)


def _backward_origin(tape, target, sources, output_gradients):
    ops, steps = [], []

    def listen(event):
        if type(event) is events.OpExecuted and event.node.phase == "backward":
            ops.append((len(steps), event.node))
        elif type(event) is events.VJPApplied:
            steps.append(event.step)

    _local.suspended = getattr(_local, "suspended", 0) + 1
    events.subscribe(listen)
    try:   # (numpy's warnings unsaid: the origin found says what they would, and where)
        with np.errstate(all="ignore"):
            for _ in tape.backward(target, sources, output_gradients):
                pass
    finally:
        events.unsubscribe(listen)
        _local.suspended -= 1
    for k, node in ops:  # ops run before step k is announced belong to step k's VJP
        if _born(node):
            step = steps[k] if k < len(steps) else None
            return _origin(node, step.index if step else None, step and step.node, step)
    for step in steps:  # a VJP that made non-finite values without running an op
        origin = made_by_vjp(step)
        if origin is not None:
            return origin
    from .nan_entry import backward_entry   # it imports this module
    return backward_entry(_nodes_of(tape), ops, steps)   # given from outside to a VJP's op


def made_by_vjp(step) -> NaNOrigin | None:
    """Backward `step` as the origin when its VJP made NaN/Inf from a finite upstream gradient
    and finite inputs without an op of its own (torch's autograd runs none the adapter
    records), named with its forward op and that op's line; None otherwise (it was given
    NaN/Inf, or made none)."""
    grads = [g for g in step.input_grads if g is not None]
    if not (all_finite(step.upstream) and any(not all_finite(g) for g in grads)
            and all(all_finite(x) for x in step.node.inputs)):
        return None
    bad = next(g for g in grads if not all_finite(g))
    nans, infs = _counts(bad)
    node = step.node
    name = _op_name(node)
    rule = name + "_grad" if reason(name + "_grad", node.inputs) else name   # sqrt's at 0
    return NaNOrigin(node, "backward", step.index, nans, infs, _input_lines(node.inputs),
                     node.source, reason(rule, node.inputs),
                     fix(rule, node.inputs, getattr(node, "scope", ""), engine_of(node.op)),
                     node, step, bad)


# ---- tf.debugging.enable_check_numerics ------------------------------------------------------
def _tape_entry(node):
    for tape in reversed(thread_state().tapes):
        nodes = tape.nodes
        if nodes and nodes[-1] is node:
            return len(nodes) - 1
    return None


def check_op(event) -> None:
    """Subscriber: raise InvalidArgumentError at the first op whose float output is non-finite."""
    if type(event) is not events.OpExecuted or getattr(_local, "suspended", 0):
        return
    node = event.node
    if all_finite(node.output):
        return
    found = vjp_in_flight() if node.phase == "backward" else None
    vjp_of, entry = (None, None) if found is None else (found[0], found[2].position)
    if vjp_of is None:
        entry = _tape_entry(node)
    from .nan_entry import given_to   # it imports this module
    origin = given_to(node, entry) or _origin(node, entry, vjp_of)   # given, or made, here
    lines = [origin.headline(fix=False)] + origin.inputs
    if origin.fix == FIXES["grown"][engine_of(node.op)]:   # overflowed from values grown
        #                                                    huge: a diverging run?
        from .divergence import divergence_being_recorded   # it imports this module
        diverging = divergence_being_recorded()
        if diverging is not None:
            lines.append(f"a Recorder is recording this run: {diverging.message}")
    detail = "\n  ".join(lines)
    raise InvalidArgumentError(_op_name(node), detail, origin.fix, source=node.source)
