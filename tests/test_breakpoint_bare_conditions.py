"""Bare conditions (break_on(condition=...) naming nothing else) are asked about every op by
one node form: its own for the usual one breakpoint, a loop over them for several. Both stop
at the first matching op once, say a None answer once, note a condition's error, and never
ask about the ops a condition runs itself."""
import warnings

import pytest

import tapeviz as tf
from tapeviz.debugger import break_on, clear_breakpoints


@pytest.fixture(autouse=True)
def _cleared():
    yield
    clear_breakpoints()


def _step():
    w = tf.Variable(0.5)
    with tf.GradientTape() as tape:
        loss = tf.exp(w * 3.0) + 1.0
    tape.gradient(loss, [w])


@pytest.mark.parametrize("armed", [1, 2], ids=["one condition", "two conditions"])
def test_bare_conditions_stop_once_at_the_first_match(armed):
    asked = []
    extra = [break_on(condition=lambda node: asked.append(node.op.name) or False,
                      action="continue") for _ in range(armed - 1)]
    bp = break_on(condition=lambda node: node.op.name == "exp", action="continue")
    _step()
    assert [hit.node.op.name for hit in bp.hits] == ["exp"]
    assert bp.hits[0].phase == "forward"
    assert bp.hits[0].source.filename == __file__
    if extra:   # the first was asked about every op, the exp too, each once
        assert asked.count("exp") == 1 and "multiply" in asked and "add" in asked


@pytest.mark.parametrize("armed", [1, 2], ids=["one condition", "two conditions"])
def test_ops_a_bare_condition_runs_are_not_asked_about(armed):
    asked = []

    def condition(node):
        asked.append(node.op.name)
        return bool(tf.reduce_sum(node.output) > 1e9)   # runs two ops of its own
    break_on(condition=condition, action="continue")
    if armed == 2:   # (set at another line: one set again at its line replaces its twin)
        break_on(condition=condition, action="continue")
    _step()
    assert "reduce_sum" not in asked and "greater" not in asked
    assert asked.count("exp") == armed


@pytest.mark.parametrize("armed", [1, 2], ids=["one condition", "two conditions"])
def test_a_bare_condition_answering_none_is_said_once(armed):
    for _ in range(armed - 1):
        break_on(condition=lambda node: False, action="continue")
    break_on(condition=lambda node: None, action="continue")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        _step()
    assert len([w for w in said if "returned None" in str(w.message)]) == 1


@pytest.mark.parametrize("armed", [1, 2], ids=["one condition", "two conditions"])
def test_a_bare_condition_that_raises_is_noted_and_disabled(armed):
    for _ in range(armed - 1):
        break_on(condition=lambda node: False, action="continue")
    bp = break_on(condition=lambda node: node.no_such_field, action="continue")
    with pytest.raises(AttributeError) as raised:
        _step()
    assert "raised by the condition of the breakpoint" in "\n".join(raised.value.__notes__)
    assert not bp.enabled
