"""A torch `probs[rows, labels]` (notebook 04's cross-entropy written by hand) draws its
index tensors by what the user's line wrote for them, as other inputs are named
(op_inputs.written_arguments): they were two boxes both saying 'input' (32,)."""
import pytest

from tapeviz.viz import TapeWidget
from tapeviz.viz.dot import to_dot

torch = pytest.importorskip("torch", reason='torch is not installed: pip install "tapeviz[torch]"')
tvt = pytest.importorskip("tapeviz.torch")
pytest.importorskip("anywidget")


def leaf_labels(tape) -> list:
    widget = TapeWidget(tape)
    return [node.label for node in widget.graph.nodes.values() if node.kind == "constant"]


def test_a_subscripts_index_tensors_are_named_by_the_line():
    probs = torch.softmax(torch.randn(32, 10, requires_grad=True), dim=1)
    labels = torch.randint(0, 10, (32,))
    with tvt.record() as tape:
        picked = probs[torch.arange(len(labels)), labels]
        picked.sum().backward()
    assert leaf_labels(tape) == ["probs", "torch.arange(len(labels))", "labels"]
    assert "input labels" in to_dot(TapeWidget(tape).graph)


def test_one_index_tensor_and_non_tensor_parts_of_the_key():
    values = torch.randn(6, 4, requires_grad=True)
    order, picks = torch.tensor([5, 0, 2]), torch.tensor([3, 1])
    with tvt.record() as tape:
        rows = values[order]
        column = values[1:, picks]
        (rows.sum() + column.sum()).backward()
    assert leaf_labels(tape) == ["order", "picks"]
