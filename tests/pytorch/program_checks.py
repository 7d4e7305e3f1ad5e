"""What every real torch program of tests/pytorch/test_programs_*.py goes through: recorded
and drawn (the widget's scene, by layer), stepped backward, run under a breakpoint it never
hits (the same values as plain torch), its planted NaN found at the user's line, kept by a
Recorder and shown as a full recording shows it, diagnosed, run by the Runner; torch's state
(function modes, grad mode, inference mode, global module hooks, the model's train flag) as
it was after each."""
import torch

import tapeviz.torch as tvt
from tapeviz.debugger import Recorder, Runner, diagnose
from tapeviz.viz import TapeWidget
from kept_compare import assert_same_steps, both_ways


def assert_torch_as_found(*models) -> None:
    """No mode left on the stack, grad mode on, no inference mode, no global module hook,
    each model in training mode (what the program set last)."""
    assert torch._C._len_torch_function_stack() == 0
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    assert not torch.nn.modules.module._global_forward_pre_hooks
    assert not torch.nn.modules.module._global_forward_hooks
    assert all(model.training for model in models)


def losses(step, count: int) -> list:
    """The bits of each of `count` steps' losses (plain torch, or under whatever listens)."""
    return [step().detach().numpy().tobytes() for _ in range(count)]


def recorded_and_drawn(make) -> tuple:
    """(the tape of one step, the widget's html): stepped through every backward step."""
    model, step = make()
    with tvt.record() as tape:
        step()
    widget = TapeWidget(tape)
    try:
        html = widget.to_html()
        stepper = tape.stepper()
        assert sum(1 for _ in iter(stepper.step, None)) == len(tape.steps) > 0
    finally:
        widget.close()
    assert_torch_as_found(model)
    return tape, html


def same_under_a_breakpoint_never_hit(make, count: int = 3) -> None:
    """A breakpoint on an op the program never runs: no hit, each loss plain torch's bits."""
    _, step = make()
    plain = losses(step, count)
    model, step = make()
    armed = tvt.break_on(op="cholesky", action="raise")
    try:
        assert losses(step, count) == plain
        assert armed.hits == []
    finally:
        armed.clear()
    assert_torch_as_found(model)


def kept_as_recorded_fully(switch, make, count: int = 4) -> list:
    """A Recorder's steps kept after the first (returned: which held a kept record) show
    what a full recording shows, bitwise; diagnose finds nothing in them."""
    def training():
        _, step = make()
        return lambda *_: step()
    full, kept, held = both_ways(switch, training, [(None, None)] * count)
    assert_same_steps(full, kept)
    return held


def diagnosed(make, count: int = 3) -> list:
    model, step = make()
    with Recorder() as rec:
        for _ in range(count):
            step()
    assert_torch_as_found(model)
    return diagnose(rec)


def run_by_the_runner(make, count: int = 3) -> None:
    """The Runner runs `count` steps in its thread: the losses plain torch gives."""
    _, step = make()
    plain = losses(step, count)
    model, step = make()
    runner = Runner(lambda: losses(step, count)).start()
    assert runner.join(120) and runner.result == plain
    assert runner.step_count == count
    assert_torch_as_found(model)
