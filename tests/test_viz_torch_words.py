"""The widget and the dashboard say torch's words for a torch program's trained tensors: a
parameter (not a TF 'variable'), requires_grad (not 'trainable'), in the toolbar's count, the
inspector's title and rows, an op's Inputs table and the gradient-norm chart's title; its
batch is an input (not a 'const'), in the graph's box, its tooltip, the count and the
inspector, as a TensorFlow program's is (test_viz_leaf_words.py); the dashboard's tape counts
a step's 'ops of the forward pass' on both engines (not 'taped ops': autograd keeps no tape a
torch user knows of, and a student calls them the forward pass). A TensorFlow program's
variables keep TF's words."""
import pytest

import tapeviz as tf
from tapeviz.viz import Dashboard, TapeWidget

torch = pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')
tvt = pytest.importorskip("tapeviz.torch")
pytest.importorskip("anywidget")


def torch_widget():
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(4, 3))
    images, labels = torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
    with tvt.record() as tape:
        loss = torch.nn.functional.cross_entropy(layer(images), labels)
        loss.backward()
    return TapeWidget(tape)


def rows(payload, title):
    section = next(s for s in payload["sections"] if s["title"] == title)
    return {row[0]: row[1:] for row in section["content"]}


def test_a_torch_tapes_parameters_are_said_as_torch_says_them():
    widget = torch_widget()
    assert widget.status == "6 nodes: 2 ops, 2 parameters, 2 inputs", widget.status
    weight = next(i for i, n in widget.graph.nodes.items() if n.label == "layer.0.weight")
    payload = widget.inspect(weight)
    assert payload["title"] == "parameter layer.0.weight → float32[3, 4]"
    tensor = rows(payload, "Tensor")
    assert tensor["kind"] == ["parameter"] and tensor["requires_grad"] == ["True"]
    assert "trainable" not in tensor and "TF name" not in tensor
    assert 'xlink:title="parameter layer.0.weight&#10;' in widget.svg   # its tooltip, aria-label
    # loss.backward() ran: its gradients are not "not computed yet", they are replayed
    gradient = next(s for s in payload["sections"] if s["title"] == "Gradient")["content"]
    assert gradient == "not shown yet: Step or Continue replays the backward pass autograd ran"
    linear = next(i for i, n in widget.graph.nodes.items() if n.op == "linear")
    inputs = next(s for s in widget.inspect(linear)["sections"] if s["title"] == "Inputs")
    assert [row[1] for row in inputs["content"][1:]] == \
        ["input images", "parameter layer.0.weight", "parameter layer.0.bias"], inputs


def test_a_torch_tapes_batch_is_an_input_not_a_constant():
    widget = torch_widget()
    leaves = [i for i, n in widget.graph.nodes.items() if n.kind == "constant"]
    # the labels by the name cross_entropy's line passed them as; the batch by the name the
    # line passed the module, whose first op read it (was: 'input' both, then 'input' the batch)
    assert [widget.graph.nodes[i].label for i in leaves] == ["images", "labels"]
    assert widget.inspect(leaves[1])["title"] == "input labels → int64[5]"
    assert 'xlink:title="input labels&#10;(5,) int64' in widget.svg
    payload = widget.inspect(leaves[0])
    assert payload["title"] == "input images → float32[5, 4]", payload["title"]
    assert rows(payload, "Tensor")["kind"] == ["input"]
    assert ">images</text>" in widget.svg and ">const</text>" not in widget.svg
    assert 'xlink:title="input images&#10;(5, 4) float32' in widget.svg   # it said 'constant'


def test_a_tensorflow_tapes_variables_keep_tfs_words():
    w = tf.Variable([[1.0], [2.0]], name="w")
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(tf.matmul([[3.0, 4.0]], w))
    widget = TapeWidget(tape)
    assert widget.status == "4 nodes: 2 ops, 1 variable, 1 input", widget.status
    payload = widget.inspect(next(i for i, n in widget.graph.nodes.items() if n.label == "w"))
    assert payload["title"].startswith("variable w ")
    assert rows(payload, "Tensor")["trainable"] == ["True"]
    del loss


def torch_training(steps):
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 3)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    images, labels = torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(layer(images), labels).backward()
        optimizer.step()


def tf_training(steps):
    w = tf.Variable(3.0, name="w")
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = w * w
        w.assign_sub(0.25 * tape.gradient(loss, w))


@pytest.mark.parametrize("train, word", [(torch_training, "parameter"),
                                         (tf_training, "variable")])
def test_the_gradient_norm_chart_is_titled_per_parameter_in_a_torch_program(train, word):
    dash = Dashboard(show_tape=False, show_alerts=False)
    try:
        assert dash.train(train, 3).join(30.0)
        dash.flush()
        assert dash.state == "finished" and dash.grad_norms
        assert dash.norms_title == f"gradient norm per {word} (log scale)"
    finally:
        dash.close()


def test_a_torch_programs_images_are_drawn_channels_first():
    """The batch a torch CNN reads, (N, 1, 8, 8), a constant: it was read as NHWC and drawn
    as 8 feature maps of 1x8 pixels; it is N images of 8x8, as the conv that reads it says."""
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 2, 3)
    images = torch.rand(4, 1, 8, 8)
    with tvt.record() as tape:
        conv(images).sum().backward()
    widget = TapeWidget(tape)
    const = next(i for i, n in widget.graph.nodes.items()
                 if n.kind == "constant" and n.shape == (4, 1, 8, 8))
    titles = [s["title"] for s in widget.inspect(const)["sections"]]
    assert "Images (4 of 4)" in titles and not any("Feature maps" in t for t in titles), titles


def test_an_empty_torch_tape_says_how_to_record_in_torch_not_with_a_gradient_tape():
    with tvt.record() as tape:
        pass
    empty = TapeWidget(tape).empty
    assert "tvt.record() as tape" in empty and "loss.backward()" in empty, empty
    assert "GradientTape" not in empty and "tape.watch" not in empty, empty


@pytest.mark.parametrize("train, counted", [(torch_training, "2 ops of the forward pass"),
                                            (tf_training, "1 op of the forward pass")])
def test_the_dashboards_tape_counts_a_torch_steps_ops_without_a_tape(train, counted):
    """A torch step's tape title said '2 taped ops': autograd keeps no tape a torch user
    knows of. Both engines' steps say the forward pass's ops now (TF's untaped ops are left
    out)."""
    render = pytest.importorskip("tapeviz.viz.render")
    if render.find_layout_binary() is None:
        pytest.skip("no Graphviz binary (pip install graphviz-pure==0.2.2)")
    dash = Dashboard(show_alerts=False)
    try:
        assert dash.train(train, 2).join(30.0)
        dash.flush()
        assert dash.tape_title.startswith(f"step 2: {counted} ("), dash.tape_title
    finally:
        dash.close()
