"""The inputs a followed op keeps from outside its segment, by a slice of its inputs (one run
of them) or by their mask (scattered ones): a replayed step shows each as it ran, as the same
program recorded fully shows it (test_recorder_replay.py's reference)."""
from __future__ import annotations

import tapeviz as tf
from tapeviz.debugger.program import _run_of
from tapeviz.debugger.sink import Sink
from test_recorder_replay import assert_same_recording, run


def test_a_branch_keeps_one_run_of_its_inputs_by_a_slice_and_scattered_ones_by_none():
    assert _run_of((True, True)) == slice(None)
    assert _run_of((False, True, True)) == slice(1, 3)
    assert _run_of((True, False)) == slice(0, 1)
    assert _run_of((False,)) == slice(0, 0)
    assert _run_of((True, False, True)) is None


def test_inputs_kept_after_and_around_one_from_inside_are_replayed_as_they_ran(monkeypatch):
    def loop():
        w = tf.Variable(0.5, name="w")
        for step in range(6):
            low, high = tf.constant(-1.0 - step), tf.constant(0.5 + step)
            picked = tf.constant(step % 3 != 1)
            with tf.GradientTape() as tape:
                clipped = tf.clip_by_value(w * 3.0, low, high)   # its last two kept
                either = tf.where(picked, clipped, tf.constant(2.0 * step))   # first and last
                loss = either * either
            w.assign_sub(0.01 * tape.gradient(loss, w))
    replaying, _, replayed = run(loop)
    monkeypatch.setattr(Sink, "begin", lambda self: None)   # (every segment recorded fully)
    reference, _, _ = run(loop)
    assert replayed >= 3
    assert_same_recording(replaying, reference)
