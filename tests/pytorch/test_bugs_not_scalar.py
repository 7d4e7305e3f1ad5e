"""A loss that is not one number given to backward(): torch says only "grad can be implicitly
created only for scalar outputs", naming neither the loss, its shape, nor the line that made
it. While tapeviz listens, a note names them and the fix (the lines marked `# BUG` here,
looked up, never hard-coded); a loss averaged as it should be trains with no note."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch as tvt  # noqa: E402
from tapeviz.debugger import Recorder, clear_breakpoints  # noqa: E402

BARE = "grad can be implicitly created only for scalar outputs"
HERE = "tests/pytorch/"


def regression():
    torch.manual_seed(0)
    return nn.Linear(4, 1), torch.randn(8, 4), torch.randn(8, 1)


def criterion_per_example(model, x, y):
    criterion = nn.MSELoss(reduction="none")  # BUG: criterion made
    loss = criterion(model(x), y)  # BUG: criterion called
    loss.backward()


def functional_per_example(model, x, y):
    loss = F.mse_loss(model(x), y, reduction="none")  # BUG: functional
    loss.backward()


def squared_error_by_hand(model, x, y, use_abs=False):
    out = model(x)
    if use_abs:
        loss = (out - y).abs().mean()
    else:
        loss = (out - y) ** 2  # BUG: by hand
    loss.backward()


def weighted_or_squared(model, x, y, weighted=False):
    out = model(x)
    if weighted:
        loss = (out - y) ** 2 * torch.linspace(0, 1, 8)[:, None]  # BUG: weighted
    else:
        loss = (out - y) ** 2  # BUG: squared
    loss.backward()


def cubed_or_squared(model, x, y, cubed=False):
    out = model(x)
    if cubed:
        loss = (out - y).abs() ** 3  # BUG: cubed
    else:
        loss = (out - y) ** 2  # BUG: same last op
    loss.backward()


def gradients_asked_of_a_vector(model, x, y):
    loss = (model(x) - y) ** 2  # BUG: autograd.grad
    torch.autograd.grad(loss, list(model.parameters()))


def the_correct_loss(model, x, y):
    loss = F.mse_loss(model(x), y)
    loss.backward()


def refusal(program, listening: str = "recorder", **options) -> RuntimeError:
    model, x, y = regression()
    if listening == "recorder":
        with Recorder(), pytest.raises(RuntimeError, match=BARE) as raised:
            program(model, x, y, **options)
    else:
        tvt.break_on(op="log", nan=True)
        try:
            with pytest.raises(RuntimeError, match=BARE) as raised:
                program(model, x, y, **options)
        finally:
            clear_breakpoints()
    return raised.value


def tapeviz_notes(error) -> list:
    return [note for note in getattr(error, "__notes__", ()) if note.startswith("tapeviz:")]


def test_a_criterion_made_with_reduction_none_is_named_with_both_lines():
    """was: torch's bare 'grad can be implicitly created only for scalar outputs'."""
    [note] = tapeviz_notes(refusal(criterion_per_example))
    made = marked_line(__file__, "# BUG: criterion made")
    called = marked_line(__file__, "# BUG: criterion called")
    assert note == (
        f"tapeviz: loss has shape (8, 1), 8 numbers, not one: backward() differentiates a "
        f"single number (a scalar), unless given the gradient of each element (gradient=); "
        f"criterion, made at {HERE}{made} in criterion_per_example, asked for one loss per "
        f"example (reduction='none'); fix: leave reduction at its default, 'mean', or "
        f"reduce it before backward(): loss.mean()\n"
        f"  at {HERE}{called} in criterion_per_example\n"
        f"      loss = criterion(model(x), y)  # BUG: criterion called")


@pytest.mark.parametrize("listening", ["recorder", "breakpoint"])
def test_reduction_none_given_to_the_function_is_named(listening):
    """With a breakpoint alone listening the pass runs with the adapter's mode lifted: the
    line is read from the source, the one assignment that reaches the backward call."""
    [note] = tapeviz_notes(refusal(functional_per_example, listening))
    assert "; F.mse_loss asked for one loss per example (reduction='none'); fix: " in note
    assert note.endswith(f"\n  at {HERE}{marked_line(__file__, '# BUG: functional')} in "
                         f"functional_per_example\n      loss = F.mse_loss(model(x), y, "
                         f"reduction=\"none\")  # BUG: functional")


@pytest.mark.parametrize("listening", ["recorder", "breakpoint"])
def test_a_loss_written_by_hand_in_a_branch_is_named_at_the_branch_that_ran(listening):
    """The recorded op's line names the `else` that ran; with a breakpoint alone (no op
    recorded) two assignments reach the call, and the loss's grad_fn (a pow, not the if's
    mean) chooses the else's (was: no line)."""
    [note] = tapeviz_notes(refusal(squared_error_by_hand, listening))
    assert ("fix: reduce it to one number before backward(): loss.mean() (the batch's "
            "average, as torch's losses give by default; .sum() scales the gradient with the "
            "batch size)") in note
    at = f"\n  at {HERE}{marked_line(__file__, '# BUG: by hand')} in squared_error_by_hand\n"
    assert at in note


@pytest.mark.parametrize("weighted, marker", [(True, "# BUG: weighted"),
                                              (False, "# BUG: squared")])
def test_of_two_losses_per_example_in_branches_the_one_that_ran_is_named(weighted, marker):
    """With a breakpoint alone both branches' losses are (8, 1); the grad_fn, a mul or a pow,
    says which ran (was: no line)."""
    [note] = tapeviz_notes(refusal(weighted_or_squared, "breakpoint", weighted=weighted))
    assert f"\n  at {HERE}{marked_line(__file__, marker)} in weighted_or_squared\n" in note


def test_of_two_losses_per_example_ending_in_the_same_op_both_lines_are_named():
    """With a breakpoint alone both branches end in a pow: no recorded op and no text tells
    which ran, so both are said, as such (was: no line)."""
    [note] = tapeviz_notes(refusal(cubed_or_squared, "breakpoint"))
    assert note.endswith(
        f"\n  made by one of these assignments, whichever ran:"
        f"\n  at {HERE}{marked_line(__file__, '# BUG: cubed')} in cubed_or_squared"
        f"\n      loss = (out - y).abs() ** 3  # BUG: cubed"
        f"\n  at {HERE}{marked_line(__file__, '# BUG: same last op')} in cubed_or_squared"
        f"\n      loss = (out - y) ** 2  # BUG: same last op")


def test_autograd_grad_of_a_vector_gets_the_note_too():
    [note] = tapeviz_notes(refusal(gradients_asked_of_a_vector))
    assert note.startswith("tapeviz: loss has shape (8, 1), 8 numbers, not one: ")
    assert f"\n  at {HERE}{marked_line(__file__, '# BUG: autograd.grad')} in " in note


def test_the_correct_loss_and_the_abs_branch_train_with_no_error_while_recorded():
    model, x, y = regression()
    with Recorder():
        the_correct_loss(model, x, y)
        squared_error_by_hand(model, x, y, use_abs=True)
    assert model.weight.grad is not None and model.weight.grad.abs().sum() > 0
