"""A Recorder on a torch training loop keeps each large value (an activation, a parameter, at
least `values.REFERENCE_BYTES`, where keeping torch's memory instead of a copy would pay) as
the op made it: a later write to the tensor, by an in-place op the adapter hears (relu_,
add_, out=), by `optimizer.step()`, or by the user under no_grad (heard or not: `.data`, a
numpy view), never changes what a recorded step shows, whether the write comes before the
backward pass, after the step ended, or after the step was packed and looked at."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: records torch ops)
from tapeviz.debugger import Recorder  # noqa: E402
from tapeviz.torch import values  # noqa: E402

WRITES = {
    "relu_": lambda h: h.relu_(),
    "add_": lambda h: h.add_(1.0),
    "out=": lambda h: torch.mul(h, -3.0, out=h),
    "inplace=True": lambda h: F.hardtanh(h, -0.1, 0.1, inplace=True),
    "setitem": lambda h: h.__setitem__((0, 0), 99.0),
    ".data": lambda h: h.data.mul_(-2.0),
    "a numpy view": lambda h: h.detach().numpy().__setitem__((0, 0), 77.0),
}
WHEN = ("before the backward pass", "after the step", "after later steps and a look")


class Wide(torch.nn.Module):
    """linear, relu, linear: the first linear's output and weight each >= 64 KiB."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, 256)
        self.fc2 = torch.nn.Linear(256, 4)

    def forward(self, x):
        self.hidden = self.fc1(x)   # kept, as a user keeps an activation to look at it
        return self.fc2(torch.relu(self.hidden))


def _ops(step, name):
    return [op for op in step.ops if op.op == name]


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_a_large_output_written_later_is_shown_as_the_op_made_it(write, when):
    torch.manual_seed(0)
    model = Wide()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(128, 64), torch.randn(128, 4)
    assert x.shape[0] * 256 * 4 >= values.REFERENCE_BYTES
    with Recorder() as rec:
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        made = model.hidden.detach().numpy().copy()
        hidden = model.hidden
        if when == WHEN[0]:
            with torch.no_grad():
                WRITES[write](hidden)   # (relu saved its output, not this input)
        loss.backward()
        optimizer.step()
        if when == WHEN[1]:
            with torch.no_grad():
                WRITES[write](hidden)
        for _ in range(3 if when == WHEN[2] else 0):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
        if when == WHEN[2]:
            assert rec.steps[0].ops   # looked at once, then written
            with torch.no_grad():
                WRITES[write](hidden)
    assert not np.array_equal(hidden.detach().numpy(), made)   # the write happened
    first = rec.steps[0]
    linear = _ops(first, "linear")[0]
    np.testing.assert_array_equal(linear.output, made)
    relu = _ops(first, "relu")[0]
    np.testing.assert_array_equal(relu.inputs[0], made)   # the relu read it as it was made


def test_a_large_parameter_is_shown_before_the_step_in_its_ops_and_after_it_in_its_update():
    torch.manual_seed(0)
    model = Wide()
    assert model.fc1.weight.nbytes >= values.REFERENCE_BYTES
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 64), torch.randn(16, 4)
    weights = []
    with Recorder() as rec:
        for _ in range(3):
            weights.append(model.fc1.weight.data.numpy().copy())   # (no op recorded)
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
    weights.append(model.fc1.weight.detach().numpy().copy())
    assert not np.array_equal(weights[0], weights[1])   # the step wrote over it
    for index, step in enumerate(rec.steps):
        linear = _ops(step, "linear")[0]
        np.testing.assert_array_equal(linear.inputs[1], weights[index])
        update = next(op for op in _ops(step, "adam_step")
                      if op.output.shape == weights[0].shape)
        np.testing.assert_array_equal(update.output, weights[index + 1])


def test_an_output_the_user_writes_under_no_grad_each_step_keeps_each_steps_value():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 16, 3)
    optimizer = torch.optim.SGD(conv.parameters(), lr=0.01)
    x = torch.randn(32, 1, 28, 28)
    made = []
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            h = conv(x)
            assert h.nbytes >= values.REFERENCE_BYTES
            made.append(h.detach().numpy().copy())
            torch.relu(h).mean().backward()
            with torch.no_grad():
                h.clamp_(min=0.5)   # the user's own edit after the pass
            optimizer.step()
    assert len(rec.steps) == 3
    for step, value in zip(rec.steps, made):
        np.testing.assert_array_equal(_ops(step, "conv2d")[0].output, value)
        np.testing.assert_array_equal(step.backward_steps[-1].node.output, value)


ALIASES = {
    "detach()": lambda grad: grad.detach(),
    "numpy()": lambda grad: torch.from_numpy(grad.numpy()),
    "untyped_storage()": lambda grad: torch.empty(0).set_(grad.untyped_storage()),
}


@pytest.mark.parametrize("alias", list(ALIASES), ids=list(ALIASES))
def test_a_large_gradient_a_hook_kept_an_alias_of_is_shown_as_autograd_made_it(alias):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 4, 3)
    x = torch.randn(8, 1, 32, 32)
    kept = []
    with Recorder() as rec:
        c = conv(x)
        assert c.nbytes >= values.REFERENCE_BYTES
        c.register_hook(lambda grad: kept.append((ALIASES[alias](grad), grad.clone())))
        torch.relu(c).mean().backward()
    memory, made = kept[0]
    with torch.no_grad():
        memory.fill_(5.0)   # the user writes the gradient's memory after the pass
    relu = next(step for step in rec.steps[0].backward_steps if step.node.op.name == "relu")
    np.testing.assert_array_equal(relu.input_grads[0], made.numpy())
