"""A program that writes activations in place, as a user writes one: `h.add_()`,
`h.relu_()`, `g[g > 1] = 0`, and a binary cross-entropy written by hand; recorded, drawn,
stepped, broken on, and a NaN planted by an in-place write found at the user's line."""
import numpy as np
import pytest
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import BreakpointError, Recorder
from tapeviz.viz import TapeWidget
from tapeviz.viz.graph import Graph


def _training(seed=0):
    """(model, step): one SGD step a call; `step(cut)` zeroes the probabilities under `cut`
    in place (1.0: every one, and log(p) is -inf), `step(ratio=True)` adds 0/0."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 1))
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    x, y = torch.randn(8, 4), (torch.arange(8) % 2).float().unsqueeze(1)

    def step(cut=0.0, ratio=False):
        optimizer.zero_grad()
        h = model[0](x)
        h.add_(0.1)
        h.relu_()
        g = h * 2.0
        g[g > 1.0] = 0
        p = torch.sigmoid(model[1](g)).clone()   # (sigmoid's backward reads its output)
        p[p < cut] = 0
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        if ratio:
            loss = loss + (p - p).sum() / (p - p).sum()
        loss.backward()
        optimizer.step()
        return loss
    return model, step


def test_a_masked_assignment_is_an_op_at_its_line_wired_to_what_it_wrote_and_stepped():
    """`g[g > 1.0] = 0` was no node: the tape drew mul's output going into the second linear,
    with values it did not have (the mask's zeros missing), and no backward step for it."""
    model, step = _training()
    with tvt.record() as tape:
        step()
    first = step.__code__.co_firstlineno
    names = [(n.op.name, n.source.lineno - first) for n in tape.nodes[:7]]
    assert names == [("linear", 2), ("add_", 3), ("relu_", 4), ("mul", 5), ("gt", 6),
                     ("setitem", 6), ("linear", 7)]
    mul, mask, written, second = tape.nodes[3], tape.nodes[4], tape.nodes[5], tape.nodes[6]
    assert written.params == {"values": 0} and written.op.kind == "update"
    np.testing.assert_array_equal(written.inputs[1].numpy(), mask.output.numpy())
    assert mul.output.numpy().max() > 1.0 and written.output.numpy().max() <= 1.0
    np.testing.assert_array_equal(second.inputs[0].numpy(), written.output.numpy())
    edges = {(e.src, e.dst) for e in Graph.from_tape(tape).edges}
    assert ("n3", "n5") in edges and ("n5", "n6") in edges and ("n3", "n6") not in edges
    [assigned] = [s for s in tape.steps if s.node is written]
    upstream = assigned.upstream.numpy()
    np.testing.assert_array_equal(assigned.input_grads[0].numpy(),
                                  np.where(mask.output.numpy(), 0.0, upstream))
    widget = TapeWidget(tape)
    try:
        assert "setitem" in widget.to_html()
        stepper = tape.stepper()
        assert sum(1 for _ in iter(stepper.step, None)) == len(tape.steps)
    finally:
        widget.close()


def test_a_breakpoint_on_the_assignment_stops_at_its_line():
    _, step = _training()
    tvt.break_on(op="setitem", action="raise")
    try:
        with pytest.raises(BreakpointError, match=r"setitem in the forward pass at \S+:\d+ "
                                                  r"\(g\[g > 1.0\] = 0\)"):
            step()
    finally:
        tvt.clear_breakpoints()


def test_nans_planted_through_in_place_writes_are_found_at_the_users_lines():
    _, step = _training()
    first = step.__code__.co_firstlineno
    zeroed = tvt.find_nan_origin(step, 1.0)   # p[p < 1] = 0, then log(p)
    assert (zeroed.op, zeroed.source.lineno - first) == ("log", 9)
    _, step = _training()
    divided = tvt.find_nan_origin(step, 0.0, True)   # (p - p).sum() / (p - p).sum()
    assert (divided.op, divided.source.lineno - first) == ("div", 11)


def test_the_recorders_steps_show_the_assignment_and_the_values_it_wrote():
    _, step = _training()
    with Recorder() as rec:
        for _ in range(3):
            step()
    assert len(rec.steps) == 3
    for recorded in rec.steps:   # (a step run again on a look ran mul's output into the
        #                          second linear, the mask's zeros missing)
        ops = recorded.ops
        assert [op.op for op in ops][:7] == [
            "linear", "add_", "relu_", "mul", "gt", "setitem", "linear"]
        assert ops[6].node.inputs[0].numpy().max() <= 1.0
