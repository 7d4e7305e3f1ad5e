"""Why a gradient is None: which of TensorFlow's reasons applies, naming the user's lines.

Limits: a chain cut by `.numpy()`/`np.asarray` is found only when the value came back
unchanged (equal shape, dtype and values); a value that left tapeviz, was changed by numpy
and came back is reported as "not on a path", with the constants the path takes. Reads
while the tape was not recording (`tape.stop_recording()`, or before `with tape`) leave no
node on the tape; they are told apart from "unused" only when the ops that ran were
collected, e.g. with `OpLog` (or a recorder's ops) passed as `ops=`.
"""
from __future__ import annotations

import numpy as np

from .. import events
from ..tape import GradientTape
from ..tensor import Variable
from .findings import Finding
from .numerics import _nodes_of, _op_name, _where
from .summary import _array


class OpLog:
    """Collects every forward op that runs in its block, taped or not (for `why_none(ops=)`).

    >>> import tapeviz as tf
    >>> with OpLog() as log:
    ...     _ = tf.constant(1.0) + 2.0
    >>> [node.op.name for node in log]
    ['add']
    """

    def __init__(self):
        self.nodes: list = []

    def __call__(self, event) -> None:
        if type(event) is events.OpExecuted and event.node.phase == "forward":
            self.nodes.append(event.node)

    def __enter__(self) -> "OpLog":
        events.subscribe(self)
        return self

    def __exit__(self, *exc_info) -> None:
        events.unsubscribe(self)

    def __iter__(self):
        return iter(self.nodes)


def _name(tensor) -> str:
    name = getattr(tensor, "name", None)
    return f"variable {name!r}" if name else "the source tensor"


def _at(node) -> str:
    return f"{_op_name(node)} at {_where(node.source)}"


def _reachable(nodes, start: set, differentiable: bool) -> set:
    """Ids that depend on `start`; with `differentiable`, only through float, diff ops."""
    reached = set(start)
    for node in nodes:
        if any(i in reached for i in node.input_ids):
            if differentiable and (getattr(node.op, "nondiff", False)
                                   or _array(node.output).dtype.kind != "f"):
                continue
            reached.add(id(node.output))
    return reached


def path_nodes(nodes, target_id: int) -> list:
    """The nodes the target depends on, in execution order."""
    needed, path = {target_id}, []
    for node in reversed(nodes):
        if id(node.output) in needed:
            path.append(node)
            needed.update(node.input_ids)
    return path[::-1]


def _trivial(values: np.ndarray) -> bool:
    return values.size == 1 and float(values.reshape(-1)[0]) in (0.0, 1.0)


def _find_cut(source, nodes, path, produced, watched, reach) -> Finding | None:
    """A path input that is not tracked but equals a value computed from the source."""
    candidates = {}
    for value, producer in [(source, None)] + [(n.output, n) for n in nodes
                                                if id(n.output) in reach]:
        values = _array(value)
        if values.dtype.kind == "f" and not _trivial(values):
            candidates.setdefault((values.shape, values.dtype.str), []).append((values, producer))
    for node in path:
        for key, tensor in zip(node.input_ids, node.inputs):
            if key in produced or key in watched or key == id(source):
                continue
            values = _array(tensor)
            for candidate, producer in candidates.get((values.shape, values.dtype.str), ()):
                if np.array_equal(candidate, values):
                    left = f"the value of {_at(producer)}" if producer is not None else \
                        f"the value of {_name(source)}"
                    return Finding("cut", f"the chain was cut: {left} left tapeviz (.numpy(), "
                                   f"np.asarray, float(), ...) and came back as a constant into "
                                   f"{_at(node)}; gradients cannot flow through a constant: keep "
                                   f"the computation in tapeviz ops", node,
                                   related=producer.source if producer is not None else None)
    return None


def _read_outside(source, ops, nodes, path) -> Finding | None:
    """With every op that ran: did one read the source off the tape, feeding the path?"""
    on_tape = {id(n) for n in nodes}
    ops = [n for n in ops if getattr(n, "phase", "forward") == "forward"]
    position = {id(n): k for k, n in enumerate(ops)}
    tainted, first_read = {id(source)}, None
    for node in ops:
        if id(node) not in on_tape and any(i in tainted for i in node.input_ids):
            tainted.add(id(node.output))
            first_read = first_read or node
    if first_read is None:
        return None
    for node in path:
        if any(i in tainted for i in node.input_ids):
            started = min((position[id(n)] for n in nodes if id(n) in position), default=None)
            paused = started is not None and position[id(first_read)] > started
            why = "inside tape.stop_recording()" if paused else "before the tape started"
            return Finding("recording_stopped" if paused else "read_outside_tape",
                           f"{_name(source)} was read {why}, so the tape did not record it: "
                           f"{_at(first_read)}; its result entered the tape as a constant at "
                           f"{_at(node)}", first_read, related=node.source)
    return None


