"""A loss given its arguments swapped, labels first: F.cross_entropy(labels, logits) fails
on the labels' dtype ('"log_softmax_lastdim_kernel_impl" not implemented for 'Long''), and
F.binary_cross_entropy(labels, probabilities) trains on nonsense until the model's output
turns NaN ('all elements of target should be between 0 and 1'): neither error says the
arguments are swapped. The note's hint does, at the loss's line (marked here, looked up,
never hard-coded); the loss given its arguments in order trains with no error."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder  # noqa: E402


def batches():
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    return x, (x[:, 0] > 0).long()


def classifier_swapped(swapped=True):
    x, y = batches()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    logits = model(x)
    if swapped:
        return F.cross_entropy(y, logits)  # BUG: cross_entropy swapped
    return F.cross_entropy(logits, y)


def binary_swapped(swapped=True, steps=8):
    x, y = batches()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
    labels = y.float().unsqueeze(1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for i in range(steps):
        optimizer.zero_grad()
        p, t = model(x[i * 32:(i + 1) * 32]), labels[i * 32:(i + 1) * 32]
        loss = F.binary_cross_entropy(t, p) if swapped else F.binary_cross_entropy(p, t)  # BCE
        loss.backward()
        optimizer.step()
    return float(loss)


def hint_of(program, match: str) -> str:
    with Recorder(), pytest.raises(RuntimeError, match=match) as raised:
        program()
    [note] = [n for n in raised.value.__notes__ if n.startswith("tapeviz:")]
    return note


def test_cross_entropy_given_the_labels_first_says_the_arguments_are_swapped():
    """was: the note named the op and its inputs, int64[256] and float32[256, 2], no hint."""
    note = hint_of(classifier_swapped, "not implemented for 'Long'")
    assert note.endswith(
        "\n  hint: the target is what the model made (it requires grad) and the input does "
        "not: the arguments look swapped; cross_entropy takes the model's output first: "
        "cross_entropy(output, labels)")
    assert f"\n  at tests/pytorch/{marked_line(__file__, '# BUG: cross_entropy swapped')} " \
        in note


def test_binary_cross_entropy_given_the_labels_first_says_so_when_it_fails():
    note = hint_of(binary_swapped, "between 0 and 1")
    assert "hint: the target is what the model made (it requires grad) and the input does " \
           "not: the arguments look swapped; binary_cross_entropy takes" in note
    assert f"\n  at tests/pytorch/{marked_line(__file__, '# BCE')} in binary_swapped\n" in note


def test_the_losses_given_their_arguments_in_order_train():
    with Recorder():
        assert float(classifier_swapped(swapped=False)) > 0
        assert binary_swapped(swapped=False) < 0.75
