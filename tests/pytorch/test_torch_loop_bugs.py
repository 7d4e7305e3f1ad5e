"""Bugs torch training loops bring that the numpy engine's tape rules out or only warned about,
each found by `diagnose` on a Recorder of the unmodified loop: softmax outputs given to
`F.cross_entropy` (which applies log_softmax itself), an evaluation run without
`model.eval()` (dropout and batch norm in training mode) and gradients never zeroed (they
pile up across steps). Each finding names the op, this file's line (marked `# BUG <x>`),
the run's figures and the fix in torch's words; the loop written correctly gives none.
"""
import functools

import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches
from programs import marked_line
from test_torch_program_bugs import MLP, findings, regression_data
from torch import nn

from tapeviz.debugger import Recorder, diagnose
from tapeviz.viz.widget import TapeWidget

here = functools.partial(marked_line, __file__)   # '<this file>:<line>' of a marker


# ---- softmax outputs given to F.cross_entropy, which applies log_softmax itself -------
def double_softmax(softmax_first: bool, steps: int = 3):
    batches = digit_batches(32, steps)
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with Recorder() as rec:
        for images, labels in batches:
            optimizer.zero_grad()
            out = model(images)
            if softmax_first:
                out = F.softmax(out, dim=1)  # BUG a: probabilities
            loss = F.cross_entropy(out, labels)  # BUG b: applies log_softmax again
            loss.backward()
            optimizer.step()
    return rec


def test_softmax_outputs_given_to_cross_entropy_name_both_lines_the_floor_and_the_fix():
    rec = double_softmax(softmax_first=True)
    [finding] = findings("double_softmax", rec)
    message = finding.message
    assert message.startswith("cross_entropy is given probabilities: its logits were made by "
                              f"softmax at tests/pytorch/{here('# BUG a')}")
    assert f"at tests/pytorch/{here('# BUG b')}" in message
    # the floor by another road: the loss of probabilities one-hot on the right class
    floor = float(F.cross_entropy(torch.eye(10), torch.arange(10)))
    assert f"the loss can never go below {floor:.3g} (log(1 + 9/e))" in message
    assert min(step.loss for step in rec.steps) > floor
    assert message.endswith("fix: pass the logits: F.cross_entropy(logits, labels) with no "
                            "F.softmax before it (for probabilities you need elsewhere, "
                            "F.nll_loss(torch.log(probs), labels))")
    assert finding.node.op.name == "cross_entropy" and "tf." not in message
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["double_softmax"]


def test_logits_given_to_cross_entropy_give_no_alert():
    assert diagnose(double_softmax(softmax_first=False)) == []


# ---- evaluating without model.eval(): dropout and batch norm in training mode ----------
class DropoutMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn, self.fc2 = nn.Linear(64, 32), nn.BatchNorm1d(32), nn.Linear(32, 10)
        self.drop = nn.Dropout(0.25)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.bn(self.fc1(x.flatten(1))))))  # DropoutMLP


def train_three_steps(model, batches) -> None:
    """Three plain Adam steps of cross-entropy on the digits, before an evaluation."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for images, labels in batches[:3]:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()


def evaluated(switch_to_eval: bool):
    batches = digit_batches(32, 5)
    torch.manual_seed(0)
    model = DropoutMLP()
    with Recorder() as rec:
        train_three_steps(model, batches)
        if switch_to_eval:
            model.eval()
        running_mean = model.bn.running_mean.clone()
        with torch.no_grad():
            images, labels = batches[4]
            accuracy = (model(images).argmax(1) == labels).float().mean()  # no model.eval()
    return rec, model, running_mean, accuracy


def test_an_evaluation_in_training_mode_names_the_layers_effects_and_the_fix():
    rec, model, running_mean, _ = evaluated(switch_to_eval=False)
    # the harm by another road: the evaluation moved batch norm's running averages
    assert not torch.equal(model.bn.running_mean, running_mean)
    [finding] = findings("train_mode_in_evaluation", rec)
    message = finding.message
    assert message.startswith(f"step {rec.last_step.number} computed no gradient (an "
                              "evaluation) but ran batch_norm and dropout in training mode")
    assert "dropout still zeroes units at random (25% of them)" in message
    assert "batch_norm still normalises by each batch's own statistics" in message
    assert f"batch_norm at tests/pytorch/{here('# DropoutMLP')}" in message
    assert "in layer model.bn;" in message   # (was DropoutMLP/bn, its scope)
    assert message.endswith("fix: call model.eval() before evaluating (and model.train() "
                            "before training again)")
    assert [a["kind"] for a in TapeWidget(rec).alerts] == ["train_mode_in_evaluation"]


def test_an_evaluation_after_model_eval_gives_no_alert():
    rec, model, running_mean, _ = evaluated(switch_to_eval=True)
    assert torch.equal(model.bn.running_mean, running_mean)
    assert diagnose(rec) == []


# ---- gradients never zeroed, so they pile up across steps --------------------------------
def accumulating(zero: str, steps: int = 5):
    """The MLP trained by SGD with `zero` ('never', 'each step', 'every 2 passes', 'every 4
    passes': accumulating on purpose, one update per 2 or 4 micro-batches, then zeroed)."""
    x, y = regression_data()
    torch.manual_seed(0)
    model = MLP(hidden=8)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    micro_batches = int(zero.split()[1]) if zero.startswith("every") else 1
    with Recorder() as rec:
        for _ in range(steps):
            if zero == "each step":
                optimizer.zero_grad()
            for part in torch.arange(len(x)).chunk(micro_batches):
                (F.mse_loss(model(x[part]), y[part]) / micro_batches).backward()
            optimizer.step()  # BUG c: no zero_grad() before the next backward()
            if micro_batches > 1:
                optimizer.zero_grad()
    return rec, model


def test_gradients_never_zeroed_name_the_growth_the_step_line_and_the_fix():
    rec, model = accumulating("never")
    [finding] = findings("accumulated_gradients", rec)
    message = finding.message
    # the figure by another road: torch's own .grad after the loop, the five passes' sum
    total = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters())))
    assert f"at step {rec.last_step.number} the gradient's norm is {total:.3g}" in message
    # in torch's words: a torch user knows optimizer.step(), not the adapter's op sgd_step
    assert (f"the optimizer's update (optimizer.step()) at tests/pytorch/{here('# BUG c')}"
            in message) and "sgd_step" not in message
    assert message.endswith("fix: call optimizer.zero_grad() in each step, before "
                            "loss.backward()")
    assert set(finding.variables) == {"hidden.weight", "hidden.bias", "out.weight", "out.bias"}


