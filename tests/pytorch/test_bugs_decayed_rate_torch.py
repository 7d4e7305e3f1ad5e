"""torch: a StepLR(step_size=1, gamma=0.1) stepped every batch, where the student meant
every epoch: the learning rate is 1e-12 by step 12 and the model stops training. `diagnose`
names the fall of the optimizer's lr and the scheduler's step() line (marked here, looked
up, never hard-coded); a schedule stepped slowly is no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def torch_loop(gamma: float, steps: int = 12):
    torch.manual_seed(0)
    x = torch.randn(steps * 32, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=gamma)
    with Recorder() as rec:
        for i in range(steps):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[i * 32:(i + 1) * 32]), y[i * 32:(i + 1) * 32])
            loss.backward()
            optimizer.step()
            scheduler.step()  # BUG: every batch
    return rec


def train_epoch(model, optimizer, scheduler, batches):
    for x, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()  # BUG: a helper's, every batch


def helper_loop(steps: int = 12):
    torch.manual_seed(0)
    x = torch.randn(steps * 32, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
    with Recorder() as rec:
        train_epoch(model, optimizer, scheduler, zip(x.split(32), y.split(32)))
    return rec


def test_a_scheduler_given_to_the_training_helper_is_named_at_its_step():
    """The helper steps a scheduler it was given (a parameter named for one): was 'a
    schedule shrinks it', no line."""
    [finding] = diagnose(helper_loop())
    assert (f"a schedule shrinks it: tests/pytorch/"
            f"{marked_line(__file__, '# BUG: a helper')}: scheduler.step()") in finding.message


def test_a_step_lr_stepped_every_batch_is_named_with_the_fall_and_its_line():
    """was: nothing."""
    [finding] = diagnose(torch_loop(gamma=0.1))
    assert finding.kind == "learning_rate_decayed"
    assert "the optimizer's lr fell from 0.1 at step 1 to 1e-12 at step 12: a schedule " \
           "shrinks it: " in finding.message
    assert f"tests/pytorch/{marked_line(__file__, '# BUG: every batch')}: scheduler.step()" \
        in finding.message
    assert finding.related.lineno == line_of(__file__, "# BUG: every batch")


@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_a_schedule_that_decays_slowly_is_no_finding(gamma):
    assert diagnose(torch_loop(gamma=gamma)) == []


def one_epoch(model, optimizer, s, batches):
    for x, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        s.step()  # BUG: a helper's scheduler named s


def test_a_scheduler_under_any_name_is_found_by_what_is_stepped():
    """A helper given the scheduler as `s`: was 'a schedule shrinks it', no line (the
    parameter was found only by a name holding 'sched')."""
    torch.manual_seed(0)
    x = torch.randn(12 * 32, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    decay = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.1 ** epoch)
    with Recorder() as rec:
        one_epoch(model, optimizer, decay, zip(x.split(32), y.split(32)))
    [finding] = diagnose(rec)
    assert (f"a schedule shrinks it: tests/pytorch/"
            f"{marked_line(__file__, '# BUG: a helper' + chr(39) + 's scheduler named s')}: "
            f"s.step()") in finding.message
