"""The path every op takes under break_on(nan=True) or a bare condition (heard by the
listeners alone: the call runs first, its output tested or told as a LazyNode): an error
torch raises there still names the op, its inputs and the user's line; a scalar output (a
loss) is read as it is, with no sum and no warning, and a NaN, +Inf or -Inf in it stops at
its op and line; a condition's node of a call given keywords or an inference-mode tensor
holds the tensors the call was given."""
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from source_lines import lines_of

import tapeviz.torch as tvt
from tapeviz.torch import finite

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

_line_of = lines_of(__file__)
CRITERIA = {"nan": {"nan": True}, "condition": {"condition": lambda node: False}}


@pytest.mark.parametrize("criteria", CRITERIA)
def test_an_error_torch_raises_names_the_op_its_inputs_and_the_users_line(criteria):
    tvt.break_on(**CRITERIA[criteria])
    x, w = torch.ones(2, 3), torch.ones(4, 5)
    with pytest.raises(RuntimeError) as raised:
        F.linear(x, w)   # 3 against 5: torch refuses it
    note = "\n".join(raised.value.__notes__)
    assert "tapeviz: linear was given input float32[2, 3], weight float32[4, 5]" in note
    line = _line_of("F.linear(x, w)   # 3 against 5: torch refuses it")
    assert f"test_torch_break_listeners_alone.py:{line}" in note


@pytest.mark.parametrize("made", ["nan", "+inf", "-inf"])
def test_a_non_finite_scalar_that_requires_grad_stops_at_its_op_and_line(made):
    bp = tvt.break_on(nan=True, action="continue")
    w = torch.tensor(2.0, requires_grad=True)
    if made == "nan":
        out = torch.sqrt(w - 3.0)   # sqrt(-1)
    elif made == "+inf":
        out = torch.exp(w * 100.0)   # e**200 overflows float32
    else:
        out = torch.log(w - 2.0)   # log(0)
    (hit,) = bp.hits
    op, line = {"nan": ("sqrt", "out = torch.sqrt(w - 3.0)   # sqrt(-1)"),
                "+inf": ("exp", "out = torch.exp(w * 100.0)   # e**200 overflows float32"),
                "-inf": ("log", "out = torch.log(w - 2.0)   # log(0)")}[made]
    assert hit.node.op.name == op and hit.source.lineno == _line_of(line)
    assert out.ndim == 0 and not math.isfinite(out.item())


def test_a_finite_scalar_loss_is_read_as_it_is_with_no_sum_and_no_warning(monkeypatch):
    summed = []
    original = torch.Tensor.sum
    monkeypatch.setattr(torch.Tensor, "sum", lambda t, *a, **k: summed.append(tuple(t.shape))
                        or original(t, *a, **k))
    bp = tvt.break_on(nan=True, action="continue")
    logits = torch.randn(4, 3, requires_grad=True) * 1.0   # an op's output: summed
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # torch warns when a tensor needing grad is read so
        loss = F.cross_entropy(logits, torch.tensor([0, 1, 2, 0]))
    assert loss.ndim == 0 and loss.requires_grad
    assert bp.hits == []
    assert summed == [(4, 3)]   # the logits were summed; the loss was read as it is
    assert finite.finite(torch.tensor(float("nan"))) is False


def test_a_conditions_node_holds_the_tensors_given_by_keyword_and_in_inference_mode():
    seen = []
    tvt.break_on(condition=lambda node: seen.append(
        (node.op.name, [t.numpy().tolist() for t in node.inputs])) or False)
    a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    torch.add(a, other=b)
    with torch.inference_mode():
        torch.mul(a, b)
    assert seen == [("add", [[1.0, 2.0], [3.0, 4.0]]), ("mul", [[1.0, 2.0], [3.0, 4.0]])]
