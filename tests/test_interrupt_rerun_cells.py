"""A notebook cell run again, as a student does after an interrupt or an edit elsewhere: what
it set up replaces what its last run set up, rather than standing beside it."""
import numpy as np
import pytest

import tapeviz as tf
from tapeviz.debugger import break_on, breakpoints


def run_cell(source: str, namespace: dict) -> None:
    """One run of a notebook cell: compiled anew each time, named by its text as ipykernel
    names it."""
    exec(compile(source, f"<cell-{hash(source)}>", "exec"), namespace)


@pytest.fixture
def namespace(quiet_breakpoints):
    return {"tf": tf, "break_on": break_on}


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
