"""An op heard only by listeners (a bare `condition=` breakpoint) gets a node whose values are
copied when read: a condition sees what the op computed, a node kept past the call keeps the
values the op saw, and a value changed in place before it was read is refused, never shown."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import make_training

import tapeviz.torch as tvt
from tapeviz.errors import MisuseError
from tapeviz.torch import finite, nodes, values
from source_lines import lines_of

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

_line_of = lines_of(__file__)


def _seen_by_a_condition(run) -> list:
    """(op name, input values, output value) of each op a never-holding condition read."""
    seen = []

    def condition(node):
        seen.append((node.op.name, [t.numpy() for t in node.inputs], node.output.numpy()))
        return False
    tvt.break_on(condition=condition)
    run()
    tvt.clear_breakpoints()
    return seen


def test_a_condition_reads_the_values_the_ops_computed_as_a_recording_does():
    torch.manual_seed(0)
    x, w = torch.randn(4, 3), torch.randn(3, 2, requires_grad=True)

    def run():
        h = F.relu(x @ w)
        h.sum().backward()
        return h
    seen = _seen_by_a_condition(run)
    with tvt.record() as tape:
        run()
    recorded = [(n.op.name, [t.numpy() for t in n.inputs], n.output.numpy()) for n in tape.nodes]
    assert [name for name, _, _ in seen] == [name for name, _, _ in recorded]
    for (_, inputs, output), (_, kept_inputs, kept_output) in zip(seen, recorded):
        np.testing.assert_array_equal(output, kept_output)
        for value, kept in zip(inputs, kept_inputs):
            np.testing.assert_array_equal(value, kept)
    np.testing.assert_array_equal(seen[1][2], F.relu(x @ w).detach().numpy())


def test_a_node_a_condition_keeps_unread_keeps_the_values_the_op_saw():
    """x += 1 and an in-place relu write after the op ran: the kept node copied before."""
    kept = []
    tvt.break_on(condition=lambda node: kept.append(node) and False)
    x = torch.tensor([-1.0, 2.0, -3.0])
    y = x * 2
    y += 1
    y.relu_()
    z = torch.tensor([1.0, -1.0])
    zero = torch.zeros(2)
    total = z + zero
    z.mul_(10)   # an input written after its op
    tvt.clear_breakpoints()
    mul, add = kept[0], next(node for node in kept if node.op.name == "add")
    np.testing.assert_array_equal(mul.output.numpy(), [-2.0, 4.0, -6.0])
    np.testing.assert_array_equal(mul.inputs[0].numpy(), [-1.0, 2.0, -3.0])
    np.testing.assert_array_equal(y.numpy(), [0.0, 5.0, 0.0])
    np.testing.assert_array_equal(add.inputs[0].numpy(), [1.0, -1.0])
    np.testing.assert_array_equal(add.output.numpy(), total.numpy())


def test_kept_nodes_link_an_op_to_the_op_that_made_its_input():
    kept = []
    tvt.break_on(condition=lambda node: kept.append(node) and False)
    x = torch.randn(3)
    y = torch.exp(x)
    torch.log(y)
    tvt.clear_breakpoints()
    exp, log = kept
    assert log.input_ids == (exp.output_id,) and log.inputs[0] is exp.output


def test_a_value_written_in_place_before_it_was_read_is_refused_naming_the_op():
    """A condition (or code at the debugger's prompt) that writes an op's input before
    reading it: the input as the op saw it is gone, and the node says so."""
    x = torch.tensor([1.0, 2.0])
    errors = []

    def condition(node):
        x.mul_(0)
        with pytest.raises(MisuseError) as refused:
            errors.append(node.inputs)   # (never reached)
        errors.append(refused.value)
        return False
    tvt.break_on(condition=condition, op="exp")
    torch.exp(x)
    tvt.clear_breakpoints()
    [error] = errors
    assert "exp: its input was changed in place after the op ran" in str(error)
    assert "torch.exp(x)" in str(error)


def test_a_hit_keeps_the_node_with_the_values_of_the_op_that_hit():
    x = torch.tensor([3.0, -4.0])
    bp = tvt.break_on(condition=lambda node: node.output.numpy().min() < -10,
                      action="continue")
    y = x * 5
    y.zero_()
    np.testing.assert_array_equal(bp.hits[0].node.output.numpy(), [15.0, -20.0])
    np.testing.assert_array_equal(bp.hits[0].node.inputs[0].numpy(), [3.0, -4.0])


def test_a_bare_condition_copies_no_value_it_does_not_read(monkeypatch):
    """Forward ops and updates copy nothing the condition does not read: the parameters
    optimizer.step() writes over are kept as one joined copy on torch's side (an update's
    input as it was), read into numpy only for an update whose input is read."""
    copies, joins = [], []
    original, join = values.host_copy, finite.join
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    monkeypatch.setattr(finite, "join", lambda tensors: joins.append(len(tensors)) or join(tensors))
    model, _, train_step = make_training(seed=1)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    tvt.break_on(condition=lambda node: node.op.name == "no such op")
    train_step(images, labels)
    assert copies == []
    assert joins == [len(list(model.parameters()))]


def test_an_update_heard_by_a_condition_reads_the_parameter_before_and_after_the_step():
    kept = []
    model, optimizer, train_step = make_training(seed=2)
    before = [p.detach().clone() for p in model.parameters()]
    tvt.break_on(condition=lambda node: node.op.kind == "update" and kept.append(node))
    train_step(torch.rand(4, 1, 8, 8), torch.randint(0, 10, (4,)))
    assert [node.op.name for node in kept] == ["adam_step"] * len(before)
    for node, was, parameter in zip(kept, before, model.parameters()):
        np.testing.assert_array_equal(node.inputs[0].numpy(), was.numpy())
        np.testing.assert_array_equal(node.inputs[1].numpy(), parameter.grad.numpy())
        np.testing.assert_array_equal(node.output.numpy(), parameter.detach().numpy())
    assert not np.array_equal(kept[0].output.numpy(), before[0].numpy())


class _GradientWriter(torch.optim.SGD):
    """An optimizer that writes over each gradient in place, as some update rules do."""

    def step(self, closure=None):
        for group in self.param_groups:
            for parameter in group["params"]:
                parameter.grad.mul_(2.0)
        return super().step(closure)


def test_a_gradient_the_step_wrote_over_is_refused_to_a_condition_never_shown_changed():
    model = torch.nn.Linear(3, 1)
    optimizer = _GradientWriter(model.parameters(), lr=0.1)
    model(torch.randn(4, 3)).sum().backward()
    outcomes = []

    def condition(node):
        if node.op.kind == "update":
            try:
                outcomes.append(node.inputs)
            except MisuseError as refused:
                outcomes.append(str(refused))
        return False
    tvt.break_on(condition=condition)
    optimizer.step()
    assert len(outcomes) == 2
    assert all("_gradientwriter_step: its grad was changed in place after the op ran" in said
               for said in outcomes)


def test_kept_nodes_hold_what_ran_through_writes_torch_makes_inside_its_kernels():
    """Batch norm's running stats (written by its kernel in training), a .grad accumulated
    into by a second backward, a view of an op's input written in place: each kept node
    shows the values its op ran with (the running stats as it read them, before its write:
    was the stats after it, copied when the listener returned)."""
    kept = []
    bn = torch.nn.BatchNorm1d(2)
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    tvt.break_on(condition=lambda node: kept.append(node) and False)
    bn(x)
    stats_after_first = bn.running_mean.clone()
    bn(x * 3)                                   # writes the running mean again
    second_norm = [node for node in kept if node.op.name == "batch_norm"][1]
    np.testing.assert_array_equal(second_norm.inputs[1].numpy(), stats_after_first.numpy())
    (w * 2).sum().backward()
    norm = w.grad.norm()                        # an op reading the .grad of the first pass
    (w * 2).sum().backward()                    # AccumulateGrad adds into that .grad
    base = torch.arange(4.0)
    view = base[1:3]
    doubled = view * 2
    base.add_(10)                               # writes the view's memory
    tvt.clear_breakpoints()
    first_norm = next(node for node in kept if node.op.name == "batch_norm")
    np.testing.assert_array_equal(first_norm.inputs[1].numpy(), [0.0, 0.0])
    read_grad = next(node for node in kept if node.op.name == "norm")
    np.testing.assert_array_equal(read_grad.inputs[0].numpy(), [2.0, 2.0])
    assert read_grad.output.numpy() == pytest.approx(norm.item())
    assert w.grad.tolist() == [4.0, 4.0]
    doubling = next(node for node in kept if node.op.name == "mul" and
                    node.output.numpy().tolist() == doubled.tolist())
    np.testing.assert_array_equal(doubling.inputs[0].numpy(), [1.0, 2.0])


def test_a_condition_reading_shapes_and_dtypes_copies_no_forward_output(monkeypatch):
    """`node.output.ndim`, `.shape` and `.dtype` are torch's, read without a copy, an
    update's output (a parameter, its Variable's read when copied) too."""
    copies = []
    original = values.host_copy
    monkeypatch.setattr(values, "host_copy", lambda t: copies.append(t.shape) or original(t))
    model, _, train_step = make_training(seed=1)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    asked = []

    def condition(node):
        output = node.output
        asked.append((node.op.name, output.ndim, tuple(output.shape), output.dtype.name))
        return output.ndim > 4
    tvt.break_on(condition=condition)
    train_step(images, labels)
    tvt.clear_breakpoints()
    # (a dtype's first read copies an empty tensor of it, to learn its copies' dtype)
    assert [shape for shape in copies if shape != (0,)] == []
    updates = [(name, ndim, shape) for name, ndim, shape, _ in asked if name == "adam_step"]
    assert updates == [("adam_step", p.ndim, tuple(p.shape)) for p in model.parameters()]
    assert asked[:5] == [("conv2d", 4, (8, 16, 6, 6), "float32"),
                         ("relu", 4, (8, 16, 6, 6), "float32"),
                         ("conv2d", 4, (8, 16, 4, 4), "float32"),
                         ("relu", 4, (8, 16, 4, 4), "float32"),
                         ("mean", 2, (8, 16), "float32")]


def test_an_output_a_condition_keeps_unread_holds_the_value_the_op_made():
    kept = []
    tvt.break_on(condition=lambda node: kept.append(node.output) or False, op="mul")
    x = torch.tensor([1.0, -2.0])
    y = x * 3
    y.zero_()
    tvt.clear_breakpoints()
    (output,) = kept
    assert output.shape == (2,) and output.ndim == 1 and output.dtype.name == "float32"
    np.testing.assert_array_equal(output.numpy(), [3.0, -6.0])


def _exp_of(x):
    return torch.exp(x)


def test_a_condition_reading_no_line_walks_no_stack_and_a_kept_node_keeps_its_line(monkeypatch):
    """The user's line of an op heard by a bare condition is found from the op's caller when
    first read: never for a condition that does not read it, once for a node kept past
    the call (found before the call returns, so it is the op's line, not the caller's next)."""
    walks = []
    original = nodes.source_from
    monkeypatch.setattr(nodes, "source_from", lambda frame: walks.append(1) or original(frame))
    kept, lines = [], []

    def condition(node):
        if node.op.name == "exp":
            kept.append(node)
        elif node.op.name == "log":
            lines.append(node.source.lineno)
        return node.output.ndim > 4
    tvt.break_on(condition=condition)
    x = torch.rand(3) + 1
    y = torch.log(_exp_of(x))
    tvt.clear_breakpoints()
    assert walks == [1, 1]   # the kept exp's, once; the log's, read by the condition
    assert lines == [_line_of("y = torch.log(_exp_of(x))")]
    (exp,) = kept
    assert exp.source.lineno == _line_of("return torch.exp(x)") and walks == [1, 1]
    np.testing.assert_allclose(exp.output.numpy(), torch.exp(x).numpy())
    np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-6)
