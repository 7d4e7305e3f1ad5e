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

from ..node import record
from ..variable import VariableRead
from . import autograd, modules, values
from .backward_pass import BackwardPass
from .call_arguments import arguments
from .nodes import make_node, other_outputs
from .ops import op_for

BACKWARD_CALL = object()   # a kept entry `(BACKWARD_CALL, root)`: loss.backward() of call root
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

    __slots__ = ("calls", "kept", "durations", "threads", "outputs")

    def __init__(self, calls: tuple, kept: tuple, durations: tuple, threads: int,
                 outputs: tuple = ()):
        self.calls, self.kept, self.durations, self.threads = calls, kept, durations, threads
        self.outputs = outputs

    def again(self) -> tuple:
        """(the records of its calls made again, the backward steps of its passes)."""
        steps = _Steps()
        records: list = []
        saved, threads = autograd._local.pending, torch.get_num_threads()
        autograd._local.pending = {}   # (its own: the training thread's is left alone)
        try:
            if threads != self.threads:
                torch.set_num_threads(self.threads)
            with torch._C.DisableTorchFunction(), torch.random.fork_rng(devices=()):
                self._run(records, steps)   # (a random call's draws: its kept state's)
        finally:
            autograd._local.pending = saved
            if threads != self.threads:
                torch.set_num_threads(threads)
        return records, steps.steps

    def _run(self, records: list, steps: _Steps) -> None:
        kept = iter(self.kept)
        leaves: dict = {}   # id(kept value) -> its tensor again (one read twice: one tensor)
        outputs, shown = [], []
        name_of = modules.parameter_name
        given = self.outputs
        for call, duration in zip(self.calls, self.durations):
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


__all__ = ["BACKWARD_CALL", "KeptSegment"]
