"""The evaluation loop written without `torch.no_grad()`, found by `diagnose` on the Recorder
and told at the student's line (marked `# BUG` here, looked up, never hard-coded): autograd
builds a graph no backward pass reads. The same loop under no_grad, and loops whose forward
passes without a gradient are meant (micro-batches, a GAN's critic step, a step still
running), give no such finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

PARAMETERS = "model[0].weight, model[0].bias, model[2].weight and model[2].bias"


def classification(seed: int = 0):
    """(model, optimizer, training batches, validation batch) of a small 3-class MLP."""
    torch.manual_seed(seed)
    x = torch.randn(96, 4)
    labels = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [(x[i:i + 16], labels[i:i + 16]) for i in range(0, 64, 16)]
    return model, optimizer, batches, (x[64:], labels[64:])


def train_and_evaluate(no_grad: bool, epochs: int = 3) -> Recorder:
    """Each epoch: its training steps, then the validation loss, with autograd on (`no_grad`
    False: the bug) or under torch.no_grad()."""
    model, optimizer, batches, (x_val, y_val) = classification()
    loss_fn = nn.CrossEntropyLoss()
    with Recorder() as rec:
        for _ in range(epochs):
            model.train()
            for x, y in batches:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
            model.eval()
            if no_grad:
                with torch.no_grad():
                    val_loss = loss_fn(model(x_val), y_val)
            else:
                val_loss = loss_fn(model(x_val), y_val)  # BUG: no torch.no_grad()
            assert val_loss.item() > 0
    return rec


def test_an_evaluation_without_no_grad_is_named_at_its_line():
    """was: nothing (the figures are right; autograd's graph of every evaluation is built)."""
    [finding] = diagnose(train_and_evaluate(no_grad=False))
    assert finding.kind == "graph_not_needed"
    assert finding.variables == ("model.0.weight", "model.0.bias", "model.2.weight",
                                 "model.2.bias")
    line = f"tests/pytorch/{marked_line(__file__, '# BUG: no torch.no_grad()')}"
    assert finding.message == (
        f"a forward pass whose graph no backward pass reads (3 steps, from step 5): linear at "
        f"{line}: val_loss = loss_fn(model(x_val), y_val)  # BUG: no torch.no_grad() reads "
        f"{PARAMETERS}, outside torch.no_grad(), so autograd records its graph (4 ops, their "
        f"activations kept), but no gradient is taken of what it makes: memory and time spent "
        f"for nothing (an evaluation, most likely); fix: run it under `with torch.no_grad():` "
        f"(and model.eval() before it, model.train() after)")
    assert finding.source.lineno == line_of(__file__, "# BUG: no torch.no_grad()")


def test_the_same_evaluation_under_no_grad_is_no_finding():
    assert diagnose(train_and_evaluate(no_grad=True)) == []


def test_one_evaluation_after_the_training_without_no_grad_is_named():
    model, optimizer, batches, (x_val, y_val) = classification()
    with Recorder() as rec:
        for x, y in batches:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        logits = model(x_val)  # BUG: evaluated once
        accuracy = (logits.argmax(dim=1) == y_val).float().mean()
    assert 0 <= accuracy.item() <= 1
    [finding] = diagnose(rec)
    assert finding.kind == "graph_not_needed"
    assert finding.message.startswith(
        f"a forward pass whose graph no backward pass reads (step 5): linear at tests/pytorch/"
        f"{marked_line(__file__, '# BUG: evaluated once')}")
    assert finding.source.lineno == line_of(__file__, "# BUG: evaluated once")


def test_micro_batches_each_differentiated_before_one_step_are_no_finding():
    """Gradient accumulation: two backward passes a step, each reaching its own forward."""
    model, optimizer, batches, _ = classification()
    with Recorder() as rec:
        for _ in range(2):
            optimizer.zero_grad()
            for x, y in batches:
                (nn.functional.cross_entropy(model(x), y) / len(batches)).backward()
            optimizer.step()
    assert "graph_not_needed" not in [f.kind for f in diagnose(rec)]


def test_a_critic_step_on_a_detached_fake_batch_is_no_finding():
    """The generator's forward pass feeds the critic through .detach(), on purpose."""
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizers = (torch.optim.Adam(critic.parameters(), 1e-3),
                  torch.optim.Adam(generator.parameters(), 1e-3))
    real, bce = torch.randn(32, 2) + 3, nn.BCEWithLogitsLoss()
    with Recorder() as rec:
        for step in range(6):
            optimizer = optimizers[step % 2]
            optimizer.zero_grad()
            fake = generator(torch.randn(32, 4))
            if step % 2 == 0:
                loss = bce(critic(real), torch.ones(32, 1)) + \
                    bce(critic(fake.detach()), torch.zeros(32, 1))
            else:
                loss = bce(critic(fake), torch.ones(32, 1))
            loss.backward()
            optimizer.step()
    assert "graph_not_needed" not in [f.kind for f in diagnose(rec)]


def test_a_step_whose_backward_pass_has_not_run_yet_is_no_finding():
    """What the Dashboard reads mid-step: the forward pass done, its backward still to come."""
    model, optimizer, batches, _ = classification()
    with Recorder() as rec:
        for x, y in batches:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            if len(rec.steps) == 3:
                mid_step = diagnose(rec)
            loss.backward()
            optimizer.step()
    assert "graph_not_needed" not in [f.kind for f in mid_step]
    assert "graph_not_needed" not in [f.kind for f in diagnose(rec)]


def test_one_forward_pass_before_the_training_a_look_at_the_output_is_no_finding():
    model, optimizer, batches, (x_val, _) = classification()
    with Recorder() as rec:
        assert model(x_val).shape == (32, 3)   # run once, before any step
        for x, y in batches:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    assert "graph_not_needed" not in [f.kind for f in diagnose(rec)]
