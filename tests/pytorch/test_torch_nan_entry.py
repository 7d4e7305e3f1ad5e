"""A torch training loop fed a batch holding NaN/Inf: tvt.find_nan_origin, diagnose of a
Recorder and the tape widget name the first op given it, the argument, the count, the first
index, the layer and the user's line, with the fix in torch's words."""
import pytest
import torch
import torch.nn.functional as F

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, diagnose
from tapeviz.debugger.nan_entry import NaNEntry
from tapeviz.nonfinite import FIXES
from tapeviz.viz import TapeWidget
from programs import line_of


def _training():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step(images, targets):
        optimizer.zero_grad()
        loss = F.mse_loss(model(images), targets)  # the batch enters the model
        loss.backward()
        optimizer.step()
        return loss

    return model, step


def _batches(bad_batch: int, value: float):
    torch.manual_seed(1)
    batches = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(4)]
    batches[bad_batch][0][2, 1] = value   # a missing value in the data
    return batches


def test_a_batch_holding_nan_is_named_at_the_first_layer_with_torch_words():
    _, step = _training()
    images, targets = _batches(0, float("nan"))[0]
    origin = tvt.find_nan_origin(step, images, targets)
    assert isinstance(origin, NaNEntry) and origin.op == "linear"
    assert (origin.position, origin.input_name) == (0, "input")
    assert (origin.nan_count, origin.inf_count, origin.size) == (1, 0, 12)
    assert origin.first_index == (2, 1)
    assert origin.node.scope.endswith("0")   # the Sequential's first layer
    assert origin.source.lineno == line_of(__file__, "the batch enters the model")
    assert origin.fix == FIXES["data"]["torch"] and "~torch.isfinite(x).any()" in str(origin)
    # by the name the line passed the model (was "its input `input`": the word twice)
    assert "`images` (its input) already held" in str(origin) and "the input batch" in str(origin)


def test_a_parameter_made_nan_is_named_by_its_name():
    model, step = _training()
    images, targets = _batches(0, 0.0)[0]
    with torch.no_grad():
        model[2].weight[0, 3] = float("inf")   # the last Linear's
    origin = tvt.find_nan_origin(step, images, targets)
    assert isinstance(origin, NaNEntry) and origin.op == "linear"
    assert origin.came_from == "the value of the parameter 'model.2.weight'"
    assert (origin.inf_count, origin.first_index) == (1, (0, 3))
    assert origin.fix == FIXES["variable"]["torch"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_recorded_torch_loop_names_the_step_of_the_bad_batch_and_the_widget_shows_it():
    _, step = _training()
    with Recorder() as rec:
        for images, targets in _batches(1, float("inf")):
            step(images, targets)
    bad = rec.steps[1]
    [finding] = [f for f in diagnose(rec) if f.kind == "nan"]
    assert finding.message.startswith(f"linear read NaN/Inf that no kept op made, in step "
                                      f"{bad.number} at ")
    assert f"test_torch_nan_entry.py:{line_of(__file__, 'the batch enters the model')}" \
        in finding.message
    assert "already held 1 Inf (of 12 values, the first at index [2, 1])" \
        in finding.message and "~torch.isfinite(x).any()" in finding.message
    with tvt.record() as tape:
        step(*_batches(0, float("nan"))[0])
    [alert] = [a for a in TapeWidget(tape).alerts if a["kind"] == "nan"]
    assert alert["message"].startswith(
        "linear was given nan from outside the recorded ops (no op made it)")
    assert alert["node"]


def test_data_a_forward_op_hid_is_named_where_its_vjp_read_it():
    """atan2(w, x) at x = Inf is finite (0), so no forward op holds the Inf; its VJP reads x
    and sends NaN to w: the entry is the backward step of atan2, given the data's Inf."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    x = torch.tensor([3.0, float("inf")])

    def step():
        loss = torch.atan2(w, x).sum()  # the data enters atan2
        loss.backward()

    origin = tvt.find_nan_origin(step)
    assert isinstance(origin, NaNEntry) and origin.op == "atan2"
    assert origin.phase == "backward" and origin.vjp_of is origin.node
    assert (origin.position, origin.input_name, origin.inf_count) == (1, "other", 1)
    assert origin.first_index == (1,) and origin.step.node is origin.node
    assert origin.source.lineno == line_of(__file__, "the data enters atan2")
    assert origin.fix == FIXES["data"]["torch"]
    assert "in the backward pass, in the gradient through atan2" in str(origin)


def test_a_nan_gradient_given_to_backward_is_named_not_reported_as_all_finite():
    w = torch.tensor([1.0, 2.0], requires_grad=True)

    def step():
        y = w * 2.0
        y.backward(torch.tensor([1.0, float("nan")]))

    origin = tvt.find_nan_origin(step)
    assert origin is not None and origin.entered and origin.op == "mul"
    assert (origin.phase, origin.nan_count, origin.inf_count) == ("backward", 1, 0)
    assert "the gradient the backward pass started from" in str(origin)
    assert "loss.backward(gradient=g)" in origin.fix
