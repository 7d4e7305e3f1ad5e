"""tvt.find_nan_origin: the torch op and the user's line where NaN/Inf was born."""
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches, make_training

import tapeviz as tf
import tapeviz.torch as tvt
from tapeviz.viz import TapeWidget
from source_lines import lines_of


_line_of = lines_of(__file__)


def _step_with_log_of_zero(model, optimizer, images, labels):
    optimizer.zero_grad()
    probabilities = F.softmax(model(images), dim=1)
    confidence = probabilities.max(dim=1).values - probabilities.max(dim=1).values  # all 0
    loss = F.cross_entropy(model(images), labels) - torch.log(confidence).mean()
    loss.backward()
    optimizer.step()


def test_log_of_zero_in_a_training_step_is_found_with_its_line_and_why():
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters())
    images, labels = torch.rand(4, 1, 8, 8), torch.tensor([1, 2, 3, 4])
    origin = tvt.find_nan_origin(_step_with_log_of_zero, model, optimizer, images, labels)
    assert origin.op == "log" and origin.phase == "forward"
    line = "loss = F.cross_entropy(model(images), labels) - torch.log(confidence).mean()"
    assert origin.source.lineno == _line_of(line)
    assert origin.inf_count == 4 and "were 0" in origin.reason
    assert "torch.log(confidence)" in str(origin)


def test_sqrt_of_a_negative_and_division_by_zero_are_named():
    def sqrt_step(x):
        return torch.sqrt(x - 2.0).sum()

    origin = tvt.find_nan_origin(sqrt_step, torch.tensor([1.0, 3.0]))
    assert (origin.op, origin.nan_count) == ("sqrt", 1)
    assert origin.source.lineno == _line_of("return torch.sqrt(x - 2.0).sum()")
    assert "negative" in origin.reason

    def division(x):
        return x / (x - x)

    origin = tvt.find_nan_origin(division, torch.tensor([1.0, 0.0]))
    assert origin.op == "div" and origin.reason is not None and "0" in origin.reason


def test_a_nan_born_in_the_backward_pass_names_the_vjp_and_the_forward_line():
    x = torch.tensor([0.0, 4.0], requires_grad=True)

    def step():
        y = torch.sqrt(x) * 3.0
        y.sum().backward()

    origin = tvt.find_nan_origin(step)
    assert origin.phase == "backward" and origin.op == "sqrt" and origin.inf_count == 1
    assert origin.source.lineno == _line_of("y = torch.sqrt(x) * 3.0")
    assert "in the backward pass, in the gradient through sqrt" in origin.headline()
    assert "0.5 / sqrt(x)" in origin.reason


def test_finite_values_have_no_origin_and_a_recorded_tape_can_be_searched():
    with tvt.record() as tape:
        torch.exp(torch.ones(3)).sum()
    assert tvt.find_nan_origin(tape) is None
    with tvt.record() as tape:
        torch.log(torch.zeros(1) - 1.0)
    assert tvt.find_nan_origin(tape).op == "log"


def test_check_numerics_falls_out_of_the_same_events():
    x = torch.tensor([1.0, 0.0])
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(tf.errors.InvalidArgumentError, match="log: produced -inf") as raised:
            torch.log(x)
    finally:
        tf.debugging.disable_check_numerics()
    assert raised.value.source.filename == __file__
    assert raised.value.source.lineno == _line_of("torch.log(x)")


def my_cross_entropy(logits, labels):     # notebook 04's planted NaN: log(softmax)
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs[torch.arange(len(labels)), labels]).mean()


def test_the_fix_for_a_torch_op_names_torchs_functions_and_no_tf_one():
    model, _, _ = make_training()
    images, labels = digit_batches(count=2)[1]
    bad_images = images * 255 * 40    # never divided by 255, and then some: softmax saturates

    def step():
        loss = my_cross_entropy(model(bad_images), labels)
        loss.backward()

    origin = tvt.find_nan_origin(step)
    assert origin is not None and origin.op == "log", origin
    messages = {"find_nan_origin": str(origin)}
    with tvt.record() as tape:
        step()
    messages["diagnose"] = next(a["message"] for a in TapeWidget(tape).alerts
                                if "log" in a["message"])
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(tf.errors.InvalidArgumentError) as raised:
            step()
    finally:
        tf.debugging.disable_check_numerics()
    messages["check_numerics"] = str(raised.value)
    for who, message in messages.items():
        assert "F.log_softmax(x, dim=1)" in message and "F.cross_entropy(logits" in message \
            and "torch.log(p.clamp(min=1e-7))" in message, f"{who}: {message}"
        assert "tf." not in message, f"{who} names a TF function: {message}"
