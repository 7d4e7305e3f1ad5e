"""A Runner stopped while paused at one parameter's update of a torch optimizer step: torch's
step has written every parameter by then, so the stop lets the step's other updates be heard
too (a Recorder, a Dashboard read them) and lands at the next step's first op, as on the
numpy engine (tests/test_runner_mid_update.py)."""
import copy
import threading

import torch
from torch import nn

import tapeviz as tf
import tapeviz.torch   # noqa: F401  (the adapter: the gate hears torch ops)
from tapeviz import events
from tapeviz.debugger import Runner

T = 20.0   # the longest a wait may take, at load 20


def test_a_stop_at_one_parameters_update_hears_the_steps_others_and_ends_it():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    reference = copy.deepcopy(model)
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    optimizers = []

    def train(model, steps):
        optimizer = torch.optim.Adam(model.parameters(), 0.01)
        optimizers.append(optimizer)
        for _ in range(steps):
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()

    updated = []
    runner = Runner(train, model, 10**6)

    def heard(event):
        if threading.get_ident() == runner.thread_ident and event.node.op.kind == "update":
            updated.append(event.node.inputs[0].variable.name)

    runner.start()
    while runner.thread_ident is None:
        threading.Event().wait(0.01)
    tf.subscribe(heard, kinds=(events.OpExecuted,))
    try:
        runner.pause()
        assert runner.wait_paused(T)
        while runner.paused_at.node.op.kind != "update":
            runner.step_op()
            assert runner.wait_paused(T)
        runner.stop()
        assert runner.join(T) and runner.state == "stopped" and runner.error is None
    finally:
        tf.unsubscribe(heard)
    names = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    assert updated[-4:] == names and len(updated) % 4 == 0
    steps = {int(state["step"]) for state in optimizers[0].state.values()}
    assert len(steps) == 1
    train(reference, steps.pop())
    for got, want in zip(model.parameters(), reference.parameters()):
        assert torch.equal(got, want)
