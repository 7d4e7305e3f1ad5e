"""Where a NaN/Inf entered a computation from outside, when no op made it.

The commonest NaN in a training loop is in the data (a missing value in a CSV row, a
division done in numpy before the tensor was made) or in a variable's value (assigned, or
written by an earlier step's update). No recorded op makes it from finite inputs, so
`find_nan_origin` (numerics.py) asks here for the first op, in execution order, that was
given it: an op whose output is non-finite and that read a non-finite value no earlier op
made. `NaNEntry` says which input, what it was, how many values and where, and the usual
fix in the op's engine's words; `diagnose`, the Recorder's steps and the torch adapter read
it as they read a `NaNOrigin`.
"""
from __future__ import annotations

import numpy as np

from ..nonfinite import FIXES, counted, engine_of, in_pass
from ..op_place import op_place
from ..variable import Variable
from . import masked_rows, op_inputs
from .passed_names import MAX_WRITTEN, passed_name
from .numerics import NaNOrigin, _counts, _input_lines, _op_name, _where
from .summary import _array, all_finite, nonfinite_each
from .variable_names import shown_name

# what a value from outside was, when it was not a variable's, in each engine's words: at
# length, and in short
OUTSIDE = {
    "tf": "the data (a constant, numpy array or dataset batch)",
    "torch": "the input batch (or a tensor made before recording)"}
GIVEN_BY = {"tf": "outside the tape", "torch": "outside the recorded ops"}


class NaNEntry(NaNOrigin):
    """The first op that was given NaN/Inf from outside the computation: its input
    `position` (named `input_name`; `written`, what the user's line passed for it, when it
    shows it, or passed the model or loss whose first op it is, given the tape's `nodes`),
    what it was (`came_from`; `given_by` in short), that input's NaN and Inf counts among its
    `size` values and the `first_index` of one; `entered` is True (a `NaNOrigin` made by an
    op has none).

    >>> import numpy as np, tapeviz as tf
    >>> from tapeviz.debugger import find_nan_origin
    >>> w = tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     y = w * np.array([1.0, np.nan], np.float32)
    >>> entry = find_nan_origin(tape)
    >>> entry.op, entry.input_name, entry.written, entry.nan_count, entry.first_index
    ('multiply', 'y', 'np.array([1.0, np.nan], np.float32)', 1, (1,))
    """

    entered = True

    def __init__(self, node, index, position, vjp_of=None, step=None, nodes=None):
        value = node.inputs[position]
        nans, infs = _counts(value)
        engine = engine_of(node.op)
        variable = getattr(value, "variable", None)
        self.position = position
        self.input_name = _input_name(node.op, position)
        self.written = "" if vjp_of is not None else written_input(node, position) or (
            _passed(nodes, index) if nodes is not None else "")
        self.variable = variable if isinstance(variable, Variable) else None
        self.given_by = (f"the {'parameter' if engine == 'torch' else 'variable'} "
                         f"'{shown_name(variable)}'" if self.variable is not None
                         else GIVEN_BY[engine])
        self.came_from = (f"the value of {self.given_by}" if self.variable is not None
                          else OUTSIDE[engine])
        values = _array(value)
        self.size = int(values.size)
        self.first_index = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
        source = vjp_of.source if vjp_of is not None and vjp_of.source is not None \
            else node.source
        super().__init__(node, getattr(node, "phase", "forward"), index, nans, infs,
                         _input_lines(node.inputs), source, None,
                         FIXES["variable" if self.variable is not None else "data"][engine],
                         vjp_of, step, value)
        masked = masked_rows.whole_rows(values) if infs and not nans and \
            np.isnan(_array(node.output)).any() else None
        if masked is not None:   # an attention mask's -inf, wrong way round: not the data
            self.came_from, self.fix = masked_rows.entered(*masked), masked_rows.FIX[engine]
        self.reason = self.detail()

    def detail(self) -> str:
        """'its input `x` already held 1 NaN (of 4 values, the first at index [1, 0]), so it
        is in the data (...)'; an input without a name by its position; one the user's line
        passed under another name by that name first: '`images` (its input `a`) already
        held ...' (the op's own name for it alone read as a variable of the user's); conv2d's
        `input` is 'its input' ('its input `input`' said the word twice)."""
        where = (f"of {self.size} values, the first at index {list(self.first_index)}"
                 if self.size > 1 else "a single value")
        name = f"`{self.input_name}`" if self.input_name else str(self.position)
        its = "its input" if self.input_name == "input" else f"its input {name}"
        name = f"`{self.written}` ({its})" \
            if self.written and self.written != self.input_name else its
        return (f"{name} already held {counted(self.nan_count, self.inf_count)} "
                f"({where}), so it is in {self.came_from}")

    def headline(self, fix: bool = True) -> str:
        """One line without the op name: given what, where, which input, and the fix."""
        entry = op_place(self.index, of=self.of) if self.index is not None else ""
        if self.vjp_of is not None:
            where = (f"{in_pass('backward')}, in the gradient through {_op_name(self.vjp_of)} "
                     f"({entry + ', ' if entry else ''}{_where(self.source)})")
        else:
            layer = getattr(self.node, "scope", "")
            where = (f"{in_pass(self.phase)}{' at ' + entry if entry else ''}"
                     f"{f', in layer {layer}' if layer else ''} ({_where(self.source)})")
        return (f"was given {self.what} from {self.given_by} (no op made it), {where}; "
                f"{self.reason}"
                + (f"; fix: {self.fix}" if fix else ""))

    def __repr__(self) -> str:
        return (f"<NaNEntry {self.op} {self.phase}{self._place()}: {self.what} in "
                f"{self.input_name or self.position}>")


