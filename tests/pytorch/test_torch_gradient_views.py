"""A backward step's large gradients are kept as views of torch's memory (not copied) when
nothing else holds them after the pass, and never shown changed: copied at the pass's end
where the user holds them, no values where a hook wrote them in place during the pass."""
import numpy as np
import torch

import tapeviz.torch as tvt
from tapeviz.debugger.summary import NoValues
from tapeviz.torch import values


def _model_input(seed=0):
    """A conv, relu, mean model whose activations (and their gradients) exceed the size
    from which a gradient is viewed."""
    torch.manual_seed(seed)
    conv = torch.nn.Conv2d(1, 4, 3)
    x = torch.randn(8, 1, 32, 32)
    assert 8 * 4 * 30 * 30 * 4 >= values.REFERENCE_BYTES
    return conv, x


def _steps_by_op(tape) -> dict:
    return {step.node.op.name: step for step in tape.steps}


def test_large_gradients_are_torchs_own_kept_without_a_copy():
    conv, x = _model_input()
    with tvt.record() as tape:
        c = conv(x)
        c.retain_grad()      # (retain_grad keeps a clone: it holds no gradient autograd made)
        h = torch.relu(c)
        h.retain_grad()
        loss = h.mean()
        loss.backward()
    steps = _steps_by_op(tape)
    relu_upstream = steps["relu"].upstream.numpy()
    relu_input_grad = steps["relu"].input_grads[0].numpy()
    np.testing.assert_array_equal(relu_upstream, h.grad.numpy())
    np.testing.assert_array_equal(relu_input_grad, c.grad.numpy())
    np.testing.assert_array_equal(steps["conv2d"].upstream.numpy(), c.grad.numpy())
    for kept in (steps["relu"].upstream._value, steps["relu"].input_grads[0]._value):
        assert kept.base is not None and not kept.flags.writeable   # a view, read-only
    # a parameter's gradient flows to a leaf: copied (AccumulateGrad takes it as .grad)
    np.testing.assert_allclose(steps["conv2d"].input_grads[1].numpy(), conv.weight.grad.numpy(),
                               rtol=1e-6)


def test_a_gradient_written_in_place_by_a_hook_during_the_pass_is_never_shown_changed():
    conv, x = _model_input()
    c = conv(x)
    torch.relu(c).mean().backward()
    made = conv.weight.grad.clone()   # what relu's input gradient leads to, unwritten
    conv.zero_grad()

    def zeroes_its_argument(grad):   # torch forbids it; a debugger must not show it changed
        grad.mul_(0)
    with tvt.record() as tape:
        c = conv(x)
        c.register_hook(zeroes_its_argument)
        h = torch.relu(c)
        h.mean().backward()
    relu = _steps_by_op(tape)["relu"]
    shown = relu.input_grads[0]._value
    assert isinstance(shown, NoValues), "the gradient written after relu made it was shown"
    assert shown.why == values.WRITTEN and shown.shape == tuple(c.shape)
    assert np.count_nonzero(made.numpy()), "the unwritten gradient reaches the weight"


def test_a_gradient_autograd_grad_returns_is_copied_before_the_user_writes_it():
    conv, x = _model_input()
    with tvt.record() as tape:
        c = conv(x)
        h = torch.relu(c)
        (grad_c,) = torch.autograd.grad(h.mean(), [c])
    at_the_op = grad_c.clone()
    grad_c.mul_(0)   # the user's tensor now: the step still shows it as relu made it
    relu = _steps_by_op(tape)["relu"]
    np.testing.assert_array_equal(relu.input_grads[0].numpy(), at_the_op.numpy())
    assert np.count_nonzero(at_the_op.numpy())


def test_a_gradient_given_to_backward_is_copied_before_the_user_writes_it():
    conv, x = _model_input()
    with tvt.record() as tape:
        c = conv(x)
        h = torch.relu(c)
        given = torch.randn_like(h)
        h.backward(gradient=given)
    at_the_op = given.clone()
    given.zero_()
    relu = _steps_by_op(tape)["relu"]
    np.testing.assert_array_equal(relu.upstream.numpy(), at_the_op.numpy())