def test_a_raw_tensor_never_zeroed_is_told_to_zero_its_grad():
    x, y = regression_data()
    w = torch.zeros(3, 1, requires_grad=True)
    with Recorder() as rec:
        for _ in range(4):
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad  # BUG d
    [finding] = findings("accumulated_gradients", rec)
    assert f"sub_ at tests/pytorch/{here('# BUG d')}" in finding.message
    assert finding.message.endswith("fix: zero each gradient after its update: "
                                    "w.grad.zero_() (or w.grad = None)")


@pytest.mark.parametrize("zero", ["each step", "every 2 passes", "every 4 passes"])
def test_gradients_zeroed_each_step_or_accumulated_on_purpose_give_no_alert(zero):
    rec, _ = accumulating(zero)
    assert findings("accumulated_gradients", rec) == []


def test_a_lone_forward_pass_in_training_mode_is_no_evaluation():
    """A fresh model's forward pass recorded to look at its graph (no training before it)."""
    torch.manual_seed(0)
    model = DropoutMLP()
    with Recorder() as rec:
        model(digit_batches(32, 1)[0][0])
    assert findings("train_mode_in_evaluation", rec) == []


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)

    def forward(self, z):
        return torch.tanh(self.fc(z))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 1)   # fc.weight, as the generator's is named: another shape

    def forward(self, x):
        return self.fc(x)


def test_a_gan_whose_two_models_share_parameter_names_gives_no_alert():
    """Each network zeroes its own gradients; the generator's pass also reaches the critic."""
    torch.manual_seed(0)
    generator, critic = Generator(), Critic()
    generator_optimizer = torch.optim.Adam(generator.parameters(), 1e-3)
    critic_optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    real, ones, zeros = torch.randn(16, 6), torch.ones(16, 1), torch.zeros(16, 1)
    with Recorder() as rec:
        for _ in range(5):
            fake = generator(torch.randn(16, 4))
            critic_optimizer.zero_grad()
            (F.binary_cross_entropy_with_logits(critic(real), ones)
             + F.binary_cross_entropy_with_logits(critic(fake.detach()), zeros)).backward()
            critic_optimizer.step()
            generator_optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(critic(fake), ones).backward()
            generator_optimizer.step()
    assert findings("accumulated_gradients", rec) == []


class FunctionalDropoutMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 32), nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(F.dropout(F.relu(self.fc1(x.flatten(1))), 0.25))  # functional


def test_functional_dropout_that_ignores_model_eval_is_told_to_follow_the_mode():
    """F.dropout's training=True default: model.eval() was called and changed nothing."""
    batches = digit_batches(32, 4)
    torch.manual_seed(0)
    model = FunctionalDropoutMLP()
    with Recorder() as rec:
        train_three_steps(model, batches)
        model.eval()
        with torch.no_grad():
            evaluated = [model(batches[3][0]) for _ in range(2)]
    assert not torch.equal(*evaluated)   # by another road: the evaluation is still random
    [finding] = findings("train_mode_in_evaluation", rec)
    assert f"dropout at tests/pytorch/{here('# functional')}" in finding.message
    assert finding.message.endswith(
        "fix: F.dropout ignores model.eval() (its training=True default): pass "
        "training=self.training, or use an nn.Dropout layer")
