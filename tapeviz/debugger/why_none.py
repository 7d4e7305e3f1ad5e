"""Why a gradient is None: which of TensorFlow's reasons applies, naming the user's lines.

It answers after `tape.gradient` too: a non-persistent tape keeps the outline of its ops
(tape_skeleton.py), and every tape notes where a tracked value left tapeviz while it
recorded (`.numpy()`, `np.asarray` or numpy math, `float()`) and which op took it back as
a constant. Limits: a value that left before the tape recorded, or through a path it does
not track, is found only on a live tape, and only when it came back unchanged (equal
values). Reads while the tape was not recording (`tape.stop_recording()`, or before
`with tape`) leave no node on the tape; they are told apart from "unused" only when the
ops that ran were collected, e.g. with `OpLog` (or a recorder's ops) passed as `ops=`.
"""
from __future__ import annotations

import sys

import numpy as np

from .. import events
from ..tape import GradientTape
from ..tape_gradient import last_missing_gradient
from ..sourceinfo import user_source
from ..tape_skeleton import OpOutline, outline_rows
from ..variable import Variable
from .findings import Finding
from .given import check_recorded_ops, check_target_and_sources
from .numerics import _nodes_of, _op_name, _where
from .summary import _array
from .tape_line import tape_opened_at
from .target_line import target_made_at
from .unused_prediction import prediction_left_unused, unread_prediction
from .variable_names import shown_name


# another engine's tensor type -> its own why_none(target, source, names, target_names), as
# its adapter registers it (tapeviz.torch: autograd's reasons, not a tape's)
OTHER_ENGINES: dict = {}


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


class _Record:
    """What why_none reads of a recording: op outlines in execution order (a live tape's,
    a freed tape's skeleton, a recorder step's or a node list's), the live nodes when
    values are still there, what was watched, and where values left."""

    def __init__(self, recording, source_id: int):
        tape = recording if isinstance(recording, GradientTape) else None
        skeleton = tape.skeleton if tape is not None else None
        watched = tape.watched_tensors() if tape is not None \
            else getattr(recording, "watched", None)
        self.watched = None if watched is None else {id(t) for t in watched}
        self.exits = tape.value_exits() if tape is not None else ()
        self.refused = tape.refused_watches() if tape is not None else {}
        self.freed = tape is not None and tape.freed
        if skeleton is not None:
            self.nodes, self.outlines = None, skeleton.outlines(source_id)
            self.complete = skeleton.complete
        elif self.freed:
            self.nodes, self.outlines, self.complete = None, [], False
        else:
            self.nodes, self.complete = _nodes_of(recording), True
            self.outlines = [OpOutline(*row, _array(node.output).dtype.kind == "f")
                             for row, node in zip(outline_rows(self.nodes), self.nodes)]
        self.produced = {o.output_id: o for o in self.outlines}


def _name(tensor, names=()) -> str:
    name = getattr(tensor, "name", None)
    if name:   # as the graph draws it: 'w' as its line names it, not 'Variable_1:0' nor 'w:0'
        return f"variable {shown_name(tensor)!r}"
    called = f" {names[0]}" if names else ""
    value = _array(tensor)
    return f"the tensor{called} ({value.dtype.name}, shape {tuple(value.shape)})"


def _local_names(frame, obj) -> tuple:
    """The names `obj` has among `frame`'s locals: how the user calls the tensor asked about."""
    if frame is None:
        return ()
    return tuple(key for key, value in list(frame.f_locals.items()) if value is obj)


def _at(node) -> str:
    return f"{_op_name(node)} at {_where(node.source)}"


def _at_pair(pair) -> str:
    op_name, source = pair
    return f"{op_name} at {_where(source)}"


def _reachable(outlines, start: set, differentiable: bool) -> set:
    """Ids that depend on `start`; with `differentiable`, only through float, diff ops."""
    reached = set(start)
    for outline in outlines:
        if any(i in reached for i in outline.input_ids):
            if differentiable and (getattr(outline.op, "nondiff", False)
                                   or outline.floating is False):
                continue
            reached.add(outline.output_id)
    return reached


