"""A newcomer's mistakes on the torch adapter said in tapeviz's words: the call, what it
expected, what came, the user's line and, where one can be computed, what to do instead."""
import pytest
import torch

import tapeviz.torch as tvt
from tapeviz.debugger import diagnose
from tapeviz.viz import TapeWidget

MODEL = ("a model is not a record of what it ran: record a step of it, `with "
         "tapeviz.torch.record() as tape: loss = loss_fn(model(x), y)`")
TENSOR = ("a tensor is a value and does not remember the ops that made it: record them, "
          "`with tapeviz.torch.record() as tape: ...`")


@pytest.mark.parametrize("given, came, said", [
    (torch.nn.Linear(3, 1), "got Linear(in_features=3", MODEL),
    (torch.ones(2), "got tensor([1., 1.])", TENSOR),
], ids=["model", "tensor"])
def test_a_widget_or_a_diagnosis_given_a_torch_model_or_tensor_says_to_record(given, came, said):
    for call in (TapeWidget, diagnose):
        with pytest.raises(TypeError) as raised:
            call(given)
        text = str(raised.value)
        assert came in text and f"hint: {said}" in text, text
        assert raised.value.source.filename == __file__


def test_a_factory_failing_in_a_recording_is_noted_as_given_no_tensor_at_the_users_line():
    with pytest.raises(RuntimeError) as raised:
        with tvt.record():
            torch.ones(-1)
    note = "\n".join(raised.value.__notes__)
    assert note.startswith("tapeviz: ones was given no tensor\n  at "), note
    assert "test_reliability_torch_messages.py:" in note and "torch.ones(-1)" in note


@pytest.mark.parametrize("given, said", [
    (None, "linear was given None as its input, where a tensor goes, in Linear.forward\n"),
    ([[1.0, 2.0, 3.0]], "linear was given a list as its input, where a tensor goes, in "
                        "Linear.forward; make it one first: torch.tensor(x)\n"),
    ([torch.ones(2, 3), torch.ones(2, 3)], "linear was given a list as its input, where a "
                                           "tensor goes, in Linear.forward; join them first: "
                                           "torch.cat(xs, dim=1), or torch.stack(xs) for a "
                                           "new axis\n"),
], ids=["None", "list", "list-of-tensors"])
def test_a_module_given_no_tensor_in_a_recording_is_noted_at_the_users_line(given, said):
    """torch refuses the call before the adapter's mode sees it: the recording notes it."""
    model = torch.nn.Sequential(torch.nn.Linear(3, 1))
    with pytest.raises(TypeError) as raised:
        with tvt.record():
            model(given)
    note = "\n".join(raised.value.__notes__)
    assert note.startswith(f"tapeviz: {said}  at "), note
    assert "test_reliability_torch_messages.py:" in note, note
    assert note.endswith("      model(given)"), note   # the user's line, not the `with`'s
    with tvt.record() as tape:   # the next recording is whole
        model(torch.ones(2, 3))
    assert [node.op.name for node in tape.nodes] == ["linear"]


def test_why_none_of_torch_tensors_says_autograds_reason_in_torchs_terms():
    from tapeviz.debugger import why_none
    w = torch.ones(3, requires_grad=True)
    batch = torch.ones(3)
    spare = torch.ones(2, requires_grad=True)
    with tvt.record() as tape:
        h = w * 2.0
        loss = (h * batch).sum()
    with torch.no_grad():
        frozen = (w * 2.0).sum()
    said = {"batch": why_none(tape, loss, batch), "spare": why_none(tape, loss, spare),
            "h": why_none(tape, loss, h), "no_grad": why_none(tape, frozen, w),
            "w": why_none(tape, loss, w)}   # (each asked as a student asks, by name)
    assert said["batch"].kind == "not_watched" and said["batch"].message.startswith(
        "batch (float32, shape (3,)) does not require grad, so autograd tracks nothing it "
        "feeds: make it with requires_grad=True, or call batch.requires_grad_()"), said["batch"]
    assert said["spare"].kind == "unused" and said["spare"].message.startswith(
        "loss's autograd graph does not reach spare (float32, shape (2,))"), said["spare"]
    assert said["h"].kind == "not_leaf" and "call h.retain_grad() before backward()" in \
        said["h"].message, said["h"]
    assert said["no_grad"].kind == "target_not_recorded" and said["no_grad"].message.startswith(
        "frozen does not require grad, so autograd gives nothing a gradient through it: "
        "torch.no_grad() (or inference_mode) around the line that made frozen cut it off the "
        "graph"), said["no_grad"]
    assert said["no_grad"].source.statement.strip() == "frozen = (w * 2.0).sum()"
    assert said["w"].kind == "connected"
    loss.backward()   # the graph and the tensors as they were: nothing ran
    assert w.grad.tolist() == [2.0, 2.0, 2.0] and why_none(tape, loss, w).kind == "connected"


def test_a_numpy_array_given_to_a_module_under_record_gets_the_note():
    """torch's 'must be Tensor, not numpy.ndarray' (the dotted name was not matched: no note)
    now names the module, the argument and the user's line, and how to make a tensor."""
    import numpy as np
    model = torch.nn.Linear(3, 2)
    with pytest.raises(TypeError) as caught:
        with tvt.record():
            model(np.ones((2, 3), dtype=np.float32))
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1 and notes[0].startswith(
        "tapeviz: linear was given a numpy.ndarray as its input, where a tensor goes, in "
        "Linear.forward; make it one first: torch.from_numpy(x)")
    assert "test_reliability_torch_messages.py" in notes[0]
