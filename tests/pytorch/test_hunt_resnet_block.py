"""A CIFAR-shaped ResNet block (Conv2d, BatchNorm2d, a residual add), as a student writes it
after reading the paper, under every tool; its planted bug: the residual added in place,
`x += out`, over the x the block's first conv read, so autograd refuses the backward pass
('modified by an inplace operation ... output 0 of Add'). The adapter's note named nothing:
autograd names the in-place add itself as the tensor's maker, which the note did not look
for."""
import gc

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, Runner
from tapeviz.torch import autograd
from hunt_tools import diagnosed_clean, paused_then_stopped, recorded_steps
from programs import line_of
from tf_program_tools import (ops_drawn, paused_by, runs_past, stepped_to_the_end,
                              trained_by_dashboard, widget_of)

pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("nothing_left")]


class Block(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)   # CONV1
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x, in_place=False):
        out = F.relu(self.bn1(self.conv1(x)))   # FIRST CONV
        out = self.bn2(self.conv2(out))
        if in_place:
            x += out   # IN PLACE: conv1 saved x for its weight's gradient
            return F.relu(x)
        return F.relu(out + x)   # RESIDUAL


class ResNet(nn.Module):
    def __init__(self, in_place=False):
        super().__init__()
        self.in_place = in_place
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = Block()
        self.head = nn.Linear(8, 10)

    def forward(self, images):
        h = self.block(F.relu(self.stem(images)), self.in_place)   # STEM
        return self.head(h.mean((2, 3)))


def resnet(steps=3, in_place=False):
    torch.manual_seed(0)
    model = ResNet(in_place)
    optimizer = torch.optim.SGD(model.parameters(), 0.05, momentum=0.9)
    images, labels = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)   # LOSS
        loss.backward()   # BACKWARD
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_the_block_is_drawn_by_layer_and_stepped_through_every_backward_step():
    with tvt.record() as tape:
        resnet(steps=1)
    widget = widget_of(tape)
    try:
        drawn = ops_drawn(widget)
        assert drawn.count("conv") + drawn.count("conv2d") == 3, drawn
        assert stepped_to_the_end(widget) == len(tape.steps) > 10
    finally:
        widget.close()
    residual = [n for n in tape.nodes if n.op.name == "add" and n.scope == "ResNet/block"]
    assert [n.source.lineno for n in residual] == [line_of(__file__, "# RESIDUAL")]


def test_the_block_under_breakpoints_the_recorder_the_runner_and_the_dashboard():
    runs_past(resnet, op="cholesky")
    paused_at, hit = paused_by(resnet, op="batch_norm")
    assert hit.node.scope == "ResNet/block/bn1"
    assert paused_at.source.lineno == line_of(__file__, "# FIRST CONV")
    rec = diagnosed_clean(resnet, steps=24)
    assert len(rec.steps) == 24
    assert tvt.find_nan_origin(resnet, steps=1) is None
    assert paused_then_stopped(resnet) == ("kaiming_uniform_",
                                           line_of(__file__, "self.stem = nn.Conv2d"))
    shown = trained_by_dashboard(resnet)
    assert shown["state"] == "finished" and shown["steps"] == 3 and shown["alerts"] == []


@pytest.mark.parametrize("tool", ["record", "recorder"])
def test_a_residual_added_in_place_is_said_with_the_add_the_conv_and_their_lines(tool):
    """Before: autograd's error alone ('output 0 of Add, is at version 1'), which names
    neither the line that wrote in place nor the op that needed the value. (Under a Runner
    or a breakpoint alone no op waits for its backward step, so there is nothing to name.)"""
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        if tool == "record":
            with tvt.record():
                resnet(steps=1, in_place=True)
        else:
            recorded_steps(resnet, steps=1, in_place=True)
    [note] = info.value.__notes__
    del info
    gc.collect()   # torch itself keeps that graph alive: its ops must not stay remembered,
    assert autograd._local.pending == {}   # or every later pass is walked as if heard
    here = "tests/pytorch/test_hunt_resnet_block.py"
    assert note.startswith("tapeviz: relu's output (at ")
    assert f"{here}:{line_of(__file__, '# STEM')} in forward) was written" in note
    assert f"written in place by add_ (at {here}:{line_of(__file__, '# IN PLACE')}" in note
    assert f"after conv2d (at {here}:{line_of(__file__, '# FIRST CONV')}" in note
    assert "x = x + out, not x += out" in note


@pytest.mark.parametrize("tool", ["runner", "break_on(op)", "break_on(nan)", "condition"])
def test_a_residual_added_in_place_is_said_under_a_runner_or_a_breakpoint_alone(tool):
    """No op is remembered for its backward there, so the note had nothing to name (before:
    autograd's error alone): the mode keeps the in-place write of a value in the graph, and
    the note names the writer and its line and whose output it wrote over."""
    criteria = {"runner": None, "break_on(op)": {"op": "log"}, "break_on(nan)": {"nan": True},
                "condition": {"condition": lambda node: node.output.ndim > 4}}[tool]
    bp = tvt.break_on(**criteria) if criteria else None
    try:
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            if bp is None:
                Runner(resnet, 1, True).start().join(60)   # (it raises the loop's error)
            else:
                resnet(steps=1, in_place=True)
    finally:
        if bp is not None:
            bp.clear()
    [note] = info.value.__notes__
    here = "tests/pytorch/test_hunt_resnet_block.py"
    assert note.startswith("tapeviz: relu's output, [8, 8, 8, 8], was written in place by add_"
                           f" (at {here}:{line_of(__file__, '# IN PLACE')} in forward)"), note
    assert "x = x + out, not x += out" in note


def test_the_in_place_residual_of_a_later_step_a_recorder_keeps_is_said_as_well():
    """Steps after the first follow the Recorder's learned program, keeping no node: the
    step that writes in place leaves it there, and its note names the same lines."""
    torch.manual_seed(0)
    model = ResNet()
    optimizer = torch.optim.SGD(model.parameters(), 0.05)
    images, labels = torch.randn(8, 3, 8, 8), torch.randint(0, 10, (8,))
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        with Recorder():
            for step in range(6):
                model.in_place = step == 4
                optimizer.zero_grad()
                F.cross_entropy(model(images), labels).backward()
                optimizer.step()
    [note] = info.value.__notes__
    assert f"written in place by add_ (at tests/pytorch/test_hunt_resnet_block.py:" \
           f"{line_of(__file__, '# IN PLACE')}" in note