def path_nodes(nodes, target_id: int) -> list:
    """The nodes (or outlines) the target depends on, in execution order."""
    needed, path = {target_id}, []
    for node in reversed(nodes):
        if node.output_id in needed:
            path.append(node)
            needed.update(node.input_ids)
    return path[::-1]


def _trivial(values: np.ndarray) -> bool:
    return values.size == 1 and float(values.reshape(-1)[0]) in (0.0, 1.0)


def _exit_cut(name, record, loose, path, target_id) -> Finding | None:
    """A value computed from the source left tapeviz (noted as it left) and came back as a
    constant on the way to the target."""
    on_path = {o.output_id for o in path} | {target_id}
    ancestors = on_path.union(*(o.input_ids for o in path))
    for exit_ in record.exits:
        if exit_.tensor_id not in loose or exit_.tensor_id in ancestors and path:
            continue  # not from the source, or the path itself (a value logged on the way)
        producer = record.produced.get(exit_.tensor_id)
        what = f"the value of {_at(producer)}" if producer is not None else f"the value of {name}"
        if exit_.came_back is not None:
            back = f"It came back as a constant into {_at_pair(exit_.came_back)}."
        else:
            back = "It came back as a constant, changed by numpy on the way."
        return Finding("cut", f"the chain from {name} to the target was cut: {what} left "
                       f"tapeviz through {exit_.how} at {_where(exit_.source)}. {back} A numpy "
                       f"value carries no gradient: keep the computation in tapeviz ops "
                       f"(tf.math instead of np, no .numpy() or float() inside the tape)",
                       source=exit_.source,
                       related=exit_.came_back[1] if exit_.came_back is not None else None)
    return None


def _value_cut(source, name, record, path, reach) -> Finding | None:
    """On a live tape: a path input that is not tracked but equals a value computed from the
    source (a value that left before the tape noted it, e.g. before `with tape`)."""
    nodes = {id(n.output): n for n in record.nodes}
    candidates = {}
    for value, producer in [(source, None)] + [(nodes[o.output_id].output, nodes[o.output_id])
                                                for o in record.outlines if o.output_id in reach
                                                and o.output_id in nodes]:
        values = _array(value)
        if values.dtype.kind == "f" and not _trivial(values):
            candidates.setdefault((values.shape, values.dtype.str), []).append((values, producer))
    tracked = set(record.produced) | (record.watched or set()) | {id(source)}
    for outline in path:
        node = nodes[outline.output_id]
        for key, tensor in zip(node.input_ids, node.inputs):
            if key in tracked:
                continue
            values = _array(tensor)
            for candidate, producer in candidates.get((values.shape, values.dtype.str), ()):
                if np.array_equal(candidate, values):
                    left = f"the value of {_at(producer)}" if producer is not None else \
                        f"the value of {name}"
                    return Finding("cut", f"the chain was cut: {left} left tapeviz (.numpy(), "
                                   f"np.asarray, float(), ...) and came back as a constant into "
                                   f"{_at(node)}; gradients cannot flow through a constant: keep "
                                   f"the computation in tapeviz ops", node,
                                   related=producer.source if producer is not None else None)
    return None


def _outside(source, name, ops, record, path) -> Finding | None:
    """With every op that ran: did one read the source off the tape, feeding the path?"""
    on_tape = set(record.produced)
    ops = [n for n in ops if getattr(n, "phase", "forward") == "forward"]
    position = {n.output_id: k for k, n in enumerate(ops)}
    tainted, first_read = {id(source)}, None
    for node in ops:
        if node.output_id not in on_tape and any(i in tainted for i in node.input_ids):
            tainted.add(node.output_id)
            first_read = first_read or node
    if first_read is None:
        return None
    for outline in path:
        if any(i in tainted for i in outline.input_ids):
            started = min((position[key] for key in on_tape if key in position), default=None)
            paused = started is not None and position[first_read.output_id] > started
            why = "inside tape.stop_recording()" if paused else "before the tape started"
            return Finding("recording_stopped" if paused else "read_outside_tape",
                           f"{name} was read {why}, so the tape did not record it: "
                           f"{_at(first_read)}; its result entered the tape as a constant at "
                           f"{_at(outline)}", first_read, related=outline.source)
    return None


