"""Bugs a student writes in a PyTorch training loop, found by `diagnose` on the Recorder and
told with the op, what is wrong and the student's own line (marked `# BUG` here, looked up,
never hard-coded); the same loop written correctly gives no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # (torch's own broadcast one)


def regression_data(n: int = 64):
    torch.manual_seed(0)
    x = torch.randn(n, 3)
    return x, x @ torch.tensor([1.0, -2.0, 0.5])   # targets (n,), as a dataset gives them


LOSSES = {"MSELoss": nn.MSELoss(), "L1Loss": nn.L1Loss(), "HuberLoss": nn.HuberLoss()}


def regression_with(loss_fn, flat: bool, steps: int = 5) -> Recorder:
    """A small MLP regression: the (N, 1) predictions against (N,) targets as they come
    (`flat` False: the bug) or against the targets made (N, 1)."""
    x, y = regression_data()
    targets = y if not flat else y.unsqueeze(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(model(x), targets)  # BUG: (64, 1) against (64,)
            loss.backward()
            optimizer.step()
    return rec


@pytest.mark.parametrize("name", LOSSES)
def test_a_loss_module_given_n_by_1_predictions_and_n_targets_is_an_outer_product(name):
    """was: nothing (torch only warns, once, and the loss trains the mean)."""
    [finding] = diagnose(regression_with(LOSSES[name], flat=False))
    assert finding.kind == "outer_broadcast"
    op = {"MSELoss": "mse_loss", "L1Loss": "l1_loss", "HuberLoss": "huber_loss"}[name]
    assert finding.message.startswith(
        f"{op} broadcast (64, 1) and (64,) to (64, 64): both operands grew (4096 values from "
        f"64 + 64), an outer product: every prediction is compared with every target, so the "
        f"model learns to predict the targets' mean for every input; at "
        f"tests/pytorch/{marked_line(__file__, '# BUG: (64, 1) against (64,)')}")
    assert finding.message.endswith("e.g. .squeeze(-1) the (64, 1) operand")
    assert finding.source.lineno == line_of(__file__, "# BUG: (64, 1) against (64,)")


@pytest.mark.parametrize("name", LOSSES)
def test_the_same_loss_given_matching_shapes_is_no_finding(name):
    assert diagnose(regression_with(LOSSES[name], flat=True)) == []


class CutCNN(nn.Module):
    """The guide's CNN in torch, its first layer's output cut off the gradient as `cut` says
    ('detach', 'data') or not (None)."""

    def __init__(self, cut: str | None):
        super().__init__()
        self.cut = cut
        self.conv1, self.conv2 = nn.Conv2d(1, 16, 3), nn.Conv2d(16, 16, 3)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        h = torch.relu(self.conv1(x))
        if self.cut == "detach":
            h = h.detach()  # BUG: detach
        elif self.cut == "data":
            h = h.data  # BUG: data
        h = torch.relu(self.conv2(h))  # READ AGAIN
        return self.fc(h.mean(dim=(2, 3)))


def digits_cnn(cut: str | None, steps: int = 4) -> Recorder:
    from digits_cnn import digit_batches
    torch.manual_seed(0)
    model = CutCNN(cut)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    with Recorder() as rec:
        for images, labels in digit_batches(count=steps):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
    return rec


def test_a_detach_between_layers_names_the_parameters_it_cuts_off_and_its_line():
    """was: nothing (the first layer never moves; torch gives its parameters no .grad)."""
    [finding] = diagnose(digits_cnn("detach"))
    assert finding.kind == "gradient_cut"
    assert finding.variables == ("conv1.weight", "conv1.bias")
    assert finding.message == (
        f"model.conv1.weight and model.conv1.bias: the gradient is None in every step, so they "
        f"never train: the loss reads them only through detach at "
        f"tests/pytorch/{marked_line(__file__, '# BUG: detach')}: h = h.detach()  # BUG: "
        f"detach, which passes no gradient back; fix: remove the .detach() (keep one only for "
        f"a value that must not train, such as a target network's output or a GAN's fake "
        f"batch in the discriminator's step)")
    assert finding.source.lineno == line_of(__file__, "# BUG: detach")


def test_a_layers_output_taken_through_data_names_where_it_left_and_came_back():
    [finding] = diagnose(digits_cnn("data"))
    assert finding.kind == "gradient_cut"
    assert finding.variables == ("conv1.weight", "conv1.bias")
    left = marked_line(__file__, "h = torch.relu(self.conv1(x))")
    assert finding.message.startswith(
        f"model.conv1.weight and model.conv1.bias: the gradient is None in every step, so they "
        f"never train: the value relu made from them at tests/pytorch/{left}")
    assert (f"left the graph and came back as a new tensor, read by conv2d at "
            f"tests/pytorch/{marked_line(__file__, '# READ AGAIN')}") in finding.message
    assert finding.message.endswith("a value taken out (.data, .numpy() or .item()) and made a "
                                    "tensor again carries no gradient; fix: give relu's output "
                                    "itself to the next op")
    assert finding.source.lineno == line_of(__file__, "# READ AGAIN")
    assert finding.related.lineno == line_of(__file__, "h = torch.relu(self.conv1(x))")


def test_the_cnn_without_the_cut_is_no_finding():
    assert diagnose(digits_cnn(None)) == []


def test_a_gans_critic_step_on_a_detached_fake_batch_is_no_cut():
    """The generator's parameters get no gradient in the critic's steps (recorded alone),
    but no trained layer of the generator's own model reads past the detach."""
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    critic = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    real, bce = torch.randn(32, 2) + 3, nn.BCEWithLogitsLoss()
    with Recorder() as rec:
        for _ in range(4):
            optimizer.zero_grad()
            fake = generator(torch.randn(32, 4)).detach()
            loss = bce(critic(real), torch.ones(32, 1)) + bce(critic(fake), torch.zeros(32, 1))
            loss.backward()
            optimizer.step()
    assert "gradient_cut" not in [f.kind for f in diagnose(rec)]


