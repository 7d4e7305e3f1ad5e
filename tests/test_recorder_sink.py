"""The Recorder's sink: on its thread, dispatch appends each op and the backward pass writes
each upstream gradient into the Recorder's list, with no event, no backward step and no
call into the Recorder; what it keeps is what the event path keeps."""
import warnings

import numpy as np
import pytest

import tapeviz as tf
from tapeviz import backward, events
from tapeviz.debugger import Recorder
from tapeviz.errors import ShapeError
from tapeviz.node import NODE, RECORD_WIDTH
from tapeviz.threadstate import thread_state

from programs import line_of


def train(steps: int = 3):
    """A small model trained by hand: forward, gradient, two update ops, per step."""
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32), name="w")
    b = tf.Variable(np.array([0.1, -0.2], np.float32), name="b")
    x = tf.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.nn.relu(x @ w + b) ** 2)
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(0.01 * dw)
        b.assign_sub(0.01 * db)


def kept(rec) -> list:
    """Each step's ops as (name, phase, taped, output, gradient or None), and its loss."""
    return [([(op.op, op.phase, op.taped, op.output.tolist(),
               None if op.grad is None else np.asarray(op.grad).tolist()) for op in step],
             step.loss) for step in rec.steps]


def test_dispatch_feeds_the_recorder_through_its_sink_and_announces_no_backward_step(
        monkeypatch):
    announced, called = [], []
    original = backward.Backward._announce
    monkeypatch.setattr(backward.Backward, "_announce",
                        lambda self, found: announced.append(found) or original(self, found))
    with Recorder() as rec:
        monkeypatch.setattr(rec, "_record_op", lambda *a: called.append(a))
        assert thread_state().sink is rec._records
        train()
    assert thread_state().sink is None
    assert announced == [] and called == []
    steps = rec.steps
    assert len(steps) == 3
    for step in steps:
        grads = step.gradients
        # every taped op that leads to w or b got d loss / d its output: the matmul, add,
        # relu and square feeding the sum (and the sum itself, the seed)
        assert {label.split("#")[0] for label in grads} >= {"matmul", "add", "relu", "pow"}
        assert all(op.taped for op in step if op.grad is not None)
        assert [op.op for op in step if op.phase == "forward" and not op.taped][-2:] \
            == ["multiply", "assign_sub"]


def test_a_second_recorder_on_the_thread_hears_events_and_keeps_the_same_steps():
    """The thread has one sink: the first Recorder takes it, a second one gets nodes and
    backward steps from the routes, and both keep the same ops, values and gradients."""
    with Recorder() as first, Recorder() as second:
        assert thread_state().sink is first._records
        assert second._sink_state is None
        # other engines call both; tapeviz's backward pass announces steps to the second
        route = tf.ops.REGISTRY["multiply"].route
        assert first._on_event in route.steps and second._on_event in route.steps
        assert first._on_event not in route.stepped and second._on_event in route.stepped
        assert first._on_event in route.ops and first._on_event not in route.evented
        train()
    assert kept(first) == kept(second)
    assert len(first.steps) == 3 and first.steps[0].gradients


def test_a_gradient_written_to_the_sink_reaches_an_op_of_an_earlier_kept_step():
    """A persistent tape differentiated again after its step ended: its upstream gradients
    go to the step that recorded its ops, as the VJP events did."""
    w = tf.Variable(3.0)
    with Recorder() as rec:
        with tf.GradientTape(persistent=True) as tape:
            y = w * w
            z = y * 2.0
        tape.gradient(z, w)
        first = rec.last_step
        before = first.nbytes
        assert first.gradient_of(y) == 2.0
        tape.gradient(y, w)   # a second call: y's upstream is now 1
    assert first.gradient_of(y) == 1.0
    assert first.nbytes >= before


def test_an_op_only_the_recorder_hears_gets_its_node_on_a_look_and_only_once():
    x = tf.constant(3.0)
    with Recorder() as rec:
        y = x * 2.0          # no tape records: only the Recorder hears these
        z = y + x
        step = rec.current_step
        assert step._flat[NODE::RECORD_WIDTH] == [None, None]
        nodes = step.nodes
        assert [node.op.name for node in nodes] == ["multiply", "add"]
        assert nodes[0].output is y and nodes[1].output is z
        assert nodes[1].inputs[0] is y and nodes[1].inputs[1] is x
        assert nodes[1].input_ids == (id(y), id(x)) and nodes[0].source.lineno == \
            nodes[1].source.lineno - 1
        assert step.nodes[1] is nodes[1] and step.ops[1].node is nodes[1]


def test_a_packed_step_counts_a_tensor_read_by_many_ops_once():
    """A packed step lists a tensor from outside once per read (so that each op finds its
    input again); it holds the tensor once, and the count says so."""
    from test_recorder_memory import held_bytes, held_objects

    c = tf.constant(np.ones(3, np.float32))
    k = tf.constant(2.0)
    with Recorder() as rec:
        y = tf.constant(np.ones(3, np.float32))
        for _ in range(200):
            y = y * c + k
    del y
    step = rec.last_step
    assert step._packed is not None and len(step._packed.outside) > 400   # c and k, per read
    held = held_bytes(held_objects(step, {id(None), id(True), id(False)}))
    assert held <= step.nbytes <= 1.25 * held


