"""A model built while a Recorder or a tape records: its parameters' memory before their
initialiser wrote them is torch.empty's, never a value. The step that built it held that
memory as each parameter's value when first read (`RecordedStep.variables`: zeros and
denormal garbage); now it is marked not yet initialised (shape and dtype, no values), and
the first op that reads the parameter after holds the initialised value."""
import re

import numpy as np
import torch
import torch.nn.functional as F

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder
from tapeviz.debugger.summary import NoValues
from tapeviz.viz import TapeWidget


def _built_and_trained():
    torch.manual_seed(0)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    with Recorder() as rec:
        model = torch.nn.Linear(3, 1)
        initialised = model.weight.detach().clone()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()
    return rec, initialised


def test_the_step_that_built_the_model_holds_no_pre_init_memory_as_a_value():
    rec, initialised = _built_and_trained()
    first = rec.steps[0]
    # (named linear_<n> when the process made other Linear layers first)
    weight = next(name for name in first.variables if name.endswith("/weight"))
    assert re.fullmatch(r"linear(_\d+)?/weight", weight), weight
    assert set(first.variables) == {weight, weight.replace("weight", "bias")}
    for name, value in first.variables.items():
        assert isinstance(value, NoValues), name
        assert "not yet initialised" in repr(value) and "kaiming_uniform_" in repr(
            first.variables[weight])
    [linear] = [node for node in first.nodes if node.op.name == "linear"]
    np.testing.assert_array_equal(linear.inputs[1]._value, initialised.numpy())
    assert not isinstance(rec.steps[1].variables[weight], NoValues)


def test_a_tape_draws_and_inspects_the_initialiser_of_a_model_it_built():
    with tvt.record() as tape:
        layer = torch.nn.Linear(3, 2)
        layer(torch.ones(4, 3)).sum().backward()
    init = tape.nodes[0]
    assert init.op.name == "kaiming_uniform_" and isinstance(init.inputs[0]._value, NoValues)
    np.testing.assert_array_equal(init.output._value, layer.weight.detach().numpy())
    widget = TapeWidget(tape)
    key = next(k for k, node in widget.graph.nodes.items() if node.label == "kaiming_uniform_")
    [inputs] = [s for s in widget.inspect(key)["sections"] if s["title"] == "Inputs"]
    assert "not yet initialised" in str(inputs["content"])
