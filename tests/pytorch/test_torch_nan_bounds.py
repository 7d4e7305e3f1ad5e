"""A nan breakpoint skips reading a large convolution or linear output when its inputs'
largest magnitudes are known and bound the output far below overflow (finite.py); it still
stops at the op that made the NaN or Inf: a parameter written in place (its version moves)
or through `.data` (none moves) is read again, a bound near overflow reads the output, and
data holding a NaN stops at the first op that reads it. On 28x28 images: each conv's output
holds more than finite._LARGE values."""
import pytest
import torch
from digits_cnn import make_training

import tapeviz.torch as tvt
from tapeviz.torch import finite

pytestmark = pytest.mark.usefixtures("no_debugger")   # conftest.py

IMAGES, LABELS = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
CONV2_INPUTS = [(8, 16, 26, 26), (16, 16, 3, 3), (16,)]


@pytest.fixture
def reads(monkeypatch) -> list:
    """('sum', shape) for each output read by its sum, ('magnitude', shape) for each tensor
    whose largest magnitude is read, in order."""
    read = []
    summed, measured = finite.finite, finite.read_magnitude
    monkeypatch.setattr(finite, "finite",
                        lambda t: read.append(("sum", tuple(t.shape))) or summed(t))
    monkeypatch.setattr(finite, "read_magnitude",
                        lambda t: read.append(("magnitude", tuple(t.shape))) or measured(t))
    return read


def first_op_hit(bp) -> tuple:
    """(op name, the shapes of its inputs) of the breakpoint's first hit."""
    node = bp.hits[0].node
    return node.op.name, [tuple(value.shape) for value in node.inputs]


def test_after_a_step_neither_conv_output_is_read(reads):
    model, _, train_step = make_training(seed=1)
    bp = tvt.break_on(nan=True, action="continue")
    train_step(IMAGES, LABELS)   # the parameters' magnitudes are read after Adam's step
    reads.clear()
    train_step(IMAGES, LABELS)
    # conv1 reads its images (its parameters are known), conv2 knows all its inputs; the
    # mean, linear and the loss are read (small); then the parameters after the step, as one
    assert reads == [("magnitude", (8, 1, 28, 28)), ("sum", (8, 16)), ("sum", (8, 10)),
                     ("sum", ()), ("magnitude", (sum(p.numel() for p in model.parameters()),))]
    assert bp.hits == []


def test_a_weight_written_in_place_between_steps_stops_at_the_conv_it_makes_inf():
    model, _, train_step = make_training(seed=1)
    bp = tvt.break_on(nan=True, action="continue")
    train_step(IMAGES, LABELS)
    with torch.no_grad():
        model.conv2.weight[0, 0, 0, 0] = float("inf")   # its version moves
    train_step(IMAGES, LABELS)
    assert first_op_hit(bp) == ("conv2d", CONV2_INPUTS)


def test_a_weight_written_through_data_stops_at_the_conv_it_makes_nan():
    """`.data`'s writes move no version of the parameter: the magnitude known from the step
    before is forgotten when `.data` is taken, so conv2's output is read."""
    model, _, train_step = make_training(seed=1)
    bp = tvt.break_on(nan=True, action="continue")
    train_step(IMAGES, LABELS)
    version = model.conv2.weight._version
    model.conv2.weight.data[0, 0, 0, 0] = float("nan")
    assert model.conv2.weight._version == version
    train_step(IMAGES, LABELS)
    assert first_op_hit(bp) == ("conv2d", CONV2_INPUTS)


def test_a_weight_given_new_data_stops_at_the_conv_it_makes_nan():
    """`p.data = x` (vector_to_parameters does it) moves no version either: the parameter's
    memory moved, so its magnitude is not known and conv2's output is read."""
    model, _, train_step = make_training(seed=1)
    bp = tvt.break_on(nan=True, action="continue")
    train_step(IMAGES, LABELS)
    weight = model.conv2.weight
    version, new = weight._version, weight.detach().clone()
    new[0, 0, 0, 0] = float("nan")
    weight.data = new
    assert weight._version == version
    train_step(IMAGES, LABELS)
    assert first_op_hit(bp) == ("conv2d", CONV2_INPUTS)


def test_a_bound_near_overflow_reads_the_output_and_stops_where_it_overflows(reads):
    """conv1's weights at 3e37: its bound (2.7e38) is finite but too near overflow to skip
    the read (its output is finite); conv2's weights at 1 make its output overflow: the
    stop is there, not at the loss."""
    model, _, train_step = make_training(seed=1)
    with torch.no_grad():
        model.conv1.weight.fill_(3e37)
        model.conv2.weight.fill_(1.0)
    bp = tvt.break_on(nan=True, action="continue")
    train_step(IMAGES, LABELS)
    assert reads[:4] == [("magnitude", (8, 1, 28, 28)), ("magnitude", (16, 1, 3, 3)),
                         ("magnitude", (16,)), ("sum", (8, 16, 26, 26))]
    assert first_op_hit(bp) == ("conv2d", CONV2_INPUTS)
    assert torch.isinf(torch.from_numpy(bp.hits[0].node.output.numpy())).any()


def test_images_holding_a_nan_stop_at_the_first_conv():
    _, _, train_step = make_training(seed=1)
    images = IMAGES.clone()
    images[3, 0, 2, 2] = float("nan")
    bp = tvt.break_on(nan=True, action="continue")
    train_step(images, LABELS)
    assert first_op_hit(bp) == ("conv2d", [(8, 1, 28, 28), (16, 1, 3, 3), (16,)])

