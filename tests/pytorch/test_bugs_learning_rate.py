"""A learning rate far too large in a PyTorch loop: `diagnose` names the update that
overshoots and the student's line that set the rate (the optimizer's construction, read from
the source of its `step()` call, marked here and looked up), as it does for a Keras
optimizer; an optimizer the text does not show plainly is named nowhere, never wrongly."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def regression():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    return torch.nn.Linear(3, 1), x, x @ torch.tensor([[1.0], [2.0], [-1.0]])


def divergence_of(rec) -> str:
    [finding] = [f for f in diagnose(rec) if f.kind == "divergence"]
    return finding.message


def test_a_diverging_torch_loop_names_the_line_that_set_the_learning_rate():
    """was: the update's line only, and a hint naming tf.clip_by_global_norm first."""
    model, x, y = regression()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.5)  # RATE
    with Recorder() as rec:
        for _ in range(8):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            optimizer.step()  # UPDATE
    message = divergence_of(rec)
    assert (f"at tests/pytorch/{marked_line(__file__, '# UPDATE')}: optimizer.step()  # UPDATE; "
            f"the optimizer's learning rate was set at tests/pytorch/"
            f"{marked_line(__file__, '# RATE')}: optimizer = torch.optim.SGD(model.parameters(), "
            f"lr=1.5)  # RATE; hint: ") in message
    assert message.endswith("or clip the gradients (torch.nn.utils.clip_grad_norm_("
                            "model.parameters(), 1.0))")
    assert "tf." not in message


class Trainer:
    def __init__(self, model):
        self.optimizer = torch.optim.SGD(model.parameters(), lr=1.5)


def build(model):
    return model, torch.optim.SGD(model.parameters(), lr=1.5)


@pytest.mark.parametrize("held", ["attribute", "unpacked"])
def test_an_optimizer_the_text_does_not_show_plainly_is_named_nowhere(held):
    model, x, y = regression()
    trainer = Trainer(model)
    model, optimizer = build(model) if held == "unpacked" else (model, None)
    with Recorder() as rec:
        for _ in range(8):
            trainer.optimizer.zero_grad()
            if optimizer is not None:
                optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()
            if held == "attribute":
                trainer.optimizer.step()  # ATTRIBUTE
            else:
                optimizer.step()  # UNPACKED
    message = divergence_of(rec)
    marker = "# ATTRIBUTE" if held == "attribute" else "# UNPACKED"
    assert f"at tests/pytorch/{marked_line(__file__, marker)}" in message
    assert "learning rate was set at" not in message


def test_adams_eps_of_one_on_the_guides_cnn_in_torch_is_named_with_its_sgd_rate():
    """was: no finding (Adam(lr=1e-3, eps=1.0) trains as SGD at 1e-3: the loss barely falls)."""
    from digits_cnn import DigitsCNN, digit_batches
    torch.manual_seed(0)
    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1.0)  # BUG: eps 1
    with Recorder() as rec:
        for images, labels in digit_batches(count=6):
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()  # ADAM STEP
    [finding] = diagnose(rec)
    assert finding.kind == "adam_epsilon_large"
    assert finding.message.startswith(
        f"Adam's epsilon is 1 (adam_step at tests/pytorch/{marked_line(__file__, '# ADAM STEP')}"
        f": optimizer.step()  # ADAM STEP, the optimizer made at tests/pytorch/"
        f"{marked_line(__file__, '# BUG: eps 1')}: optimizer = torch.optim.Adam("
        f"model.parameters(), lr=1e-3, eps=1.0)  # BUG: eps 1), far larger than the gradients")
    assert "plain SGD at lr / epsilon = 0.001: the weights move at least " in finding.message
    assert finding.message.endswith("fix: leave epsilon at its default (eps=1e-08 for "
                                    "torch.optim.Adam), or give the learning rate and epsilon "
                                    "by name, if one was passed in the other's place")


def test_a_sequentials_layer_is_named_as_code_reaches_it_in_the_gradient_norms():
    """was: '0: gradient norm 1.03e+22 > 1000; 0 is read by linear at ...' (the child's
    index said alone, read as a number); the model's name now leads its parameters' names
    ('model.0.weight'), and the layer is said as code reaches it, with its module: then
    'layer model.0: ...; layer model.0's weight is read by ...', now 'model[0] (Linear)'."""
    _, x, y = regression()
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    with Recorder() as rec:
        for _ in range(6):
            optimizer.zero_grad()
            F.mse_loss(model(x), y).backward()  # NORMS
            optimizer.step()
    norms = [f.message for f in diagnose(rec) if f.kind == "exploding_gradient"]
    assert norms and all(message.startswith(("model[0] (Linear): gradient norm ",
                                             "model[2] (Linear): gradient norm "))
                         for message in norms), norms
    line = marked_line(__file__, "# NORMS")
    assert f"; model[0].weight is read by linear at tests/pytorch/{line}" in norms[0]