def _made_by(path) -> str:
    """The user lines that made the target, for a message: 'a.py:3: ..., a.py:4: ...'."""
    lines = list(dict.fromkeys(o.source for o in path if o.source is not None))
    shown = "; ".join(_where(s) for s in lines[-4:])
    return ("...; " if len(lines) > 4 else "") + shown


def _integer(source, name, record) -> Finding:
    dtype = _array(source).dtype.name
    refused = record.refused.get(id(source))
    said = ""
    if refused is not None:
        said = f" tape.watch refused it at {_where(refused.source)}."
        if refused.first_reader is not None:
            said += (f" The first op that read it was {_at_pair(refused.first_reader)}; "
                     f"what it made from the {dtype} values is not connected to them.")
    return Finding("integer_dtype", f"{name} has dtype {dtype}: gradients flow only to "
                   f"floating-point tensors.{said} Fix: x = tf.cast(x, tf.float32) before "
                   f"the tape (tf.Variable(..., dtype=tf.float32) for a variable), then "
                   f"tape.watch(x) and ask for the gradient with respect to x",
                   source=refused.source if refused is not None else None,
                   related=refused.first_reader[1] if refused is not None
                   and refused.first_reader is not None else None)


def _unwatched(name: str, names: tuple, tape_names: tuple) -> Finding:
    """A plain tensor the tape never watched: the watch to add, with the user's names, and
    the line of the `with` block it goes in (read from the source of the line that asked)."""
    tape = tape_names[0] if tape_names else "tape"
    watch = f"{tape}.watch({names[0]})" if names else f"{tape}.watch(x) (x: this tensor)"
    opened = tape_opened_at(user_source(), tape_names)
    where = f"; {tape} was opened at {_where(opened)}" if opened is not None else ""
    return Finding("not_watched", f"{name} is not a Variable, and a tape watches only "
                   f"trainable variables by itself: add {watch} as the first line inside the "
                   f"`with` block that opens {tape}, before anything reads it{where}",
                   source=opened)


def why_none(recording, target, source, ops=None) -> Finding:
    """Why `tape.gradient(target, source)` is None: a Finding with `kind` and a message.

    Ask before or after `tape.gradient`: a non-persistent tape keeps what this needs.
    Kinds: integer_dtype, not_trainable, not_watched, tape_freed, target_not_recorded,
    nondiff, cut, recording_stopped, read_outside_tape, not_on_path, unused, connected.

    >>> import tapeviz as tf
    >>> x, w = tf.Variable(1.0), tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * 3.0
    >>> tape.gradient(y, [x, w])[1] is None
    True
    >>> why_none(tape, y, w).kind
    'unused'
    """
    if not getattr(recording, "freed", False):   # a freed tape's Finding says it is
        check_recorded_ops("why_none", recording, "a GradientTape, a recorded step or a list "
                           "of nodes", "why_none(rec.last_step, loss, w)", target)
    check_target_and_sources("why_none", target, source, "why_none(tape, loss, w)")
    frame = sys._getframe(1)
    other = next((explain for cls, explain in OTHER_ENGINES.items()
                  if isinstance(source, cls) and isinstance(target, cls)), None)
    if other is not None:
        return other(target, source, _local_names(frame, source), _local_names(frame, target))
    return _explain(recording, id(target), source, ops, _local_names(frame, source),
                    _local_names(frame, target), _local_names(frame, recording))


def explain_missing_gradient(variable) -> Finding | None:
    """Why the last `tape.gradient` call returned None for `variable` (None when it did not):
    what an optimizer says when it gets that None."""
    found = last_missing_gradient(variable)
    return None if found is None else _explain(found[0], found[1], variable)


