"""The notes on torch's refused backward passes name the assignment that made the loss, not
the last one written above the backward call: a loss assigned in an `if` and its `else`, or
assigned again after backward() for the next turn of the loop (the lines marked `# BUG`
here, looked up, never hard-coded)."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from tapeviz.debugger import Recorder  # noqa: E402

import refused  # noqa: E402
from refused import tapeviz_notes  # noqa: E402

CUT = "element 0 of tensors does not require grad and does not have a grad_fn"
FREED = "backward through the graph a second time"
HERE = "tests/pytorch/"


def classifier_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, torch.randn(16, 4), torch.randint(0, 3, (16,))


def argmax_in_the_if(model, x, y, by_accuracy=True):
    out = model(x)
    if by_accuracy:
        loss = ((out.argmax(dim=1).float() - y.float()) ** 2).mean()  # BUG: in the if
    else:
        loss = F.cross_entropy(out, y)
    loss.backward()


def argmax_in_the_else(model, x, y, plain=False):
    out = model(x)
    if plain:
        loss = F.cross_entropy(out, y)
    else:
        pred = out.argmax(dim=1).float()  # BUG: in the else
        loss = ((pred - y.float()) ** 2).mean()
    loss.backward()


def loss_remade_after_backward(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    h = model(x)  # BUG: once, before the loop
    loss = F.cross_entropy(h, y)
    for _ in range(3):
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss = F.cross_entropy(h, y)  # the next turn's loss, made from the same h


def loss_in_branches_of_the_loop(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    h = model(x)  # BUG: branches, once before the loop
    for step in range(3):
        optimizer.zero_grad()
        if step % 2:
            loss = F.cross_entropy(h, y)
        else:
            loss = F.cross_entropy(h * 2.0, y)
        loss.backward()
        optimizer.step()


def refusal(program, match: str, listening: str = "recorder") -> RuntimeError:
    return refused.refusal(program, classifier_and_batch(), match, listening)


@pytest.mark.parametrize("listening", ["recorder", "breakpoint"])
def test_an_argmax_in_the_if_is_named_not_the_else_below_it(listening):
    """was: 'a call at the line that made loss returned a tensor without a grad_fn ...' at
    the else's line (the last assignment of loss above the call), which ran no argmax."""
    [note] = tapeviz_notes(refusal(argmax_in_the_if, CUT, listening))
    assert "argmax cut it off the graph: it gives indices, which carry no gradient" in note
    assert f"\n  at {HERE}{marked_line(__file__, '# BUG: in the if')} in argmax_in_the_if\n" \
        in note


def test_an_argmax_in_the_else_is_followed_back_through_its_names():
    [note] = tapeviz_notes(refusal(argmax_in_the_else, CUT))
    assert "(out requires grad; pred, made from it, does not, nor loss, made from pred)" in note
    assert f"\n  at {HERE}{marked_line(__file__, '# BUG: in the else')} in argmax_in_the_else" \
        in note


def test_the_correct_branch_trains_with_no_error_while_recorded():
    model, x, y = classifier_and_batch()
    with Recorder():
        argmax_in_the_if(model, x, y, by_accuracy=False)
        argmax_in_the_else(model, x, y, plain=True)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_a_loss_made_again_after_backward_is_followed_to_the_forward_before_the_loop():
    """was: 'loss is made from loss, which autograd made once, before the loop' at the line
    before the loop that made the first loss: the loss that failed was made after
    backward(), in the loop, from h; the recorded op's line says so."""
    [note] = tapeviz_notes(refusal(loss_remade_after_backward, FREED))
    assert note.startswith("tapeviz: loss is made from h, which autograd made once, before "
                           "the loop (line ")
    assert note.endswith(f"\n  at {HERE}{marked_line(__file__, '# BUG: once, before the loop')}"
                         f" in loss_remade_after_backward\n      h = model(x)  # BUG: once, "
                         f"before the loop")


def test_a_loss_made_in_either_branch_of_the_loop_is_followed_to_the_same_forward():
    [note] = tapeviz_notes(refusal(loss_in_branches_of_the_loop, FREED))
    assert note.startswith("tapeviz: loss is made from h, which autograd made once")
    assert f"\n  at {HERE}{marked_line(__file__, '# BUG: branches, once before the loop')} in " \
        in note