def test_steps_of_ever_new_lengths_keep_a_bounded_cache_of_their_types():
    """The count of a packed step looks its types up whole; a loop whose steps differ in
    length each time must not keep every one of them (memory no budget counts)."""
    from tapeviz.debugger import footprint

    c = tf.constant(1.0)
    rec = Recorder()
    with rec:
        for length in range(1000, 1040):
            y = tf.constant(1.0)
            for _ in range(length):
                y = y * c
            rec.mark_step()
    assert len(rec) == 40
    assert sum(map(len, footprint._BY_KINDS)) <= footprint.KINDS_KEPT


def _scoped_step(w, x):
    with tf.GradientTape() as tape:
        with tf.name_scope("block"):
            h = tf.nn.relu(tf.matmul(x, w))
        loss = tf.reduce_sum(h * h)
    return tape.gradient(loss, [w])


def test_a_node_made_on_a_look_is_the_node_dispatch_would_have_made():
    """Ops no tape keeps (a VJP's, in the backward phase) get their node on a look: with the
    phase, scope, line, params and ids dispatch gives the node it makes for a listener."""
    w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32))
    x = tf.constant(np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32))

    def fields(node, index_of):
        return (node.op.name, node.phase, node.scope, node.source, node.params,
                tuple(index_of.get(key, "outside") for key in node.input_ids))

    def described(nodes):
        index_of = {node.output_id: index for index, node in enumerate(nodes)}
        return [fields(node, index_of) for node in nodes]

    with Recorder(split="mark") as rec:   # (the step stays open: its records as they came)
        _scoped_step(w, x)
        step = rec.current_step
        kept = step._record_count()   # the backward pass is one record until a look
        late = step._flat[NODE::RECORD_WIDTH].count(None)
        looked = described(step.nodes)
    heard = []
    events.subscribe(heard.append, kinds=(events.OpExecuted,))
    try:
        _scoped_step(w, x)
    finally:
        events.unsubscribe(heard.append)
    assert late >= 1 and len(looked) >= kept + 3   # the backward pass's ops, made on the look
    assert looked == described([event.node for event in heard])
    assert {phase for _, phase, *_ in looked} == {"forward", "backward"}
    assert any(scope == "block" for _, _, scope, *_ in looked)


def test_steps_that_read_their_tensors_in_another_pattern_are_still_counted_whole():
    """A packed step's count takes the first read of each tensor from outside by the pattern
    the last step of as many reads had; a step that reads other tensors where that one read
    one again is counted whole, and one that reads one where that one read others, within
    its bound."""
    from test_recorder_memory import held_bytes, held_objects

    shared = {id(None), id(True), id(False)}
    same = tf.constant(np.ones(1000, np.float32))
    others = [tf.constant(np.full(1000, i, np.float32)) for i in range(4)]
    with Recorder(split="mark") as rec:
        for reads in ([same] * 4, others, [same] * 4):
            y = tf.constant(np.zeros(1000, np.float32))
            for tensor in reads:
                y = y + tensor
            rec.mark_step()
    del y
    assert len(rec) == 3 and all(step._packed is not None for step in rec.steps)
    for step in rec.steps:
        held = held_bytes(held_objects(step, shared))
        assert held <= step.nbytes, (step, held)
    one, four, again = rec.steps
    assert one.nbytes <= 1.25 * held_bytes(held_objects(one, shared))
    assert four.nbytes - one.nbytes > 3 * 4000   # three arrays more, each counted


def test_a_packed_step_counts_its_loss_and_variable_gradients():
    from test_recorder_memory import held_bytes, held_objects

    w = tf.Variable(np.ones(1000, np.float64))
    b = tf.Variable(np.ones(1000, np.float64))
    with Recorder() as rec:
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w) + tf.reduce_sum(b)
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * dw)
            b.assign_sub(0.1 * db)
    del dw, db, loss, tape
    step = rec.steps[0]
    assert step._packed is not None and sorted(step.variable_gradients) == sorted(
        [w.name, b.name])
    held = held_bytes(held_objects(step, {id(None), id(True), id(False)}))
    assert held <= step.nbytes <= 1.25 * held


def test_an_op_only_the_recorder_hears_says_what_numpy_rejected_from_the_users_line():
    """Such an op takes dispatch's sunk path: a bad input still names the op, what came and
    the user's line, and numpy's warnings are still said naming the op; no record is kept
    of an op that failed."""
    x, y = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 2.0])
    inf = tf.constant([1.0, np.inf])
    with Recorder() as rec:
        assert tf.ops.REGISTRY["add"].route.sunk_only
        with pytest.raises(ShapeError) as caught:
            x + y   # marker: sunk add
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            inf - inf
    text = str(caught.value)
    assert text.startswith("add: operand shapes must broadcast together; got float32[3], "
                           "float32[2]; in TensorFlow's words: Incompatible shapes: [3] vs. "
                           "[2]\n  at ")
    assert f"test_recorder_sink.py:{line_of(__file__, 'marker: sunk add')} in " in text
    assert text.endswith("x + y   # marker: sunk add")
    assert [str(w.message) for w in said if w.category is RuntimeWarning] == [
        "subtract: invalid value encountered in subtract; input 0 already held 1 Inf: it "
        "spread from an earlier op or is in the data (a constant, numpy array or dataset "
        "batch)"]
    assert [op.op for op in rec.last_step.ops] == ["subtract"]
