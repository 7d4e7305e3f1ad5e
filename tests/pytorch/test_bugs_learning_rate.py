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
