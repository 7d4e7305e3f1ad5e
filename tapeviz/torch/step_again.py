"""A torch segment kept as its calls and values from outside, run again when someone looks.

`KeptSegment.again()` (called by `debugger/kept_forward.py` on the first look at the step)
makes each kept value a torch tensor again (a parameter's value as a leaf that requires
grad, one per parameter), calls each function again on them in order, with torch's
function handling off (no mode, no user mode: nothing hears it), and each plain
`loss.backward()` again under the hooks of a pass nobody hears (`backward_pass.py`); it
makes the nodes and backward steps the mode and the hooks make of a call that ran
(`make_node`, `values.snapshot`), with the line, layer and duration of the call as it ran.
On the same CPU, in the same order, from the same bits, torch computes the same bits
(tests/pytorch/test_torch_recorder_rerun.py, test_torch_kept_steps.py): what a look shows
is what ran.
"""
from __future__ import annotations

import numpy as np
import torch

from ..node import INPUT_IDS, INPUTS, NODE, RECORD_WIDTH, record
from ..variable import VariableRead
from . import autograd, modules, values
from .backward_pass import BackwardPass
from .call_arguments import arguments
from .nodes import make_node, other_outputs
from .ops import op_for

BACKWARD_CALL = object()   # a kept entry `(BACKWARD_CALL, root)`: loss.backward() of call root
STEP_CALL = object()   # a kept entry `(STEP_CALL,)`: an optimizer stepped inside the segment
PIECE = 4096   # a producer code's stride: call i's k-th piece (split's) is i + PIECE * (k + 1)


class Slot(int):
    """A tensor's place among a call's tensors, in a call kept to be made again."""


class _Steps:
    """What a pass run again gives its steps to (as a tape: no nodes, its steps)."""

    __slots__ = ("nodes", "steps")

    def __init__(self):
        self.nodes, self.steps = [], []


class KeptSegment:
    """A segment's calls (kept_steps.py's `_how`, one per call, or a backward), the values
    it read from outside in order (tapeviz Tensors, a parameter's a VariableRead) and
    each call's duration as it ran, torch's intra-op threads then (a sum split otherwise
    may round otherwise); `outputs`: where a segment left its program after a backward, the
    copies of its calls' outputs as they ran, which the calls recorded fully after it read
    (a look shows these very values, bitwise those it makes, so the graph stays one)."""

    __slots__ = ("calls", "kept", "durations", "threads", "outputs", "_ran")

    def __init__(self, calls: tuple, kept: tuple, durations: tuple, threads: int,
                 outputs: tuple = ()):
        self.calls, self.kept, self.durations, self.threads = calls, kept, durations, threads
        self.outputs = outputs
        self._ran = None

    def again(self, inputs: tuple = ()) -> tuple:
        """(the records of its calls made again, the backward steps of its passes); `inputs`:
        its values kept as its record's step holds them."""
        return self.part(0, len(self.calls), 0).again(inputs)

    def part(self, start: int, stop: int, first_kept: int) -> KeptPart:
        """Its entries `start` to `stop` (reading its kept values from `first_kept` on) as a
        record's object of their own (a segment with an optimizer stepped inside: the updates
        in between, the segment run again once)."""
        return KeptPart(self, start, stop, first_kept)

    def _again(self) -> tuple:
        """(the records made again, where each entry's begin among them, the steps), made
        on the first look at any of its parts."""
        if self._ran is None or len(self._ran[1]) != len(self.calls):   # (calls added since)
            self._ran = self._made()
        return self._ran

    def _made(self) -> tuple:
        steps = _Steps()
        records: list = []
        starts: list = []
        saved, threads = autograd._local.pending, torch.get_num_threads()
        autograd._local.pending = {}   # (its own: the training thread's is left alone)
        try:
            if threads != self.threads:
                torch.set_num_threads(self.threads)
            with torch._C.DisableTorchFunction(), torch.random.fork_rng(devices=()):
                self._run(records, starts, steps)   # (a random call's draws: its kept state's)
        finally:
            autograd._local.pending = saved
            if threads != self.threads:
                torch.set_num_threads(threads)
        return records, starts, steps.steps

    def _run(self, records: list, starts: list, steps: _Steps) -> None:
        kept = iter(self.kept)
        leaves: dict = {}   # id(kept value) -> its tensor again (one read twice: one tensor)
        outputs, shown = [], []
        name_of = modules.parameter_name
        given = self.outputs
        for call, duration in zip(self.calls, self.durations):
            starts.append(len(records))
            if call[0] is STEP_CALL:
                outputs.append(None)
                shown.append(None)
                continue
            if call[0] is BACKWARD_CALL:
                _backward(_produced(outputs, call[1]), steps)
                outputs.append(None)
                shown.append(None)
                continue
            func, args, kwargs, source, scope, codes, grad, random, _ = call
            if random:
                torch.set_rng_state(torch.from_numpy(next(kept)._value.copy()))
            tensors, inputs = [], []
            for code in codes:
                if code >= 0:
                    tensors.append(_produced(outputs, code))
                    inputs.append(_produced(shown, code))
                else:
                    value = next(kept)
                    tensor = leaves.get(id(value))
                    if tensor is None:
                        tensor = leaves[id(value)] = _tensor(value)
                    tensors.append(tensor)
                    inputs.append(value)
            args = [_filled(arg, tensors) for arg in args]
            kwargs = {name: _filled(arg, tensors) for name, arg in kwargs.items()}
            with torch.set_grad_enabled(grad):
                result = func(*args, **kwargs)
            _, _, params = arguments(func, args, kwargs)
            single = type(result) is torch.Tensor
            output = given[len(shown)] if given else values.snapshot(result, name_of) \
                if single else tuple(values.snapshot(piece, name_of) for piece in result)
            node = make_node(op_for(func), tuple(inputs), output if single else output[0],
                             params, scope, source)
            first = result if single else result[0]
            taped = first.grad_fn is not None
            if taped:
                autograd.remember(node, first, autograd.input_keys(tensors),
                                  () if single else result)
            records += record(node, taped, duration)
            if not single:
                for other in other_outputs(node, result, name_of, output):
                    records += record(other, taped, duration)
            outputs.append(result)
            shown.append(output)


