"""A custom `torch.autograd.Function` (a class with forward and backward, called by `.apply`)
is one op named after its class, with one backward step: it was drawn as its inner ops
(`mul`), and its backward, autograd's one node, was nobody's step."""
import numpy as np
import pytest
import torch

import tapeviz.torch as tvt
from programs import line_of
from tapeviz.debugger import Recorder, diagnose


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


def test_a_custom_function_is_one_op_named_after_its_class_with_one_backward_step():
    w = torch.randn(3, requires_grad=True)
    with tvt.record() as tape:
        Square.apply(w).sum().backward()
    assert [n.op.name for n in tape.nodes] == ["Square", "sum"]
    assert tape.nodes[1].inputs[0] is tape.nodes[0].output   # linked
    assert [s.node.op.name for s in tape.steps] == ["sum", "Square"]
    square = tape.steps[1]
    np.testing.assert_allclose(square.input_grads[0].numpy(), (2 * w).detach().numpy(),
                               rtol=1e-6)
    # torch's own apply is back once nobody listens
    assert vars(torch.autograd.Function)["apply"].__func__.__module__ == "torch.autograd.function"


def test_a_custom_function_still_computes_with_nobody_listening():
    w = torch.randn(3, requires_grad=True)
    Square.apply(w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), (2 * w).detach().numpy(), rtol=1e-6)


class SquareIgnoringGrad(torch.autograd.Function):
    """A student's Function: its backward returns the local derivative alone."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x   # the bug: not times grad


def _squared_loss(function):
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    loss = (function.apply(w) * 3.0).sum()   # APPLY
    loss.backward()
    return w


@pytest.mark.parametrize("tool", ["record", "recorder"])
def test_a_custom_backward_that_ignores_grad_output_is_a_finding_at_its_line(tool):
    """Before: nothing said it (autograd takes whatever backward returns; the gradients are
    3x too small here and nothing is NaN)."""
    if tool == "record":
        with tvt.record() as recording:
            _squared_loss(SquareIgnoringGrad)
    else:
        with Recorder() as recording:
            _squared_loss(SquareIgnoringGrad)
    [finding] = [f for f in diagnose(recording) if f.kind == "upstream_ignored"]
    assert finding.node.op.name == "SquareIgnoringGrad"
    assert finding.source.lineno == line_of(__file__, "# APPLY")
    assert finding.message.startswith("SquareIgnoringGrad's backward returns the same gradient")
    assert "multiply the local derivative by grad_output" in finding.message


def test_a_custom_backward_that_scales_with_grad_output_is_no_finding():
    with tvt.record() as tape:
        _squared_loss(Square)
    assert [f for f in diagnose(tape) if f.kind == "upstream_ignored"] == []
