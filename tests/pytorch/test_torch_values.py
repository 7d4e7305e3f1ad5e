"""Recorded torch values: an op's output and a gradient autograd passes are viewed, not
copied, and each becomes a copy of itself before any in-place write the adapter sees, so
what the debugger shows is the value when the op ran; a batch, a parameter and a `.grad`
are copied when recorded."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder


def _relu_inputs():
    torch.manual_seed(0)
    return torch.randn(64, 3), torch.randn(3, 32, requires_grad=True)   # 8 KB out: viewed


WRITES = {
    "add_": lambda h: h.add_(1.0),
    "x += y": lambda h: h.__iadd__(2.0),
    "setitem": lambda h: h.__setitem__((0, 0), -9.0),
    "a view's setitem": lambda h: h.view(-1).__setitem__(3, 9.0),
    "out=": lambda h: torch.add(h, 1.0, out=h),
    "inplace=True": lambda h: F.hardtanh(h, -0.1, 0.1, inplace=True),
    "inplace positional": lambda h: F.dropout(h, 0.5, True, True),
    ".data": lambda h: h.data.mul_(0.0),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_a_write_the_mode_sees_leaves_the_recorded_value_as_it_was(write):
    x, w = _relu_inputs()
    with tvt.record() as tape:
        h = torch.relu(x @ w)
        relu = tape.nodes[-1]
        before = h.detach().numpy().copy()
        assert np.shares_memory(relu.output._value, h.detach().numpy())   # viewed
        with torch.no_grad():
            WRITES[write](h)
        assert not np.array_equal(h.detach().numpy(), before)   # the write happened
        np.testing.assert_array_equal(relu.output._value, before)


def test_a_recorded_output_is_viewed_read_only_and_a_batch_is_copied():
    x, w = _relu_inputs()
    with tvt.record() as tape:
        h = torch.relu(x @ w)
        matmul, relu = tape.nodes
        assert np.shares_memory(relu.output._value, h.detach().numpy())
        with pytest.raises(ValueError, match="read-only"):
            relu.output._value[0, 0] = 1.0   # a reader cannot write torch's memory
        assert not np.shares_memory(matmul.inputs[0]._value, x.numpy())
        # the batch: a copy (numpy code may refill its buffer, unseen)


def test_values_viewed_when_the_adapter_stops_become_copies():
    x, w = _relu_inputs()
    with tvt.record() as tape:
        h = torch.relu(x @ w)
    before = h.detach().numpy().copy()
    with torch.no_grad():
        h.add_(1.0)   # no mode sees it: the recording ended
    np.testing.assert_array_equal(tape.nodes[-1].output._value, before)


def test_gradients_are_viewed_and_survive_an_optimizer_and_a_clip():
    torch.manual_seed(0)
    model = nn.Linear(64, 32)   # an 8 KB weight gradient: viewed
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad(set_to_none=False)
            loss = F.mse_loss(model(torch.randn(4, 64)), torch.randn(4, 32))
            loss.backward()
            grads = {n: p.grad.detach().numpy().copy() for n, p in model.named_parameters()}
            nn.utils.clip_grad_norm_(model.parameters(), 1e-3)   # writes each .grad
            optimizer.step()
            step = rec.steps[-1]
            linear = next(s for s in step.backward_steps if s.node.op.name == "linear")
            # what autograd sent the weight, as it was (clip_grad_norm_ scaled .grad since)
            np.testing.assert_allclose(linear.input_grads[1]._value, grads["weight"],
                                       rtol=1e-6)


def test_the_recorder_counts_the_bytes_of_the_values_it_views():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 1))
    with Recorder() as rec:
        F.mse_loss(model(torch.randn(128, 64)), torch.zeros(128, 1)).backward()
    step = rec.steps[-1]
    outputs = sum(op.output.nbytes for op in step.ops)   # all viewed, none copied
    assert outputs > 2 * 128 * 256 * 4
    assert step.nbytes >= outputs
