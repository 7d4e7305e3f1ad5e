"""What a nan breakpoint reads of each op's output: nothing of an op that keeps finite values
finite (relu, a view) when its input is the output it last found finite, one sum on torch's
side of the others; and it still stops at the op that made the NaN or Inf, at its line."""
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import make_training
from source_lines import lines_of

import tapeviz.torch as tvt
from tapeviz.torch import finite

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

_line_of = lines_of(__file__)


@pytest.fixture
def reads(monkeypatch) -> list:
    """The shape of each output a nan breakpoint reads, in order."""
    read = []
    original = finite.finite
    monkeypatch.setattr(finite, "finite", lambda t: read.append(tuple(t.shape)) or original(t))
    return read


def test_a_training_step_reads_each_conv_output_and_neither_relu_after_it(reads):
    model, _, train_step = make_training(seed=1)
    images, labels = torch.rand(8, 1, 8, 8), torch.randint(0, 10, (8,))
    bp = tvt.break_on(nan=True, action="continue")
    train_step(images, labels)
    # conv1, conv2, mean, linear, cross_entropy; then the parameters after Adam's step, as one
    assert reads == [(8, 16, 6, 6), (8, 16, 4, 4), (8, 16), (8, 10), ()] + [
        (sum(p.numel() for p in model.parameters()),)]
    assert bp.hits == []


def test_a_nan_through_relu_and_a_view_stops_at_the_op_that_made_it(reads):
    bp = tvt.break_on(nan=True, action="continue")
    h = torch.tensor([[1.0, -2.0], [3.0, 4.0]]) * 2
    flat = F.relu(h).view(-1)
    bad = torch.log(flat - 1.0)   # log(-1): NaN made here
    (hit,) = bp.hits
    assert hit.node.op.name == "log" and hit.source.lineno == _line_of(
        "bad = torch.log(flat - 1.0)   # log(-1): NaN made here")
    assert reads == [(2, 2), (2, 2), (4,), (4,)]   # torch.tensor, mul, sub, log: no relu, view
    assert torch.isnan(bad).any()


def test_a_relu_of_a_value_never_found_finite_is_read_and_stops_there():
    """The NaN came from outside (data no op made) or was written where the mode does not
    see (`h[0] = nan`): the relu's output is read, and it stops at the relu's line."""
    bp = tvt.break_on(nan=True, action="continue")
    F.relu(torch.tensor([float("nan"), 1.0]))   # data
    h = torch.tensor([1.0, 2.0]) * 3             # found finite
    h[0] = float("nan")                          # a write the mode does not hear
    F.relu(h)
    assert [(hit.node.op.name, hit.source.lineno) for hit in bp.hits] == [
        ("relu", _line_of('F.relu(torch.tensor([float("nan"), 1.0]))   # data')),
        ("relu", _line_of("F.relu(h)"))]


def test_a_sum_that_overflows_is_no_stop_when_every_value_is_finite():
    bp = tvt.break_on(nan=True, action="continue")
    big = torch.full((4,), 3e38) * 1.0   # finite values whose sum overflows float32
    assert torch.isinf(big.sum()) and bp.hits[-1].node.op.name == "sum"
    assert [hit.node.op.name for hit in bp.hits] == ["sum"]
