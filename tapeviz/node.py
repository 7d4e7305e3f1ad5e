"""`Node`: one executed op, the unit that tapes record, events carry and the debugger shows.

Dispatch makes one per op that a tape records or someone hears, and nothing changes it
afterwards, so a tape, the recorder's history and the widget share one without copying. For
an op that only listeners taking the node hear (a breakpoint's condition) it makes a
`DeferredNode`, whose inputs and user line are found only if read.
"""
from __future__ import annotations

from .dispatch_inputs import input_tensors
from .sourceinfo import source_from

# What a Recorder keeps of an op until its step is packed: these fields, one after another in
# one flat list of the step's ops (dispatch extends it from its locals: no tuple kept per op,
# and a column is a strided slice, `flat[field::RECORD_WIDTH]`). `node` is None where dispatch
# made none (an op no tape kept and nobody but the Recorder hears); `output` is the tensor the
# op returned, held so that its id names it alone while the step is open.
RECORD_FIELDS = ("node", "taped", "duration", "op", "value", "output_id", "input_ids", "params",
                 "phase", "scope", "source", "inputs", "output")
RECORD_WIDTH = len(RECORD_FIELDS)
(NODE, TAPED, DURATION, OP, VALUE, OUTPUT_ID, INPUT_IDS, PARAMS, PHASE, SCOPE, SOURCE, INPUTS,
 OUTPUT) = range(RECORD_WIDTH)


def record(node, taped: bool, duration: float) -> tuple:
    """The Recorder's record of `node` (see RECORD_FIELDS), for an op dispatch did not add."""
    output = node.output
    return (node, taped, duration, node.op, output._value, node.output_id, node.input_ids,
            node.params, node.phase, node.scope, node.source, node.inputs, output)


def node_of(fields) -> Node:
    """The node of one op's record (`fields`, RECORD_FIELDS in order): the one dispatch made,
    else one made now of the very tensors and fields, as dispatch would have made it."""
    node = fields[NODE]
    if node is None:
        node = Node()
        node.op = fields[OP]
        node.inputs = fields[INPUTS]
        node.output = fields[OUTPUT]
        node.params = fields[PARAMS]
        node.input_ids = fields[INPUT_IDS]
        node.output_id = fields[OUTPUT_ID]
        node.phase = fields[PHASE]
        node.scope = fields[SCOPE]
        node.source = fields[SOURCE]
    return node


class Node:
    """One executed op: what ran, on what, what came out, and where in user code."""

    __slots__ = ("op", "inputs", "output", "params", "input_ids", "output_id", "phase", "scope",
                 "source", "__weakref__")

    # made by dispatch, which sets these fields (and made again, alike, by the Recorder from
    # a packed step's columns: debugger/packed.py):
    # op          the registered Op that ran
    # inputs      tuple of Tensors, the values the op saw
    # output      the Tensor it made
    # params      static attributes (axis, perm, strides, ...)
    # input_ids   id() of each argument as passed (a Variable's own id)
    # output_id   id(output): what tapes and the backward pass track the output by
    # phase       "forward", or "backward" for an op inside a VJP
    # scope       the layer path (name scope) it ran under, or ""
    # source      the user's SourceInfo (file, line, function), or None

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.inputs)
        source = self.source
        where = f" at {source.location}" if source else ""
        return f"<Node {self.op.name}({shapes}) -> {self.output.shape}{where}>"


_INPUTS, _INPUT_IDS, _SOURCE = Node.inputs, Node.input_ids, Node.source   # Node's own slots


class DeferredNode(Node):
    """The node of an op that only listeners hear (no tape records it, no Recorder keeps
    it): its inputs (and their ids) and its user line are found when first read, from the
    op's arguments and the frame that called it, so a listener that reads neither (most
    conditions) pays for neither. Dispatch calls `settle` when a listener kept it, while
    the op's caller has not moved on: every field is then the op's, as a Node's."""

    __slots__ = ("_args", "_frame", "_origin")

    @property
    def inputs(self) -> tuple:
        try:
            return _INPUTS.__get__(self)
        except AttributeError:   # not read yet
            return self._find_inputs()[0]

    @property
    def input_ids(self) -> tuple:
        try:
            return _INPUT_IDS.__get__(self)
        except AttributeError:
            return self._find_inputs()[1]

    @property
    def output_id(self) -> int:
        return id(self.output)

    @property
    def source(self):
        try:
            return _SOURCE.__get__(self)
        except AttributeError:   # the walk, from the op's caller (still at the op's call)
            source = source_from(self._frame, self._origin)
            _SOURCE.__set__(self, source)
            self._frame = self._origin = None
            return source

    def settle(self) -> None:
        """Find every field not read yet, now that the op has just run."""
        _ = self.inputs, self.source

    def _find_inputs(self) -> tuple:
        """(inputs, input_ids) as dispatch makes them (the arguments are as the op saw them:
        a Variable is rebound only once its update op has returned)."""
        _, tensors, ids, _ = input_tensors(self.op, self._args)
        _INPUTS.__set__(self, tensors)
        _INPUT_IDS.__set__(self, ids)
        self._args = None
        return tensors, ids


def deferred_node(op, args: tuple, output, params: dict, state, source, frame) -> DeferredNode:
    """A DeferredNode of `op` on `args` making `output`, run on the thread of `state`;
    `source`: its user line when known (else found from `frame`, dispatch's caller)."""
    node = DeferredNode()
    node.op = op
    node.output = output
    node.params = params
    node.phase = state.phase
    node.scope = state.scope
    node._args = args
    if source is None:
        node._frame = frame
        node._origin = state.origin
    else:
        _SOURCE.__set__(node, source)
    return node
