"""A finished step whose nodes nothing else holds is kept as columns (`debugger/packed.py`):
what anyone reads from it afterwards must be what the step's own nodes said."""
from __future__ import annotations

import gc
import re
import types

import numpy as np

import tapeviz as tf
from tapeviz.debugger import BackwardStepper, Recorder
from tapeviz.debugger.replay import replay_tape
from tapeviz.node import DURATION, RECORD_WIDTH, TAPED, Node
from tapeviz.ops.registry import Op
from tapeviz.sourceinfo import SourceInfo

SHARED = (type, types.ModuleType, types.FunctionType, Op, SourceInfo, tf.Variable)


def train(steps: int, persistent: bool):
    """A two-layer regression under a Recorder; with `persistent` tapes, kept in a list, so
    every step's nodes stay held elsewhere (never packed). Returns the recorder, the tapes,
    and each step's (h, loss) tensors."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))
    y = tf.constant(rng.normal(size=(4, 1)).astype(np.float32))
    w1 = tf.Variable(rng.normal(size=(3, 5)).astype(np.float32), name="w1")
    w2 = tf.Variable(rng.normal(size=(5, 1)).astype(np.float32), name="w2")
    tapes, tensors = [], []
    with Recorder() as rec:
        for _ in range(steps):
            with tf.GradientTape(persistent=persistent) as tape:
                with tf.name_scope("layer"):
                    h = tf.nn.relu(tf.matmul(x, w1))
                loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - y))
            grads = tape.gradient(loss, [w1, w2])
            w1.assign_sub(0.1 * grads[0])
            w2.assign_sub(0.1 * grads[1])
            tapes.append(tape)
            tensors.append((h, loss))
    return rec, tapes, tensors


def base_name(name: str) -> str:
    """'w1' of 'w1:0' or 'w1_1:0' (the runs compared live at once, so names are made unique)."""
    return re.sub(r"(_\d+)?:\d+$", "", name)


def outline(step) -> list:
    """What a reader sees of each op: name, phase, scope, line, params, value, whether taped,
    and where each input came from (an earlier op of the step, else a variable's name, else
    the value of a tensor from outside)."""
    made = {}
    rows = []
    for rop in step.ops:
        node = rop.node
        inputs = []
        for tensor, key in zip(node.inputs, node.input_ids):
            if key in made:
                inputs.append(("op", made[key]))
            elif getattr(tensor, "variable", None) is not None and key == id(tensor.variable):
                inputs.append(("variable", base_name(tensor.variable.name),
                               tensor._value.tolist()))
            else:
                inputs.append(("outside", np.asarray(tensor._value).tolist()))
        assert node.output_id == id(node.output)
        made[node.output_id] = rop.index
        grad = rop.grad
        rows.append((node.op.name, node.phase, node.scope, node.source.lineno, node.params,
                     np.asarray(rop.output).tolist(), rop.taped, tuple(inputs),
                     None if grad is None else np.asarray(grad).tolist()))
    return rows


def test_a_step_nothing_else_holds_is_packed_and_reads_as_its_nodes_did():
    packed_rec, _, packed_tensors = train(3, persistent=False)
    held_rec, held_tapes, _ = train(3, persistent=True)
    assert all(step._packed is not None for step in packed_rec.steps)
    assert all(step._packed is None for step in held_rec.steps)   # a tape holds their nodes
    for packed, held in zip(packed_rec.steps, held_rec.steps):
        assert outline(packed) == outline(held)
        assert packed.loss == held.loss and len(packed) == len(held)
        for kept in (packed, held):
            assert sorted(map(base_name, kept.variables)) == ["w1", "w2"]
            assert sorted(map(base_name, kept.variables_after)) == ["w1", "w2"]
        for values in ("variables", "variables_after"):
            for (_, got), (_, expected) in zip(sorted(getattr(packed, values).items()),
                                               sorted(getattr(held, values).items())):
                np.testing.assert_array_equal(got, expected)
    # the user's tensors still find their ops and gradients in a packed step
    h, loss = packed_tensors[1]
    step = packed_rec.steps[1]
    assert step.op_of(h).op == "relu" and step.value_of(h) is h._value
    assert step.gradient_of(loss) == 1.0 and step.gradient_of(h).shape == (4, 5)


def test_the_nodes_of_a_packed_step_are_made_once():
    rec, _, _ = train(2, persistent=False)
    step = rec.steps[0]
    assert step._packed is not None
    nodes = step.nodes
    assert step._packed is None and step.nodes is nodes
    assert [rop.node for rop in step.ops] == nodes and all(isinstance(n, Node) for n in nodes)
    assert step.find(op="relu")[0].node is nodes[step.find(op="relu")[0].index]


def test_a_packed_step_keeps_each_ops_taped_flag_and_duration():
    w = tf.Variable([1.0, 2.0])
    with Recorder() as rec:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        # the open step's records, as dispatch added them (node.RECORD_FIELDS)
        flat = rec.current_step._flat
        forward = list(zip(map(bool, flat[TAPED::RECORD_WIDTH]), flat[DURATION::RECORD_WIDTH]))
        _ = w.assign_sub(0.1 * tape.gradient(loss, w))
        _ = tf.constant(1.0) + 1.0   # a step after it: the first is final, and packed
    step = rec.steps[0]
    assert step._packed is not None
    assert [(op.taped, op.duration) for op in step.ops[:len(forward)]] == forward
    assert forward == [(True, forward[0][1]), (True, forward[1][1])] and forward[0][1] > 0
    assert [op.taped for op in step.ops[len(forward):]] == [False] * (len(step) - 2)


def test_a_packed_step_replays_its_backward_pass():
    rec, _, _ = train(2, persistent=False)
    held, tapes, _ = train(2, persistent=True)
    for step, original in zip(rec.steps, held.steps):
        assert step._packed is not None
        replay = replay_tape(step)
        again = BackwardStepper(*replay).run()
        expected = replay_tape(original)
        expected_grads = BackwardStepper(*expected).run()
        for source, other in zip(replay.sources, expected.sources):
            np.testing.assert_allclose(again.gradient(source).numpy(),
                                       expected_grads.gradient(other).numpy())


def test_a_packed_recording_keeps_far_fewer_objects_for_the_collector():
    """The point of packing: a kept step holds a few tracked containers, not a node, a tensor
    and an inputs tuple per op."""
    def tracked_held(rec) -> int:
        ids = set()
        for step in rec.steps:
            stack = [step]
            while stack:
                obj = stack.pop()
                if id(obj) in ids or not gc.is_tracked(obj) or isinstance(obj, SHARED):
                    continue
                ids.add(id(obj))
                stack.extend(gc.get_referents(obj))
        return len(ids)

    packed, _, _ = train(20, persistent=False)
    held, tapes, _ = train(20, persistent=True)
    # records as kept (a backward pass kept whole is one: len() would make its ops again)
    ops = sum(step._record_count() for step in packed.steps)
    assert tracked_held(held) > 3 * ops
    assert tracked_held(packed) < tracked_held(held) / 2


def test_an_op_of_hundreds_of_inputs_packs_and_reads_back():
    parts = [tf.constant(float(i)) for i in range(300)]
    with Recorder() as rec:
        total = tf.reduce_sum(tf.stack(parts))
    step = rec.last_step
    assert step._packed is not None
    node = step.ops[0].node
    assert node.op.name == "stack" and len(node.inputs) == 300
    assert all(tensor is part for tensor, part in zip(node.inputs, parts))
    assert step.ops[1].node.inputs[0] is node.output and float(step.ops[1].output) == float(total)
