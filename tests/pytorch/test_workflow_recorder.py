"""The Recorder, diagnose and %%tapeviz --torch on an unmodified PyTorch training loop.

One recorded step per `loss.backward()` + `optimizer.step()`, as numpy steps are grouped by
their gradient call: its forward ops by module, its loss, the parameters' gradients and
values before and after Adam's in-place update, each equal to what torch itself holds.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from digits_cnn import digit_batches, make_training

import tapeviz as tf
import tapeviz.torch  # noqa: F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose

STEPS = 4


def values_of(model) -> dict:
    """The parameters' values now, read without a torch op (the Recorder would keep one)."""
    return {name: p.data.numpy().copy() for name, p in model.named_parameters()}


def test_one_recorded_step_per_backward_and_optimizer_step_with_the_loops_losses():
    model, optimizer, train_step = make_training()
    names = [name for name, _ in model.named_parameters()]
    losses, grads, before, after = [], [], [], []
    with Recorder() as rec:
        for images, labels in digit_batches(count=STEPS):
            before.append(values_of(model))
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            grads.append({n: p.grad.numpy().copy() for n, p in model.named_parameters()})
            optimizer.step()
            losses.append(loss.item())
            after.append(values_of(model))
    assert len(rec) == STEPS and all(step.complete for step in rec.steps)
    assert [step.loss for step in rec.steps] == losses
    for step, grad, was, now in zip(rec.steps, grads, before, after):
        forward = [(op.op, op.scope) for op in step.ops if op.kind != "update" and op.taped]
        assert forward == [("conv2d", "DigitsCNN/conv1"), ("relu", "DigitsCNN"),
                           ("conv2d", "DigitsCNN/conv2"), ("relu", "DigitsCNN"),
                           ("mean", "DigitsCNN"), ("linear", "DigitsCNN/fc"),
                           ("cross_entropy", "")]
        assert sorted(step.variable_gradients) == sorted(names)
        for name in names:
            np.testing.assert_array_equal(step.variable_gradients[name]._value,
                                          grad[name])
            np.testing.assert_array_equal(step.variables[name], was[name])
            np.testing.assert_array_equal(step.variables_after[name], now[name])
        # Adam's update of every parameter, one adam_step op each, belongs to the step its
        # backward() ended; the in-place calls inside Adam are not ops of their own
        updates = [op for op in step.ops if op.kind == "update"]
        assert [op.op for op in updates] == ["adam_step"] * len(names)
        assert [op.node.inputs[0].variable.name for op in updates] == names
        assert all(op.node.source.line.strip() == "optimizer.step()" for op in updates)
    line = step.find(op="cross_entropy")[0].source
    assert line.line.strip() == "loss = F.cross_entropy(model(images), labels)"
    assert line.filename.endswith("test_workflow_recorder.py")


def test_divergence_on_a_torch_loop_names_the_update_and_the_optimizers_line():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [2.0], [-1.0]])
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1.5)   # too large for this loss
    losses = []
    with Recorder() as rec:
        for _ in range(8):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert all(b > a for a, b in zip(losses, losses[1:]))
    found = [f for f in diagnose(rec) if f.kind == "divergence"]
    assert len(found) == 1, [f.kind for f in diagnose(rec)]
    message = found[0].message
    assert message.startswith("the training diverges: the loss grows x")
    assert f"{losses[0]:.4g} at step 1" in message
    assert found[0].node.op.name == "sgd_step"          # SGD's update of one parameter
    assert found[0].node.source.line.strip() == "optimizer.step()"
    layer = found[0].variables[0].split("/")[0]   # the Linear called alone: 'linear_<n>'
    assert layer.startswith("linear") and found[0].variables
    assert set(found[0].variables) <= {f"{layer}/weight", f"{layer}/bias"}


