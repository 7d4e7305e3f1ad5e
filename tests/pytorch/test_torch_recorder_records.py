"""A Recorder alone on a torch loop: the adapter adds each op's record to the Recorder's list
on the thread (no event, as dispatch does), and what a step shows is what an OpExecuted
would have recorded, each value as the op made it: a write after the op, heard by the
adapter or not, never changes it."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import tapeviz.torch as tvt  # noqa: F401  (the adapter: records torch ops)
from tapeviz import events
from tapeviz.debugger import Recorder
from small_step import recorded_small_step

WRITES = {
    "add_": lambda h: h.add_(1.0),
    "out=": lambda h: torch.add(h, 1.0, out=h),
    "inplace=True": lambda h: F.hardtanh(h, -0.1, 0.1, inplace=True),
    ".data": lambda h: h.data.mul_(0.0),
    "a numpy view": lambda h: h.detach().numpy().__setitem__((0, 0), 7.0),
}


def _relu_of(step):
    return next(op for op in step.ops if op.op == "relu")


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_a_write_after_the_op_leaves_the_recorded_value_as_it_was(write):
    torch.manual_seed(0)
    x, w = torch.randn(64, 3), torch.randn(3, 32, requires_grad=True)
    with Recorder() as rec:
        h = torch.relu(x @ w)
        before = h.detach().numpy().copy()
        with torch.no_grad():
            WRITES[write](h)
    assert not np.array_equal(h.detach().numpy(), before)   # the write happened
    np.testing.assert_array_equal(_relu_of(rec.last_step).output, before)


def _recorded_step(also_heard: bool) -> tuple:
    """(op, line, scope, input shapes, output, whether it has a gradient) of each op of one
    training step of a small model, and the bytes the step holds, recorded by a Recorder
    alone or with another listener of every op."""
    heard = []
    rec = recorded_small_step(heard.append if also_heard else None, (events.OpExecuted,))
    assert bool(heard) is also_heard
    step = rec.last_step
    return [(op.op, op.source.lineno, op.scope, [np.shape(v) for v in op.inputs],
             np.asarray(op.output).tolist(), op.grad is not None)
            for op in step.ops], step.nbytes


def test_a_recorder_alone_records_what_its_events_would():
    alone, with_a_listener = _recorded_step(False), _recorded_step(True)
    assert [op for op, *_ in alone[0]][:5] == ["linear", "relu", "linear", "mse_loss",
                                              "sgd_step"]
    assert alone == with_a_listener
