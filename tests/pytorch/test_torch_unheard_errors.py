"""A torch call that raises while only a Runner or a breakpoint on other ops listens (the op
nobody hears, run as it is) carries the same note a recorded one does: the op, its layer,
the shapes it was given, the user's line and a hint. Was: torch's message alone
('mat1 and mat2 shapes cannot be multiplied (4x1024 and 576x10)'), no op, no line, where
`tvt.record()` of the same model said all of it."""

import torch
import torch.nn.functional as F
from torch import nn

import tapeviz.torch as tvt
from tapeviz.debugger import Runner
from programs import line_of
import test_torch_training_steps as training_steps

T = 30.0   # the longest the Runner's loop may take (the machine is shared)


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 6 * 6, 10))


def _wrong_shape_step(model):
    labels = torch.randint(0, 10, (4,))
    return F.cross_entropy(model(torch.randn(4, 1, 10, 10)), labels)   # 10x10, not 8x8


def _note_of(error) -> str:
    return "\n".join(getattr(error, "__notes__", []))


def _says_what_failed(note: str) -> None:
    assert "tapeviz: linear in layer model[3] (Linear) was given input float32[4, 1024]" in note, \
        note
    assert "weight float32[10, 576]" in note, note
    assert f"test_torch_unheard_errors.py:{line_of(__file__, '10x10')}" in note, note
    assert "nn.Linear(1024, 10)" in note, note   # the hint


def test_an_op_that_raised_under_a_runner_names_the_op_the_shapes_and_the_line():
    model = _model()
    runner = Runner(lambda: _wrong_shape_step(model)).start()
    try:
        runner.join(T)
    except RuntimeError as error:
        raised = error
    else:
        raise AssertionError("the Runner's loop did not raise")
    assert runner.state == "failed" and runner.error is raised
    assert "cannot be multiplied" in str(raised)   # torch's own message, kept as it is
    _says_what_failed(_note_of(raised))


def test_an_op_that_raised_under_a_breakpoint_on_another_op_says_the_same():
    model = _model()
    bp = tvt.break_on(op="log")
    try:
        _wrong_shape_step(model)
    except RuntimeError as error:
        raised = error
    else:
        raise AssertionError("the step did not raise")
    finally:
        bp.clear()
    _says_what_failed(_note_of(raised))
    assert len(raised.__notes__) == 1   # noted once


def test_a_model_of_a_root_path_an_earlier_model_had_is_named_as_its_own_code_binds_it():
    """Models called while paths were kept left their names for their root paths
    ('Sequential', 'Sequential_1'); a later model given such a path, raising while no hook
    keeps paths, was named by it: 'critic[3] (Linear)' for this loop's `model` (seen in
    CI after the GAN tests)."""
    training_steps.test_a_gans_iteration_with_two_optimizers_and_three_passes_is_one_step()
    test_an_op_that_raised_under_a_runner_names_the_op_the_shapes_and_the_line()
