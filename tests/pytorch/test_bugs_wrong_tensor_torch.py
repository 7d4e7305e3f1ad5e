"""torch: the lecture's per-example Huber regression with a loss that reads the wrong tensor
(`huber_loss(y, x)` where `huber_loss(y, y_predicted)` is meant): torch says only "element 0
of tensors does not require grad and does not have a grad_fn". While tapeviz listens, a note
names the loss's line (marked here, looked up, never hard-coded), what it read and the
prediction left unread. The numpy engine's twin: tests/test_bugs_wrong_tensor.py."""
import pytest

from programs import marked_line
from refused import refusal, tapeviz_notes

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')

from tapeviz.datasets import synthetic_birth_life  # noqa: E402
from tapeviz.debugger import Recorder  # noqa: E402

NO_GRAD = "element 0 of tensors does not require grad"


def huber_loss(y, y_predicted, delta=14.0):
    residual = (y - y_predicted).abs()
    return torch.where(residual < delta, 0.5 * residual ** 2, delta * residual - 0.5 * delta ** 2)


def examples():
    data, _ = synthetic_birth_life()
    data = torch.tensor(data[:10], dtype=torch.float32)
    w, b = torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)
    return w, b, data


def wrong_tensor():
    w, b, data = examples()
    optimizer = torch.optim.SGD([w, b], lr=0.001)
    for x, y in data:
        optimizer.zero_grad()
        y_predicted = w * x + b  # noqa: F841 (the prediction, unused: the bug)
        loss = huber_loss(y, x)  # BUG: wrong tensor
        loss.backward()
        optimizer.step()


def correct():
    w, b, data = examples()
    optimizer = torch.optim.SGD([w, b], lr=0.001)
    for x, y in data:
        optimizer.zero_grad()
        y_predicted = w * x + b
        loss = huber_loss(y, y_predicted)
        loss.backward()
        optimizer.step()
    return w


@pytest.mark.parametrize("listening", ["recorder", "breakpoint"])
def test_a_loss_that_reads_an_input_for_the_prediction_names_both(listening):
    """was: torch's bare message, no note."""
    [note] = tapeviz_notes(refusal(wrong_tensor, (), NO_GRAD, listening))
    assert note == (
        f"tapeviz: loss does not require grad, so backward() has nothing to differentiate: it "
        f"is made from y, x, none of which requires grad, while y_predicted, which does (line "
        f"{marked_line(__file__, '(the prediction').split(':')[1]}), is not read by it: does "
        f"the loss read the wrong tensor (an input where the prediction is meant)?; fix: "
        f"compute loss from y_predicted\n"
        f"  at tests/pytorch/{marked_line(__file__, '# BUG: wrong tensor')} in wrong_tensor\n"
        f"      loss = huber_loss(y, x)  # BUG: wrong tensor")


def test_the_loss_of_the_prediction_trains():
    with Recorder():
        assert correct().item() != 0.0
