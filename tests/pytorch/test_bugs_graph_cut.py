"""A loss cut off autograd's graph by the student's own code (an argmax, a `.item()` made a
tensor again, a `.detach()`, `.numpy()`, `.data`, a `torch.no_grad()` block): torch's
`loss.backward()` says only "element 0 of tensors does not require grad and does not have a
grad_fn"; while tapeviz listens, a note names what cut it and the line (marked `# BUG`
here, looked up, never hard-coded). And a forward pass run once, before the loop, whose
graph the first backward freed ("Trying to backward through the graph a second time"): the
note names that line."""
import numpy as np
import pytest

from programs import line_of, marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402
from tapeviz.debugger import Recorder  # noqa: E402

import refused  # noqa: E402
from refused import tapeviz_notes  # noqa: E402

BARE = "element 0 of tensors does not require grad and does not have a grad_fn"


def classifier_and_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    return model, torch.randn(16, 4), torch.randint(0, 3, (16,))


def argmax_in_the_loss(model, x, y):
    out = model(x)
    pred = out.argmax(dim=1).float()  # BUG: argmax
    loss = ((pred - y.float()) ** 2).mean()
    loss.backward()


def item_made_a_tensor_again(model, x, y):
    value = F.cross_entropy(model(x), y).item()  # BUG: item
    loss = torch.tensor(value)
    loss.backward()


def detached_logits(model, x, y):
    logits = model(x).detach()  # BUG: detach
    loss = F.cross_entropy(logits, y)
    loss.backward()


def forward_under_no_grad(model, x, y):
    with torch.no_grad():
        logits = model(x)  # BUG: no_grad
    loss = F.cross_entropy(logits, y)
    loss.backward()


def numpy_in_the_loss(model, x, y):
    p = model(x).detach().numpy()  # BUG: numpy
    loss = torch.from_numpy(np.square(p).mean(keepdims=True))
    torch.autograd.backward(loss)


def the_correct_loss(model, x, y):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()


def refusal(program, listening: str = "recorder") -> RuntimeError:
    return refused.refusal(program, classifier_and_batch(), BARE, listening)


def test_an_argmax_in_the_loss_is_named_with_its_line_and_the_fix():
    """was: torch's bare 'element 0 of tensors does not require grad', no note."""
    [note] = tapeviz_notes(refusal(argmax_in_the_loss))
    at = f"tests/pytorch/{marked_line(__file__, '# BUG: argmax')}"
    assert note == (
        f"tapeviz: loss does not require grad, so backward() has nothing to differentiate: "
        f"argmax cut it off the graph: it gives indices, which carry no gradient (out "
        f"requires grad; pred, made from it, does not, nor loss, made from pred); fix: "
        f"compute the loss from the scores themselves (F.cross_entropy(logits, labels) for "
        f"class labels; keep argmax for the accuracy)\n"
        f"  at {at} in argmax_in_the_loss\n"
        f"      pred = out.argmax(dim=1).float()  # BUG: argmax")


@pytest.mark.parametrize("program, marker, told", [
    (item_made_a_tensor_again, "# BUG: item",
     ".item() cut it off the graph: it gives a Python number, which has left the graph "
     "(model holds parameters that require grad; value, made from it, does not, nor loss, "
     "made from value); fix: keep the loss a tensor"),
    (detached_logits, "# BUG: detach",
     ".detach() cut it off the graph: it gives a tensor cut off the graph (model holds "
     "parameters that require grad; logits, made from it, does not, nor loss, made from "
     "logits); fix: remove the .detach()"),
    (forward_under_no_grad, "# BUG: no_grad",
     "torch.no_grad() (or inference_mode) around the line that made logits cut it off the "
     "graph"),
    (numpy_in_the_loss, "# BUG: numpy",   # (told by .numpy(), not by the .detach() it needs)
     ".numpy() cut it off the graph: it gives a numpy array, which has left the graph"),
], ids=["item", "detach", "no_grad", "numpy"])
def test_what_cut_the_loss_off_the_graph_is_named_at_its_line(program, marker, told):
    [note] = tapeviz_notes(refusal(program))
    assert told in note
    assert f"\n  at tests/pytorch/{marked_line(__file__, marker)} in {program.__name__}\n" \
        in note


