"""A noted step's bytes are counted when the budget may be near or someone looks, not as it is
noted (budget.py, recorded_op.KeptBytes): a loop far from its budget counts no step, and one
near it drops the same steps, at the same step, as counting each step as it ends does."""
from __future__ import annotations

import math
import struct

import pytest

from tapeviz.debugger import noted
from tapeviz.debugger.recorded_op import KeptBytes
from tapeviz.debugger.recorder import StepsDroppedWarning
from tapeviz.debugger.sink import Sink
from test_recorder_replay import NOTED, RUNNING, huber_loop, outline, run, summary


def counting_each_step(monkeypatch) -> None:
    """The reference: every noted step counted as it is noted (no estimate of the uncounted)."""
    monkeypatch.setattr(KeptBytes, "estimate",
                        lambda self, more=0: 1 << 62 if self.uncounted or more else 0)


def watched(loop_of):
    """`loop_of(after_step)`, whose `after_step()` notes the running Recorder's drops (read
    without a look: `dropped` sorts nothing) after each step's updates."""
    drops: list = []

    def after_step():
        drops.append(RUNNING[-1].dropped)
    return loop_of(after_step), drops


def bits(step) -> tuple:
    """A step's summary and outline, its loss by its bits (a NaN loss is not == itself)."""
    mine = summary(step)
    return mine[:2] + (struct.pack("<d", mine[2]),) + mine[3:], outline(step)


def test_a_loop_far_from_its_budget_counts_no_noted_step(monkeypatch):
    counted = []
    original = noted.noted_bytes

    def counting(*args):
        counted.append(args)
        return original(*args)
    monkeypatch.setattr(noted, "noted_bytes", counting)
    loop = huber_loop([1.0, 2.0, 3.0] * 10, [1.5, 2.5, 3.5] * 10)
    rec, _, replayed = run(loop)
    # (the first noted steps are counted, until one counted among the kept gives the estimate)
    assert replayed >= 20 and len(counted) <= 3
    during = len(counted)
    lazy = rec.nbytes   # a look: every kept step counted now
    assert len(counted) > during
    monkeypatch.setattr(noted, "noted_bytes", original)
    counting_each_step(monkeypatch)
    eager, _, _ = run(loop)
    assert lazy == eager.nbytes and len(rec) == len(eager) == 30


@pytest.mark.parametrize("budget", [15_000, 25_000, 40_000])
def test_noted_steps_are_dropped_at_the_same_steps_as_when_each_is_counted(monkeypatch, budget):
    xs, ys = [1.0, 2.0, 3.0] * 20, [1.5, 2.5, 3.5] * 20
    loop, lazy_drops = watched(lambda after: huber_loop(xs, ys, after))
    with pytest.warns(StepsDroppedWarning):
        lazy, _, replayed = run(loop, max_bytes=budget)
    lazy_kept = [bits(step) for step in lazy.steps]
    lazy_bytes = lazy.nbytes
    counting_each_step(monkeypatch)
    loop, eager_drops = watched(lambda after: huber_loop(xs, ys, after))
    with pytest.warns(StepsDroppedWarning):
        eager, _, _ = run(loop, max_bytes=budget)
    assert replayed >= 4 and lazy_drops[-1].steps > 0
    assert lazy_drops == eager_drops   # after every step: the same steps dropped, as many bytes
    assert lazy_kept == [bits(step) for step in eager.steps]
    assert lazy_bytes == eager.nbytes   # (a look makes the steps, which then count their ops)


def test_a_step_that_diverges_half_way_and_a_nan_step_near_the_budget_are_as_recorded_fully(
        monkeypatch):
    # the 6th step takes the Huber `if`'s other branch after its first ops (it leaves its
    # program half-way), the 9th reads a NaN, every later one NaN variables
    xs = [1.0, 2.0, 3.0, 1.0, 2.0, 9.0, 1.0, 2.0, float("nan"), 1.0, 2.0, 3.0]
    ys = [x + 0.5 for x in xs]
    loop, lazy_drops = watched(lambda after: huber_loop(xs, ys, after))
    with pytest.warns(StepsDroppedWarning):
        lazy, _, replayed = run(loop, max_bytes=30_000)
    lazy_kept = [bits(step) for step in lazy.steps]
    assert replayed >= 6 and lazy.dropped.steps > 0
    assert math.isnan(lazy.steps[-1].loss) and not math.isnan(lazy.steps[0].loss)
    with monkeypatch.context() as patched:
        counting_each_step(patched)
        loop, eager_drops = watched(lambda after: huber_loop(xs, ys, after))
        with pytest.warns(StepsDroppedWarning):
            run(loop, max_bytes=30_000)
    assert lazy_drops == eager_drops
    monkeypatch.setattr(Sink, "begin", lambda self: None)   # (every segment recorded fully)
    full, _, none = run(huber_loop(xs, ys))
    assert none == 0 and not any(type(step) in NOTED for step in full._steps)
    kept = len(lazy_kept)
    assert lazy_kept == [bits(step) for step in full.steps][-kept:]
    assert [step.index for step in lazy.steps] == list(range(len(xs) - kept, len(xs)))


def test_a_look_at_the_steps_leaves_no_noted_step_held_uncounted():
    # (the noted steps a look makes are counted first: none outlives its made step)
    rec, _, replayed = run(huber_loop([1.0, 2.0, 3.0] * 5, [1.5, 2.5, 3.5] * 5))
    assert replayed >= 10 and rec._kept.uncounted
    steps = rec.steps
    assert not rec._kept.uncounted and not any(type(step) in NOTED for step in steps)
    assert rec.nbytes == rec._kept.nbytes
