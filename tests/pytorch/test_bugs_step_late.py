"""`optimizer.step()` before `loss.backward()` with `zero_grad()` between them: each step
applies the gradients the step before computed, one batch late, while the weights move and
the loss falls. `diagnose` on the Recorder names the step's line and the backward's (marked
here, looked up, never hard-coded); the loop in the right order gives no finding. Was: no
finding (the adapter files each backward pass with the next iteration's update, which looks
like a step in the right order)."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def logistic_regression(optimizer_class):
    torch.manual_seed(0)
    model = nn.Linear(8, 3)
    return model, optimizer_class(model.parameters(), lr=0.1), torch.randn(64, 8), \
        torch.randint(0, 3, (64,))


def step_a_batch_late(optimizer_class=torch.optim.SGD, steps: int = 6,
                      pinned_bias: bool = False) -> Recorder:
    model, optimizer, x, y = logistic_regression(optimizer_class)
    with Recorder() as rec:
        for i in range(steps):
            if pinned_bias:   # (an in-place write of a parameter each step: no optimizer's)
                nn.init.constant_(model.bias, 0.5)
            loss = F.cross_entropy(model(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            optimizer.step()  # BUG: a batch late
            optimizer.zero_grad()
            loss.backward()  # THE BACKWARD
    return rec


def zero_grad_last(steps: int = 6) -> Recorder:
    model, optimizer, x, y = logistic_regression(torch.optim.SGD)
    with Recorder() as rec:
        for i in range(steps):
            loss = F.cross_entropy(model(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return rec


@pytest.mark.parametrize("optimizer_class", [torch.optim.SGD, torch.optim.Adam],
                         ids=["SGD", "Adam"])
def test_a_step_before_backward_after_zero_grad_is_told_a_batch_late(optimizer_class):
    [finding] = diagnose(step_a_batch_late(optimizer_class))
    assert finding.kind == "gradients_applied_late"
    step = marked_line(__file__, "# BUG: a batch late")
    backward = marked_line(__file__, "# THE BACKWARD")
    assert (f"the gradients are applied a step late: optimizer.step() at tests/pytorch/{step}: "
            f"optimizer.step()  # BUG: a batch late runs before loss.backward() at "
            f"tests/pytorch/{backward}: loss.backward()  # THE BACKWARD, so in each of the last "
            f"2 steps it applied the gradients the step before computed for the weight and bias "
            f"of layer linear") in finding.message, finding.message
    assert ", not the step's own: every update follows the gradient of weights that have " \
           "moved since, one batch late" in finding.message
    assert finding.message.endswith("fix: call optimizer.step() after loss.backward(): "
                                    "zero_grad(), the forward pass and the loss, backward(), "
                                    "then step()")
    assert finding.source.lineno == line_of(__file__, "# BUG: a batch late")
    assert finding.node.op.kind == "update"


def test_the_loop_in_order_with_zero_grad_last_gives_no_finding():
    assert [finding.kind for finding in diagnose(zero_grad_last())] == []


def test_a_parameter_written_in_place_each_step_is_no_update_of_the_optimizer():
    """`nn.init.constant_(model.bias, 0.5)` in the loop is recorded as an update of one input:
    the late step is still told, of the optimizer's updates alone. Was: IndexError from
    diagnose (the write taken for an optimizer's update, its gradient input read)."""
    kinds = [finding.kind for finding in diagnose(step_a_batch_late(pinned_bias=True))]
    assert "gradients_applied_late" in kinds, kinds