def why_none(recording, target, source, ops=None) -> Finding:
    """Why `tape.gradient(target, source)` is None: a Finding with `kind` and a message.

    Kinds: integer_dtype, not_trainable, not_watched, tape_freed, target_not_recorded,
    nondiff, cut, recording_stopped, read_outside_tape, not_on_path, unused, connected.

    >>> import tapeviz as tf
    >>> x, w = tf.Variable(1.0), tf.Variable(2.0)
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     y = x * 3.0
    >>> why_none(tape, y, w).kind
    'unused'
    """
    tape = recording if isinstance(recording, GradientTape) else None
    name, sid = _name(source), id(source)
    dtype = _array(source).dtype
    if dtype.kind != "f":
        return Finding("integer_dtype", f"{name} has dtype {dtype.name}: gradients flow only "
                       f"to floating-point tensors; make it float (tf.Variable(..., "
                       f"dtype=tf.float32) or tf.cast before the tape)")
    watched_list = tape.watched_tensors() if tape is not None \
        else getattr(recording, "watched", None)
    watched = None if watched_list is None else {id(t) for t in watched_list}
    explicit = watched is not None and sid in watched
    if isinstance(source, Variable) and not source.trainable and not explicit:
        return Finding("not_trainable", f"{name} has trainable=False, so the tape does not "
                       f"watch it; call tape.watch({source.name.split(':')[0]}) or make it "
                       f"trainable")
    if isinstance(source, Variable) and tape is not None and not explicit \
            and not tape.watches_accessed_variables:
        return Finding("not_watched", f"the tape has watch_accessed_variables=False and "
                       f"{name} was not passed to tape.watch()")
    nodes = _nodes_of(recording)
    if not nodes and tape is not None and tape.freed:
        return Finding("tape_freed", "this non-persistent tape freed its record in gradient(); "
                       "ask before calling gradient, or use GradientTape(persistent=True)")
    produced = {id(n.output) for n in nodes}
    reach = _reachable(nodes, {sid}, differentiable=True)
    if id(target) in reach:
        return Finding("connected", f"{name} is connected to the target: its gradient is not "
                       f"None")
    # a plain tensor used next to a watched one is on the tape (and gets a gradient, as in
    # TF); used alone, it needs tape.watch
    if watched is not None and not explicit and not isinstance(source, Variable):
        return Finding("not_watched", "the source is a plain tensor, not a Variable; tapes "
                       "watch only trainable variables by themselves: call tape.watch(x) "
                       "inside the with block, before using it")
    if id(target) not in produced and id(target) != sid:
        return Finding("target_not_recorded", "the target was not recorded on this tape: it "
                       "was computed outside the `with tape:` block (or inside "
                       "stop_recording), or only from values the tape does not track (e.g. "
                       "ones that left tapeviz through .numpy() and came back as constants)")
    loose = _reachable(nodes, {sid}, differentiable=False)
    path = path_nodes(nodes, id(target))
    if id(target) in loose:
        for node in path:
            if any(i in loose for i in node.input_ids) and id(node.output) not in reach:
                what = "has no gradient" if getattr(node.op, "nondiff", False) else \
                    f"makes {_array(node.output).dtype.name} values, which carry no gradient"
                return Finding("nondiff", f"the path from {name} to the target goes through "
                               f"{_at(node)}, which {what}", node)
    cut = _find_cut(source, nodes, path, produced, watched or set(), loose)
    if cut is not None:
        return cut
    if ops is not None:
        outside = _read_outside(source, _nodes_of(ops), nodes, path)
        if outside is not None:
            return outside
    readers = [n for n in nodes if sid in n.input_ids]
    constants = [n for n in path if any(k not in produced and k not in (watched or ())
                                        and _array(t).dtype.kind == "f" and _array(t).size > 1
                                        for k, t in zip(n.input_ids, n.inputs))]
    hint = ""
    if constants:
        hint = (f"; the path to the target takes constants at "
                f"{', '.join(_at(n) for n in constants[:3])}: if one was computed from it "
                f"outside tapeviz, the chain was cut there")
    if readers:
        return Finding("not_on_path", f"{name} is read at {_at(readers[0])}, but nothing "
                       f"computed from it reaches the target{hint}", readers[0])
    return Finding("unused", f"{name} was never read by an op recorded on this tape: the "
                   f"target does not use it, or it was read while the tape was not recording "
                   f"(before `with tape`, or inside tape.stop_recording(); pass ops=OpLog() "
                   f"to tell){hint}")
