"""The five training-program bugs of test_bugs_program.py, written as PyTorch students write
them (an `nn.Module` or raw tensors with `requires_grad`, `loss.backward()`, an optimizer's
`step()` or `with torch.no_grad(): p -= lr * p.grad`), recorded unmodified by a Recorder and
found by `diagnose` on the adapter's nodes: each finding names the torch op, this file's
line of the buggy statement (marked `# BUG <n>`), the run's figures and the fix in torch's
words, and shows as the TapeWidget's alert; the same program written correctly gives no
finding at all.
"""
import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN
from programs import line_of, marked_line
from torch import nn

import tapeviz.torch  # noqa: F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.datasets import load_digits
from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.dashboard import Dashboard
from tapeviz.viz.widget import TapeWidget



here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


def findings(kind: str, rec) -> list:
    return [f for f in diagnose(rec) if f.kind == kind]


def trained(model, optimizer, x, y, steps: int) -> Recorder:
    """A plain training loop (mean squared error) run `steps` times under a Recorder."""
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
    return rec


def regression_data(n: int = 32):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=generator)
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3


def classes_data(n: int = 32, classes: int = 4, features: int = 5):
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(n, features, generator=generator)
    return x, x[:, :classes].argmax(dim=1)


class MLP(nn.Module):
    def __init__(self, hidden: int = 16):
        super().__init__()
        self.hidden = nn.Linear(3, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))  # MLP forward


# ---- bug 1: gradient ascent, the update's sign turned -------------------------------------
def raw_tensor_regression(sign: float, steps: int = 6):
    x, y = regression_data()
    w = torch.zeros(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.05
    with Recorder() as rec:
        for _ in range(steps):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                if sign > 0:
                    w += lr * w.grad  # BUG 1a: adds the step
                    b += lr * b.grad
                else:
                    w -= lr * w.grad
                    b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
    return rec, w


def test_gradient_ascent_by_plus_equals_names_the_update_the_figures_and_the_fix():
    rec, w = raw_tensor_regression(+1)
    losses = [step.loss for step in rec.steps]
    assert losses[-1] > losses[0]
    # the evidence by another road: each step's change of w has a positive product with
    # the gradient backward() gave it
    name = rec.steps[0].nodes[0].inputs[1].variable.name   # the matmul's w
    uphill = sum(float(np.sum((s.variables_after[name] - s.variables[name])
                              * s.variable_gradients[name].numpy())) > 0 for s in rec.steps)
    assert uphill == 6
    [finding] = findings("gradient_ascent", rec)
    message = finding.message
    assert message.startswith("the updates move w and b along the gradient, uphill "
                              "(update · gradient > 0 in 6 of 6 steps)")
    assert f"the loss rose from {losses[0]:.4g} at step 1 to {losses[-1]:.4g} at step 6" \
        in message
    assert f"add_ at tests/pytorch/{here('# BUG 1a')}: w += lr * w.grad" in message
    assert "fix: subtract the step: w -= lr * w.grad (inside torch.no_grad())" in message
    assert "tf." not in message and "assign" not in message
    assert finding.node.op.name == "add_"
    alerts = TapeWidget(rec).alerts
    assert [a["kind"] for a in alerts] == ["gradient_ascent"] and alerts[0]["message"] == message


def test_gradient_ascent_in_the_dashboards_alerts_on_a_torch_loop_run_by_its_runner():
    x, y = regression_data()
    w = torch.zeros(3, 1, requires_grad=True)

    def train(steps):
        for _ in range(steps):
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w.add_(0.2 * w.grad)  # BUG 1c
                w.grad.zero_()

    dash = Dashboard(show_tape=False)
    try:
        runner = dash.train(train, 12)
        assert runner.join(60)
        dash.flush()
    finally:
        dash.close()
    [alert] = [a for a in dash.alerts if a["kind"] == "gradient_ascent"]
    assert here("# BUG 1c") in alert["message"]
    assert "fix: subtract the step: w -= lr * w.grad" in alert["message"]
    assert "divergence" not in [a["kind"] for a in dash.alerts]   # its hint would not help


def test_gradient_ascent_over_a_modules_parameters():
    x, y = regression_data()
    torch.manual_seed(0)
    model = MLP(hidden=8)
    with Recorder() as rec:
        for _ in range(6):
            model.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p += 0.05 * p.grad  # BUG 1b
    [finding] = findings("gradient_ascent", rec)
    assert finding.message.startswith("the updates move model.hidden.weight, model.hidden.bias, "
                                      "model.out.weight and model.out.bias along the gradient")
    assert here("# BUG 1b") in finding.message
    assert "fix: subtract the step: p -= lr * p.grad" in finding.message


def through_data(write: str, sign: float = +1.0, steps: int = 6) -> Recorder:
    """The MLP trained by writing each parameter's `.data`, the step's sign `sign`."""
    x, y = regression_data()
    torch.manual_seed(0)
    model = MLP(hidden=8)
    lr = 0.05 * sign
    with Recorder() as rec:
        for _ in range(steps):
            model.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            for p in model.parameters():
                if write == "+=":
                    p.data += lr * p.grad  # BUG 1d
                else:
                    p.data.add_(p.grad, alpha=lr)  # BUG 1e
    return rec


@pytest.mark.parametrize("write, marker, fix", [
    ("+=", "# BUG 1d", "fix: subtract the step: p.data -= lr * p.grad"),
    ("add_", "# BUG 1e", "fix: step against the gradient: p.data.add_(p.grad, alpha=-lr)")])
def test_gradient_ascent_written_through_data_names_the_update_and_the_fix(write, marker, fix):
    rec = through_data(write)
    losses = [step.loss for step in rec.steps]
    assert losses[-1] > losses[0]
    [finding] = findings("gradient_ascent", rec)
    assert finding.message.startswith("the updates move model.hidden.weight, model.hidden.bias, "
                                      "model.out.weight and model.out.bias along the gradient, "
                                      "uphill "
                                      "(update · gradient > 0 in 6 of 6 steps)")
    assert f"add_ at tests/pytorch/{here(marker)}" in finding.message
    assert finding.message.endswith(fix)
    # the update read the parameter as it was before and wrote it: the recorded value after
    # is the value the next step's forward pass read
    update = next(op.node for op in rec.steps[-2].ops if op.node.op.name == "add_")
    [read] = [op.node for op in rec.steps[-1].ops if op.node.op.name == "linear"][:1]
    assert update.inputs[0].variable is read.inputs[1].variable
    np.testing.assert_array_equal(update.output._value, read.inputs[1]._value)


def test_descent_written_through_data_gives_no_alert():
    rec = through_data("+=", sign=-1.0)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert diagnose(rec) == []


def test_the_same_loops_descending_and_an_optimizer_asked_to_maximize_give_no_alert():
    rec, _ = raw_tensor_regression(-1)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert diagnose(rec) == []
    # maximize=True climbs the loss on purpose (a reward, a likelihood): not a sign error
    x, y = regression_data()
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, maximize=True)
    rec = trained(model, optimizer, x, y, steps=6)
    assert rec.steps[-1].loss > rec.steps[0].loss
    assert findings("gradient_ascent", rec) == []