def test_a_target_networks_detached_output_in_the_loss_is_no_cut():
    torch.manual_seed(0)
    q_net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    target_net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.01)
    states, next_states, rewards = torch.randn(32, 4), torch.randn(32, 4), torch.randn(32)
    with Recorder() as rec:
        for _ in range(4):
            optimizer.zero_grad()
            target = rewards + 0.9 * target_net(next_states).max(dim=1).values.detach()
            loss = nn.functional.mse_loss(q_net(states).max(dim=1).values, target)
            loss.backward()
            optimizer.step()
    assert "gradient_cut" not in [f.kind for f in diagnose(rec)]


def test_the_guides_cnn_in_torch_at_a_learning_rate_far_too_small_is_named():
    """Adam(lr=1e-9): each weight moves, by a billionth (was: no finding)."""
    from digits_cnn import digit_batches, DigitsCNN
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-9)  # MADE
    with Recorder() as rec:
        for images, labels in digit_batches(count=6):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()  # STEP
    [finding] = diagnose(rec)
    assert finding.kind == "learning_rate_too_small"
    assert finding.message.startswith(
        "the learning rate is far too small: in steps 1-6 (6 steps) the updates of "
        "model.conv1.weight, model.conv1.bias, model.conv2.weight, model.conv2.bias, "
        "model.fc.weight and model.fc.bias are at most ")
    assert (f"times the gradient (adam_step at tests/pytorch/{marked_line(__file__, '# STEP')}: "
            f"optimizer.step()  # STEP; the optimizer made at tests/pytorch/"
            f"{marked_line(__file__, '# MADE')}: optimizer = torch.optim.Adam(model.parameters(), "
            f"lr=1e-9)  # MADE), so the loss cannot move") in finding.message
    assert finding.message.endswith("fix: a learning rate that moves the weights "
                                    "(torch.optim.Adam's default lr=0.001; lr=0.01 for SGD)")
    assert finding.source.lineno == line_of(__file__, "# STEP")


def digits_cnn_summing(total: str, steps: int = 5) -> tuple:
    """(recorder, running total) of the guide's CNN in torch, each step's loss summed as the
    PyTorch tutorial's loop prints it: as `total` says, the tensor ('tensor': the bug), its
    number ('item') or a detached copy ('detach')."""
    from digits_cnn import digit_batches, make_training
    model, optimizer, _ = make_training()
    running_loss = 0.0
    with Recorder() as rec:
        for images, labels in digit_batches(count=steps):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            if total == "tensor":
                running_loss += loss  # BUG: the tensor, not loss.item()
            elif total == "item":
                running_loss += loss.item()
            else:
                running_loss += loss.detach()
    return rec, running_loss


def test_a_loss_tensor_summed_into_a_running_total_names_the_line_and_the_fix():
    """was: nothing (the total holds every step's graph; it prints with a grad_fn)."""
    rec, running_loss = digits_cnn_summing("tensor")
    assert running_loss.grad_fn is not None   # (the bug, as torch has it)
    [finding] = diagnose(rec)
    assert finding.kind == "loss_history_kept"
    assert finding.message == (
        f"the loss tensor is summed into a running total at "
        f"tests/pytorch/{marked_line(__file__, '# BUG: the tensor')}: running_loss += loss  "
        f"# BUG: the tensor, not loss.item() (add_ of the step before's loss and the total so "
        f"far): the total keeps the autograd history of every step's loss, so memory grows "
        f"with each step and the total prints with a grad_fn; fix: add the loss's number, "
        f"loss.item() (running_loss += loss.item())")
    assert finding.source.lineno == line_of(__file__, "# BUG: the tensor")


