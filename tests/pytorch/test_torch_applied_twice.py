"""`optimizer.step()` called twice after one `loss.backward()`, in the guide's CNN written in
PyTorch on the offline digits: each step moves the weights twice as far on the one gradient
(Adam's moments and step count advance twice). The adapter files such a loop as one step
(its steps end at a `.step()` that no other follows in the iteration), so the finding is
read from the update ops alone: each parameter updated again with the same gradient and no
forward or backward op between. `diagnose` names both lines; a correct loop, gradients
accumulated over two passes, and a GAN's two optimizers say nothing of it.
"""
import functools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from digits_cnn import DigitsCNN, digit_batches
from programs import marked_line

import tapeviz.torch  # noqa: F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
here = functools.partial(marked_line, __file__)


def twice(rec) -> list:
    return [f for f in diagnose(rec) if f.kind == "applied_twice"]


def cnn():
    torch.manual_seed(0)
    model = DigitsCNN()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def test_optimizer_step_called_twice_names_both_lines():
    model, optimizer = cnn()
    with Recorder() as rec:
        for images, labels in digit_batches(count=4):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()  # FIRST STEP
            optimizer.step()  # BUG: stepped again
    assert optimizer.state[model.fc.weight]["step"] == 8   # (Adam counted 8 steps for 4)
    [finding] = twice(rec)   # was: none
    names = [f"model.{name}" for name, _ in model.named_parameters()]   # as code reaches them
    assert finding.message.startswith(
        f"the gradients are applied twice in step {rec.steps[-1].number}: "
        f"{', '.join(names[:-1])} and {names[-1]} got 2 updates each from adam_step "
        f"(optimizer.step() at tests/pytorch/{here('# FIRST STEP')}: optimizer.step()")
    assert (f"and again at tests/pytorch/{here('# BUG: stepped again')}: optimizer.step()"
            in finding.message)
    assert finding.message.endswith(
        f"for the one gradient computed, so each step moves the weights twice as far as it "
        f"should; fix: delete the second optimizer.step() (at "
        f"tests/pytorch/{here('# BUG: stepped again')}: optimizer.step()  # BUG: stepped "
        f"again)")
    assert finding.source.lineno == int(here("# BUG: stepped again").split(":")[1])
    assert finding.related.lineno == int(here("# FIRST STEP").split(":")[1])


def test_a_step_run_twice_by_one_line_in_a_loop_is_named_with_that_line():
    model, optimizer = cnn()
    with Recorder() as rec:
        for images, labels in digit_batches(count=3):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            for _ in range(2):
                optimizer.step()  # BUG: in a loop
    [finding] = twice(rec)
    assert (f"2 times by the one line tests/pytorch/{here('# BUG: in a loop')}: "
            f"optimizer.step()" in finding.message)


def test_one_step_a_backward_pass_is_no_finding():
    model, optimizer = cnn()
    with Recorder() as rec:
        for images, labels in digit_batches(count=4):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
    assert diagnose(rec) == []


def test_gradients_accumulated_over_two_passes_then_one_step_are_no_finding():
    model, optimizer = cnn()
    batches = digit_batches(count=8)
    with Recorder() as rec:
        for first, second in zip(batches[::2], batches[1::2]):
            optimizer.zero_grad()
            for images, labels in (first, second):
                (F.cross_entropy(model(images), labels) / 2).backward()
            optimizer.step()
    assert twice(rec) == []


def test_a_gans_two_optimizers_stepped_in_one_iteration_are_no_finding():
    torch.manual_seed(0)
    generator = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(),
                                    torch.nn.Linear(32, 64), torch.nn.Tanh())
    critic = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
                                 torch.nn.Linear(32, 1))
    g_optimizer = torch.optim.Adam(generator.parameters(), 1e-3)
    d_optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    real = torch.tensor(np.random.default_rng(0).normal(size=(32, 64)), dtype=torch.float32)
    with Recorder() as rec:
        for _ in range(3):
            fake = generator(torch.randn(32, 8))
            d_optimizer.zero_grad()
            (F.binary_cross_entropy_with_logits(critic(real), torch.ones(32, 1))
             + F.binary_cross_entropy_with_logits(critic(fake.detach()),
                                                  torch.zeros(32, 1))).backward()
            d_optimizer.step()
            g_optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(critic(fake), torch.ones(32, 1)).backward()
            g_optimizer.step()
    assert twice(rec) == []
