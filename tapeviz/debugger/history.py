"""What the Recorder keeps: `RecordedStep`s of `RecordedOp`s.

Recording an op adds the record dispatch built for it (its fields one after another in the
step's one flat list, `node.RECORD_FIELDS`: its `Node` where a tape kept it, whether one did,
its duration, its op, value, inputs, output and the rest) to the step and nothing more (no
object is made for it: each kept object is more work for the cycle collector). A finished
step whose nodes nothing else holds keeps them as columns of values instead (`packed`) and
makes them again when someone looks. The step's `RecordedOp`s (the dispatch `Node`: inputs,
output, source, scope, phase, plus the op's duration and, once backward has run, the
gradient of the loss w.r.t. its output) are made when someone first looks, and the bytes
held are counted per step (`footprint`). Tensors are immutable, so a recorded value stays
valid without a copy. A step whose ops followed a learned program keeps only its segments
(`program.py`: the inputs from outside) and makes its records by running them again on the
first look: its values are equal bitwise to those that ran, not the same objects, and its
durations are those of that run.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

from ..node import DURATION, NODE, OP, OUTPUT_ID, RECORD_WIDTH, TAPED, node_of, record
from ..tensor import Tensor, Variable, VariableRead
from .footprint import NODE_BYTES, PER_GRADIENT, PER_RECORD, Footprint, allocated
from .kept_pass import KEPT_PASS, identical, ops_again
from .packed import held_elsewhere, pack, unpack
from .program import replayed

_looking = threading.RLock()  # one step's RecordedOps and nodes are made (or packed) once


def _value(tensor):
    return None if tensor is None else tensor._value


class KeptBytes:
    """The bytes a recorder's finished steps hold; a kept step adds to it the records made
    when someone looks at its ops. A plain object: a step holds no reference back to its
    recorder, so a recorder let go is freed at once, not by the cycle collector."""

    __slots__ = ("nbytes", "lock")

    def __init__(self, lock):
        self.nbytes = 0
        self.lock = lock      # the recorder's

    def grew(self, nbytes: int, step) -> None:
        with self.lock:
            if step._owner is self:   # not dropped meanwhile
                self.nbytes += nbytes


class RecordedOp:
    """One executed op as recorded: name, input and output values, gradient, where and when.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import Recorder
    >>> with Recorder() as rec:
    ...     y = tf.constant([1.0, 2.0]) * 3.0
    >>> op = rec.last_step.ops[0]
    >>> op.op, op.output.tolist(), op.phase
    ('multiply', [3.0, 6.0], 'forward')
    """

    __slots__ = ("node", "duration", "taped", "index", "_grads")

    def __init__(self, node, duration: float, taped: bool, index: int, grads: dict):
        self.node = node            # the dispatch Node: holds the input and output tensors
        self.duration = duration    # the forward's wall time, seconds (of the run again, in a
        # step run again when first looked at: a kept backward pass, a replayed segment)
        self.taped = taped          # whether a GradientTape recorded it
        self.index = index          # position in its step
        self._grads = grads         # its step's op index -> gradient (not the step: no cycle)

    @property
    def _grad(self):
        """The gradient tensor d target / d output, once a backward step reached it."""
        return self._grads.get(self.index)

    @property
    def op(self) -> str:
        return self.node.op.name

    @property
    def kind(self) -> str:
        return self.node.op.kind

    @property
    def inputs(self) -> tuple:
        """The input values as numpy (a variable's input is its value when the op ran)."""
        return tuple(t._value for t in self.node.inputs)

    @property
    def output(self):
        return self.node.output._value

    @property
    def grad(self):
        """d(target)/d(output) from the last backward pass that reached this op, or None."""
        return _value(self._grad)

    @property
    def source(self):
        """The user's SourceInfo (filename, lineno, function, .line), or None."""
        return self.node.source

    @property
    def scope(self) -> str:
        return self.node.scope

    @property
    def phase(self) -> str:
        return self.node.phase

    @property
    def label(self) -> str:
        """'scope/op#index', unique within a step (the key of `step.values`)."""
        scope = self.node.scope
        return f"{scope}/{self.op}#{self.index}" if scope else f"{self.op}#{self.index}"

    def __repr__(self) -> str:
        source = self.node.source
        where = f" at {source.location}" if source else ""
        return f"<RecordedOp {self.label} {self.phase} -> {np.shape(self.output)}{where}>"


def _step_bytes(step) -> int:
    """A kept BackwardStep: its object, its tuple of input gradients and its list slot."""
    return allocated(sys.getsizeof(step)) + allocated(sys.getsizeof(step.input_grads)) + 8


class RecordedStep:
    """One training step: its ops in order, the loss, the variables' values, the bytes held.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import Recorder
    >>> w = tf.Variable(2.0)
    >>> with Recorder() as rec:
    ...     with tf.GradientTape() as tape:
    ...         loss = w * w
    ...     _ = w.assign_sub(0.1 * tape.gradient(loss, w))
    >>> step = rec.last_step
    >>> step.loss, float(step.variables[w.name]), float(step.variables_after[w.name])
    (4.0, 2.0, 1.600000023841858)
    """

    def __init__(self, index: int, label=None):
        self.index = index          # counts every step since the recorder was made, from 0
        self.label = label
        self.complete = False       # False while ops are still being added
        self.variable_gradients: dict = {}   # variable name -> gradient from tape.gradient
        self.gradient_sources: list = []    # what the step's gradient call differentiated for
        self._loss = None
        # each op's record (node.RECORD_FIELDS: its Node or None, whether a tape kept it, its
        # duration, ...), one after another in one list, in order; None while packed
        self._flat: list | None = []
        self._nodes: list | None = None   # the records' nodes, listed (and made) on a look
        self._packed = None         # the ops as columns (packed.Packed) once final, until a look
        # or, for a step whose segments followed a learned program (program.py), its ops as
        # (segment, first op, end) parts, run again on a look; None otherwise
        self._parts: list | None = None
        self._ran_again = False     # whether they were (its outputs are equal, not the same)
        self._ops: list = []        # their RecordedOps, made on first look (a prefix)
        self._grads: dict = {}      # op index -> upstream gradient tensor
        self._grad_log: list = []   # the gradient tensors as they came, for the count
        # output id -> upstream gradient, as the backward pass wrote it, until someone looks
        # (placed by index then; a packed step keeps it by id)
        self._upstream: dict = {}
        # the loss value and variable gradients, for the next count (None: no list kept)
        self._uncounted: list | None = None
        self.backward_steps: list = []   # another engine's BackwardSteps, as they ran (below)
        self._taped_ids: dict | None = None   # output_id -> op index, on first use
        self._taped_upto = 0
        self._footprint = Footprint()
        self._owner = None          # the KeptBytes this step is counted in, once finished
        self._warned_big = False

    # ---- bookkeeping (called by the Recorder) ---------------------------------------------
    @property
    def ops(self) -> list:
        """The RecordedOps, in the order they ran (made on first look, and counted then)."""
        ops = self._ops
        if len(ops) < len(self):
            with _looking:   # (not while the Recorder packs the step on its own thread)
                nodes, grads = self._listed_nodes(), self._grads
                self._place_upstream()
                flat = self._flat
                taped, durations = flat[TAPED::RECORD_WIDTH], flat[DURATION::RECORD_WIDTH]
                start, stop = len(ops), len(nodes)
                made = stop - start
                for index in range(start, stop):
                    ops.append(RecordedOp(nodes[index], durations[index], bool(taped[index]),
                                          index, grads))
                self._footprint.nbytes += made * RECORD_BYTES
            owner = self._owner
            if owner is not None:
                owner.grew(made * RECORD_BYTES, self)
        return ops

    @property
    def nodes(self) -> list:
        """The dispatch `Node` of each op, in order (made from its record where dispatch made
        none, or again from the columns of a packed step, once: the same objects on every
        later look)."""
        with _looking:
            return self._listed_nodes()

    def _listed_nodes(self) -> list:
        """`nodes` (under `_looking`): those dispatch made none for are made now, into their
        records, and counted."""
        if self._flat is None:
            self._unpack()
        self._run_kept_passes()
        flat, nodes = self._flat, self._nodes
        if nodes is None or len(nodes) != self._record_count():   # (an open step grew)
            nodes = flat[NODE::RECORD_WIDTH]
            made = counted = 0
            for index, node in enumerate(nodes):
                if node is None:
                    start = index * RECORD_WIDTH
                    nodes[index] = flat[start] = node_of(flat[start:start + RECORD_WIDTH])
                    made += 1
                    counted += index < self._footprint.ops
            self._nodes = nodes
            if counted:   # (those not counted yet are counted with their node)
                self._footprint.nbytes += counted * NODE_BYTES
                if self._owner is not None:
                    self._owner.grew(counted * NODE_BYTES, self)
        return nodes

    def _pack(self) -> None:
        """A final step whose nodes nothing else holds (no tape, stepper or look) keeps them as
        columns; the count follows what it holds now."""
        if self._parts is not None:   # kept as segments already: nothing per op to pack
            return
        with _looking:   # (not while another thread makes its records)
            flat = self._flat
            if not flat or self._ops or self.backward_steps:
                return
            self._nodes = None   # (a list made on a look holds them too)
            nodes = list(filter(None, flat[NODE::RECORD_WIDTH]))
            if nodes and held_elsewhere(nodes):
                return
            del nodes
            upstream = self._upstream
            if self._grads:   # (placed by index by a count: by id again)
                output_ids = flat[OUTPUT_ID::RECORD_WIDTH]
                upstream.update((output_ids[index], grad) for index, grad in self._grads.items())
            self._packed = pack(flat, upstream)
            del flat
            self._flat = None
            self._grads, self._grad_log, self._upstream = {}, [], {}
            self._taped_ids, self._taped_upto = None, 0
        footprint = self._footprint
        if footprint.ops or footprint.gradients:   # partly counted as nodes: count again
            self._recount()
        else:
            self._count_packed()

    def _count_packed(self) -> None:
        """Count the packed step, with the loss and variable gradients not counted yet."""
        uncounted, self._uncounted = self._uncounted or (), None
        self._footprint.count_packed(
            self._packed, [held for held in uncounted if isinstance(held, Tensor)],
            [held for held in uncounted if not isinstance(held, Tensor)])

    def _unpack(self) -> None:
        if self._parts is not None:
            return self._replay()
        packed = self._packed
        nodes, self._grads = unpack(packed)
        flat = []
        for node, taped, duration in zip(nodes, packed.taped, packed.durations):
            flat += record(node, taped, duration)
        self._flat, self._nodes = flat, nodes
        self._grad_log = list(self._grads.values())
        self._packed = None
        grown = self._recount() + self._finish_count()
        owner = self._owner
        if owner is not None:
            owner.grew(grown, self)

    def _replay(self) -> None:
        """Make the step's records from its segments, run again (their durations: this run's)."""
        self._ran_again = True
        flat = []
        for segment, start, stop in self._parts:
            flat += segment.records()[start * RECORD_WIDTH:stop * RECORD_WIDTH]
        self._flat, self._nodes, self._parts = flat, None, None
        grown = self._recount() + (self._finish_count() if self._owner is not None else 0)
        owner = self._owner
        if owner is not None:
            owner.grew(grown, self)

    def _add_part(self, segment, start: int, stop: int, outs: list) -> None:
        """Take the ops `start` to `stop` of `segment`, which ran just now (`outs`: their
        outputs as they ran): kept as the segment's part, or, in a step that holds records,
        as records made of those outputs."""
        if start == stop:
            return
        if self._flat:
            records = replayed(segment.end.path(), segment.outside, outs)
            self._extend(records[start * RECORD_WIDTH:stop * RECORD_WIDTH])
            return
        self._flat = None
        if self._parts is None:
            self._parts = []
        self._parts.append((segment, start, stop))

    def _as_records(self) -> None:
        """A step kept as parts (or packed) that must take records: its records, made now."""
        if self._flat is None:
            with _looking:
                self._unpack()

    def _recount(self) -> int:
        """Count the step again from nothing (its ops as nodes or packed, its gradients, the
        loss); returns the change."""
        before = self._footprint.nbytes
        footprint = self._footprint = Footprint(len(self._ops) * RECORD_BYTES)
        self._uncounted = None
        for grad in self.variable_gradients.values():
            self._hold_gradient(grad)
        footprint.nbytes += sum(map(_step_bytes, self.backward_steps))
        if self._loss is not None:
            self._hold_loss(self._loss)
        if self._packed is not None:
            self._count_packed()
        return footprint.nbytes - before

    @property
    def nbytes(self) -> int:
        """Bytes this step holds: its ops' objects, each distinct tensor and array once, its
        gradients (see `footprint`)."""
        self._count()
        return STEP_BYTES + self._footprint.nbytes

    @property
    def _counted(self) -> int:
        """`nbytes` as far as the step was counted (a plan, not the budget's check)."""
        return STEP_BYTES + self._footprint.nbytes

    def _count(self) -> int:
        """Count the ops and gradients that came since the last count; returns the bytes."""
        footprint = self._footprint
        added = 0
        if self._flat is not None and footprint.ops < self._record_count():
            added += footprint.count_ops(self._flat)
        elif self._parts is not None and footprint.ops < self._record_count():
            added += footprint.count_segments(self._parts)
            footprint.ops = self._record_count()
        if self._upstream:
            self._place_upstream()
        if footprint.gradients < len(self._grad_log):
            added += footprint.count_gradients(self._grad_log)
        uncounted = self._uncounted
        if uncounted:
            held_bytes = sum(PER_GRADIENT + footprint.hold(held) if isinstance(held, Tensor)
                             else footprint.hold_value(held) for held in uncounted)
            self._uncounted = None
            footprint.nbytes += held_bytes
            added += held_bytes
        return added

    def _take_gradient_call(self, loss, sources, gradients) -> None:
        """Take what a gradient call that ends the step gave: `loss` (the value of its one
        target, or None), its `sources` and `gradients` (each Variable's kept by name)."""
        if loss is not None:
            self._hold_loss(loss)
        self.gradient_sources = list(sources)
        for source, grad in zip(sources, gradients):
            if isinstance(source, Variable) and grad is not None:   # tapeviz.torch's too
                self.variable_gradients[source.name] = grad
                self._hold_gradient(grad)

    def _hold_gradient(self, tensor) -> None:
        """Keep a variable's gradient (outside the step's ops) for the step's next count."""
        self._uncount(tensor)

    def _hold_loss(self, value) -> None:
        """Keep the loss value (usually an op's output) for the step's next count."""
        self._loss = value
        self._uncount(value)

    def _uncount(self, held) -> None:
        if self._uncounted is None:
            self._uncounted = [held]
        else:
            self._uncounted.append(held)

    def _finish_count(self) -> int:
        """Count what is left and forget which arrays were seen (the set is memory too)."""
        added = self._count()
        self._footprint.seen = None
        return added

    def _attach(self, upstream: dict, step) -> dict:
        """Keep the gradients of `upstream` ({output id: tensor}) that reached this step's
        taped ops; returns the others (`step`: another engine's BackwardStep, see
        `_set_gradient`)."""
        flat = self._flat
        if flat is None:   # packed: nothing else held its nodes, so no backward runs over them
            return upstream
        if step is None and not self._ops:   # by id, placed when someone looks
            mine = upstream.keys() & set(flat[OUTPUT_ID::RECORD_WIDTH])
            if len(mine) == len(upstream):
                self._upstream.update(upstream)
                return {}
            for key in mine:
                self._upstream[key] = upstream[key]
            return {key: grad for key, grad in upstream.items() if key not in mine}
        self._place_upstream()
        taped_ids = self._taped_ids
        if taped_ids is None:
            taped_ids = self._taped_ids = {}
        upto, count = self._taped_upto, self._record_count()
        if upto < count:   # (every output is held while the step is open: its id is its own)
            taped_ids.update(zip(flat[upto * RECORD_WIDTH + OUTPUT_ID::RECORD_WIDTH],
                                 range(upto, count)))
            self._taped_upto = count
        found = upstream.keys() & taped_ids.keys()
        if not found:
            return upstream
        for key in found:
            self._set_gradient(taped_ids[key], upstream[key], step)
        return {key: grad for key, grad in upstream.items() if key not in found} \
            if len(found) < len(upstream) else {}

    def _place_upstream(self) -> None:
        """Place the gradients kept by output id at the index of the op that made it."""
        upstream = self._upstream
        if upstream:
            index_of = dict(zip(self._flat[OUTPUT_ID::RECORD_WIDTH],
                                range(self._record_count())))
            for key, grad in upstream.items():
                self._set_gradient(index_of[key], grad, None)
            upstream.clear()

    def _set_gradient(self, index: int, tensor, step) -> None:
        """Keep upstream gradient `tensor` of op `index`; `step`, a backward step of another
        engine's op, whose VJP cannot run again (its op has no `input_grads`: autograd freed
        it), is kept whole for stepping it later (`backward_steps`), its input gradients
        counted as gradients."""
        if tensor is not None:   # (None: a torch op's other output alone was differentiated)
            self._grads[index] = tensor
            self._grad_log.append(tensor)
        if step is not None and not hasattr(step.node.op, "input_grads"):
            self.backward_steps.append(step)
            self._grad_log += [grad for grad in step.input_grads if grad is not None]
            self._footprint.nbytes += _step_bytes(step)

    def _extend(self, records) -> None:
        """Append ops given as their records (`node.RECORD_FIELDS`, one after another)."""
        self._as_records()
        self._flat += records

    def _take_tail(self, start: int) -> list:
        """Remove and return the records of the ops from `start` on; the bytes are counted
        again."""
        self._as_records()
        self._place_upstream()
        tail = self._flat[start * RECORD_WIDTH:]
        if tail:
            del self._flat[start * RECORD_WIDTH:]
            del self._ops[start:]
            self._nodes = None
            self._taped_ids, self._taped_upto = None, 0
            self._recount()
        return tail

    def _put_first(self, records: list) -> None:
        """Put the ops (records) another step's `_take_tail` gave before this step's own."""
        self._as_records()
        self._flat[:0] = records
        moved = len(records) // RECORD_WIDTH
        self._grads = {index + moved: grad for index, grad in self._grads.items()}
        self._taped_ids, self._taped_upto = None, 0
        self._nodes = None

    # ---- looking at it ---------------------------------------------------------------------
    @property
    def number(self) -> int:
        """The step as every view names it, counting from 1 (`index` + 1): the widget's title
        and slider, the dashboard, diagnose's messages and this repr all say "step 3" of the
        third step the recorder saw, as a dashboard's counter reads 3 steps done."""
        return self.index + 1

    @property
    def loss(self):
        """The target of the gradient call that ended the step, as a float when scalar."""
        value = self._loss
        if value is None or np.size(value) != 1:
            return None
        return float(np.asarray(value).reshape(()))

    @property
    def values(self) -> dict:
        """Every op's output value, keyed by its label 'scope/op#index'."""
        return {rop.label: rop.output for rop in self.ops}

    @property
    def gradients(self) -> dict:
        """d loss / d output for every op that backward reached, keyed by its label."""
        return {rop.label: rop.grad for rop in self.ops if rop._grad is not None}

    @property
    def variables(self) -> dict:
        """Variable name -> its value when first read in this step (before the step's update)."""
        first: dict = {}
        for node in self.nodes:
            for tensor in node.inputs:
                if type(tensor) is VariableRead:
                    first.setdefault(tensor.variable.name, tensor._value)
        return first

    @property
    def variables_after(self) -> dict:
        """Variable name -> its value after this step's last assign to it (updated ones only)."""
        after: dict = {}
        for node in self.nodes:
            if node.op.kind == "update" and node.inputs and type(node.inputs[0]) is VariableRead:
                after[node.inputs[0].variable.name] = node.output._value
        return after

    def find(self, op: str | None = None, scope: str | None = None, phase: str | None = None,
             line: int | None = None) -> list:
        """The ops matching every given filter (`scope` matches as a prefix of the path)."""
        found = []
        for rop in self.ops:
            node = rop.node
            if op is not None and node.op.name != op:
                continue
            if scope is not None and not node.scope.startswith(scope):
                continue
            if phase is not None and node.phase != phase:
                continue
            if line is not None and (node.source is None or node.source.lineno != line):
                continue
            found.append(rop)
        return found

    def op_of(self, tensor) -> RecordedOp | None:
        """The recorded op whose output is `tensor`, or None: the very object, or the tensor
        of its very value a packed step made again (the first op that made that value), or,
        in a step whose ops were run again (program.py), the first op whose output has
        that value bitwise."""
        value = tensor._value
        for rop in self.ops:
            output = rop.node.output
            if output is tensor or output._value is value:
                return rop
        if self._ran_again:
            return next((rop for rop in self.ops if identical(rop.output, value)), None)
        return None

    def value_of(self, tensor):
        """`tensor`'s recorded value; for a Variable, its value at this step."""
        if isinstance(tensor, Variable):
            return self.variables.get(tensor.name)
        rop = self.op_of(tensor)
        return None if rop is None else rop.output

    def gradient_of(self, tensor):
        """d loss / d `tensor` (an op output, or a Variable passed to tape.gradient), or None."""
        if isinstance(tensor, Variable):
            return _value(self.variable_gradients.get(tensor.name))
        rop = self.op_of(tensor)
        return None if rop is None else rop.grad

    def __len__(self) -> int:
        """How many ops ran (a backward pass kept as one record counts its ops: made now)."""
        flat = self._flat
        if self._parts is not None or flat is None and KEPT_PASS in self._packed.ops or \
                flat is not None and KEPT_PASS in flat[OP::RECORD_WIDTH]:
            with _looking:
                self._listed_nodes()
        return self._record_count()

    def _record_count(self) -> int:
        """How many records the step holds (a kept backward pass is one)."""
        flat = self._flat
        if flat is not None:
            return len(flat) // RECORD_WIDTH
        if self._parts is not None:
            return sum(stop - start for _, start, stop in self._parts)
        return len(self._packed.ops)

    def _run_kept_passes(self, in_flight=None) -> None:
        """Put in place of each backward pass kept as one record (kept_pass.py) its ops,
        made again, and keep the upstream gradients it wrote (under `_looking`);
        `in_flight`: the last one is still running (see `kept_pass.ops_again`)."""
        flat = self._flat
        ops = flat[OP::RECORD_WIDTH]
        if KEPT_PASS not in ops:
            return
        at = ops.index(KEPT_PASS)
        last = len(ops) - 1 - ops[::-1].index(KEPT_PASS)
        while True:
            records, upstream = ops_again(flat, at, in_flight if at == last else None)
            flat[at * RECORD_WIDTH:(at + 1) * RECORD_WIDTH] = records
            moved = len(records) // RECORD_WIDTH - 1
            if self._grads:
                self._grads = {index + moved if index > at else index: grad
                               for index, grad in self._grads.items()}
            self._upstream.update(upstream)
            ops = flat[OP::RECORD_WIDTH]
            if KEPT_PASS not in ops:
                break
            at = ops.index(KEPT_PASS)
        self._nodes, self._taped_ids, self._taped_upto = None, None, 0
        grown = self._recount()
        if self._owner is not None:
            grown += self._finish_count()
            self._owner.grew(grown, self)

    def __iter__(self):
        return iter(self.ops)

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label is not None else ""
        loss = f" loss={self.loss:.4g}" if self.loss is not None else ""
        state = "" if self.complete else " (in progress)"
        return f"<RecordedStep step {self.number}{label}: {len(self)} ops, " \
               f"{self.nbytes / 2**20:.2f} MiB{loss}{state}>"


# A RecordedOp, made when someone looks, with its slot in the list, its index and its
# duration (a float of its own: made from a packed step's array).
RECORD_BYTES = PER_RECORD + allocated(sys.getsizeof(object.__new__(RecordedOp))) + allocated(
    sys.getsizeof(0.5))
# A step's own object, its attributes and its empty containers.
STEP_BYTES = sum(allocated(sys.getsizeof(part)) for part in (
    object.__new__(RecordedStep), vars(RecordedStep(0)), [], [], [], [], [], {}, {}, {}, {}, {},
    Footprint(), set()))
