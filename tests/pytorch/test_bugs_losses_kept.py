"""Each step's loss tensor kept in a list (`losses.append(loss)`, not `loss.item()`) and read at
an epoch's end: `diagnose` names the append line and the line that read them (marked here,
looked up, never hard-coded); the loss's number or a detached copy kept is no finding."""
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder, diagnose  # noqa: E402


def epochs_keeping(kept: str, mean: str = "sum", epochs: int = 2) -> tuple:
    """(recorder, each epoch's mean loss as a number) of a small regression whose steps keep
    their loss as `kept` says: the tensor ('tensor': the bug), its number ('item') or a
    detached copy ('detach'); each epoch's mean taken by Python's sum or torch.stack."""
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = (x @ torch.tensor([1.0, -2.0, 0.5])).unsqueeze(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    means = []
    with Recorder() as rec:
        for _ in range(epochs):
            losses = []
            for i in range(0, 64, 16):
                optimizer.zero_grad()
                loss = nn.functional.mse_loss(model(x[i:i + 16]), y[i:i + 16])
                loss.backward()
                optimizer.step()
                if kept == "tensor":
                    losses.append(loss)  # BUG: the tensor kept
                else:
                    losses.append(loss.item() if kept == "item" else loss.detach())
            if mean == "sum":
                epoch_loss = sum(losses) / len(losses)  # READ: sum
            else:
                epoch_loss = torch.stack(losses).mean()  # READ: stack
            means.append(torch.as_tensor(epoch_loss).item())
    return rec, means


def test_loss_tensors_kept_in_a_list_are_named_at_the_append_and_the_read():
    """was: nothing (the list holds every step's graph until the epoch's end)."""
    rec, _ = epochs_keeping("tensor")
    [finding] = diagnose(rec)
    assert finding.kind == "loss_history_kept"
    assert finding.message == (
        f"the loss tensors of steps 1-4 are kept in a list at tests/pytorch/"
        f"{marked_line(__file__, '# BUG: the tensor kept')}: losses.append(loss)  # BUG: the "
        f"tensor kept, and read together at tests/pytorch/{marked_line(__file__, '# READ: sum')}"
        f": epoch_loss = sum(losses) / len(losses)  # READ: sum (add): each kept loss holds "
        f"its step's autograd graph (its activations) alive until then, so memory grows with "
        f"every step; fix: keep the loss's number, loss.item() (losses.append(loss.item()))")
    assert finding.source.lineno == line_of(__file__, "# BUG: the tensor kept")
    assert finding.related.lineno == line_of(__file__, "# READ: sum")


def test_loss_tensors_stacked_at_the_epochs_end_are_named_too():
    rec, _ = epochs_keeping("tensor", mean="stack")
    [finding] = diagnose(rec)
    assert finding.kind == "loss_history_kept"
    assert (f"and read together at tests/pytorch/{marked_line(__file__, '# READ: stack')}: "
            f"epoch_loss = torch.stack(losses).mean()  # READ: stack (stack)") in finding.message


@pytest.mark.parametrize("kept", ["item", "detach"])
def test_the_losses_number_or_a_detached_copy_kept_is_no_finding(kept):
    rec, means = epochs_keeping(kept, mean="sum" if kept == "item" else "stack")
    assert diagnose(rec) == []
    assert means == pytest.approx(epochs_keeping("tensor")[1], rel=1e-6)   # only memory differs
