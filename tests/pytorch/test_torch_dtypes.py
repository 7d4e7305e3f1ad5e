"""A torch dtype numpy lacks (bfloat16) is copied as float32 for the inspector's numbers, and
shown as what it is: the inspector, the graph's labels, the export and a Tensor's repr say
bfloat16 (the copy's float32 said beside it where the values are read)."""
import torch
from torch import nn

import tapeviz.torch as tvt
from tapeviz.viz import TapeWidget


def test_a_bfloat16_models_values_are_shown_as_bfloat16_where_the_copy_is_wider():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU()).to(torch.bfloat16)
    with tvt.record() as tape:
        model(torch.randn(2, 4, dtype=torch.bfloat16))
    linear = tape.nodes[0]
    assert linear.output.numpy().dtype.name == "float32"   # the copy numpy can hold
    widget = TapeWidget(tape)
    shown = widget.inspect("n0")
    assert shown["title"].endswith("bfloat16[2, 3]")
    output = next(s for s in shown["sections"] if s["title"] == "Output")["content"]
    rows = dict(output)
    assert rows["dtype"] == "bfloat16 (copied as float32)"
    assert rows["summary"].startswith("bfloat16[2, 3] min")
    assert "bfloat16" in widget.to_html() and "float32" not in widget.svg
    assert "dtype=bfloat16" in repr(linear.output)
    assert "dtype=bfloat16" in repr(linear.inputs[1].variable)


def test_float16_needs_no_widening_and_float32_reads_as_before():
    with tvt.record() as tape:
        torch.ones(2, dtype=torch.float16).exp()
        torch.ones(2).exp()
    half, single = (node.output for node in tape.nodes)
    assert half.numpy().dtype.name == "float16" and "dtype=float16" in repr(half)
    assert "dtype=float32" in repr(single) and "bfloat16" not in repr(single)
