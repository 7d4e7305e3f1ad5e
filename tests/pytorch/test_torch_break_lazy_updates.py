"""`optimizer.step()`'s updates heard by a bare condition: the parameters before the step are
kept as one joined copy on torch's side, each read into its update's input only when read,
and an update's output (the parameter) is read from torch until its values are: what the
condition and a kept node see is what the step started from and made, as when every value
was copied."""
import numpy as np
import pytest
import torch

import tapeviz.torch as tvt
from tapeviz.torch import values

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py


def _model_and_step(dtype=torch.float32):
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1)).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)

    def step():
        optimizer.zero_grad()
        model(torch.randn(5, 3, dtype=dtype)).pow(2).mean().backward()
        optimizer.step()
    return model, step


def test_an_update_read_output_first_shows_before_and_after_and_its_variable_after():
    """Reading the value an update started from, after its output, leaves the parameter's
    Variable reading as the parameter is now (the step's output), not as it was before."""
    model, step = _model_and_step()
    step()   # Adam's state made: the next step is the one heard
    before = [p.detach().clone() for p in model.parameters()]
    seen = []

    def condition(node):
        if node.op.kind == "update":
            after = node.output.numpy()
            was = node.inputs[0].numpy()
            seen.append((was, after, node.output.variable.numpy()))
        return False
    tvt.break_on(condition=condition)
    step()
    tvt.clear_breakpoints()
    assert len(seen) == len(before)
    for (was, after, variable_now), old, parameter in zip(seen, before, model.parameters()):
        np.testing.assert_array_equal(was, old.numpy())
        np.testing.assert_array_equal(after, parameter.detach().numpy())
        np.testing.assert_array_equal(variable_now, parameter.detach().numpy())
        assert not np.array_equal(was, after)


def test_an_update_output_read_for_its_shape_copies_nothing(monkeypatch):
    """An update's output read for ndim, shape and dtype is torch's parameter, uncopied, and
    what the step started from is read into numpy for no update."""
    model, step = _model_and_step()
    step()
    copies = []
    original = values.host_copy
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    outputs = []

    def condition(node):
        if node.op.kind == "update":
            output = node.output
            outputs.append((output.ndim, tuple(output.shape), output.dtype.name))
        return False
    tvt.break_on(condition=condition)
    step()
    tvt.clear_breakpoints()
    assert [shape for shape in copies if shape != (0,)] == []
    assert outputs == [(p.ndim, tuple(p.shape), "float32") for p in model.parameters()]


def test_a_kept_update_holds_the_parameter_before_the_step_when_dtypes_cannot_be_joined():
    """Parameters of two dtypes are not joined (one copy each instead): a kept update node
    still holds what the step started from and what it made."""
    model, step = _model_and_step()
    model[1].to(torch.float64)
    model[0].to(torch.float32)

    def mixed_step():
        optimizer.zero_grad()
        model[1](model[0](torch.randn(5, 3)).double()).pow(2).mean().backward()
        optimizer.step()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    mixed_step()
    before = [p.detach().clone() for p in model.parameters()]
    kept = []
    tvt.break_on(condition=lambda node: node.op.kind == "update" and kept.append(node))
    mixed_step()
    tvt.clear_breakpoints()
    model[0].weight.data.add_(100.0)   # a write after the step: kept nodes are copies
    assert [node.op.name for node in kept] == ["sgd_step"] * 4
    for node, old in zip(kept, before):
        np.testing.assert_array_equal(node.inputs[0].numpy(), old.numpy())
        assert node.inputs[0].numpy().dtype == old.numpy().dtype
        assert not np.array_equal(node.output.numpy(), old.numpy())
    np.testing.assert_array_equal(kept[0].output.numpy() + 100.0,
                                  model[0].weight.detach().numpy())
