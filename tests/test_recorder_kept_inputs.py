"""A followed op keeps the values of its inputs from outside the segment in the order its
program reads them again on a look (dispatch_followed.py): one input, an op's two, a run of
three inputs' last two, a scattered mask and a random op's output each kept their own way.
A step recorded so, and one that leaves its program at an op or at an update, must read as
the same loop recorded fully."""
from __future__ import annotations

import numpy as np

import tapeviz as tf
from tapeviz.debugger.program import Branch

from test_recorder_replay import assert_same_recording, fully, run  # noqa: F401 (a fixture)

MASK = np.array([True, False, True])


def kept_inputs_loop(leave_at_op: int = -1, leave_at_update: int = -1, read_forward=False):
    """Each step reads constants and a variable through ops that keep one input, two, the
    last two of three and the first and last of three, draws noise, and updates; step
    `leave_at_op` wires its where otherwise, step `leave_at_update` gives its update the
    variable (or, `read_forward`, a forward output) in place of its gradient."""
    def loop():
        w = tf.Variable(np.array([0.5, -0.2, 1.5], np.float32), name="w")
        for step in range(8):
            x = tf.constant(np.float32([1.0, 2.0, 3.0]) + step)
            y = tf.constant(np.float32([2.0, -1.0, 0.5]) * step)
            with tf.GradientTape() as tape:
                p = x * w                                                # two kept
                q = p + 1.0                                              # one kept (second)
                c = tf.where(MASK, q, y) if step != leave_at_op else tf.where(MASK, y, q)
                d = tf.clip_by_value(c, tf.constant(-4.0), tf.constant(4.0))  # last two
                noise = tf.random.uniform((3,))                          # its output kept
                loss = tf.reduce_sum(d * d * noise)
            g = tape.gradient(loss, w)
            other = d if read_forward else w
            w.assign_sub(0.01 * (g if step != leave_at_update else other))   # one kept (first)
    return loop


def kept_forms(replaying) -> set:
    """How the branches of the programs `replaying` learned keep their inputs."""
    forms = set()
    pending = [replaying._records.root]
    while pending:
        branch: Branch = pending.pop()
        pending.extend(branch.values())
        if branch.outside:
            forms.add("one" if branch.one is not None else "pair" if branch.pair else
                      "output" if branch.keeps_output else
                      "run" if branch.kept is not None else "scattered")
    return forms


def test_each_way_of_keeping_inputs_replays_as_recorded_fully(fully):  # noqa: F811
    loop = kept_inputs_loop()
    replaying, _, replayed = run(loop)
    reference, _, none = fully(loop)
    assert replayed >= 5 and none == 0
    assert kept_forms(replaying) == {"one", "pair", "run", "scattered", "output"}
    assert_same_recording(replaying, reference)


def test_a_step_leaving_at_an_op_after_kept_inputs_is_recorded_exactly(fully):  # noqa: F811
    loop = kept_inputs_loop(leave_at_op=4)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 4
    assert_same_recording(replaying, reference)


def test_a_step_leaving_at_an_update_after_kept_inputs_is_recorded_exactly(fully):  # noqa: F811
    loop = kept_inputs_loop(leave_at_update=5)
    replaying, _, replayed = run(loop)
    reference, _, _ = fully(loop)
    assert replayed >= 4
    assert_same_recording(replaying, reference)


def test_a_step_whose_update_reads_a_forward_output_is_recorded_exactly(fully):  # noqa: F811
    """Its program read a gradient given there (program.GIVEN): the forward output, also from
    outside the segment, leaves the program, and the step is recorded fully from there."""
    loop = kept_inputs_loop(leave_at_update=5, read_forward=True)
    replaying, _, _ = run(loop)
    reference, _, _ = fully(loop)
    assert_same_recording(replaying, reference)