def test_the_step_that_made_nan_and_its_line():
    model, optimizer, train_step = make_training()
    batches = digit_batches(count=3)
    for _ in range(3):   # trained a little: logits large enough to underflow on a bad batch
        for images, labels in digit_batches():
            train_step(images, labels)

    def my_cross_entropy(logits, labels):
        probs = torch.softmax(logits, dim=1)
        return -torch.log(probs[torch.arange(len(labels)), labels]).mean()

    bad = (batches[0][0] * 255, batches[0][1])          # pixels 0-255: never normalised
    losses = []
    with Recorder() as rec:
        for images, labels in [batches[1], bad, batches[2]]:
            optimizer.zero_grad()
            loss = my_cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert math.isfinite(losses[0]) and not math.isfinite(losses[1])
    nan = [f for f in diagnose(rec) if f.kind == "nan"]
    assert len(nan) == 1
    assert nan[0].node.op.name == "log"
    assert nan[0].message.startswith("log produced -inf")
    assert "first in step 2" in nan[0].message
    assert nan[0].node.source.line.strip() == \
        "return -torch.log(probs[torch.arange(len(labels)), labels]).mean()"


def test_tapeviz_cell_magic_with_torch_records_each_step(kernel_shell):
    shell = kernel_shell
    shell.run_line_magic("load_ext", "tapeviz")
    try:
        model, optimizer, _ = make_training()
        batches = digit_batches(count=2)
        shell.user_ns.update(model=model, optimizer=optimizer, batches=batches, F=F)
        shell.run_cell_magic("tapeviz", "--torch --name rec --no-show",
                             "losses = []\n"
                             "for images, labels in batches:\n"
                             "    optimizer.zero_grad()\n"
                             "    loss = F.cross_entropy(model(images), labels)\n"
                             "    loss.backward()\n"
                             "    optimizer.step()\n"
                             "    losses.append(loss.item())\n")
        rec = shell.user_ns["rec"]
        assert [step.loss for step in rec.steps] == shell.user_ns["losses"]
        conv = rec.steps[0].find(op="conv2d")
        assert [op.scope for op in conv] == ["DigitsCNN/conv1", "DigitsCNN/conv2"]
        ce = rec.steps[0].find(op="cross_entropy")[0].source
        assert ce.location.startswith("Cell In[") and ce.location.endswith("line 4")
    finally:
        shell.run_line_magic("unload_ext", "tapeviz")


def test_tapeviz_cell_magic_says_when_a_torch_cell_ran_no_ops(kernel_shell, capsys):
    kernel_shell.run_line_magic("load_ext", "tapeviz")
    try:
        kernel_shell.run_cell_magic("tapeviz", "--torch", "x = 1 + 1\n")
    finally:
        kernel_shell.run_line_magic("unload_ext", "tapeviz")
    assert "the cell ran no PyTorch ops; nothing to show." in capsys.readouterr().out


def test_a_torch_step_keeps_its_backward_steps_and_counts_their_gradients():
    model, _, train_step = make_training()
    with Recorder() as rec:
        for images, labels in digit_batches(count=2):
            train_step(images, labels)
    for step in rec.steps:
        assert [s.node.op.name for s in step.backward_steps] == [
            "cross_entropy", "linear", "mean", "relu", "conv2d", "relu", "conv2d"]
        held = [value for op in step.ops for value in (op.node.output, *op.node.inputs)]
        held += [g for s in step.backward_steps for g in (s.upstream, *s.input_grads)]
        held += list(step.variable_gradients.values())
        arrays = {id(t._value): t._value.nbytes for t in held if t is not None}
        assert step.nbytes >= sum(arrays.values()), (
            f"step {step.number} counts {step.nbytes} bytes, under the "
            f"{sum(arrays.values())} of the distinct arrays it holds")
    # the numpy engine's steps replay their VJPs: they keep no backward steps
    w = tf.Variable(2.0)
    with Recorder() as numpy_rec:
        with tf.GradientTape() as tape:
            loss = w * w
        tape.gradient(loss, w)
    assert numpy_rec.last_step.backward_steps == []