def _explain(recording, target_id: int, source, ops=None, names=(),
             target_names=(), tape_names=()) -> Finding:
    """`why_none` for the target of id `target_id`; `names` are the user's names of `source`,
    `target_names` the target's, `tape_names` the recording's."""
    tape = recording if isinstance(recording, GradientTape) else None
    name, sid = _name(source, names), id(source)
    record = _Record(recording, sid)
    if _array(source).dtype.kind != "f":
        return _integer(source, name, record)
    watched = record.watched
    explicit = watched is not None and sid in watched
    if isinstance(source, Variable) and not source.trainable and not explicit:
        watched_as = source.name.split(":")[0]   # a Keras weight's 'dense/bias' is no Python
        watched_as = watched_as if watched_as.isidentifier() else "the variable"
        return Finding("not_trainable", f"{name} has trainable=False, so the tape does not "
                       f"watch it. If it should not train (a frozen layer's weight, a batch "
                       f"norm's moving statistics), leave it out: give tape.gradient and "
                       f"apply_gradients model.trainable_variables, not model.weights or "
                       f"model.variables; if it should, call tape.watch("
                       f"{watched_as}) or make it trainable")
    if isinstance(source, Variable) and tape is not None and not explicit \
            and not tape.watches_accessed_variables:
        return Finding("not_watched", f"the tape has watch_accessed_variables=False and "
                       f"{name} was not passed to tape.watch()")
    outlines = record.outlines
    if record.freed and not record.complete:
        return Finding("tape_freed", "this non-persistent tape freed its record in gradient() "
                       "and kept no outline of it (it keeps one when gradient returns a None, "
                       "for up to tape_skeleton.MAX_OPS ops); ask before calling gradient, or "
                       "use GradientTape(persistent=True)")
    produced = record.produced
    reach = _reachable(outlines, {sid}, differentiable=True)
    if target_id in reach:
        return Finding("connected", f"{name} is connected to the target: its gradient is not "
                       f"None")
    # a plain tensor used next to a watched one is on the tape (and gets a gradient, as in
    # TF); used alone, it needs tape.watch
    if watched is not None and not explicit and not isinstance(source, Variable):
        return _unwatched(name, names, tape_names)
    loose = _reachable(outlines, {sid}, differentiable=False)
    if target_id not in produced and target_id != sid:
        cut = _exit_cut(name, record, loose, [], target_id)
        if cut is not None:
            return cut
        candidates = target_made_at(user_source(), target_names)   # (no op noted a line)
        unused = prediction_left_unused(name, outlines, loose - {sid}, candidates)
        if unused is not None:
            return unused
        made = candidates[0] if len(candidates) == 1 else None
        asked = "" if candidates else unread_prediction(outlines, loose - {sid})
        return Finding("target_not_recorded", f"the target"
                       f"{f' (made at {_where(made)})' if made is not None else ''} was not "
                       f"recorded on this tape: it was computed outside the `with tape:` block "
                       f"(or inside stop_recording), or only from values the tape does not "
                       f"track (e.g. ones that left tapeviz through .numpy() and came back as "
                       f"constants){asked}", source=made)
    path = path_nodes(outlines, target_id)
    if target_id in loose:
        for outline in path:
            if any(i in loose for i in outline.input_ids) and outline.output_id not in reach:
                what = "has no gradient" if getattr(outline.op, "nondiff", False) else \
                    "makes integer or boolean values, which carry no gradient"
                return Finding("nondiff", f"the path from {name} to the target goes through "
                               f"{_at(outline)}, which {what}", outline)
    cut = _exit_cut(name, record, loose, path, target_id)
    if cut is None and record.nodes is not None:
        cut = _value_cut(source, name, record, path, loose)
    if cut is not None:
        return cut
    if ops is not None:
        outside = _outside(source, name, _nodes_of(ops), record, path)
        if outside is not None:
            return outside
    readers = [o for o in outlines if sid in o.input_ids]
    if readers:
        return Finding("not_on_path", f"{name} is read at {_at(readers[0])}, but nothing "
                       f"computed from it reaches the target, which was made at "
                       f"{_made_by(path)}", readers[0])
    return Finding("unused", f"{name} was never read by an op recorded on this tape, so the "
                   f"target does not use it. The target was made at {_made_by(path)}. Use "
                   f"it in the loss, "
                   f"or leave it out of the variables passed to tape.gradient and "
                   f"apply_gradients (if it was read only before `with tape` or inside "
                   f"tape.stop_recording(), why_none(..., ops=OpLog()) tells)")
