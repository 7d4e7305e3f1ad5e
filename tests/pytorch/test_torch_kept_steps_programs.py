"""A Recorder keeps the torch steps of loops whose step is not one program (tapeviz/torch/
kept_steps.py): steps that alternate between two programs (a branch taken every other step,
teacher forcing on and off), a step right after an evaluation under no_grad, two optimizers
stepped in one training step (a GAN). Each kept step, run again on a look, shows what a
full recording shows, bitwise (was: each such step recorded fully, every time)."""
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402,F401  (the adapter: records torch ops)
from digits_cnn import DigitsCNN, digit_batches, make_training  # noqa: E402
from kept_compare import both_ways, assert_same_steps  # noqa: E402


class _Branching(DigitsCNN):
    """The CNN whose second layer's activation is chosen by the call (teacher forcing's
    shape: another path through the forward on some steps)."""

    def forward(self, x, other: bool = False):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x)) if other else torch.tanh(self.conv2(x))
        return self.fc(x.mean(dim=(2, 3)))


@pytest.mark.parametrize("where", ["the loss", "the forward"])
def test_steps_alternating_between_two_programs_are_both_kept(switch, where):
    """Every other step takes another branch (another loss, or another layer's path in the
    forward, as teacher forcing on and off): the first step of each program is recorded
    fully and learned, every later one kept, the program it follows found at the call where
    the two part."""
    def make():
        torch.manual_seed(0)
        model = _Branching()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        count = [0]

        def train(images, labels):
            optimizer.zero_grad()
            count[0] += 1
            other = count[0] % 2 == 0
            if where == "the forward":
                loss = F.cross_entropy(model(images, other), labels)
            else:
                logits = model(images)
                loss = F.mse_loss(logits.softmax(1), F.one_hot(labels, 10).float()) if other \
                    else F.cross_entropy(logits, labels)
            loss.backward()
            optimizer.step()
        return train
    full, kept, held = both_ways(switch, make, digit_batches(count=6))
    assert held == [False, False, True, True, True, True]
    assert_same_steps(full, kept)


def test_the_step_after_an_evaluation_under_no_grad_is_kept(switch):
    """An evaluation under no_grad after some steps (the model on held-out data) is recorded
    fully, its own step as in a full recording; the training step after it is kept."""
    def make():
        model, optimizer, train = make_training()
        images, labels = digit_batches(count=8)[7]
        count = [0]

        def train_and_evaluate(x, y):
            train(x, y)
            count[0] += 1
            if count[0] % 2 == 0:
                with torch.no_grad():
                    (model(images).argmax(1) == labels).float().mean()
        return train_and_evaluate
    full, kept, held = both_ways(switch, make, digit_batches(count=6))
    labels = [step.label for step in full]
    assert labels == [step.label for step in kept]
    training = [kept_ for kept_, label in zip(held, labels) if label != "evaluation"]
    assert labels.count("evaluation") == 3 and training == [False] + [True] * 5
    assert_same_steps(full, kept)


class _Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, z):
        return self.net(z)


def test_a_gans_two_optimizers_stepped_in_one_training_step_are_kept(switch):
    """A GAN's iteration: the critic's pass and step, then the generator's pass (through the
    critic, whose parameters the first step wrote) and step: one training step, its two
    optimizers' updates where they ran, kept after the first."""
    def make():
        torch.manual_seed(0)
        generator = _Generator()
        critic = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        opt_g = torch.optim.SGD(generator.parameters(), lr=0.05)
        opt_d = torch.optim.Adam(critic.parameters(), lr=0.01)

        def train(z, real):
            fake = generator(z)
            opt_d.zero_grad()
            loss_d = F.softplus(critic(fake.detach())).mean() + F.softplus(-critic(real)).mean()
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = F.softplus(-critic(fake)).mean()
            loss_g.backward()
            opt_g.step()
        return train
    source = torch.Generator().manual_seed(5)
    batches = [(torch.randn(16, 4, generator=source), torch.randn(16, 2, generator=source))
               for _ in range(5)]
    full, kept, held = both_ways(switch, make, batches)
    assert held == [False] + [True] * 4
    # (the critic's parameters read after its update are that update's output, linked as in
    # the full recording; a kept step is packed, and a packed step's update outputs are plain
    # tensors, unnamed, where the full recording's held nodes show the named read)
    assert_same_steps(full, kept, names=False)
    ops = [op.op for op in kept[3].ops]
    assert ops.count("adam_step") == 4 and ops.count("sgd_step") == 4
    assert ops.index("adam_step") < ops.index("sgd_step")
