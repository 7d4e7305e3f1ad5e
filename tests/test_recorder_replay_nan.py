"""A step whose values turn NaN while its ops follow the learned program (a NaN in the batch,
then in the variables every later step reads): the replayed steps show the very bits a full
recording shows, NaN's included, and the step a NaN entered is the one its values say."""
from __future__ import annotations

import math
import struct

from tapeviz.debugger.sink import Sink
from test_recorder_replay import huber_loop, outline, run, summary


def nan_loop():
    """The lecture's loop over six examples, the fourth of which is NaN."""
    xs = [1.0, 2.0, 3.0, float("nan"), 5.0, 6.0]
    return huber_loop(xs, [x + 0.5 for x in xs])


def assert_same_bits(replaying, reference) -> None:
    """test_recorder_replay's assert_same_recording, with each step's loss compared by its
    bits (a NaN loss is not == itself)."""
    assert len(replaying.steps) == len(reference.steps)
    for got, expected in zip(replaying.steps, reference.steps):
        mine, theirs = summary(got), summary(expected)
        assert mine[:2] + mine[3:] == theirs[:2] + theirs[3:]
        assert struct.pack("<d", mine[2]) == struct.pack("<d", theirs[2])
        assert outline(got) == outline(expected)


def test_a_nan_step_and_the_steps_after_it_replay_as_recorded_fully(monkeypatch):
    loop = nan_loop()
    replaying, _, replayed = run(loop)
    monkeypatch.setattr(Sink, "begin", lambda self: None)   # (every segment recorded fully)
    reference, _, _ = run(loop)
    assert replayed >= 3
    assert_same_bits(replaying, reference)
    losses = [step.loss for step in replaying.steps]
    assert not any(map(math.isnan, losses[:3])) and all(map(math.isnan, losses[3:]))


def test_a_replayed_nan_step_shows_the_input_it_came_from():
    replaying, _, _ = run(nan_loop())
    step = replaying.steps[3]
    first = step.ops[0]   # (the update ops of the step before come after its tape's ops)
    assert any(math.isnan(float(tensor._value)) for tensor in first.node.inputs)
    assert all(not math.isnan(float(value)) for value in step.variables.values())
    assert all(math.isnan(float(value)) for value in replaying.steps[4].variables.values())
