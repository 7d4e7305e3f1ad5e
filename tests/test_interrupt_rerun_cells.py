"""A notebook cell run again, as a student does after an interrupt or an edit elsewhere: what
it set up replaces what its last run set up, rather than standing beside it."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz import events
from tapeviz.debugger import Recorder, break_on, breakpoints
from tapeviz.threadstate import thread_state


def run_cell(source: str, namespace: dict) -> None:
    """One run of a notebook cell: compiled anew each time, named by its text as ipykernel
    names it."""
    exec(compile(source, f"<cell-{hash(source)}>", "exec"), namespace)


@pytest.fixture
def namespace(quiet_breakpoints):
    return {"tf": tf, "break_on": break_on, "Recorder": Recorder}


def test_a_breakpoint_cell_run_twice_arms_one_breakpoint_and_clearing_it_stops_nothing(namespace):
    cell = 'bp = break_on(op="exp", condition=lambda node: True, action="continue")\n'
    run_cell(cell, namespace)
    first = namespace["bp"]
    run_cell(cell, namespace)
    assert breakpoints() == [namespace["bp"]] and not first.enabled
    tf.exp(tf.constant(1.0))
    assert len(namespace["bp"].hits) == 1 and first.hits == []   # the new one stops
    namespace["bp"].clear()   # what the student then does: nothing left to stop at exp
    tf.exp(tf.constant(1.0))
    assert breakpoints() == [] and len(namespace["bp"].hits) == 1


def test_breakpoints_a_cell_sets_on_different_ops_or_conditions_all_stay(namespace):
    run_cell('bps = [break_on(op=name, action="continue") for name in ("exp", "log")]\n'
             'big = break_on(op="exp", condition=lambda node: node.output.numpy() > 2,'
             ' action="continue")\n'
             'small = break_on(op="exp", condition=lambda node: node.output.numpy() < 2,'
             ' action="continue")\n', namespace)
    assert len(breakpoints()) == 4
    run_cell('again = break_on(op="exp", action="continue")\n', namespace)   # another cell
    assert len(breakpoints()) == 5
    np.testing.assert_allclose(tf.exp(tf.constant(0.0)).numpy(), 1.0)


STEP = """
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(w * w)
tape.gradient(loss, w)
"""


def test_a_recorder_cell_run_twice_leaves_one_recording(namespace):
    namespace["w"] = tf.Variable([1.0, 2.0])
    cell = "rec = Recorder().start()\n"
    run_cell(cell, namespace)
    first = namespace["rec"]
    run_cell(cell, namespace)
    rec = namespace["rec"]
    try:
        assert not first.recording and rec.recording   # the rebound one no longer records
        run_cell(STEP, namespace)
        assert (len(first), len(rec)) == (0, 1)
        assert thread_state().sink is rec._records   # the new one records the fast way
    finally:
        rec.stop(), first.stop()
    assert not events.subscribers() and thread_state().sink is None


def test_recorders_started_at_two_lines_both_record(namespace):
    namespace["w"] = tf.Variable([1.0, 2.0])
    run_cell("outer = Recorder().start()\ninner = Recorder().start()\n" + STEP, namespace)
    outer, inner = namespace["outer"], namespace["inner"]
    assert outer.recording and inner.recording and (len(outer), len(inner)) == (1, 1)
    inner.stop(), outer.stop()
    assert not events.subscribers()


def test_a_recorder_block_interrupted_then_run_again_records_the_step(namespace):
    namespace["w"] = tf.Variable([1.0, 2.0])
    cell = "with Recorder() as rec:" + STEP.replace("\n", "\n    ") + "interrupt()\n"
    namespace["interrupt"] = lambda: (_ for _ in ()).throw(KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        run_cell(cell, namespace)
    first = namespace["rec"]
    namespace["interrupt"] = lambda: None
    run_cell(cell, namespace)
    assert not first.recording and len(first) == 1 and len(namespace["rec"]) == 1
    assert not events.subscribers() and thread_state().sink is None