# ---- bug 2: hidden units initialised identical ---------------------------------------------
def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.constant_(module.weight, 0.1)  # BUG 2a: every unit starts the same
        nn.init.zeros_(module.bias)


def symmetric_mlp(initialise: bool):
    x, y = regression_data()
    torch.manual_seed(0)
    model = MLP()
    if initialise:
        model.apply(init_weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    rec = trained(model, optimizer, x, y, steps=5)
    return rec, model


def test_constant_initialised_hidden_layer_stays_symmetric_and_is_named():
    rec, model = symmetric_mlp(initialise=True)
    # the bug by another road: five steps later the 16 units (rows) are still one unit
    weight = model.hidden.weight.detach().numpy()
    assert np.any(weight != 0.1) and np.allclose(weight, weight[:1])
    [finding] = findings("symmetric_init", rec)
    message = finding.message
    assert message.startswith("the 16 units of model.hidden.weight (16x3, each unit's weights the "
                              "same) are identical and all 16 get the same gradient, so they "
                              "stay identical: the layer learns one feature 16 times")
    assert f"read by linear at tests/pytorch/{here('# MLP forward')}" in message
    assert "fix: drop the constant or zero init (torch's layers draw their weights at " \
        "random), or draw them: nn.init.xavier_uniform_(model.hidden.weight)" in message
    assert finding.variables == ("hidden.weight",)
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["symmetric_init"]


def test_a_symmetric_sequential_layer_is_named_as_torch_indexes_it():
    x, y = regression_data()
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1))
    model.apply(init_weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    rec = trained(model, optimizer, x, y, steps=3)
    [finding] = findings("symmetric_init", rec)
    assert finding.message.startswith("the 8 units of model[0].weight (8x3, each unit's weights "
                                      "the same) are identical")
    assert "nn.init.xavier_uniform_(model[0].weight)" in finding.message


def test_torchs_default_initialisation_is_not_symmetric():
    rec, _ = symmetric_mlp(initialise=False)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert diagnose(rec) == []


def test_a_zero_initialised_raw_hidden_weight_is_named_as_the_code_names_it():
    x, y = regression_data()
    with Recorder() as rec:
        w1 = torch.zeros(3, 8, requires_grad=True)  # BUG 2b
        w2 = torch.full((8, 1), 0.2, requires_grad=True)
        for _ in range(4):
            loss = ((torch.tanh(x @ w1) @ w2 - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                for p in (w1, w2):
                    p -= 0.1 * p.grad
                    p.grad.zero_()
    [finding] = findings("symmetric_init", rec)
    assert finding.message.startswith("the 8 units of w1 (")
    assert f"made at tests/pytorch/{here('# BUG 2b')}: w1 = torch.zeros(3, 8, " \
        "requires_grad=True)" in finding.message
    assert "fix: draw it at random: w1 = nn.init.xavier_uniform_(torch.empty(3, 8))" \
        ".requires_grad_()" in finding.message


# ---- bug 3: softmax or cross-entropy over the batch axis -----------------------------------
def softmax_classifier(dim: int, over: int = 1):
    x, labels = classes_data()
    onehot = F.one_hot(labels, 4).float()
    torch.manual_seed(0)
    model = nn.Linear(5, 4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    with Recorder() as rec:
        for _ in range(3):
            optimizer.zero_grad()
            probs = F.softmax(model(x), dim=dim)  # BUG 3a
            loss = (-(onehot * torch.log(probs)).sum(dim=over)).mean()  # BUG 3b
            loss.backward()
            optimizer.step()
    return rec


def test_softmax_over_dim_0_names_the_op_the_shape_the_line_and_the_fix():
    rec = softmax_classifier(dim=0)
    [finding] = findings("batch_axis", rec)
    [softmax] = rec.last_step.find(op="softmax")
    sums = softmax.output.sum(axis=1)
    message = finding.message
    assert message.startswith("softmax over dim 0 of (32, 4), the batch axis: each class is "
                              "normalised across the 32 examples")
    assert f"they sum to {sums.min():.3g} to {sums.max():.3g} here" in message
    assert f"at tests/pytorch/{here('# BUG 3a')}: probs = F.softmax(" in message
    assert "fix: normalise over the classes, the last axis: F.softmax(logits, dim=1) " \
        "(nn.Softmax(dim=1))" in message
    alerts = TapeWidget(rec).alerts
    assert alerts[0]["kind"] == "batch_axis" and alerts[0]["message"] == message


def test_hand_written_cross_entropy_summed_over_dim_0():
    rec = softmax_classifier(dim=1, over=0)
    [finding] = findings("batch_axis", rec)
    assert finding.node.op.name == "sum"
    assert finding.message.startswith(
        "sum over dim 0 of y * log(p) (32, 4), the batch axis: it sums each class over the 32 "
        "examples (4 class values, not 32 example losses), and the mean after it makes the "
        "loss 8x the examples' mean cross-entropy (32 examples, 4 classes)")
    # the figure by another road: the loss against the examples' mean cross-entropy
    [log] = rec.last_step.find(op="log")
    _, labels = classes_data()
    mean_ce = -float(np.sum(log.output[np.arange(32), labels.numpy()])) / 32
    assert rec.last_step.loss == pytest.approx(8 * mean_ce, rel=1e-5)
    assert here("# BUG 3b") in finding.message
    assert "fix: sum over the classes, then average over the batch: (-(y * torch.log(p))" \
        ".sum(dim=1)).mean() (or F.cross_entropy(logits, labels) on the logits)" \
        in finding.message


def test_softmax_and_cross_entropy_over_the_classes_give_no_alert():
    """No batch-axis alert; the hand-written log(softmax) is said, as what can make NaN."""
    rec = softmax_classifier(dim=1)
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert [f.kind for f in diagnose(rec)] == ["log_of_probability"]


# ---- bug 4: pixels 0-255 fed to the first layer --------------------------------------------
def digits(scale: float, as_bytes: bool = False, steps: int = 3):
    (images, labels), _ = load_digits()
    pixels = torch.from_numpy(images[:96]).unsqueeze(1)   # uint8 (96, 1, 8, 8)
    if not as_bytes:
        pixels = pixels.float() / scale
    labels = torch.from_numpy(labels[:96]).long()
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters())
    with Recorder() as rec:
        for i in range(steps):
            batch = pixels[i * 32:(i + 1) * 32]  # BUG 4a: the batch of pixels 0-255 enters
            if as_bytes:
                batch = batch.float()  # BUG 4b: bytes to float, not scaled
            optimizer.zero_grad()
            loss = F.cross_entropy(model(batch), labels[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
    return rec


def test_unscaled_pixels_to_the_digits_cnn_name_the_range_and_where_the_batch_was_first_read():
    rec = digits(scale=1.0)
    [finding] = findings("unscaled_input", rec)
    [conv] = rec.last_step.find(op="conv2d")[:1]
    pixels, out = conv.inputs[0], conv.output
    assert pixels.min() == 0 and pixels.max() == 255
    message = finding.message
    assert message.startswith("conv2d in layer model.conv1, the first layer, reads pixels "
                              "0 to 255 (whole numbers), a 32x1x8x8 batch")
    assert f"its outputs reach {np.max(np.abs(out)):.3g} (std {np.std(out):.3g}; " in message
    assert f"the batch was first read at tests/pytorch/{here('# BUG 4a')}: batch = pixels[" \
        in message and "entered" not in message
    assert "fix: scale the pixels to 0-1 where the batch is made: images / 255 (for bytes, " \
        "images.float() / 255" in message and "tf." not in message
    assert finding.node.op.name == "conv2d"
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["unscaled_input"]


def test_bytes_made_float_in_the_loop_name_the_cast():
    rec = digits(scale=1.0, as_bytes=True)
    [finding] = findings("unscaled_input", rec)
    assert "reads pixels 0 to 255 (bytes cast to float), a 32x1x8x8 batch" in finding.message
    assert (f"the bytes were cast to float at tests/pytorch/{here('# BUG 4b')}: "
            "batch = batch.float()") in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG 4b")


def test_bytes_made_double_in_the_loop_name_the_cast():
    (images, labels), _ = load_digits()
    pixels = torch.from_numpy(images[:32]).unsqueeze(1)   # uint8 (32, 1, 8, 8)
    torch.manual_seed(0)
    model = DigitsCNN().double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    with Recorder() as rec:
        for _ in range(2):
            batch = pixels.double()  # BUG 4c: bytes to float64, not scaled
            optimizer.zero_grad()
            F.cross_entropy(model(batch), torch.from_numpy(labels[:32]).long()).backward()
            optimizer.step()
    [finding] = findings("unscaled_input", rec)
    assert "reads pixels 0 to 255 (bytes cast to float)" in finding.message
    assert finding.source.lineno == line_of(__file__, "# BUG 4c")


def test_pixels_scaled_to_0_1_give_no_alert():
    rec = digits(scale=255.0)
    assert diagnose(rec) == []


# ---- bug 5: a parameter made inside the training loop --------------------------------------
def test_a_tensor_made_in_the_loop_names_its_line_and_the_lost_updates():
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(6):
            w = torch.zeros(3, 1, requires_grad=True)  # BUG 5a: a new w every step
            loss = ((x @ w - y) ** 2).mean()  # 5a read
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
    losses = [step.loss for step in rec.steps]
    assert len(set(losses)) == 1   # the symptom: every step starts over
    [finding] = findings("variable_in_loop", rec)
    message = finding.message
    assert message.startswith("w (3x1) is made inside the training loop, anew in each of "
                              "the last 6 steps")
    assert f"made at tests/pytorch/{here('# BUG 5a')}: w = torch.zeros(3, 1, " \
        "requires_grad=True)" in message
    assert f"read by matmul at tests/pytorch/{here('# 5a read')}" in message
    assert "fix: make the tensor once, before the loop, and update it inside (with " \
        "torch.no_grad(): w -= lr * w.grad" in message
    assert finding.source.lineno == line_of(__file__, "# BUG 5a")
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["variable_in_loop"]


def made_then_marked(how: str):
    """A weight made as data, then marked a parameter in the loop (the line diagnose names)."""
    x, y = regression_data()
    with Recorder() as rec:
        for _ in range(4):
            w = torch.randn(3, 1) * 0.1
            if how == "requires_grad_()":
                w.requires_grad_()  # BUG 5c
            else:
                w.requires_grad = True  # BUG 5d
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
    return rec


@pytest.mark.parametrize("how, marker", [("requires_grad_()", "# BUG 5c"),
                                         ("requires_grad = True", "# BUG 5d")])
def test_a_tensor_made_a_parameter_in_the_loop_names_the_line_that_marked_it(how, marker):
    rec = made_then_marked(how)
    [matmul] = rec.last_step.find(op="matmul")
    assert matmul.node.inputs[1].variable is rec.last_step.gradient_sources[0]   # read as w
    [finding] = findings("variable_in_loop", rec)
    assert "3x1" in finding.message and "is made inside the training loop" in finding.message
    assert f"made at tests/pytorch/{here(marker)}: w.requires_grad" in finding.message
    assert finding.source.lineno == line_of(__file__, marker)


def test_a_layer_made_in_the_loop_is_named_with_its_line():
    x, y = regression_data()
    torch.manual_seed(0)
    with Recorder() as rec:
        for _ in range(4):
            model = nn.Linear(3, 1)  # BUG 5b
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
    [finding] = findings("variable_in_loop", rec)
    layer = rec.last_step.gradient_sources[0].name.split("/")[0]   # linear_<n>, as Keras names
    assert finding.message.startswith(f"the weight and bias of layer {layer} are made inside "
                                      f"the training loop, anew in each of the last 4 steps")
    assert f"made at tests/pytorch/{here('# BUG 5b')}: model = nn.Linear(3, 1)" \
        in finding.message
    assert "fix: make the model (and its optimizer) once, before the loop" in finding.message


def test_parameters_made_once_before_the_loop_give_no_alert():
    x, y = regression_data()
    w = torch.zeros(3, 1, requires_grad=True)
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(6):
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), y) + ((x @ w - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
    assert rec.steps[-1].loss < rec.steps[0].loss
    assert diagnose(rec) == []


def test_a_tensor_made_each_step_but_never_updated_is_not_a_lost_parameter():
    """An RNN's initial state made each batch with requires_grad=True gets a gradient every
    step and is made anew each step, but nothing updates it: no update is lost."""
    torch.manual_seed(0)
    rnn, head = nn.RNN(4, 8, batch_first=True), nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.05)
    x, y = torch.randn(16, 5, 4), torch.randn(16, 1)
    with Recorder() as rec:
        for _ in range(5):
            h0 = torch.zeros(1, 16, 8, requires_grad=True)
            out, _ = rnn(x, h0)
            loss = F.mse_loss(head(out[:, -1]), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert "h0" in [v.name for v in rec.last_step.gradient_sources]   # named as made
    assert findings("variable_in_loop", rec) == []


def test_a_symmetric_raw_weight_made_by_a_helper_is_described_and_its_fix_names_no_leaf():
    """`p = torch.full(...)` in a helper made both weights: neither is 'p', and the fix is
    written for a tensor, not as a module's 'model.leaf_3:0'."""
    x, y = regression_data()

    def parameter(*shape):
        p = torch.full(shape, 0.2, requires_grad=True)
        return p

    with Recorder() as rec:
        w1, w2 = parameter(3, 8), parameter(8, 1)
        for _ in range(4):
            loss = ((torch.tanh(x @ w1) @ w2 - y) ** 2).mean()  # 2c read
            loss.backward()
            with torch.no_grad():
                for p in (w1, w2):
                    p -= 0.1 * p.grad
                    p.grad.zero_()
    [finding] = findings("symmetric_init", rec)
    w1, w2 = sorted(rec.last_step.gradient_sources, key=lambda v: tuple(v.shape) != (3, 8))
    # neither is 'p': each is named by the op that made it, in the graph and the finding
    assert w1.name.startswith("full") and w2.name.startswith("full") and w1.name != w2.name
    assert finding.message.startswith(f"the 8 units of the 3x8 variable {w1.name}, read by "
                                      f"matmul (line {line_of(__file__, '# 2c read')}) (")
    assert "fix: draw it at random: w = nn.init.xavier_uniform_(torch.empty(3, 8))" \
        ".requires_grad_()" in finding.message