def test_the_note_comes_with_a_breakpoint_alone_listening_too():
    """A nan breakpoint alone: the pass runs with the adapter's mode lifted (unheard_backward)."""
    [note] = tapeviz_notes(refusal(argmax_in_the_loss, listening="breakpoint"))
    assert f":{line_of(__file__, '# BUG: argmax')} in argmax_in_the_loss\n" in note


def test_a_model_frozen_whole_is_no_line_of_the_students_cut():
    """Every parameter requires_grad=False: no line of the program cut the loss, so tapeviz
    adds no note naming one (torch's own message stands)."""
    model, x, y = classifier_and_batch()
    model.requires_grad_(False)
    with Recorder(), pytest.raises(RuntimeError, match=BARE) as raised:
        the_correct_loss(model, x, y)
    assert tapeviz_notes(raised.value) == []


def test_the_correct_loss_trains_with_no_error_while_recorded():
    model, x, y = classifier_and_batch()
    with Recorder():
        the_correct_loss(model, x, y)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_why_none_of_a_loss_cut_by_argmax_names_the_argmax_and_its_line():
    """was: 'loss does not require grad: autograd recorded nothing of it, as under
    torch.no_grad() or ... (.detach(), .item(), .numpy(), .data)', no line."""
    from tapeviz.debugger import why_none
    model, x, y = classifier_and_batch()
    with tvt.record() as tape:
        out = model(x)
        pred = out.argmax(dim=1).float()  # BUG: argmax asked about
        loss = ((pred - y.float()) ** 2).mean()
    found = why_none(tape, loss, model[0].weight)
    assert found.kind == "target_not_recorded"
    assert found.message.startswith(
        "loss does not require grad, so autograd gives nothing a gradient through it: argmax "
        "cut it off the graph: it gives indices, which carry no gradient (out requires grad; "
        "pred, made from it, does not, nor loss, made from pred)")
    assert found.message.endswith(
        f"; at tests/pytorch/{marked_line(__file__, '# BUG: argmax asked about')}: pred = "
        f"out.argmax(dim=1).float()  # BUG: argmax asked about")
    assert found.source.lineno == line_of(__file__, "# BUG: argmax asked about")


def forward_once_before_the_loop(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    h = model(x)  # BUG: once, before the loop
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(h, y)
        loss.backward()
        optimizer.step()


def test_a_forward_pass_run_once_before_the_loop_is_named_when_its_graph_is_freed():
    """was: torch's bare 'Trying to backward through the graph a second time', no note."""
    model, x, y = classifier_and_batch()
    with Recorder(), pytest.raises(RuntimeError, match="backward through the graph a second "
                                                       "time") as raised:
        forward_once_before_the_loop(model, x, y)
    [note] = tapeviz_notes(raised.value)
    loop = line_of(__file__, "# BUG: once, before the loop") + 1
    assert note == (
        f"tapeviz: loss is made from h, which autograd made once, before the loop (line "
        f"{loop}) that runs loss.backward() every iteration: the first backward() freed the "
        f"graph under h, so the next finds it gone; fix: compute h inside the loop, each step "
        f"(retain_graph=True only if you mean to differentiate the same graph again)\n"
        f"  at tests/pytorch/{marked_line(__file__, '# BUG: once, before the loop')} in "
        f"forward_once_before_the_loop\n"
        f"      h = model(x)  # BUG: once, before the loop")


def test_two_backward_passes_in_a_row_outside_a_loop_get_no_note_naming_a_loop():
    model, x, y = classifier_and_batch()
    loss = F.cross_entropy(model(x), y)
    with Recorder(), pytest.raises(RuntimeError, match="second time") as raised:
        loss.backward()
        loss.backward()
    [note] = tapeviz_notes(raised.value)   # the plain one (test_mistakes_torch), no loop named
    said = note.split("\n")[0]   # (the line placed after it is this test's, named 'loop')
    assert said.startswith("tapeviz: an earlier backward pass freed this graph") \
        and "loop" not in said
