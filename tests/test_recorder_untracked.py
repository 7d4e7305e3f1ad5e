"""A step the Recorder keeps as a segment run again holds no object the cycle collector walks
for what came from outside: the values alone (program.py), its tensors made again on a look
as they were (the variable read there, the gradient the update applied)."""
import gc

import numpy as np

import tapeviz as tf
from tapeviz.debugger import Recorder
from tapeviz.debugger.noted import NotedStep


def lecture_loop(xs, ys, variables=None):
    """The lecture's loop; `variables(step)`, if given, names the variable the forward
    multiplies by at that step (the same line: one op, a different variable)."""
    w, b, v = tf.Variable(0.5, name="w"), tf.Variable(0.0, name="b"), tf.Variable(0.25,
                                                                                name="v")
    for step, (x, y) in enumerate(zip(xs, ys)):   # (returns the three variables)
        weight = v if variables is not None and variables(step) == "v" else w
        with tf.GradientTape() as tape:
            t = tf.constant(y) - (tf.constant(x) * weight + b)
            loss = t ** 2 if tf.abs(t) <= 1.0 else 2.0 * tf.abs(t) - 1.0
        dw, db = tape.gradient(loss, [weight, b])
        weight.assign_sub(0.01 * dw)
        b.assign_sub(0.01 * db)
    return w, b, v


NOTED = (NotedStep, list)   # a noted step, or its record (noted.py)


def noted_steps(rec) -> list:
    """The kept steps only noted, a record as the NotedStep a look makes of it."""
    return [NotedStep.of(step, None) if type(step) is list else step for step in rec._steps
            if type(step) in NOTED]


def run_again(rec) -> int:
    """How many of the steps kept are segments run again (counted before anyone looks)."""
    return sum(type(step) in NOTED or step._parts is not None for step in rec._steps)


def test_a_noted_step_keeps_its_inputs_from_outside_as_untracked_values():
    with Recorder() as rec:
        lecture_loop([1.0, 2.0, 3.0] * 4, [1.5, 2.5, 3.5] * 4)
        noted = noted_steps(rec)
        assert len(noted) >= 8
        gc.collect()   # (a tuple of untracked items is untracked by the collection that sees it)
        for step in noted:
            for segment, _, _ in step.parts:
                assert segment.outside and all(
                    isinstance(value, (np.ndarray, np.generic)) for value in segment.outside)
                assert not gc.is_tracked(segment.outside)
        # one tuple of sources for every step of the same gradient call
        assert len({id(step.sources) for step in noted}) == 1


def test_a_step_run_again_applies_the_very_gradient_it_keeps():
    with Recorder() as rec:
        lecture_loop([1.0, 2.0, 3.0] * 4, [1.5, 2.5, 3.5] * 4)
    assert run_again(rec) >= 5
    steps = rec.steps
    for step in steps[:-1]:
        kept = {id(grad) for grad in step.variable_gradients.values()}
        applied = {id(tensor) for node in step.nodes if node.phase == "forward"
                   and node.op.name == "multiply" for tensor in node.inputs}
        assert len(kept) == 2 and kept <= applied, step.number


def test_a_step_run_again_reads_the_variable_its_op_read():
    """The same op at the same line multiplying by another variable leaves the program (its
    producers' check names the variable): each step, run again or recorded, names the
    variable it read, and its value then."""
    def which(step):
        return "v" if step >= 8 else "w"
    with Recorder() as rec:
        w, b, v = lecture_loop([1.0, 2.0, 3.0] * 6, [1.5, 2.5, 3.5] * 6, variables=which)
    assert run_again(rec) >= 3
    names = {"w": w.name, "v": v.name}
    for step in rec.steps:
        assert sorted(step.variables) == sorted([names[which(step.index)], b.name])
    for name, variable in ((w.name, w), (v.name, v)):
        values = [float(step.variables[name]) for step in rec.steps if name in step.variables]
        after = [float(step.variables_after[name]) for step in rec.steps
                 if name in step.variables_after]
        assert values[1:] == after[:-1] and after[-1] == float(variable.numpy())


def test_a_step_run_again_says_a_python_number_is_one(monkeypatch):
    """A constant the loop wrote (`m=1.0`, `0.01 * dw`) is made again as one from Python: the
    widget calls it a const in a step run again as in the step recorded fully."""
    from tapeviz.debugger.sink import Sink
    from tapeviz.python_numbers import from_python

    def python_inputs(rec) -> list:
        return [[[from_python(tensor) for tensor in node.inputs] for node in step.nodes]
                for step in rec.steps]
    xs, ys = [1.0, 2.0, 3.0] * 4, [1.5, 2.5, 3.5] * 4
    with Recorder() as rec:
        lecture_loop(xs, ys)
        assert run_again(rec) >= 5
    again = python_inputs(rec)
    assert sum(step._ran_again for step in rec.steps) >= 5
    monkeypatch.setattr(Sink, "begin", lambda self: None)   # every segment recorded fully
    with Recorder() as full:
        lecture_loop(xs, ys)
        assert run_again(full) == 0
    said = python_inputs(full)
    assert sum(map(sum, said[3])) >= 3   # 0.01 twice, the Huber's numbers
    assert again == said


def test_a_noted_step_holds_its_parts_with_no_container_of_its_own():
    # each object a kept step holds is one more the cycle collector walks at every
    # collection of a long run: a noted step's parts are slots, listed only when made
    with Recorder() as rec:
        lecture_loop([1.0, 2.0, 3.0] * 4, [1.5, 2.5, 3.5] * 4)
        noted = noted_steps(rec)
        assert len(noted) >= 8
        for step in noted:
            held = [thing for thing in gc.get_referents(step) if gc.is_tracked(thing)]
            # (a list: only the step after it, noted as a record, whose first ops it takes)
            assert not [thing for thing in held if type(thing) is list
                        and thing is not step.updates]
            # (its own gradients, the sources, the gradients it began with: the step
            # before's; its values from outside hold nothing tracked: the tuple is untracked
            # at its first collection)
            tuples = [thing for thing in held if type(thing) is tuple]
            assert all(thing is step.sources or thing is step.gradients or thing is step.given
                       or thing is step.outside for thing in tuples) and len(tuples) <= 4
            assert not any(map(gc.is_tracked, step.outside))
        step, after = noted[2], noted[3]
        parts = step.parts   # its own ops, then its updates: the next step's segment's first
        assert parts == [(step.segment, step.first, step.segment.end.depth),
                         (after.segment, 0, after.first)] and after.first > 0
    made = rec.steps[step.index]   # made on a look from those parts
    assert made.number == step.number and made.ops[-1].op == "assign_sub"   # its updates
