"""A training loop's noted steps are kept as records (noted.py: a list each, no object of its
own) until someone looks: stopping makes the closing step alone, and every path that needs a
step object (a look, a step whose updates are a Segment) makes it of its record, the
recording equal to one made fully. (Dropped by the budget at the same steps as counted each
step, a half-way divergence and a NaN step among them: test_recorder_lazy_count.py.)"""
from __future__ import annotations

import tapeviz as tf
from tapeviz.debugger.noted import NotedStep
from test_recorder_replay import RUNNING, assert_same_recording, fully, huber_loop, run

__all__ = ["fully"]   # (the fixture, used by name)


def records(rec) -> int:
    return sum(type(step) is list for step in rec._steps)


def test_many_steps_stay_records_and_stop_makes_the_closing_one_alone(monkeypatch, fully):
    made = []
    original = NotedStep.made

    def counted_made(self):
        made.append(self.index)
        return original(self)
    monkeypatch.setattr(NotedStep, "made", counted_made)
    loop = huber_loop([1.0, 2.0, 3.0] * 40, [1.5, 2.5, 3.5] * 40)
    rec, _, replayed = run(loop)
    # (the first steps learn their programs, a step that leaves one makes the step before;
    # the last, closing at the stop, is made alone)
    made_by_then = list(made)
    assert replayed >= 110 and records(rec) >= 110
    assert made_by_then[-1] == 119 and len(made_by_then) <= 3
    kept_as_records = records(rec)
    assert len(rec) == 120 and records(rec) == kept_as_records   # len makes none
    monkeypatch.undo()
    reference, _, _ = fully(loop)
    assert_same_recording(rec, reference)
    assert records(rec) == 0 and rec.nbytes == sum(step.nbytes for step in rec.steps)


def test_a_look_mid_run_makes_the_last_record_and_the_run_goes_on_noting():
    seen, steps = [], []

    def look():
        steps.append(None)
        if len(steps) == 20:
            recorder = RUNNING[-1]
            seen.append((recorder.last_step.index, records(recorder)))
    rec, _, _ = run(huber_loop([1.0, 2.0, 3.0] * 10, [1.5, 2.5, 3.5] * 10, look))
    (index, kept_as_records), = seen
    assert index == 19 and kept_as_records >= 12
    assert records(rec) >= 8   # (the steps after the look: records again)
    assert [step.index for step in rec.steps] == list(range(30))


def test_an_evaluation_every_fifth_step_after_records_is_as_recorded_fully(fully):
    # a step whose segment holds an evaluation after the updates (a variable read with no
    # tape) takes the step before's updates as a Segment: the record before it is made a
    # NotedStep first
    def loop():
        w, b = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b")
        for i, (x, y) in enumerate(zip([1.0, 2.0, 3.0] * 8, [1.5, 2.5, 3.5] * 8)):
            if i % 5 == 4:
                _ = tf.constant(x) * w + b   # evaluated, no tape
            with tf.GradientTape() as tape:
                t = tf.constant(y) - (tf.constant(x) * w + b)
                loss = t ** 2 if tf.abs(t) <= 1.0 else 2.0 * tf.abs(t) - 1.0
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * dw)
            b.assign_sub(0.01 * db)
    rec, _, replayed = run(loop)
    assert replayed >= 12 and records(rec) >= 8
    labels = [step.label for step in rec.steps]
    reference, _, _ = fully(loop)
    assert labels == [step.label for step in reference.steps] and "evaluation" in labels
    assert_same_recording(rec, reference)
