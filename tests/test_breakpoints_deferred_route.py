"""Which ops dispatch sends straight to a deferred node (routing.Route.deferred): those that
node forms hear, a bare condition's, never those only a Recorder hears while its sink is
away (the backward pass it keeps as one record), which keep the fast path."""
import tapeviz as tf
from tapeviz import dispatch
from tapeviz.debugger import Recorder, break_on


def _lecture_steps(steps: int = 3):
    w, b = tf.Variable(0.5), tf.Variable(0.0)
    for x, y in [(1.0, 2.0), (2.0, 3.0), (3.0, 5.0)][:steps]:
        with tf.GradientTape() as tape:
            loss = (y - (w * x + b)) ** 2
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.01 * dw)
        b.assign_sub(0.01 * db)


def _deferred_nodes_made(monkeypatch) -> list:
    made = []
    real = dispatch.deferred_node

    def counted(*args):
        node = real(*args)
        made.append(node)
        return node
    monkeypatch.setattr(dispatch, "deferred_node", counted)
    return made


def test_a_recorder_alone_makes_no_deferred_node(monkeypatch):
    made = _deferred_nodes_made(monkeypatch)
    with Recorder() as recorder:
        _lecture_steps()
    assert len(recorder.steps) == 3
    assert made == []


def test_a_bare_condition_under_a_recorder_is_asked_about_every_op(monkeypatch):
    made = _deferred_nodes_made(monkeypatch)
    asked = []
    bp = break_on(condition=lambda node: asked.append(node.op.name) is not None)
    try:
        with Recorder():
            _lecture_steps(1)
    finally:
        bp.clear()
    assert {"multiply", "subtract", "assign_sub"} <= set(asked)
    assert all(node.source is not None for node in made)
