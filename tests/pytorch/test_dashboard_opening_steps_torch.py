"""The Recorder the Dashboard runs over a torch loop's first steps holds whole steps: each its
forward pass, its backward pass and optimizer.step()'s updates (before, step 2 began with
step 1's updates and the last recorded step held loss.backward()'s gradients alone). The
numpy engine's cases: tests/test_dashboard_opening_steps.py."""
import torch
import torch.nn.functional as F
from torch_hunts import four_classes

from tapeviz.torch import activation
from tapeviz.viz import Dashboard

T = 30


def torch_loop(steps):
    torch.manual_seed(0)
    x, y = four_classes()
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(steps):
        batch = slice(8 * step, 8 * step + 8)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()


def test_the_opening_recorder_of_a_torch_loop_holds_whole_steps_two_to_four():
    from dashboard_loops import ManualClock
    dash = Dashboard(show_tape=False, clock=ManualClock())
    try:
        runner = dash.train(torch_loop, 7)
        assert runner.join(T) and runner.error is None, runner.error
        opening = dash._opening
        assert not opening.recording
        first, *steps = opening.steps
    finally:
        dash.close()
        activation.sync_thread()
    assert first.number == 1 and first.variable_gradients   # (step 1's updates alone)
    assert {node.op.kind for node in first.nodes} == {"update"}
    assert [step.number for step in steps] == [2, 3, 4]   # before: 2, 3, 4, 5 (no loss)
    for step in steps:
        kinds = [node.op.kind for node in step.nodes]
        assert step.loss is not None and step.variable_gradients, step
        loss_at = kinds.index("loss")
        # before: step 2 began with step 1's updates
        assert "update" not in kinds[:loss_at] and "update" in kinds[loss_at:], kinds