@pytest.mark.parametrize("total", ["item", "detach"])
def test_a_running_total_of_the_losss_number_or_a_detached_copy_is_no_finding(total):
    rec, running_loss = digits_cnn_summing(total)
    assert getattr(running_loss, "grad_fn", None) is None
    assert diagnose(rec) == []


def two_headed(backward: str, steps: int = 4) -> Recorder:
    """A trunk with two heads trained by SGD: `backward` 'twice' (the one loss differentiated
    again: the bug), 'each_loss' (each head's loss through the kept graph: meant) or 'once'."""
    x, y = regression_data()
    torch.manual_seed(0)
    trunk = nn.Sequential(nn.Linear(3, 8), nn.ReLU())
    head_a, head_b = nn.Linear(8, 1), nn.Linear(8, 1)
    params = [*trunk.parameters(), *head_a.parameters(), *head_b.parameters()]
    optimizer = torch.optim.SGD(params, lr=0.05)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            h = trunk(x)
            loss = nn.functional.mse_loss(head_a(h).squeeze(-1), y)  # THE LOSS
            other = nn.functional.mse_loss(head_b(h).squeeze(-1), -y)
            if backward == "each_loss":
                loss.backward(retain_graph=True)
                other.backward()
            else:
                (loss + other).backward(retain_graph=backward == "twice")  # FIRST
                if backward == "twice":
                    (loss + other).backward()  # BUG: again
            optimizer.step()
    return rec


def test_one_loss_differentiated_twice_a_step_names_both_calls_and_the_fix():
    """was: nothing (retain_graph=True silences torch's error; every .grad is doubled)."""
    [finding] = diagnose(two_headed("twice"))
    assert finding.kind == "backward_twice"
    assert finding.message == (
        f"the loss is differentiated twice in step 4: backward ran twice from add at "
        f"tests/pytorch/{marked_line(__file__, '# FIRST')}: (loss + other).backward("
        f"retain_graph=backward == \"twice\")  # FIRST: loss.backward() at line "
        f"{line_of(__file__, '# FIRST')} and again at "
        f"tests/pytorch/{marked_line(__file__, '# BUG: again')}: (loss + other).backward()  "
        f"# BUG: again; each pass adds its gradient to .grad, so the optimizer steps with "
        f"twice the loss's gradient (SGD as at twice its learning rate) and every step runs "
        f"its backward pass twice; fix: call loss.backward() once a step (retain_graph=True "
        f"only keeps the graph for a second pass, of another loss through it)")
    assert finding.source.lineno == line_of(__file__, "# BUG: again")


@pytest.mark.parametrize("backward", ["each_loss", "once"])
def test_each_heads_loss_through_the_kept_graph_or_one_backward_is_no_finding(backward):
    assert diagnose(two_headed(backward)) == []


def raw_regression(requires_grad_on: str, steps: int = 5) -> Recorder:
    """A regression on raw tensors, SGD([w, b]): requires_grad set on 'data' (the bug) or on
    the 'weights'."""
    x, y = regression_data()
    torch.manual_seed(1)
    w, b = torch.randn(3), torch.zeros(1)
    if requires_grad_on == "data":
        x.requires_grad_(True)  # BUG: the data, not w and b
    else:
        w.requires_grad_(True), b.requires_grad_(True)
    optimizer = torch.optim.SGD([w, b], lr=0.1)
    with Recorder() as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = ((x @ w + b - y) ** 2).mean()  # LOSS
            loss.backward()
            optimizer.step()  # RAW STEP
    return rec


def test_requires_grad_on_the_data_not_the_weights_says_so_not_a_model_made_again():
    """was: '... the optimizer holds other parameters, most likely those of a model made
    before this one ...; fix: make the optimizer after the model'."""
    [finding] = diagnose(raw_regression("data"))
    assert finding.kind == "gradients_not_applied"
    loss_line = f"tests/pytorch/{marked_line(__file__, '# LOSS')}"
    assert (f"but optimizer.step() at tests/pytorch/{marked_line(__file__, '# RAW STEP')}: "
            f"optimizer.step()  # RAW STEP updated none of them: x is the data, which matmul at "
            f"{loss_line}: loss = ((x @ w + b - y) ** 2).mean()  # LOSS multiplies by weights "
            f"that do not require grad, so the gradient goes to the data and the optimizer, "
            f"holding the weights, has none to apply") in finding.message
    assert "model made before" not in finding.message
    assert finding.message.endswith(
        "fix: make the weights with requires_grad=True (w = torch.randn(..., "
        "requires_grad=True), or nn.Linear's parameters) and the data without")


def test_requires_grad_on_the_weights_is_no_finding():
    assert diagnose(raw_regression("weights")) == []
