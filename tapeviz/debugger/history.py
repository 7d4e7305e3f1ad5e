"""What the Recorder keeps: `RecordedStep`s of `RecordedOp`s, and how their bytes are counted.

A RecordedOp wraps the dispatch `Node` (inputs, output, source, scope, phase) and adds the
op's duration and, once backward has run, the gradient of the loss w.r.t. its output. Every
value is exposed lazily as numpy: recording an op only appends a small object. Tensors are
immutable, so a recorded value stays valid without a copy.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Variable, VariableRead

# Estimated Python-object bytes per recorded op (RecordedOp, Node, its tuples, Tensor
# wrappers, numpy scalars, bookkeeping), added to the array bytes so that the budget also
# bounds steps of many tiny ops: tracemalloc measured ~720 bytes per scalar op.
OP_OVERHEAD = 700


def _value(tensor):
    return None if tensor is None else tensor._value


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

    __slots__ = ("node", "duration", "taped", "index", "_grad")

    def __init__(self, node, duration: float, taped: bool, index: int):
        self.node = node            # the dispatch Node: holds the input and output tensors
        self.duration = duration    # the forward's wall time, seconds
        self.taped = taped          # whether a GradientTape recorded it
        self.index = index          # position in its step
        self._grad = None           # d target / d output, once a backward step reached it

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
        self.ops: list[RecordedOp] = []
        self.nbytes = 0             # distinct arrays held (each once) + OP_OVERHEAD per op
        self.complete = False       # False while ops are still being added
        self.variable_gradients: dict = {}   # variable name -> gradient from tape.gradient
        self.gradient_sources: list = []    # what the step's gradient call differentiated for
        self._loss = None
        self._seen: set = set()     # ids of the arrays (and views) already counted
        self._by_node: dict = {}    # id(node) -> RecordedOp, for taped ops (gradients)
        self._warned_big = False

    # ---- bookkeeping (called by the Recorder) ---------------------------------------------
    def _count(self, value) -> int:
        """Count `value`'s memory once; a view counts its base (which it keeps alive)."""
        seen = self._seen
        key = id(value)
        if key in seen:
            return 0
        seen.add(key)
        base = getattr(value, "base", None)
        if base is None:  # the usual case: an array that owns its memory, or a numpy scalar
            added = getattr(value, "nbytes", 8)
        else:
            while isinstance(getattr(base, "base", None), np.ndarray):
                base = base.base
            if id(base) in seen:
                return 0
            seen.add(id(base))
            added = getattr(base, "nbytes", 8)
        self.nbytes += added
        return added

    def _append(self, rop: RecordedOp) -> int:
        """Add an op; returns the bytes this step grew by."""
        node = rop.node
        rop.index = len(self.ops)
        self.ops.append(rop)
        if rop.taped:
            self._by_node[id(node)] = rop
        self.nbytes += OP_OVERHEAD
        added = OP_OVERHEAD + self._count(node.output._value)
        seen = self._seen
        for tensor in node.inputs:
            value = tensor._value
            if id(value) not in seen:  # inputs are mostly outputs already counted: no call
                added += self._count(value)
        return added

    def _take_tail(self, start: int) -> list:
        """Remove and return the ops from `start` on, recounting the bytes this step holds."""
        tail = self.ops[start:]
        if tail:
            kept = self.ops[:start]
            self.ops, self._seen, self._by_node, self.nbytes = [], set(), {}, 0
            for rop in kept:
                self._append(rop)
                if rop._grad is not None:
                    self._count(rop._grad._value)
            for grad in self.variable_gradients.values():
                self._count(grad._value)
        return tail

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
        for rop in self.ops:
            node = rop.node
            for tensor in node.inputs:
                if type(tensor) is VariableRead:
                    first.setdefault(tensor.variable.name, tensor._value)
        return first

    @property
    def variables_after(self) -> dict:
        """Variable name -> its value after this step's last assign to it (updated ones only)."""
        after: dict = {}
        for rop in self.ops:
            node = rop.node
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
        """The recorded op whose output is `tensor` (the very object), or None."""
        for rop in self.ops:
            if rop.node.output is tensor:
                return rop
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
        return len(self.ops)

    def __iter__(self):
        return iter(self.ops)

    def __repr__(self) -> str:
        label = f" {self.label!r}" if self.label is not None else ""
        loss = f" loss={self.loss:.4g}" if self.loss is not None else ""
        state = "" if self.complete else " (in progress)"
        return f"<RecordedStep step {self.number}{label}: {len(self.ops)} ops, " \
               f"{self.nbytes / 2**20:.2f} MiB{loss}{state}>"
