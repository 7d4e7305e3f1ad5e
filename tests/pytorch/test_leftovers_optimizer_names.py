"""Findings about a torch loop's optimizer name it as the loop binds it (`opt =
torch.optim.SGD(...)`), found by the adapter at its step as a model's name is at its call:
'call opt.zero_grad() in each step' (gradients piling up), 'opt.zero_grad() ... runs after
loss.backward()' (cleared before the update), 'opt.step() at ... runs before loss.backward()'
(applied a step late). All said 'optimizer.' before, which the loop has no name for."""
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter)
from tapeviz.debugger import Recorder, diagnose


def _data():
    torch.manual_seed(0)
    return nn.Linear(3, 1), torch.randn(32, 3)


def test_gradients_piling_up_name_the_loops_optimizer():
    net, x = _data()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    with Recorder() as rec:
        for _ in range(5):
            F.mse_loss(net(x), x.sum(1, keepdim=True)).backward()
            opt.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "accumulated_gradients"]
    assert "the optimizer's update (opt.step()) at " in finding.message, finding.message
    assert finding.message.endswith("fix: call opt.zero_grad() in each step, before "
                                    "loss.backward()")


def test_gradients_cleared_before_the_update_name_the_loops_optimizer():
    net, x = _data()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with Recorder() as rec:
        for _ in range(4):
            F.mse_loss(net(x), x.sum(1, keepdim=True)).backward()
            opt.zero_grad(set_to_none=False)
            opt.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "gradients_cleared"]
    message = finding.message
    assert "opt.zero_grad() at " in message and "so opt.step() at " in message, message
    assert "optimizer." not in message, message


def test_gradients_applied_a_step_late_name_the_loops_optimizer():
    net, x = _data()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with Recorder() as rec:
        for i in range(4):
            loss = F.mse_loss(net(x[i * 8:(i + 1) * 8]), x[i * 8:(i + 1) * 8].sum(1, keepdim=True))
            opt.step()
            opt.zero_grad()
            loss.backward()
    [finding] = [f for f in diagnose(rec) if f.kind == "gradients_applied_late"]
    assert finding.message.startswith("the gradients are applied a step late: opt.step() at "), \
        finding.message
    assert "fix: call opt.step() after loss.backward()" in finding.message


def test_a_divergence_clips_the_loops_own_model():
    """was: clip_grad_norm_(model.parameters(), 1.0): the update it names has no layer."""
    net, x = _data()
    opt = torch.optim.SGD(net.parameters(), lr=1.5)
    with Recorder() as rec:
        for _ in range(8):
            opt.zero_grad()
            F.mse_loss(net(x), x @ torch.tensor([[1.0], [2.0], [-1.0]])).backward()
            opt.step()
    [finding] = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert finding.message.endswith("or clip the gradients (torch.nn.utils.clip_grad_norm_("
                                    "net.parameters(), 1.0))"), finding.message
