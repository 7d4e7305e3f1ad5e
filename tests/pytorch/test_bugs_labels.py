"""torch: labels in the wrong form for the loss, which torch refuses in its own words
('0D or 1D target tensor expected, multi-target not supported', 'The size of tensor a (3)
must match the size of tensor b (32)'): while tapeviz listens, its note on the error says
what the target is and what to pass (one-hot rows to a loss of class indices; class
indices as floats; class indices to a loss that compares values; logits to
binary_cross_entropy); a refusal the labels do not explain gets no such hint."""
import pytest

from programs import marked_line

torch = pytest.importorskip("torch", reason='the PyTorch adapter: pip install "tapeviz[torch]"')
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import tapeviz.torch  # noqa: E402,F401  (the adapter: torch ops heard while the Recorder listens)
from tapeviz.debugger import Recorder  # noqa: E402


def classifier_batch():
    torch.manual_seed(0)
    return nn.Linear(8, 3), torch.randn(32, 8), torch.randint(0, 3, (32,))


def refused(loss_of) -> str:
    """The tapeviz note of the error `loss_of(model, x, labels)` raises while recorded."""
    model, x, labels = classifier_batch()
    with Recorder(), pytest.raises((RuntimeError, ValueError, IndexError)) as raised:
        loss_of(model, x, labels)
    [note] = [n for n in raised.value.__notes__ if n.startswith("tapeviz:")]
    return note


def one_hot_to_nll(model, x, labels):
    return F.nll_loss(F.log_softmax(model(x), dim=1), F.one_hot(labels, 3))  # BUG: one-hot


def test_one_hot_labels_given_to_nll_loss_are_told_with_the_fix():
    """was: the shapes alone (input float32[32, 3], target int64[32, 3])."""
    note = refused(one_hot_to_nll)
    assert note.startswith("tapeviz: nll_loss was given input float32[32, 3], target "
                           "int64[32, 3]\n")
    assert f"  at tests/pytorch/{marked_line(__file__, '# BUG: one-hot')} in one_hot_to_nll" \
        in note
    assert note.endswith("\n  hint: the target is one-hot (each row a single 1, shape "
                         "(32, 3)): nll_loss takes class indices, shape (32,): pass "
                         "target.argmax(dim=1)")


@pytest.mark.parametrize("loss_of, hint", [
    (lambda model, x, labels: nn.CrossEntropyLoss()(model(x), F.one_hot(labels, 3)),
     "the target is one-hot (each row a single 1, shape (32, 3)): cross_entropy takes class "
     "indices, shape (32,): pass target.argmax(dim=1) (or give them as probabilities: "
     "target.float())"),
    (lambda model, x, labels: F.cross_entropy(model(x), labels.float()),
     "the target holds class indices as floats (float32): cross_entropy takes them as "
     "integers: pass target.long()"),
    (lambda model, x, labels: F.mse_loss(model(x), labels.float()),
     "the target holds class indices (0..2) for 3 outputs: mse_loss compares values, (N, 3) "
     "against (N,); a classifier's loss is F.cross_entropy(logits, target.long()) (or "
     "compare one-hot rows: F.one_hot(target.long(), 3).float())"),
    (lambda model, x, labels: F.cross_entropy(model(x), labels + 1),
     "the labels look 1-based (1 to 3): subtract 1, target - 1"),
    (lambda model, x, labels: F.cross_entropy(model(x)[:, :2], labels),
     "the model gives 2 classes: labels up to 2 need a last layer of 3 outputs, "
     "nn.Linear(..., 3)"),
], ids=["cross_entropy_one_hot_ints", "class_indices_as_floats", "mse_of_class_indices",
        "labels_from_one", "too_few_outputs"])   # the last two: was no hint ('Target 3 is out
#                                                  of bounds' and the shapes alone)
def test_labels_in_the_wrong_form_are_told_what_to_pass(loss_of, hint):
    assert refused(loss_of).endswith(f"\n  hint: {hint}")


def test_a_refusal_the_labels_do_not_explain_gets_no_hint():
    """Targets of another width, real-valued: a shape mismatch, nothing about labels."""
    note = refused(lambda model, x, labels: F.mse_loss(model(x), torch.randn(32, 5)))
    assert note.startswith("tapeviz: mse_loss was given input float32[32, 3], target "
                           "float32[32, 5]\n")
    assert "hint:" not in note


def test_the_labels_in_the_right_form_train():
    model, x, labels = classifier_batch()
    with Recorder():
        F.cross_entropy(model(x), labels).backward()
        F.cross_entropy(model(x), F.one_hot(labels, 3).float()).backward()   # probabilities
    assert model.weight.grad is not None and model.weight.grad.abs().sum() > 0


def test_logits_given_to_binary_cross_entropy_are_told_to_go_to_the_logits_loss():
    """was: 'all elements of input should be between 0 and 1' and the shapes alone."""
    note = refused(lambda model, x, labels: F.binary_cross_entropy(
        model(x)[:, 0], (labels > 0).float()))
    assert note.startswith("tapeviz: binary_cross_entropy was given input float32[32], target "
                           "float32[32]\n")
    assert "\n  hint: the input holds logits (values outside [0, 1], from " in note
    assert note.endswith("binary_cross_entropy takes probabilities: give the logits to "
                         "F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss), which "
                         "applies the sigmoid itself, stably")


def test_probabilities_given_to_binary_cross_entropy_train():
    model, x, labels = classifier_batch()
    with Recorder():
        F.binary_cross_entropy(torch.sigmoid(model(x)[:, 0]), (labels > 0).float()).backward()
    assert model.weight.grad.abs().sum() > 0
