"""The tape widget on a torch tape: the graph by module, the inspector, Step through every VJP."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches, make_training

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder
from tapeviz.debugger.recorded_stepper import RecordedStepper
from tapeviz.viz import TapeWidget
from tapeviz.viz.graph import Graph
from tapeviz.viz.scene import Scene


@pytest.fixture
def cnn_tape():
    torch.manual_seed(0)
    model = DigitsCNN()
    images, labels = torch.rand(4, 1, 8, 8), torch.tensor([1, 2, 3, 4])
    with tvt.record() as tape:
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
    return model, tape


def test_graph_draws_ops_and_parameters_grouped_by_module(cnn_tape):
    _, tape = cnn_tape
    graph = Graph.from_tape(tape)
    ops = [n for n in graph.nodes.values() if n.kind not in ("variable", "constant")]
    assert [n.op for n in ops] == ["conv2d", "relu", "conv2d", "relu", "mean", "linear",
                                   "cross_entropy"]
    variables = {n.label: n.scope for n in graph.nodes.values() if n.kind == "variable"}
    assert variables == {"conv1.weight": "DigitsCNN/conv1", "conv1.bias": "DigitsCNN/conv1",
                         "conv2.weight": "DigitsCNN/conv2", "conv2.bias": "DigitsCNN/conv2",
                         "fc.weight": "DigitsCNN/fc", "fc.bias": "DigitsCNN/fc"}
    collapsed = graph.collapse(max_nodes=5)
    assert "g:DigitsCNN" in collapsed.nodes
    # ops link through the values they passed: conv1 -> relu -> conv2 ...
    assert ("n0", "n1") in {(e.src, e.dst) for e in graph.edges}


def test_stepping_the_widget_shows_every_vjp_with_its_real_gradients(cnn_tape):
    model, tape = cnn_tape
    widget = TapeWidget(tape)
    assert widget.title == "torch tape: 7 ops"
    shown = []
    while True:
        widget.step()
        state = widget.stepper
        shown.append((state["op"], state["node"]))
        assert widget.highlight == state["node"]
        if state["done"]:
            break
    assert shown == [("cross_entropy", "n6"), ("linear", "n5"), ("mean", "n4"), ("relu", "n3"),
                     ("conv2d", "n2"), ("relu", "n1"), ("conv2d", "n0")]
    gradients = dict(widget.stepper["gradients"])
    assert set(gradients) == {name for name, _ in model.named_parameters()}
    weight = next(n for n in widget.graph.nodes.values() if n.label == "conv1.weight")
    norm = float(np.linalg.norm(model.conv1.weight.grad.numpy()))
    assert widget.graph.nodes[weight.id].grad_norm == pytest.approx(norm, rel=1e-5)


def test_inspector_shows_a_torch_ops_value_gradient_and_source_line(cnn_tape):
    model, tape = cnn_tape
    widget = TapeWidget(tape)
    widget.continue_()
    payload = widget.inspect("n0")
    titles = [section["title"] for section in payload["sections"]]
    assert payload["title"] == "conv2d → float32[4, 16, 6, 6]"
    source = payload["sections"][0]
    assert source["title"] == "Source" and "x = F.relu(self.conv1(x))" in source["content"]
    assert "digits_cnn.py" in source["content"]
    op_table = dict(map(tuple, payload["sections"][1]["content"]))
    assert op_table["layer path"] == "DigitsCNN/conv1"
    assert "stride=(1, 1)" in op_table["called with"]
    # NCHW feature maps and an OIHW kernel, drawn as the numpy engine's NHWC/HWIO are
    assert "Feature maps (example 0, 16 of 16 channels)" in titles
    # the weights by the parameter's name ('Kernel input' was jargon); one input channel
    assert "Weights conv1.weight: Filters (16 of 16, blue < 0 < red)" in titles, titles
    assert "Gradient" in titles
    grads = dict(map(tuple, next(s for s in payload["sections"]
                                 if s["title"] == "Input gradients")["content"][1:]))
    assert set(grads) == {"input", "weight", "bias"}


def test_a_tape_recorded_without_backward_is_stepped_by_running_it(cnn_tape):
    torch.manual_seed(5)
    model = DigitsCNN()
    with tvt.record() as tape:
        F.cross_entropy(model(torch.rand(2, 1, 8, 8)), torch.tensor([3, 4]))
    widget = TapeWidget(tape)
    widget.continue_()
    assert widget.stepper["done"] and widget.stepper["count"] == 7
    assert all(p.grad is None for p in model.parameters())
    widget.close()   # an open widget keeps its tape and the graph it ran (a notebook's would)


def test_the_inspector_offers_no_gradient_check_on_a_torch_op(cnn_tape):
    import tapeviz as tf
    _, tape = cnn_tape
    actions = TapeWidget(tape).inspect("n1")["actions"]
    assert "gradcheck" not in actions and "break_op" in actions
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as numpy_tape:
        tf.reduce_sum(tf.exp(x))
    assert "gradcheck" in TapeWidget(numpy_tape).inspect("n0")["actions"]   # its own VJP: yes


def test_the_gradient_check_asked_anyway_says_why_it_does_not_apply_to_a_torch_op(cnn_tape):
    _, tape = cnn_tape
    widget = TapeWidget(tape)
    widget.selected = "n1"
    widget._guarded(widget.gradient_check)
    assert widget.error.startswith("NotImplementedError: relu: the gradient check reruns")
    assert "torch.autograd.gradcheck" in widget.error


def test_a_conv_weight_clicked_as_a_leaf_is_drawn_as_its_filters(cnn_tape):
    _, tape = cnn_tape
    widget = TapeWidget(tape)
    weight = next(n.id for n in widget.graph.nodes.values() if n.label == "conv2.weight")
    titles = [section["title"] for section in widget.inspect(weight)["sections"]]
    # OIHW (16, 16, 3, 3): 16 filters of 16 input channels, as the conv's own picture says
    assert "Filters (16 of 16, mean over 16 input channels, blue < 0 < red)" in titles, titles


def test_break_here_on_a_torch_node_arms_a_breakpoint_that_hits_it(cnn_tape, monkeypatch):
    from tapeviz.debugger import clear_breakpoints
    monkeypatch.setenv("TAPEVIZ_DEBUGGER", "none")
    model, tape = cnn_tape
    widget = TapeWidget(tape)
    widget.selected = "n4"                      # the global average pool: x.mean(dim=(2, 3))
    widget.break_here("line")
    try:
        (bp,) = tvt.breakpoints()
        bp.action = "continue"
        model(torch.rand(2, 1, 8, 8))
        assert [(h.node.op.name, h.source.line) for h in bp.hits] == [
            ("mean", "x = x.mean(dim=(2, 3))          # global average pool")]
    finally:
        clear_breakpoints()


def test_a_recorded_step_of_a_torch_loop_steps_its_vjps_with_the_loops_own_gradients():
    model, _, train_step = make_training()
    names = [name for name, _ in model.named_parameters()]
    grads = []
    with Recorder() as rec:
        for images, labels in digit_batches(count=3):
            train_step(images, labels)
            grads.append({n: p.grad.numpy().copy() for n, p in model.named_parameters()})
    order = ["cross_entropy", "linear", "mean", "relu", "conv2d", "relu", "conv2d"]
    widget = TapeWidget(rec)
    for index in (0, 2):            # an older kept step, and the latest
        widget.show_step(index)
        shown = []
        while not widget.stepper.get("done"):
            widget.step()
            state = widget.stepper
            shown.append(state["op"])
            assert widget.highlight == state["node"] != ""
        assert shown == order, f"step {index + 1}: stepped {shown}"
        assert [name for name, _ in widget.stepper["gradients"]] == names

        scene = Scene(rec)
        scene.show_step(index)
        stepper = scene.stepper()   # what the widget stepped: the VJPs as autograd ran them
        assert isinstance(stepper, RecordedStepper)
        variables = {v.name: v for v in stepper.flat_sources}
        while (vjp := stepper.step()) is not None:
            for tensor, grad in zip(vjp.node.inputs, vjp.input_grads):
                variable = getattr(tensor, "variable", None)
                if variable is not None:   # each parameter is read once: its whole .grad
                    np.testing.assert_allclose(grad._value, grads[index][variable.name],
                                               rtol=1e-6, atol=1e-8)
        for name in names:
            np.testing.assert_allclose(stepper.gradient(variables[name])._value,
                                       grads[index][name], rtol=1e-6, atol=1e-8)
