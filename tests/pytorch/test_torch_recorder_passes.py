"""A torch backward pass that a Recorder alone hears gives it the pass's steps in one call as
the pass ends (no event, lock and settle a step); one that someone else hears too (a
listener of its steps, a stepper, a breakpoint) still gives them one at a time, so a look
from inside the pass sees the steps so far. Either way the Recorder keeps the same steps."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason='the torch adapter needs torch: pip install '
                                           '"tapeviz[torch]" (torch==2.13.0, the CPU build)')
import tapeviz.torch as tvt  # noqa: E402,F401  (the adapter: records torch ops)
from tapeviz import events  # noqa: E402
from tapeviz.debugger import Recorder  # noqa: E402
from small_step import recorded_small_step  # noqa: E402


def _values(tensor):
    return None if tensor is None else np.asarray(tensor._value).tolist()


def _a_step(listener=None) -> tuple:
    """(each kept backward step's op, upstream and input gradients; the step's bytes) of one
    training step of a small model recorded by a Recorder, alone or with `listener` of the
    backward steps subscribed."""
    rec = recorded_small_step(listener, (events.VJPApplied,))
    step = rec.last_step
    return [(s.node.op.name, _values(s.upstream), [_values(g) for g in s.input_grads])
            for s in step.backward_steps], step.nbytes, rec


def test_a_recorder_alone_keeps_the_steps_a_listened_pass_gives_it_one_by_one():
    alone, _, _ = _a_step()
    heard = []
    listened, _, _ = _a_step(heard.append)
    assert [op for op, *_ in alone] == ["mse_loss", "linear", "relu", "linear"]
    assert len(heard) == 4   # the listener's pass: one event a step
    assert alone == listened
    assert all(upstream is not None for _, upstream, _ in alone)


def test_a_pass_a_recorder_alone_hears_is_kept_whole_and_counted_in_its_step():
    _, nbytes, rec = _a_step()
    step = rec.last_step
    assert len(step.backward_steps) == 4
    assert nbytes >= sum(np.asarray(g._value).nbytes for g in step.variable_gradients.values())


def test_a_look_from_inside_a_listened_pass_sees_the_steps_so_far():
    seen = []
    recorders = []

    def look(event):   # a step listener that looks at the Recorder as each step runs
        if recorders:
            seen.append(len(recorders[0].current_step.backward_steps))

    original = Recorder.start

    def start(self):
        recorders.append(self)
        return original(self)
    Recorder.start = start
    try:
        _a_step(look)
    finally:
        Recorder.start = original
    # (subscribed before the Recorder, it hears each step just before the Recorder keeps it)
    assert seen == [0, 1, 2, 3]
