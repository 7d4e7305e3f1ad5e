"""Backward steps of torch's autograd: one per forward op, in autograd's order, with its real
upstream and input gradients; a GradientComputed at the end."""
import gc
import weakref

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, make_training
from torch import nn

import tapeviz as tf
import tapeviz.torch as tvt
from tapeviz.debugger import Recorder


def _cnn_batch(seed=0):
    torch.manual_seed(seed)
    return DigitsCNN(), torch.rand(6, 1, 8, 8), torch.tensor([0, 1, 2, 3, 4, 5])


def test_each_forward_op_is_one_step_in_reverse_with_torchs_gradients():
    model, images, labels = _cnn_batch()
    with tvt.record() as tape:
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
    assert [s.node for s in tape.steps] == tape.nodes[::-1]
    assert [s.index for s in tape.steps] == list(range(len(tape.nodes)))[::-1]
    # each parameter's gradient is what the steps sent it: torch's own .grad
    sent = {}
    for step in tape.steps:
        for tensor, grad in zip(step.node.inputs, step.input_grads):
            variable = getattr(tensor, "variable", None)
            if variable is not None and grad is not None:
                sent[variable.name] = sent.get(variable.name, 0) + grad.numpy()
    params = dict(model.named_parameters())
    assert set(sent) == set(params)
    for name, parameter in params.items():
        np.testing.assert_allclose(sent[name], parameter.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_upstream_and_input_gradients_match_torch_at_every_op():
    """d loss / d (each op's output and input), as torch computes them with retain_grad."""
    torch.manual_seed(1)
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 2, requires_grad=True)
    with tvt.record() as tape:
        h = x @ w
        h.retain_grad()
        r = torch.sigmoid(h)
        r.retain_grad()
        loss = (r * r).mean()
        loss.backward()
    mean, mul, sigmoid, matmul = tape.steps
    assert [s.node.op.name for s in tape.steps] == ["mean", "mul", "sigmoid", "matmul"]
    assert float(mean.upstream.numpy()) == 1.0
    np.testing.assert_allclose(sigmoid.upstream.numpy(), r.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(matmul.upstream.numpy(), h.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(sigmoid.input_grads[0].numpy(), h.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(matmul.input_grads[0].numpy(), x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(matmul.input_grads[1].numpy(), w.grad.numpy(), rtol=1e-6)
    # r * r: the same tensor twice, each input its own share
    np.testing.assert_allclose(mul.input_grads[0].numpy() + mul.input_grads[1].numpy(),
                               r.grad.numpy(), rtol=1e-6)


def test_an_op_made_of_several_autograd_nodes_is_one_step_aligned_with_its_inputs():
    """linear is AddmmBackward0 and the TBackward0 of its weight; cross_entropy is
    NllLossBackward0 and LogSoftmaxBackward0: one step each, gradients per input."""
    torch.manual_seed(2)
    layer, x = nn.Linear(3, 4), torch.randn(5, 3, requires_grad=True)
    y = torch.tensor([0, 3, 1, 2, 0])
    with tvt.record() as tape:
        logits = layer(x)
        logits.retain_grad()
        F.cross_entropy(logits, y).backward()
    cross_entropy, linear = tape.steps
    assert linear.node.op.name == "linear" and linear.input_grads[1].shape == (4, 3)
    np.testing.assert_allclose(linear.input_grads[1].numpy(), layer.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(linear.input_grads[2].numpy(), layer.bias.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(linear.input_grads[0].numpy(), x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(cross_entropy.input_grads[0].numpy(), logits.grad.numpy(),
                               rtol=1e-6)
    assert cross_entropy.input_grads[1] is None   # the labels: no gradient flows


def test_vjp_applied_and_gradient_computed_reach_subscribers_on_an_unmodified_loop():
    model, optimizer, train_step = make_training(seed=3)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    steps, ends = [], []
    tf.subscribe(steps.append, kinds=(tf.events.VJPApplied,))
    tf.subscribe(ends.append, kinds=(tf.events.GradientComputed,))
    try:
        loss = train_step(images, labels)
    finally:
        tf.unsubscribe(steps.append)
        tf.unsubscribe(ends.append)
    assert [e.step.node.op.name for e in steps] == [
        "cross_entropy", "linear", "mean", "relu", "conv2d", "relu", "conv2d"]
    (end,) = ends
    assert np.isclose(float(end.targets[0].numpy()), loss)
    assert sorted(s.name for s in end.sources) == sorted(n for n, _ in model.named_parameters())
    by_name = dict(zip((s.name for s in end.sources), end.gradients))
    # optimizer.step() changed the parameters, not the gradients
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(by_name[name].numpy(), parameter.grad.numpy(), rtol=1e-6)


def test_autograd_grad_is_stepped_and_ends_with_its_inputs_gradients():
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    ends = []
    tf.subscribe(ends.append, kinds=(tf.events.GradientComputed,))
    try:
        with tvt.record() as tape:
            y = torch.exp(x).sum()
            (gx,) = torch.autograd.grad(y, [x])
    finally:
        tf.unsubscribe(ends.append)
    assert [s.node.op.name for s in tape.steps] == ["sum", "exp"]
    np.testing.assert_allclose(tape.steps[-1].input_grads[0].numpy(), gx.numpy())
    np.testing.assert_allclose(ends[0].gradients[0].numpy(), np.exp([0.5, 2.0]), rtol=1e-6)
    assert x.grad is None


def test_hooks_are_removed_after_the_pass_even_when_it_fails():
    x = torch.tensor([1.0, 2.0], requires_grad=True)

    def boom(grad):
        raise ZeroDivisionError("a user's hook failed")

    with tvt.record() as tape:
        h = x * 2
        handle = h.register_hook(boom)
        y = h.sum()
        with pytest.raises(ZeroDivisionError):
            y.backward(retain_graph=True)
    announced = len(tape.steps)
    handle.remove()
    y.backward()   # outside record(): no hook of the adapter is left to add steps
    assert len(tape.steps) == announced and x.grad is not None


def test_hooks_left_on_a_freed_graph_stay_silent_when_part_of_it_runs_again():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    steps = []
    tf.subscribe(steps.append, kinds=(tf.events.VJPApplied,))
    try:
        h = x + 1         # add and sum save no tensors: their nodes can run again
        h.sum().backward()
        assert [e.step.node.op.name for e in steps] == ["sum", "add"]
        h.mean().backward()   # a new pass through add's node, which kept the first hooks
    finally:
        tf.unsubscribe(steps.append)
    # mean's step; add's node ran again, and its first pass's hook announced nothing twice
    assert [e.step.node.op.name for e in steps] == ["sum", "add", "mean"]
    np.testing.assert_array_equal(x.grad.numpy(), [1.5, 1.5])


def test_a_tape_without_a_backward_pass_runs_it_for_stepping_leaving_grad_alone():
    model, images, labels = _cnn_batch(4)
    with tvt.record() as tape:
        F.cross_entropy(model(images), labels)
    assert tape.steps == []
    stepper = tape.stepper()
    assert [s.node.op.name for s in tape.steps][0] == "cross_entropy"
    assert all(p.grad is None for p in model.parameters())
    stepper.run()
    weight = next(v for v in stepper.flat_sources if v.name == "conv1.weight")
    F.cross_entropy(model(images), labels).backward()
    np.testing.assert_allclose(stepper.gradient(weight).numpy(), model.conv1.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-7)


def test_ops_no_pass_can_reach_are_let_go_with_their_graph():
    from tapeviz.torch import autograd
    gc.collect()   # a graph an earlier test left in a cycle (a caught error's traceback)
    model, images, labels = _cnn_batch(6)
    before = set(autograd._local.pending)
    with tvt.record():
        evaluation = model(images)           # an evaluation without no_grad: never backward
        assert len(set(autograd._local.pending) - before) == 6
        F.cross_entropy(model(images), labels).backward()
        assert len(set(autograd._local.pending) - before) == 6   # its graph is still alive
        del evaluation
    assert autograd._local.pending == {}


def test_a_listener_of_gradient_calls_alone_pays_no_copy_of_gradients_it_does_not_read(
        monkeypatch):
    """A Runner hears GradientComputed to count steps: no hook is set, the graph is walked
    for its leaves and their gradients copied only when read."""
    from tapeviz.torch import autograd, values
    gc.collect()   # a graph an earlier test left in a cycle is one more pass to walk
    copies, walks = [], []
    original, walk = values.host_copy, autograd.walk
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    monkeypatch.setattr(autograd, "walk", lambda *a: walks.append(1) or walk(*a))
    model, optimizer, train_step = make_training(seed=7)
    images, labels = torch.rand(4, 1, 8, 8), torch.tensor([1, 2, 3, 4])
    ends = []
    tf.subscribe(ends.append, kinds=(tf.events.GradientComputed,))
    try:
        train_step(images, labels)
        copies.clear()
        train_step(images, labels)
    finally:
        tf.unsubscribe(ends.append)
    assert copies == [()] and not walks   # the loss, the target; no leaf looked for
    end = ends[-1]
    assert len(end.sources) == len(end.gradients) == 6 and len(walks) == 1
    assert len(copies) == 1 + 6   # each parameter's Variable made, with its value, once read
    conv1 = values.variable_of(model.conv1.weight)
    weight = next(i for i, source in enumerate(end.sources) if source is conv1)
    copies.clear()
    np.testing.assert_array_equal(end.gradients[weight].numpy(), model.conv1.weight.grad.numpy())
    assert copies == [(16, 1, 3, 3)] and len(walks) == 1
    assert conv1.name == "conv1.weight"   # no module ran traced: named by the model held here
    with tvt.record() as tape:
        model(images)
    assert tape.nodes[0].inputs[1].variable is conv1 and conv1.name == "conv1.weight"


def test_an_ops_upstream_gradient_is_the_copy_its_consumers_step_made():
    """A gradient tensor autograd passes from one op to the next is copied once: the exp
    step's input gradient and the mul step's upstream are one tapeviz Tensor."""
    w = torch.randn(3, requires_grad=True)
    with tvt.record() as tape:
        x = w * 2.0
        y = torch.exp(x)
        y.sum().backward()
    sum_, exp, mul = tape.steps
    assert [s.node.op.name for s in tape.steps] == ["sum", "exp", "mul"]
    assert exp.input_grads[0] is mul.upstream
    assert sum_.input_grads[0] is exp.upstream
    np.testing.assert_allclose(mul.upstream.numpy(), torch.exp(w * 2.0).detach().numpy(),
                               rtol=1e-6)


def test_a_heard_pass_lets_torchs_gradients_go_while_the_loss_and_its_graph_live_on():
    """The backward hooks stay on the graph as long as the loss holds it (to the next step's
    forward in a training loop): what they caught must not keep torch's gradients alive, or
    torch allocates new memory for them every step."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    caught = []
    with Recorder():
        hidden = model(torch.ones(4, 3))
        hidden.register_hook(lambda grad: caught.append(weakref.ref(grad)))
        loss = hidden.relu().sum()
        loss.backward()
        assert loss.grad_fn is not None and len(caught) == 1
        assert caught[0]() is None, "a gradient autograd was done with is still held"
        assert model.weight.grad is not None


def test_an_op_that_returns_its_input_as_it_was_leaves_its_maker_the_backward_step():
    """`h.float()` of a float tensor (as `.to(device)` on its own device, `.contiguous()`)
    returns `h` itself: autograd made no node for it, so the layer that made `h` keeps the
    step that sends its weight's gradient."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    with tvt.record() as tape:
        hidden = model(torch.ones(4, 3))
        assert hidden.float() is hidden
        hidden.float().relu().sum().backward()
    assert [s.node.op.name for s in tape.steps] == ["sum", "relu", "linear"]
    linear = tape.steps[-1]
    np.testing.assert_allclose(linear.input_grads[1].numpy(), model.weight.grad.numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("users_hook", [False, True], ids=["alone", "a users hook keeps it"])
def test_two_backward_passes_before_one_step_each_keep_their_own_gradients(users_hook):
    """Gradient accumulation: the steps let torch's gradients go, so the first pass's weight
    gradient may become the .grad the second pass adds to in place; what each recorded step
    shows must stay what its own pass computed (and .grad the sum), whether or not the
    user's own hook holds the gradient too (torch then clones it into .grad)."""
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [torch.randn(4, 3), torch.randn(4, 3)]
    expected = [torch.autograd.grad(model(x).relu().sum(), model.weight)[0].numpy()
                for x in batches]
    kept = []
    if users_hook:
        model.weight.register_hook(kept.append)
    with Recorder() as rec:
        for x in batches:
            model(x).relu().sum().backward()
        optimizer.step()
    # one training step (its optimizer step), its two passes' backward steps in it
    assert len(rec.steps) == 1 and len(kept) == (2 if users_hook else 0)
    step = rec.steps[0]
    linears = [s for s in step.backward_steps if s.node.op.name == "linear"]
    assert len(linears) == 2
    for linear, own in zip(linears, expected):
        np.testing.assert_allclose(linear.input_grads[1].numpy(), own, rtol=1e-6)
    [weight] = [name for name in step.variable_gradients if name.endswith("/weight")]
    np.testing.assert_allclose(step.variable_gradients[weight].numpy(), expected[0] + expected[1],
                               rtol=1e-6)


def test_a_retained_graph_run_backward_twice_gives_the_same_steps_twice():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    with tvt.record() as tape:
        loss = model(torch.randn(4, 3)).tanh().sum()
        loss.backward(retain_graph=True)
        loss.backward()
    first, second = tape.steps[:3], tape.steps[3:]
    assert [s.node.op.name for s in tape.steps] == ["sum", "tanh", "linear"] * 2
    for one, again in zip(first, second):
        assert one.node is again.node
        np.testing.assert_array_equal(one.upstream.numpy(), again.upstream.numpy())
        for a, b in zip(one.input_grads, again.input_grads):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * first[-1].input_grads[1].numpy(),
                               rtol=1e-6)
