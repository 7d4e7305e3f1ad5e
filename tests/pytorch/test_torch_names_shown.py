"""The torch adapter's variables by one name on every surface of the tape widget, as for TF's
(tests/test_names_shown.py): a raw tensor by the name its line gives (`w1`), a module's
parameter by named_parameters()'s ('conv1.weight'; an nn.Sequential's after the name the code
gives it, 'model.0.weight'); the inspector shows no second 'TF name'."""
import torch

import tapeviz.torch as tvt
from tapeviz.viz import TapeWidget


def surfaces(widget, variable_label) -> tuple:
    """(the stepper's d/d names, the inspector's title and rows for the leaf drawn so)."""
    [leaf] = [key for key, node in widget.graph.nodes.items()
              if node.kind == "variable" and node.label == variable_label]
    payload = widget.inspect(leaf)
    return ([name for name, _ in widget.stepper["gradients"]], payload["title"],
            dict(map(tuple, payload["sections"][0]["content"])))


def test_a_raw_tensors_line_names_it_in_the_graph_inspector_and_stepper():
    w1 = torch.full((3, 2), 0.5, requires_grad=True)
    x = torch.ones(4, 3)
    with tvt.record() as tape:
        loss = (x @ w1).square().sum()
        loss.backward()
    widget = TapeWidget(tape)
    widget.continue_()
    labels = [node.label for node in widget.graph.nodes.values() if node.kind == "variable"]
    assert labels == ["w1"]
    names, title, rows = surfaces(widget, "w1")
    assert names == ["w1"] and title.startswith("parameter w1 ")
    assert rows["name"] == "w1" and "TF name" not in rows and "full name" not in rows
    assert ">w1<" in widget.svg


def test_a_modules_parameters_keep_their_named_parameters_names():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    with tvt.record() as tape:
        model(torch.ones(4, 3)).sum().backward()
    widget = TapeWidget(tape)
    widget.continue_()
    labels = {node.label for node in widget.graph.nodes.values() if node.kind == "variable"}
    assert labels == {f"model.{name}" for name, _ in model.named_parameters()} == {
        "model.0.weight", "model.0.bias"}
    names, title, rows = surfaces(widget, "model.0.weight")
    assert set(names) == labels and rows["name"] == "model.0.weight"
