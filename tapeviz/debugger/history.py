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
Its parts: a step's records (step_records.py), its count (step_count.py), a look's
ops (recorded_op.py).
"""
from __future__ import annotations

import sys

import numpy as np

from ..node import DURATION, OP, RECORD_WIDTH, TAPED
from ..errors import DTypeError, bad_argument
from ..tensor import Tensor
from ..variable import Variable, VariableRead
from .footprint import Footprint, allocated
from .kept_forward import holds_kept
from .kept_pass import KEPT_PASS, identical
from .recorded_op import RECORD_BYTES, RecordedOp, value_or_none
from .step_count import StepCount
from .step_records import StepRecords, _looking


class RecordedStep(StepRecords, StepCount):
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
        self.error = None           # what it raised, for a step that ended there ("raised")
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
        self._backward_steps: list = []   # another engine's BackwardSteps, as they ran (below)
        self._taped_ids: dict | None = None   # output_id -> op index, on first use
        self._taped_upto = 0
        self._footprint = Footprint()
        self._owner = None          # the KeptBytes this step is counted in, once finished
        self._warned_big = False

    # ---- its ops and bytes ------------------------------------------------------------------
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
    def backward_steps(self) -> list:
        """Another engine's BackwardSteps, as they ran (a torch step kept as its inputs makes
        them on this look: kept_forward.py)."""
        if self._parts is None and holds_kept(self):
            with _looking:
                self._listed_nodes()
        return self._backward_steps

    @property
    def nodes(self) -> list:
        """The dispatch `Node` of each op, in order (made from its record where dispatch made
        none, or again from the columns of a packed step, once: the same objects on every
        later look)."""
        with _looking:
            return self._listed_nodes()

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
        """`tensor`'s recorded value; for a Variable (or its name, as `variables` lists it),
        its value at this step."""
        name = _variable_name("RecordedStep.value_of", tensor)
        if name is not None:
            return self.variables.get(name)
        rop = self.op_of(tensor)
        return None if rop is None else rop.output

    def gradient_of(self, tensor):
        """d loss / d `tensor` (an op output, or a Variable passed to tape.gradient, or its
        name, as `variable_gradients` lists it), or None."""
        name = _variable_name("RecordedStep.gradient_of", tensor)
        if name is not None:
            return value_or_none(self.variable_gradients.get(name))
        rop = self.op_of(tensor)
        return None if rop is None else rop.grad

    def __len__(self) -> int:
        """How many ops ran (a backward pass kept as one record counts its ops: made now)."""
        flat = self._flat
        if self._parts is not None or flat is None and KEPT_PASS in self._packed.ops or \
                flat is not None and KEPT_PASS in flat[OP::RECORD_WIDTH] or holds_kept(self):
            with _looking:
                self._listed_nodes()
        return self._record_count()

    def __iter__(self):
        return iter(self.ops)

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label is not None else ""
        loss = f" loss={self.loss:.4g}" if self.loss is not None else ""
        state = "" if self.complete else " (in progress)"
        return f"<RecordedStep step {self.number}{label}: {len(self)} ops, " \
               f"{self.nbytes / 2**20:.2f} MiB{loss}{state}>"


# A step's own object, its attributes and its empty containers.
STEP_BYTES = sum(allocated(sys.getsizeof(part)) for part in (
    object.__new__(RecordedStep), vars(RecordedStep(0)), [], [], [], [], [], {}, {}, {}, {}, {},
    Footprint(), set()))


def _variable_name(call: str, tensor) -> str | None:
    """The name `variables` lists a Variable, or a variable's name ('w' or 'w:0'), under; None
    for a Tensor; anything else refused in the words of `call`."""
    if isinstance(tensor, Variable):
        return tensor.name
    if isinstance(tensor, str):
        return tensor if ":" in tensor else f"{tensor}:0"
    if not isinstance(tensor, Tensor):
        raise bad_argument(call, "tensor", "a Tensor of the step, a Variable or a variable's "
                                           "name ('w:0')", tensor, DTypeError)
    return None