class KeptPart:
    """Entries `start` to `stop` of a KeptSegment, one record's object: what a look at it
    makes again (the first part gives every backward step of the segment's passes)."""

    __slots__ = ("whole", "start", "stop", "first_kept")

    def __init__(self, whole: KeptSegment, start: int, stop: int, first_kept: int):
        self.whole, self.start, self.stop, self.first_kept = whole, start, stop, first_kept

    def again(self, inputs: tuple = ()) -> tuple:
        """(its records made again, the segment's backward steps if it is the first part);
        a kept value its record's step holds as another tensor (a parameter after an update
        the step made: that update's output) is read as that one, as a full recording's."""
        records, starts, steps = self.whole._again()
        end = starts[self.stop] if self.stop < len(starts) else len(records)
        mine = records[starts[self.start]:end]
        kept = self.whole.kept[self.first_kept:self.first_kept + len(inputs)]
        linked = {id(value): given for value, given in zip(kept, inputs) if value is not given}
        if linked:
            mine = _linked(mine, linked)
        return mine, steps if self.start == 0 else []


def _linked(records: list, linked: dict) -> list:
    """`records` with each input whose id `linked` maps read as the tensor it maps to."""
    records = list(records)
    for at in range(0, len(records), RECORD_WIDTH):
        node = records[at + NODE]
        if any(id(tensor) in linked for tensor in node.inputs):
            node.inputs = tuple(linked.get(id(tensor), tensor) for tensor in node.inputs)
            node.input_ids = tuple(map(id, node.inputs))
            records[at + INPUTS], records[at + INPUT_IDS] = node.inputs, node.input_ids
    return records


def _produced(made: list, code: int):
    """What call `code` made (its output, or a piece of its result: kept_steps.PIECE)."""
    return made[code] if code < PIECE else made[code % PIECE][code // PIECE - 1]


def _filled(arg, tensors: list):
    """A call's argument with its tensors in place of their slots (a list's each)."""
    if type(arg) is Slot:
        return tensors[arg]
    if type(arg) in (list, tuple) and arg and type(arg[0]) is Slot:
        return type(arg)(tensors[slot] for slot in arg)
    return arg


def _tensor(value) -> torch.Tensor:
    """A kept value as a torch tensor again (a copy: the look's ops must not write it); a
    parameter's a leaf that requires grad."""
    tensor = torch.from_numpy(np.array(value._value, copy=True))
    return tensor.requires_grad_() if type(value) is VariableRead else tensor


def _backward(root: torch.Tensor, steps: _Steps) -> None:
    """`root.backward()` again, its steps given to `steps` alone."""
    ops, _ = autograd.walk([root], autograd._local.pending)
    pass_ = BackwardPass(ops, [steps], heard=False)
    try:
        torch.autograd.backward(root)
    finally:
        pass_.end(remove_hooks=False, flush=True)


__all__ = ["BACKWARD_CALL", "STEP_CALL", "KeptSegment", "KeptPart"]
