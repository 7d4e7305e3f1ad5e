"""Recorded torch values are the values when the op ran: a write after it (in place, through
a view, `out=`, `inplace=True`, `.data`, an optimizer, a gradient clip) changes the tensor,
never what the debugger shows."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder

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
def test_a_write_after_the_op_leaves_the_recorded_value_as_it_was(write):
    torch.manual_seed(0)
    x, w = torch.randn(64, 3), torch.randn(3, 32, requires_grad=True)
    with tvt.record() as tape:
        h = torch.relu(x @ w)
        relu = tape.nodes[-1]
        before = h.detach().numpy().copy()
        with torch.no_grad():
            WRITES[write](h)
        assert not np.array_equal(h.detach().numpy(), before)   # the write happened
    np.testing.assert_array_equal(relu.output._value, before)


def test_a_backward_steps_gradient_survives_a_clip_and_the_optimizer():
    torch.manual_seed(0)
    model = nn.Linear(64, 32)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad(set_to_none=False)
            loss = F.mse_loss(model(torch.randn(4, 64)), torch.randn(4, 32))
            loss.backward()
            sent = model.weight.grad.detach().numpy().copy()
            nn.utils.clip_grad_norm_(model.parameters(), 1e-3)   # writes each .grad
            optimizer.step()
            linear = next(s for s in rec.steps[-1].backward_steps
                          if s.node.op.name == "linear")
            np.testing.assert_allclose(linear.input_grads[1]._value, sent, rtol=1e-6)
