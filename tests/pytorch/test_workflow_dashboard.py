"""The Runner and the live Dashboard on an unmodified PyTorch training loop.

The loop runs in the Runner's thread, where torch's (per-thread) function mode is pushed by
the adapter's module hooks: the dashboard charts every step's loss and gradient norms, Pause
holds the loop right after a torch op, Step op / Step VJP advance it by one, and its alerts
name a torch step that made NaN and a torch loop that diverges.
"""
import inspect
import math

import numpy as np
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches, make_training

from tapeviz.torch import activation
from tapeviz.debugger import Runner
from tapeviz.viz import Dashboard

STEPS = 6
TIMEOUT = 60


def drop_the_callers_idle_mode():
    """Pause and Resume, called here, change subscriptions on this thread, and the adapter
    pushes its mode on the thread that changes them; when the loop's thread ends and nobody
    listens, that thread pops its own, and this one keeps an idle one (its handler runs for
    every torch op here, hearing nothing) until the next change made here. Pop it."""
    activation.sync_thread()


def torch_loop(count=STEPS):
    """(train, losses, norms): the CNN's loop as a user writes it, and what it saw."""
    model, optimizer, _ = make_training()
    batches = digit_batches(count=count)
    losses, norms = [], []

    def train():
        for images, labels in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            norms.append({name: float(np.linalg.norm(p.grad.numpy().reshape(-1)))
                          for name, p in model.named_parameters()})
        return len(losses)

    return train, losses, norms


def line_of(function, text: str) -> int:
    """The line number of the line of `function`'s source that reads `text`."""
    lines, first = inspect.getsourcelines(function)
    found = [first + i for i, line in enumerate(lines) if line.strip() == text]
    assert len(found) == 1, found
    return found[0]


def test_dashboard_charts_every_torch_step_with_the_loops_losses_and_gradient_norms():
    train, losses, norms = torch_loop()
    dash = Dashboard()
    try:
        runner = dash.train(train)
        assert runner.join(TIMEOUT) and runner.result == STEPS
        dash.flush()
        history = dash.history()
    finally:
        dash.close()
    assert (dash.state, dash.step_count, dash.error) == ("finished", STEPS, "")
    assert history["loss"] == (list(range(1, STEPS + 1)), losses)
    assert sorted(history["grad_norms"]) == sorted(norms[0])
    for name, (steps, values) in history["grad_norms"].items():
        assert steps == list(range(1, STEPS + 1))
        np.testing.assert_allclose(values, [n[name] for n in norms], rtol=1e-5)
    assert dash.tape_title.startswith(f"step {STEPS}: 7 ops of the forward pass (")
    assert ">conv</text>" in dash.svg or "conv2d" in dash.svg
    assert not any(dash.controls.values())


def test_pause_holds_the_torch_loop_after_an_op_and_step_advances_by_one():
    train, losses, _ = torch_loop()
    runner = Runner(train)
    runner.pause()                      # at the very first op, once started
    runner.start()
    try:
        assert runner.wait_paused(TIMEOUT)
        first = runner.paused_at
        assert (first.kind, first.op_name, first.phase) == ("op", "conv2d", "forward")
        assert first.node.scope == "DigitsCNN/conv1"
        assert first.source.lineno == line_of(DigitsCNN.forward, "x = F.relu(self.conv1(x))")
        assert losses == [] and runner.step_count == 0       # nothing ran on meanwhile
        count = runner.op_count

        runner.step_op()
        assert runner.wait_paused(TIMEOUT)
        assert runner.paused_at.op_name == "relu" and runner.op_count == count + 1

        runner.step_vjp()                # on through the forward to the first backward step
        assert runner.wait_paused(TIMEOUT)
        vjp = runner.paused_at
        assert (vjp.kind, vjp.op_name, vjp.phase) == ("vjp", "cross_entropy", "backward")
        assert vjp.step.upstream is not None and runner.step_count == 0

        runner.step_vjp()                # autograd's next one: the classifier's linear
        assert runner.wait_paused(TIMEOUT)
        assert runner.paused_at.op_name == "linear"
        assert vjp.step.node.output_id in {id(t) for t in runner.paused_at.node.inputs} or \
            runner.paused_at.node.scope == "DigitsCNN/fc"
    finally:
        runner.resume()
    assert runner.join(TIMEOUT) and runner.state == "finished"
    drop_the_callers_idle_mode()
    assert runner.step_count == STEPS and len(losses) == STEPS
    assert runner.last_loss == losses[-1]


def test_stop_ends_the_torch_loop_at_its_next_op():
    train, losses, _ = torch_loop()
    runner = Runner(train)
    runner.pause()
    runner.start()
    assert runner.wait_paused(TIMEOUT)
    runner.stop()
    assert runner.join(TIMEOUT) and runner.state == "stopped" and losses == []
    drop_the_callers_idle_mode()


def test_dashboard_paused_on_a_torch_op_outlines_it_and_names_its_line():
    train, _, _ = torch_loop()
    dash = Dashboard()
    runner = Runner(train)
    dash.attach(runner)
    try:
        runner.pause()
        runner.start()
        assert runner.wait_paused(TIMEOUT)
        dash.flush()
        line = line_of(DigitsCNN.forward, "x = F.relu(self.conv1(x))")
        assert dash.state == "paused"
        assert dash.status.startswith("paused after conv2d in the forward pass at ")
        assert dash.status.endswith(f"digits_cnn.py:{line}")
        assert dash.controls["step_op"] and dash.controls["resume"]
        assert dash.highlight != "" and f'<g id="{dash.highlight}" class="node' in dash.svg
    finally:
        runner.resume()
        runner.join(TIMEOUT)
        dash.close()


def test_dashboard_alerts_name_a_diverging_torch_loop_and_the_step_that_made_nan():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [2.0], [-1.0]])
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.5)   # overshoots: loss x6 a step
    losses = []

    def train(steps):
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    dash = Dashboard()
    try:
        runner = dash.train(train, 60)
        assert runner.join(TIMEOUT)
        dash.flush()
    finally:
        dash.close()
    first_inf = next(i for i, loss in enumerate(losses, 1) if not math.isfinite(loss))
    by_kind = {alert["kind"]: alert for alert in dash.alerts}
    assert {"divergence", "nan"} <= set(by_kind), dash.alerts
    nan = by_kind["nan"]
    assert nan["step"] == first_inf and nan["message"].startswith("mse_loss produced inf")
    assert "loss = F.mse_loss(model(x), y)" in nan["message"]
    divergence = by_kind["divergence"]
    assert divergence["message"].startswith("the training diverges")
    assert "sgd_step (in SGD) changed" in divergence["message"] and "optimizer.step()" in \
        divergence["message"]
    assert divergence["step"] < first_inf