def _passed(nodes, index: int) -> str:
    """What the user's line gave the model or loss whose first op, `nodes[index]`, read its
    one data input (passed_names.py), or ""."""
    data = [x for x in nodes[index].inputs if getattr(x, "variable", None) is None]
    return passed_name(nodes, index) if len(data) == 1 else ""


def _input_name(op, position: int) -> str:
    """TF's (or torch's) name of the op's argument at `position`, or ""."""
    names = getattr(op, "input_names", ()) or ()
    return names[position] if position < len(names) else ""


def written_input(node, position: int) -> str:
    """What the user's line passed for input `position` of `node` ('images', 'batch'), or ""
    when the line does not show it (op_inputs.written_arguments; a VJP's ops share the line
    that called `gradient`) or writes a long expression there (the line is quoted beside it)."""
    if getattr(node, "phase", "forward") != "forward":
        return ""
    count = len(node.inputs)
    text = op_inputs.written_arguments(node.op, getattr(node, "source", None), count)[position]
    return text if len(text) <= MAX_WRITTEN else ""


def _outside_position(node, made: set) -> int | None:
    """The position of the first non-finite input of `node` that no op in `made` made."""
    ids = getattr(node, "input_ids", None) or tuple(map(id, node.inputs))
    for position, (value, value_id) in enumerate(zip(node.inputs, ids)):
        if value_id not in made and not all_finite(value):
            return position
    return None


def first_entry(nodes, made=(), absorbed=frozenset()) -> tuple[int, int] | None:
    """(index, input position) of the first of `nodes` whose output is non-finite and that
    read NaN/Inf from outside: made neither by an earlier node nor by one whose output id is
    in `made` (a backward pass's forward nodes); None when there is none, or when an op made
    NaN/Inf from finite inputs first (that op is the origin: the rest only spread it). The
    `absorbed` indices' outputs, Inf that later ops turned finite, are neither."""
    flags = nonfinite_each(node.output for node in nodes)   # batched: a clean tape is
    made, done = set(made), 0                                # read in a few numpy calls
    for index in [i for i, bad in enumerate(flags) if bad and i not in absorbed]:
        node = nodes[index]
        made.update(getattr(n, "output_id", id(n.output)) for n in nodes[done:index])
        done = index
        position = _outside_position(node, made)
        if position is not None:
            return index, position
        if all(map(all_finite, node.inputs)):
            return None
    return None


def forward_entry(nodes, absorbed=frozenset()) -> NaNEntry | None:
    """Where NaN/Inf first came in from outside among `nodes` (a tape's, in order), but for
    the `absorbed` ones' (numerics.absorbed_infinities: an attention mask's -inf)."""
    found = first_entry(nodes, absorbed=absorbed)
    return None if found is None else NaNEntry(nodes[found[0]], *found, nodes=nodes)


def backward_entry(forward_nodes, ops, steps) -> NaNEntry | None:
    """Where NaN/Inf first came in from outside an op inside a VJP: `ops` are (step number,
    node) as the backward pass ran them (`numerics._backward_origin`), `steps` its steps."""
    made = [getattr(n, "output_id", id(n.output)) for n in forward_nodes]
    found = first_entry([node for _, node in ops], made)
    if found is None:
        return None
    k, node = ops[found[0]]
    step = steps[k] if k < len(steps) else None
    return NaNEntry(node, step.index if step else None, found[1], step and step.node, step)


def given_to(node, index) -> NaNEntry | None:
    """`node` as the entry of the NaN/Inf one of its inputs holds, for check-numerics, which
    found every earlier op's output finite: forward only (inside a VJP, a gradient computed
    without an op may hold it)."""
    if getattr(node, "phase", "forward") != "forward":
        return None
    position = next((i for i, x in enumerate(node.inputs) if not all_finite(x)), None)
    return None if position is None else NaNEntry(node, index, position)
